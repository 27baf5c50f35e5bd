// Stochastic estimators with standard errors: exactness where the theory says so, bit-identity with
// the operator's own Hutchinson, and coverage of ±2 SE intervals over many fixed keys.
import { describe, expect, it } from 'vitest';
import { ValueError, random, tensor, tree, type Tensor } from '../../src/index.js';
import { categorical } from '../../src/likelihoods/index.js';
import {
  diagonalHutchinson, fisher, linearOperator, mcFisherEstimate, traceHutchinson, traceHutchPlusPlus, type CurvatureOperator,
} from '../../src/curvature/index.js';
import { inputs, mlp, mlpParams, type Mlp } from './models.js';

const f64 = (a: number[] | number[][]): Tensor => tensor(a, { dtype: 'float64' });
const flat = (t: tree.Tree<Tensor>): number[] => [...(tree.ravel(t)[0].toTypedArray() as Float64Array)];

/** A dense symmetric operator on { a: [n] } (matvec = A v), with A = BBᵀ/n + shift·I from a fixed key. */
function denseOperator(n: number, seed: number, rank = n, shift = 0): { op: CurvatureOperator<{ a: Tensor }>; A: number[][] } {
  const B = random.normal(random.key(seed), [n, rank], { dtype: 'float64' }).toArray() as number[][];
  const A = B.map((r, i) => B.map((s, j) => r.reduce((acc, v, k) => acc + v * s[k]!, 0) / rank + (i === j ? shift : 0)));
  const At = f64(A);
  return { op: linearOperator({ params: { a: f64(new Array(n).fill(0)) }, matvec: (v) => ({ a: At.matmul(v.a) }) }), A };
}
const trace = (A: number[][]): number => A.reduce((s, r, i) => s + r[i]!, 0);

/**
 * Coverage band: over T independent keys the number of ±2 SE intervals that contain the truth is
 * Binomial(T, p) with p ≈ 0.95 (0.945 for a t distribution with S − 1 = 39 degrees of freedom); for
 * T = 200 its standard deviation is √(T·p(1−p)) ≈ 3.1 intervals, so [0.90, 0.99]·T is the mean ± ≥ 3
 * standard deviations: a correct standard error fails it with probability < 0.3 %, while an error bar
 * √2 too small (coverage ≈ 0.84) or too large (≈ 0.995) falls outside it.
 */
const BAND = [0.9, 0.99] as const;

describe('traceHutchinson', () => {
  const P = 10;
  const { op, A } = denseOperator(P, 3);

  it('equals the operator\'s traceHutchinson bit for bit (Rademacher probes)', () => {
    const params = mlpParams(2, 3, 4, 3);
    const F = fisher({ model: mlp, likelihood: categorical() }, params, { x: inputs(4, 5, 3) });
    for (const S of [2, 7]) {
      const e = traceHutchinson(F, { key: random.key(S), samples: S });
      expect(e.estimate).toBe(F.traceHutchinson(random.key(S), S));
      expect(e.samples).toBe(S);
      expect(e.standardError).toBeGreaterThan(0);
    }
  });

  it('is exact with standard error 0 on a diagonal operator (Rademacher)', () => {
    const d = f64([3, -1, 0.5, 7, 2]);
    const D = linearOperator({ params: { a: f64([0, 0, 0, 0, 0]) }, matvec: (v) => ({ a: v.a.mul(d) }) });
    const e = traceHutchinson(D, { key: random.key(1), samples: 5 });
    expect(e.estimate).toBe(11.5);
    expect(e.standardError).toBe(0);
  });

  it.each(['rademacher', 'normal'] as const)('±2 SE covers tr(A) in %s probes, 200 keys of 40 probes', (probes) => {
    const truth = trace(A);
    let covered = 0;
    for (let t = 0; t < 200; t++) {
      const e = traceHutchinson(op, { key: random.key(1000 + t), samples: 40, probes });
      if (Math.abs(e.estimate - truth) <= 2 * e.standardError) covered++;
    }
    expect(covered / 200).toBeGreaterThanOrEqual(BAND[0]);
    expect(covered / 200).toBeLessThanOrEqual(BAND[1]);
  });

  it('rejects bad input with a typed error naming the argument', () => {
    expect(() => traceHutchinson(op, { key: random.key(0), samples: 1 })).toThrow(/traceHutchinson: samples/);
    expect(() => traceHutchinson(op, { key: tensor([1, 2, 3], { dtype: 'int32' }), samples: 4 })).toThrow(ValueError);
    expect(() => traceHutchinson(op, { key: random.key(0), samples: 4, probes: 'gauss' as never })).toThrow(/probes/);
  });
});

describe('traceHutchPlusPlus', () => {
  it('is exact when rank(C) ≤ sketch size (Fisher of 2 examples, 3 classes: rank ≤ 4 < 6)', () => {
    const params = mlpParams(5, 3, 4, 3);
    const F = fisher({ model: mlp, likelihood: categorical() }, params, { x: inputs(6, 2, 3) });
    const e = traceHutchPlusPlus(F, { key: random.key(2), sketch: 6, samples: 4 });
    expect(Math.abs(e.estimate - F.trace())).toBeLessThan(1e-12 * F.trace());
    expect(e.standardError).toBeLessThan(1e-12 * F.trace());
  });

  it('is exact for a low-rank dense operator of any probe kind', () => {
    const { op, A } = denseOperator(12, 8, 3);
    for (const probes of ['rademacher', 'normal'] as const) {
      const e = traceHutchPlusPlus(op, { key: random.key(3), sketch: 3, samples: 2, probes });
      expect(Math.abs(e.estimate - trace(A))).toBeLessThan(1e-12 * trace(A));
    }
  });

  it('±2 SE covers tr(A), 200 keys, sketch 3 and 40 residual probes', () => {
    const { op, A } = denseOperator(10, 3);
    const truth = trace(A);
    let covered = 0, errPP = 0, errH = 0;
    for (let t = 0; t < 200; t++) {
      const e = traceHutchPlusPlus(op, { key: random.key(5000 + t), sketch: 3, samples: 40 });
      if (Math.abs(e.estimate - truth) <= 2 * e.standardError) covered++;
      errPP += (e.estimate - truth) ** 2;
      errH += (traceHutchinson(op, { key: random.key(5000 + t), samples: 46 }).estimate - truth) ** 2;
    }
    expect(covered / 200).toBeGreaterThanOrEqual(BAND[0]);
    expect(covered / 200).toBeLessThanOrEqual(BAND[1]);
    // same matvec budget (3 + 3 + 40 = 46): the deflation removes the dominant directions' variance
    expect(errPP).toBeLessThan(errH);
  });
});

describe('diagonalHutchinson', () => {
  it('is exact with standard error 0 on a diagonal operator (Rademacher)', () => {
    const d = { u: f64([3, -1, 0.5]), w: f64([[7, 2], [0, 1]]) };
    const D = linearOperator<{ u: Tensor; w: Tensor }>({ params: { u: d.u.mul(0), w: d.w.mul(0) }, matvec: (v) => ({ u: v.u.mul(d.u), w: v.w.mul(d.w) }) });
    const e = diagonalHutchinson(D, { key: random.key(4), samples: 3 });
    expect(flat(e.estimate)).toEqual(flat(d));
    expect(flat(e.standardError)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('±2 SE covers diag(A): entry t mod P under key t, 200 keys of 40 probes', () => {
    const P = 10;
    const { op, A } = denseOperator(P, 3);
    let covered = 0;
    for (let t = 0; t < 200; t++) {
      const e = diagonalHutchinson(op, { key: random.key(9000 + t), samples: 40 });
      const i = t % P;
      if (Math.abs(flat(e.estimate)[i]! - A[i]![i]!) <= 2 * flat(e.standardError)[i]!) covered++;
    }
    expect(covered / 200).toBeGreaterThanOrEqual(BAND[0]);
    expect(covered / 200).toBeLessThanOrEqual(BAND[1]);
  });
});

describe('mcFisherEstimate', () => {
  const params = mlpParams(7, 3, 4, 3);
  const batch = { x: inputs(8, 6, 3) };
  const spec = { model: mlp, likelihood: categorical() };

  it('its diagonal is the MC Fisher of the same key and samples, to rounding', () => {
    const key = random.key(11);
    const e = mcFisherEstimate(spec, params, batch, { key, samples: 5 });
    const ref = flat(fisher(spec, params, batch, { kind: 'mc', key, samples: 5 }).diagonal());
    flat(e.diagonal.estimate).forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(ref[i]!))));
    expect(Math.abs(e.trace.estimate - ref.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12 * e.trace.estimate);
  });

  it('±2 SE covers the exact Fisher trace and diagonal over 80 keys of 12 draws', () => {
    const exact = flat(fisher(spec, params, batch).diagonal() as Mlp);
    const truth = exact.reduce((a, b) => a + b, 0);
    let coveredTrace = 0, coveredDiag = 0;
    for (let t = 0; t < 80; t++) {
      const e = mcFisherEstimate(spec, params, batch, { key: random.key(20_000 + t), samples: 12 });
      if (Math.abs(e.trace.estimate - truth) <= 2 * e.trace.standardError) coveredTrace++;
      const i = (7 * t) % exact.length;
      if (Math.abs(flat(e.diagonal.estimate)[i]! - exact[i]!) <= 2 * flat(e.diagonal.standardError)[i]!) coveredDiag++;
    }
    // Binomial(80, p), p ≈ 0.92 (t with 11 degrees of freedom: 0.93, a little less for the skewed
    // squared scores): standard deviation ≈ 2.4 intervals, so ≥ 0.82·80 is 3 standard deviations
    // below; all 80 covered (probability 0.92⁸⁰ ≈ 1e-3) would mean error bars too wide.
    expect(coveredTrace / 80).toBeGreaterThanOrEqual(0.82);
    expect(coveredDiag / 80).toBeGreaterThanOrEqual(0.82);
    expect(Math.min(coveredTrace, coveredDiag)).toBeLessThan(80);
  });

  it('rejects one draw and a bad key', () => {
    expect(() => mcFisherEstimate(spec, params, batch, { key: random.key(0), samples: 1 })).toThrow(/mcFisherEstimate: samples/);
    expect(() => mcFisherEstimate(spec, params, batch, { key: 3 as never, samples: 4 })).toThrow(/mcFisherEstimate: key/);
  });
});
