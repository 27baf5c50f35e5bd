// Likelihoods: closed-form output Fisher = E[score scoreᵀ], factors, means, KL, exponential-family builder, validation.
import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, ValueError, grad, hessian, logSumExp, oneHot, random, softplus, tensor, type Tensor } from '../../src/index.js';
import {
  bernoulli, categorical, exponentialFamily, logFactorial, normal, normalWithScale, poisson, psdCholesky, type Likelihood,
} from '../../src/likelihoods/index.js';
import { klDivergence } from '../../src/curvature/index.js';
import { expectClose, f64, mat } from './helpers.js';

const i32 = (v: number | number[]): Tensor => tensor(v, { dtype: 'int32' });
const scoreOuter = (lik: Likelihood, f: Tensor, y: Tensor): number[][] => {
  const s = grad((ff: Tensor) => lik.logProb(ff, y))(f).reshape([-1]) as Tensor;
  const v = s.toArray() as number[];
  return v.map((a) => v.map((b) => a * b));
};
const addScaled = (acc: number[][], m: number[][], w: number): number[][] => acc.map((r, i) => r.map((c, j) => c + w * m[i]![j]!));
const zerosKK = (k: number): number[][] => Array.from({ length: k }, () => new Array<number>(k).fill(0));

describe('output-space Fisher by enumeration / quadrature', () => {
  it('bernoulli: p(1−p) on the diagonal = E[score²]', () => {
    const f = f64([0.3, -1.2]);
    let acc = zerosKK(2);
    for (const y of [[0, 0], [0, 1], [1, 0], [1, 1]]) acc = addScaled(acc, scoreOuter(bernoulli(), f, f64(y)), Math.exp(bernoulli().logProb(f, f64(y)).item()));
    expectClose(bernoulli().outputFisher(f), acc, 1e-12);
    const p = [0.3, -1.2].map((z) => 1 / (1 + Math.exp(-z)));
    expectClose(bernoulli().outputFisher(f), [[p[0]! * (1 - p[0]!), 0], [0, p[1]! * (1 - p[1]!)]], 1e-12);
  });

  it('categorical: diag(p) − ppᵀ = E[score scoreᵀ]; the mean is softmax', () => {
    const f = f64([0.5, -0.25, 1.5, 0]);
    const lik = categorical();
    let acc = zerosKK(4);
    for (let y = 0; y < 4; y++) acc = addScaled(acc, scoreOuter(lik, f, i32(y)), Math.exp(lik.logProb(f, i32(y)).item()));
    const p = lik.mean(f).toArray() as number[];
    expectClose(lik.outputFisher(f), p.map((a, i) => p.map((b, j) => (i === j ? a : 0) - a * b)), 1e-12);
    expectClose(lik.outputFisher(f), acc, 1e-12);
  });

  it('poisson: exp(η) = E[score²] (truncated sum)', () => {
    const lik = poisson();
    const f = f64([0.4]);
    let acc = zerosKK(1);
    for (let y = 0; y < 60; y++) acc = addScaled(acc, scoreOuter(lik, f, f64([y])), Math.exp(lik.logProb(f, f64([y])).item()));
    expectClose(lik.outputFisher(f), acc, 1e-12);
  });

  it('normal and normalWithScale: F = E[−∇² log p] (exact 2-point quadrature)', () => {
    expectClose(normal({ sigma: 0.5 }).outputFisher(f64([1, 2])), [[4, 0], [0, 4]], 1e-12);
    const lik = normalWithScale();
    const o = f64([0.7, -0.3]);
    const sig = Math.exp(-0.3);
    let acc = zerosKK(2);
    for (const y of [0.7 - sig, 0.7 + sig]) acc = addScaled(acc, mat(hessian((oo: Tensor) => lik.logProb(oo, f64(y)).neg())(o).reshape([2, 2])), 0.5);
    expectClose(lik.outputFisher(o), acc, 1e-12);
  });

  it('outputFisherSqrt S satisfies S Sᵀ = F for every likelihood', () => {
    const cases: [Likelihood, Tensor][] = [[bernoulli(), f64([0.2, -2])], [categorical(), f64([1, 0, -1])], [poisson(), f64([0.1, 1])],
      [normal({ sigma: 2 }), f64([1, 1, 1])], [normalWithScale(), f64([[0, 0.5], [1, -1]])]];
    for (const [lik, f] of cases) {
      const S = lik.outputFisherSqrt(f);
      expectClose(S.matmul(S.T), lik.outputFisher(f), 1e-12);
    }
    const F = categorical().outputFisher(f64([0.3, 0.1, -0.4]));
    const L = psdCholesky(F);
    expectClose(L.matmul(L.T), F, 1e-12); // F is singular (rank k − 1)
  });
});

describe('exponentialFamily builder', () => {
  const bern = exponentialFamily({ name: 'bern', sufficientStats: (y) => y, logPartition: (eta) => softplus(eta).sum() });
  const cat = exponentialFamily({ name: 'cat', sufficientStats: (y) => oneHot(y, 3, 'float64'), logPartition: (eta) => logSumExp(eta) });
  const pois = exponentialFamily({ name: 'pois', sufficientStats: (y) => y, logPartition: (eta) => eta.exp().sum(), baseMeasure: (y) => logFactorial(y).sum().neg() });

  it('matches the built-ins: logProb, mean, Fisher, factor, KL', () => {
    const pairs: [Likelihood, Likelihood, Tensor, Tensor, Tensor][] = [
      [bern, bernoulli(), f64([0.3, -0.7]), f64([1, 0]), f64([0, 0.2])],
      [cat, categorical(), f64([0.3, -0.7, 1]), i32(2), f64([0, 0.2, 0.1])],
      [pois, poisson(), f64([0.3, -0.7]), f64([2, 0]), f64([0, 0.2])],
    ];
    for (const [ef, bi, f, y, g] of pairs) {
      expect(ef.logProb(f, y).item()).toBeCloseTo(bi.logProb(f, y).item(), 12);
      expectClose(ef.mean(f), bi.mean(f), 1e-12);
      expectClose(ef.outputFisher(f), bi.outputFisher(f), 1e-12);
      const S = ef.outputFisherSqrt(f);
      expectClose(S.matmul(S.T), bi.outputFisher(f), 1e-12);
      expect(klDivergence(ef, f, g).item()).toBeCloseTo(klDivergence(bi, f, g).item(), 12);
    }
    expect(() => bern.sample(random.key(0), f64([0]))).toThrow(/no sampler/);
  });

  it('KL ≈ ½ δᵀ F δ for small δ, and KL(f‖f) = 0', () => {
    for (const [lik, f, d] of [[categorical(), f64([0.2, 0.5, -1]), f64([1e-3, -2e-3, 5e-4])], [normalWithScale(), f64([0.2, 0.4]), f64([1e-3, -2e-3])],
      [poisson(), f64([0.1, 0.9]), f64([1e-3, 2e-3])]] as const) {
      const quad = 0.5 * (d.reshape([1, -1]).matmul(lik.outputFisher(f)).matmul(d.reshape([-1, 1])).item());
      expect(Math.abs(klDivergence(lik, f, f.add(d)).item() - quad)).toBeLessThan(3e-3 * quad);
      expect(klDivergence(lik, f, f).item()).toBeCloseTo(0, 14);
    }
  });

  it('logFactorial is accurate', () => {
    expectClose(logFactorial(f64([0, 1, 5, 10, 100])), [0, 0, Math.log(120), Math.log(3628800), 363.73937555556347], 1e-13);
  });
});

describe('sampling and label validation', () => {
  it('poisson and categorical samples have the right means (CLT bound)', () => {
    const lam = Math.exp(0.8);
    const ys = poisson().sample(random.key(7), f64(new Array<number>(4000).fill(0.8))).toArray() as number[];
    const m = ys.reduce((a, b) => a + b, 0) / ys.length;
    expect(Math.abs(m - lam)).toBeLessThan(4 * Math.sqrt(lam / ys.length));
    const cs = categorical().sample(random.key(8), f64(Array.from({ length: 3000 }, () => [0, Math.log(3)]))).toArray() as number[];
    expect(Math.abs(cs.reduce((a, b) => a + b, 0) / cs.length - 0.75)).toBeLessThan(4 * Math.sqrt(0.1875 / 3000));
  });

  it('rejects labels out of range, of the wrong dtype or shape, naming the likelihood', () => {
    expect(() => categorical().logProb(f64([0, 0, 0]), i32(3))).toThrow(ValueError);
    expect(() => categorical().logProb(f64([0, 0, 0]), i32(-1))).toThrow(/categorical/);
    expect(() => categorical().logProb(f64([0, 0, 0]), f64(1))).toThrow(DTypeError);
    expect(() => bernoulli().logProb(f64([0]), f64([0.5]))).toThrow(/bernoulli.*integers/);
    expect(() => poisson().logProb(f64([0]), f64([-1]))).toThrow(ValueError);
    expect(() => normal().logProb(f64([0, 1]), f64([0, 1, 2]))).toThrow(ShapeError);
    expect(() => normalWithScale().logProb(f64([0, 1, 2]), f64(0))).toThrow(/normalWithScale/);
    expect(() => normal({ sigma: 0 })).toThrow(ValueError);
    expect(() => categorical().checkLabels!(i32([0, 5]), [3], 1)).toThrow(/label 1/);
  });
});
