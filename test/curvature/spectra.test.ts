// Spectra without the dense matrix: Lanczos, power iteration and stochastic Lanczos quadrature
// against eigh of dense() on small models.
import { describe, expect, it } from 'vitest';
import { ValueError, linalg, random, tensor, tree, type Tensor } from '../../src/index.js';
import { categorical } from '../../src/likelihoods/index.js';
import {
  fisher, ggn, hessianOperator, lanczos, linearOperator, powerIteration, spectralDensity, traceHutchinson, type CurvatureOperator,
} from '../../src/curvature/index.js';
import { inputs, mlp, mlpParams, type Mlp } from './models.js';

const lik = categorical();
const flat = (t: tree.Tree<Tensor>): Float64Array => Float64Array.from(tree.ravel(t)[0].toTypedArray() as Float64Array);

/** Eigenvalues (ascending) and eigenvectors (columns) of op.dense() in float64. */
function denseEigen(op: CurvatureOperator<any>): { values: number[]; vec: (j: number) => Float64Array; n: number } {
  const d = op.dense();
  const n = d.shape[0]!;
  const { values, vectors } = linalg.eighSymmetric(Float64Array.from(d.toTypedArray() as Float64Array), n);
  return { values: [...values], vec: (j) => Float64Array.from({ length: n }, (_, i) => vectors[i * n + j]!), n };
}
const dotv = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };
const column = (m: Tensor, j: number): Float64Array => { const [n, k] = m.shape as [number, number]; const a = m.toTypedArray() as Float64Array; return Float64Array.from({ length: n }, (_, i) => a[i * k + j]!); };

/** A dense symmetric operator (matvec = A v) with distinct eigenvalues, from a fixed key. */
function denseOperator(n: number, seed: number): CurvatureOperator<{ a: Tensor }> {
  const B = random.normal(random.key(seed), [n, n], { dtype: 'float64' });
  const A = B.matmul(B.T).mul(1 / n);
  return linearOperator({ params: { a: tensor(new Float64Array(n), { dtype: 'float64' }) }, matvec: (v) => ({ a: A.matmul(v.a) }) });
}

/** Wasserstein-1 distance ∫|F − G| dt between two discrete probability measures on the line. */
function w1(xa: readonly number[], wa: readonly number[], xb: readonly number[], wb: readonly number[]): number {
  const pts = [...xa.map((x, i) => [x, wa[i]!] as const), ...xb.map((x, i) => [x, -wb[i]!] as const)].sort((p, q) => p[0] - q[0]);
  let acc = 0, cdf = 0;
  for (let i = 0; i + 1 < pts.length; i++) {
    cdf += pts[i]![1];
    acc += Math.abs(cdf) * (pts[i + 1]![0] - pts[i]![0]);
  }
  return acc;
}

const small = mlpParams(1, 3, 4, 3); // P = 31
const x6 = inputs(2, 6, 3);
const ops: [string, CurvatureOperator<Mlp>][] = [
  ['Fisher (rank ≤ 12 of P = 31: repeated zero eigenvalues)', fisher({ model: mlp, likelihood: lik }, small, { x: x6 })],
  ['GGN of the NLL', ggn({ inner: mlp, outer: (z: Tensor, y: Tensor) => lik.logProb(z, y).neg() }, small, { x: inputs(3, 20, 3), y: tensor([0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 1, 2, 0, 1, 1, 2, 0, 2, 1, 0], { dtype: 'int32' }) })],
  ['Hessian (indefinite)', hessianOperator((p: Mlp, xn: Tensor, yn: Tensor) => lik.logProb(mlp(p, xn), yn).neg(), small, { x: x6, y: tensor([0, 1, 2, 2, 1, 0], { dtype: 'int32' }) })],
];

describe('lanczos', () => {
  it.each(ops)('k = steps = P gives every eigenvalue of dense() to rounding: %s', (_name, op) => {
    const ref = denseEigen(op);
    const scale = Math.max(...ref.values.map(Math.abs));
    const r = lanczos(op, { k: op.size, key: random.key(7), steps: op.size, which: 'smallest' });
    expect(r.steps).toBe(op.size);
    r.values.forEach((v, i) => expect(Math.abs(v - ref.values[i]!)).toBeLessThan(1e-10 * scale));
    expect(Math.max(...r.residuals)).toBeLessThan(1e-8 * scale);
  });

  it('top-k Ritz pairs of a 5→8→4 Fisher (P = 84) match eigh: values, vectors, reported residuals', () => {
    const p = mlpParams(4, 5, 8, 4);
    const F = fisher({ model: mlp, likelihood: lik }, p, { x: inputs(5, 40, 5) });
    const ref = denseEigen(F);
    const top = [...ref.values].reverse();
    const r = lanczos(F, { k: 4, key: random.key(1), steps: 40 });
    expect(r.vectors.shape).toEqual([84, 4]);
    r.values.forEach((v, i) => {
      expect(Math.abs(v - top[i]!)).toBeLessThan(1e-9 * top[0]!);
      const y = column(r.vectors, i);
      expect(Math.abs(Math.abs(dotv(y, ref.vec(ref.n - 1 - i))) - 1)).toBeLessThan(1e-8);
      // the reported residual is ‖C y − θ y‖, recomputed with one more matvec
      const cy = flat(F.matvec(tree.ravel(p)[1](tensor(y, { dtype: 'float64' }))));
      const res = Math.sqrt(cy.reduce((a, c, j) => a + (c - v * y[j]!) ** 2, 0));
      expect(Math.abs(res - r.residuals[i]!)).toBeLessThan(1e-9 * top[0]!);
    });
  });

  it('is deterministic per key; another key gives the same extreme values', () => {
    const op = ops[1]![1];
    const a = lanczos(op, { k: 3, key: random.key(5), steps: 20 });
    const b = lanczos(op, { k: 3, key: random.key(5), steps: 20 });
    expect(b.values).toEqual(a.values);
    expect([...(b.vectors.toTypedArray() as Float64Array)]).toEqual([...(a.vectors.toTypedArray() as Float64Array)]);
    const c = lanczos(op, { k: 1, key: random.key(6), steps: 20 });
    expect(c.values[0]).not.toBe(a.values[0]);
    expect(Math.abs(c.values[0]! - a.values[0]!)).toBeLessThan(1e-10 * a.values[0]!);
  });

  it('runs float32 operators in float64 on the host and returns vectors in float32', () => {
    const p32 = tree.map((t: Tensor) => t.cast('float32'), small) as Mlp;
    const F32 = fisher({ model: mlp, likelihood: lik }, p32, { x: x6.cast('float32') });
    const ref = denseEigen(ops[0]![1]).values.at(-1)!;
    const r = lanczos(F32, { k: 1, key: random.key(3), steps: 20 });
    expect(r.vectors.dtype).toBe('float32');
    expect(Math.abs(r.values[0]! - ref)).toBeLessThan(1e-5 * ref);
    expect(Math.abs(powerIteration(F32, { key: random.key(3), tol: 1e-5 }).value - ref)).toBeLessThan(1e-5 * ref);
  });

  it('rejects bad k, steps, which and key', () => {
    const op = ops[0]![1];
    expect(() => lanczos(op, { k: 0, key: random.key(0) })).toThrow(/lanczos: k/);
    expect(() => lanczos(op, { k: 40, key: random.key(0) })).toThrow(ValueError);
    expect(() => lanczos(op, { k: 3, key: random.key(0), steps: 2 })).toThrow(/lanczos: steps/);
    expect(() => lanczos(op, { k: 3, key: random.key(0), steps: 32 })).toThrow(/at most P = 31/);
    expect(() => lanczos(op, { k: 3, key: random.key(0), which: 'middle' as never })).toThrow(/which/);
    expect(() => lanczos(op, { k: 3, key: [0, 1] as never })).toThrow(/lanczos: key/);
  });
});

describe('powerIteration', () => {
  it('finds λmax of a Fisher and its eigenvector', () => {
    const op = ops[1]![1];
    const ref = denseEigen(op);
    const r = powerIteration(op, { key: random.key(2), tol: 1e-9, iterations: 2000 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.value - ref.values.at(-1)!)).toBeLessThan(1e-12 * ref.values.at(-1)!);
    expect(Math.abs(Math.abs(dotv(flat(r.vector), ref.vec(ref.n - 1))) - 1)).toBeLessThan(1e-8);
    expect(r.residual).toBeLessThanOrEqual(1e-9 * r.value);
  });

  it('reports non-convergence when capped, and rejects a negative tolerance', () => {
    const r = powerIteration(ops[1]![1], { key: random.key(2), tol: 1e-14, iterations: 3 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    expect(() => powerIteration(ops[1]![1], { key: random.key(2), tol: -1 })).toThrow(/powerIteration: tol/);
  });
});

describe('spectralDensity', () => {
  it('weights are the squared first components: with steps = P they are (uₖᵀv)², nodes the eigenvalues', () => {
    const op = denseOperator(10, 3);
    const ref = denseEigen(op);
    const key = random.key(4);
    const d = spectralDensity(op, { key, probes: 3, steps: 10 });
    random.splitList(key, 3).forEach((k, i) => {
      const z = Float64Array.from(random.bernoulli(k, 0.5, [10]).toTypedArray() as ArrayLike<number>, (b) => (b ? 1 : -1));
      d.nodes[i]!.forEach((th, j) => {
        expect(Math.abs(th - ref.values[j]!)).toBeLessThan(1e-10 * ref.values.at(-1)!);
        expect(Math.abs(d.weights[i]![j]! - dotv(ref.vec(j), z) ** 2 / 10)).toBeLessThan(1e-10);
      });
    });
  });

  it('each probe\'s weights sum to 1, the density integrates to 1, and the result is deterministic per key', () => {
    const op = ops[1]![1];
    const d = spectralDensity(op, { key: random.key(8), probes: 4, steps: 12 });
    for (const w of d.weights) expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    let integral = 0;
    for (let i = 0; i + 1 < d.grid.length; i++) integral += 0.5 * (d.density[i]! + d.density[i + 1]!) * (d.grid[i + 1]! - d.grid[i]!);
    expect(Math.abs(integral - 1)).toBeLessThan(1e-5);
    const again = spectralDensity(op, { key: random.key(8), probes: 4, steps: 12 });
    expect(again.density).toEqual(d.density);
    expect(again.nodes).toEqual(d.nodes);
    expect(spectralDensity(op, { key: random.key(9), probes: 4, steps: 12 }).density).not.toEqual(d.density);
  });

  it('traceOf(λ ↦ λ) is Hutchinson\'s estimate with the same probes; traceOf(λ ↦ λ²) the mean of ‖Cz‖²', () => {
    const op = ops[1]![1];
    const key = random.key(12);
    const d = spectralDensity(op, { key, probes: 5, steps: 4 });
    const h = traceHutchinson(op, { key, samples: 5 });
    expect(Math.abs(d.traceOf((l) => l).estimate - h.estimate)).toBeLessThan(1e-12 * Math.abs(h.estimate));
    expect(Math.abs(d.traceOf((l) => l).standardError - h.standardError)).toBeLessThan(1e-10 * h.standardError);
    const [, unravel] = tree.ravel(op.params);
    const sq = random.splitList(key, 5).map((k) => {
      const cz = flat(op.matvec(unravel(random.bernoulli(k, 0.5, [op.size]).cast('float64').mul(2).sub(1))));
      return dotv(cz, cz);
    });
    const ref = sq.reduce((a, b) => a + b, 0) / 5;
    expect(Math.abs(d.traceOf((l) => l * l).estimate - ref)).toBeLessThan(1e-10 * ref);
  });

  it('is within its stated error of the dense spectrum (Wasserstein-1), per probe and on average', () => {
    const p = mlpParams(4, 5, 8, 4);
    const G = ggn({ inner: mlp, outer: (z: Tensor, y: Tensor) => lik.logProb(z, y).neg() }, p, { x: inputs(5, 40, 5), y: tensor(Array.from({ length: 40 }, (_, i) => i % 4), { dtype: 'int32' }) });
    const ref = denseEigen(G);
    const P = ref.n, m = 15, nv = 10;
    const L = ref.values.at(-1)! - ref.values[0]!;
    const key = random.key(21);
    const d = spectralDensity(G, { key, probes: nv, steps: m });
    // quadrature error alone, per probe, against that probe's weighted spectral measure Σₖ (uₖᵀv)² δ_λₖ
    const quadBound = (Math.PI * L) / (4 * m);
    random.splitList(key, nv).forEach((k, i) => {
      const z = Float64Array.from(random.bernoulli(k, 0.5, [P]).toTypedArray() as ArrayLike<number>, (b) => (b ? 1 : -1));
      const wz = ref.values.map((_, j) => dotv(ref.vec(j), z) ** 2 / P);
      expect(w1(d.nodes[i]!, d.weights[i]!, ref.values, wz)).toBeLessThan(quadBound);
    });
    // the averaged measure against the eigenvalue histogram (1/P) Σₖ δ_λₖ: quadrature + sampling error
    const avgW = d.weights.flatMap((w) => w.map((v) => v / nv));
    const dist = w1(d.nodes.flat(), avgW, ref.values, ref.values.map(() => 1 / P));
    expect(dist).toBeLessThan(quadBound + (3 * L) / Math.sqrt(2 * P * nv));
    // and the smoothed densities agree within 3 standard errors (+ 1 % of the peak for the
    // quadrature's share) at most grid points
    const exact = d.grid.map((t) => ref.values.reduce((a, l) => a + Math.exp(-0.5 * ((t - l) / d.sigma) ** 2), 0) / (P * d.sigma * Math.sqrt(2 * Math.PI)));
    const within = d.grid.filter((_, g) => Math.abs(d.density[g]! - exact[g]!) <= 3 * d.standardError[g]! + 0.01 * Math.max(...exact)).length;
    expect(within / d.grid.length).toBeGreaterThan(0.9);
  });

  it('rejects bad probes, steps, sigma and grid', () => {
    const op = ops[0]![1];
    expect(() => spectralDensity(op, { key: random.key(0), probes: 1 })).toThrow(/spectralDensity: probes/);
    expect(() => spectralDensity(op, { key: random.key(0), steps: 0 })).toThrow(/steps/);
    expect(() => spectralDensity(op, { key: random.key(0), steps: 99 })).toThrow(/at most P/);
    expect(() => spectralDensity(op, { key: random.key(0), sigma: -1 })).toThrow(/sigma/);
    expect(() => spectralDensity(op, { key: random.key(0), grid: [] })).toThrow(/grid/);
  });
});
