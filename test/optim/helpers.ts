// Shared helpers for the optim tests: a seeded RNG, flat views of trees, a quadratic problem.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, tree, type Tensor } from '../../src/index.js';

/** Mulberry32: a tiny deterministic PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type P = { w: Tensor; b: Tensor };

/** Leaves of a tree concatenated into one Float64Array (flatten order: keys sorted). */
export function flat(t: tree.Tree<Tensor>): Float64Array {
  const parts = tree.leaves(t).map((l) => Array.from(l.toTypedArray()));
  return Float64Array.from(parts.flat());
}

/** Rebuilds a {w: [3,2], b: [2]} tree from a flat vector laid out as [b, w]. */
export function unflat(v: ArrayLike<number>): P {
  const a = Array.from(v);
  return { b: tensor(a.slice(0, 2), { dtype: 'float64' }), w: tensor(a.slice(2), { dtype: 'float64', shape: [3, 2] }) };
}

/** A quadratic problem g(θ) = a⊙(θ − c) + noiseₜ, computed identically on tensors and on flat arrays. */
export function quadratic(seed: number, steps: number) {
  const r = rng(seed);
  const n = 8;
  const a = Float64Array.from({ length: n }, () => 0.1 + 2 * r());
  const c = Float64Array.from({ length: n }, () => 2 * r() - 1);
  const noise = Array.from({ length: steps }, () => Float64Array.from({ length: n }, () => 0.5 * (2 * r() - 1)));
  const theta0 = Float64Array.from({ length: n }, () => 2 * r() - 1);
  const gradFlat = (theta: Float64Array, t: number): Float64Array => theta.map((x, i) => a[i]! * (x - c[i]!) + noise[t]![i]!);
  const gradTree = (p: P, t: number): P => {
    const A = unflat(a), C = unflat(c), N = unflat(noise[t]!);
    return tree.map((x: Tensor, ai: Tensor, ci: Tensor, ni: Tensor) => ai.mul(x.sub(ci)).add(ni), p, A, C, N) as P;
  };
  return { n, theta0, gradFlat, gradTree, params0: unflat(theta0) };
}

export function maxDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return x.length === y.length ? m : Infinity;
}

/** Rows of a CSV in `data/` (header dropped), as numbers. */
export function csvRows(file: string): number[][] {
  return readFileSync(join(import.meta.dirname, '..', '..', 'data', file), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
}

/** BreastCancer: standardized features plus a bias column (float64 [N, D]), labels 0/1 (float64), and the flat design matrix. */
export function breastCancerData(): { X: Tensor; y: Tensor; n: number; d: number; Xa: Float64Array } {
  const rows = csvRows('breast_cancer.csv');
  const n = rows.length, f = rows[0]!.length - 1, d = f + 1;
  const Xa = new Float64Array(n * d), ya = new Float64Array(n);
  for (let j = 0; j < f; j++) {
    const mu = rows.reduce((s, r) => s + r[j]!, 0) / n;
    const sd = Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mu) ** 2, 0) / n);
    rows.forEach((r, i) => { Xa[i * d + j] = (r[j]! - mu) / sd; });
  }
  rows.forEach((r, i) => { Xa[i * d + f] = 1; ya[i] = r[f]!; });
  return { X: tensor(Xa, { dtype: 'float64', shape: [n, d] }), y: tensor(ya, { dtype: 'float64' }), n, d, Xa };
}

/** The first `n` digits: pixels / 16 (float64 [n, 64]) and int32 labels. */
export function digitsData(n: number): { x: Tensor; y: Tensor } {
  const rows = csvRows('digits.csv').slice(0, n);
  return { x: tensor(rows.map((r) => r.slice(0, 64).map((v) => v / 16)), { dtype: 'float64' }), y: tensor(rows.map((r) => r[64]!), { dtype: 'int32' }) };
}
