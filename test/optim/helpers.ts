// Shared helpers for the optim tests: a seeded RNG, flat views of trees, a quadratic problem.
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
