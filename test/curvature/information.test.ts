// Observed information, the Cramér–Rao bound and sequential natural-gradient estimation (seed 000),
// against closed forms: running means, recursive least squares on Boston, logistic regression.
import { describe, expect, it } from 'vitest';
import { TreeMismatchError, ValueError, grad, sigmoid, tensor, zeros, type Tensor } from '../../src/index.js';
import { bernoulli, normal } from '../../src/likelihoods/index.js';
import { cramerRaoBound, fisher, observedInformation, sequentialNaturalUpdate, type SequentialState } from '../../src/curvature/index.js';
import { expectClose, f64, loadStandardized } from './helpers.js';

type W = { w: Tensor };

describe('sequential natural-gradient estimation: Iₜ = Iₜ₋₁ + I_new, θₜ = θₜ₋₁ + η Iₜ⁻¹ sₜ', () => {
  it('Gaussian mean, η = 1, I₀ = 0: θₜ is the running mean after every observation', () => {
    const sigma = 2, xs = [1.5, -0.25, 3, 0.75, 2.2];
    let s: SequentialState<W> = { params: { w: f64([10]) }, information: zeros([1, 1], 'float64') };
    xs.forEach((x, t) => {
      const mu = s.params.w.item() as number;
      s = sequentialNaturalUpdate(s, { score: { w: f64([(x - mu) / sigma ** 2]) }, information: f64([[1 / sigma ** 2]]) });
      const mean = xs.slice(0, t + 1).reduce((a, b) => a + b, 0) / (t + 1);
      expect(s.params.w.item()).toBeCloseTo(mean, 12);
      expect(s.information.item()).toBeCloseTo((t + 1) / sigma ** 2, 12);
    });
  });

  it('least squares on Boston in batches (exact Fisher): recursive least squares reaches the full-data solution', () => {
    const { X, y } = loadStandardized('boston_housing.csv');
    const D = X[0]!.length, N = X.length;
    const lik = normal({ sigma: 1 });
    const model = (p: W, x: Tensor): Tensor => x.dot(p.w);
    const logLik = (p: W, x: Tensor, yy: Tensor) => lik.logProb(x.matmul(p.w), yy);
    let s: SequentialState<W> = { params: { w: f64(new Array<number>(D).fill(0)) }, information: zeros([D, D], 'float64') };
    for (const [lo, hi] of [[0, 120], [120, 300], [300, N]] as const) {
      const xb = f64(X.slice(lo, hi)), yb = f64(y.slice(lo, hi));
      s = sequentialNaturalUpdate(s, {
        score: grad(logLik)(s.params, xb, yb) as W,
        information: fisher({ model, likelihood: lik }, s.params, { x: xb }, { reduction: 'sum' }),
      });
    }
    const Xt = f64(X), yt = f64(y);
    const gFull = grad((p: W) => Xt.matmul(p.w).sub(yt).square().sum())(s.params) as W;
    expect(Math.max(...(gFull.w.abs().toTypedArray() as Float64Array))).toBeLessThan(1e-8);
    expectClose(s.information, Xt.T.matmul(Xt), 1e-10);
  });

  it('rejects bad input', () => {
    const s: SequentialState<W> = { params: { w: f64([0, 0]) }, information: zeros([2, 2], 'float64') };
    const score = { w: f64([1, 1]) };
    expect(() => sequentialNaturalUpdate(s, { score, information: zeros([2, 2], 'float64') })).toThrow(/singular/);
    expect(sequentialNaturalUpdate(s, { score, information: zeros([2, 2], 'float64') }, { damping: 1 }).params.w.toArray()).toEqual([1, 1]);
    expect(() => sequentialNaturalUpdate(s, { score, information: f64([[1, 0], [0, 1]]) }, { stepSize: 0 })).toThrow(ValueError);
    expect(() => sequentialNaturalUpdate(s, { score: { v: f64([1, 1]) } as unknown as W, information: f64([[1, 0], [0, 1]]) })).toThrow(TreeMismatchError);
    expect(() => sequentialNaturalUpdate(s, { score, information: f64([[1, 0, 0], [0, 1, 0], [0, 0, 1]]) })).toThrow(/\[2, 2\]/);
  });
});

describe('observed information and the Cramér–Rao bound', () => {
  const { X, y } = loadStandardized('breast_cancer.csv', 120);
  const lik = bernoulli();
  const D = X[0]!.length;
  const params: W = { w: f64(Array.from({ length: D }, (_, i) => 0.05 * Math.cos(i))) };
  const batch = { x: f64(X), y: f64(y) };

  it('logistic regression (canonical link): observed information = N · Fisher = Xᵀ diag(p(1−p)) X, at any θ', () => {
    const J = observedInformation((p: W, x: Tensor, yy: Tensor) => lik.logProb(x.dot(p.w), yy), params, batch);
    const F = fisher({ model: (p: W, x: Tensor) => x.dot(p.w), likelihood: lik }, params, batch);
    expectClose(J.dense(), F.dense().mul(X.length), 1e-10);
  });

  it('Bernoulli: bound on the logit is 1/(n p(1−p)); through the Jacobian of σ it is the binomial variance p(1−p)/n', () => {
    const eta = 0.4, n = 50;
    const p = sigmoid(tensor(eta, { dtype: 'float64' })).item() as number;
    const I = lik.outputFisher(tensor([eta], { dtype: 'float64' }));
    expect(cramerRaoBound(I, { examples: n }).item()).toBeCloseTo(1 / (n * p * (1 - p)), 12);
    expect(cramerRaoBound(I, { examples: n, jacobian: f64([[p * (1 - p)]]) }).item()).toBeCloseTo(p * (1 - p) / n, 12);
  });

  it('bound = inverse Fisher / n for an operator, and singular information is an error', () => {
    const F = fisher({ model: (p: W, x: Tensor) => x.dot(p.w), likelihood: lik }, params, batch);
    const B = cramerRaoBound(F, { examples: 10 });
    expectClose(B.matmul(F.dense()).mul(10), tensor(Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 1 : 0))), { dtype: 'float64' }), 1e-8);
    expect(() => cramerRaoBound(f64([[1, 1], [1, 1]]))).toThrow(/not positive definite/);
    expect(() => cramerRaoBound(F, { examples: 0 })).toThrow(ValueError);
    expect(() => cramerRaoBound(F, { jacobian: f64([[1, 2]]) })).toThrow(/jacobian/);
  });
});
