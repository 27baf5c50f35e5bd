/**
 * @internal A {@link CurvatureOperator} seen as a map on float64 host vectors in `tree.ravel`
 * order, for the iterative estimators (Hutchinson, Hutch++, Lanczos): each call is one
 * `op.matvec` (the operator's own, compiled where the operator compiles it).
 * @module
 */
import { ValueError } from '../errors.js';
import { tensor } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor as TensorClass, type Tensor } from '../tensor/tensor.js';
import { where } from '../ops/logic.js';
import * as random from '../random/index.js';
import * as tree from '../tree/index.js';
import type { CurvatureOperator, Params } from './operator.js';

/** @internal The operator on flat float64 vectors. */
export interface FlatOperator<P extends Params> {
  /** P. */
  readonly size: number;
  /** The dtype of the parameters (probes are cast to it before the matvec). */
  readonly dtype: DType;
  /** C v on the host, in float64. */
  apply(v: Float64Array): Float64Array;
  /** A flat float64 vector as a tree shaped like the parameters (in their dtype). */
  toTree(v: Float64Array): P;
  /** A tree shaped like the parameters as a flat float64 vector. */
  fromTree(t: P): Float64Array;
}

/**
 * @internal Wraps `op` (its `params` fix the order and dtype). The conversions go leaf by leaf
 * (the values `tree.ravel`/`unravel` give, with no flat intermediate tensor), and `apply` disposes
 * the input tree it made once the output is read, so that a loop of applications reuses memory.
 */
export function flatOperator<P extends Params>(op: CurvatureOperator<P>): FlatOperator<P> {
  const [leaves, def] = tree.flatten(op.params);
  const params = leaves as Tensor[];
  // its size and (promoted) dtype; not disposed: with one leaf the flat vector may be that leaf
  const { size, dtype } = tree.ravel(op.params)[0];
  // each leaf rounds the float64 values to its own dtype once (unravel's cast to the promoted
  // dtype, then to the leaf's, rounds the same: the promoted dtype is at least as wide)
  const toTree = (v: Float64Array): P => {
    let off = 0;
    return tree.unflatten(def, params.map((l) => tensor(v.subarray(off, (off += l.size)), { dtype: l.dtype, shape: l.shape }))) as P;
  };
  const fromTree = (t: P): Float64Array => {
    const out = new Float64Array(size);
    let off = 0;
    for (const l of tree.leaves(t) as Tensor[]) {
      out.set(l.toTypedArray() as ArrayLike<number>, off); // exact: every float widens to float64
      off += l.size;
    }
    return out;
  };
  const apply = (v: Float64Array): Float64Array => {
    const input = toTree(v);
    const output = op.matvec(input);
    const w = fromTree(output);
    const kept = new Set(tree.leaves(output));
    for (const l of tree.leaves(input) as Tensor[]) if (!kept.has(l)) l.dispose();
    return w;
  };
  return { size, dtype, toTree, fromTree, apply };
}

/** @internal The probe distributions of the stochastic estimators. */
export type ProbeKind = 'rademacher' | 'normal';

/**
 * @internal Probe `z` from one key: Rademacher (±1, exactly as `CurvatureOperator.traceHutchinson`
 * draws them) or standard normal, as float64 host values (exact for Rademacher in any dtype).
 */
export function probe(k: Tensor, size: number, kind: ProbeKind): Float64Array {
  const t = kind === 'rademacher' ? where(random.bernoulli(k, 0.5, [size]), 1, -1) : random.normal(k, [size], { dtype: 'float64' });
  return Float64Array.from(t.toTypedArray() as ArrayLike<number>);
}

/** @internal Throws unless `key` is a PRNG key (int32 `[2]`). */
export function checkKey(op: string, key: unknown): asserts key is Tensor {
  if (!(key instanceof TensorClass) || key.dtype !== 'int32' || key.ndim !== 1 || key.shape[0] !== 2) {
    const got = key instanceof TensorClass ? key.aval.toString() : String(key);
    throw new ValueError(`${op}: key must be a PRNG key (random.key), an int32 tensor of shape [2], got ${got}.`, { op, argument: 'key', expected: 'int32[2]', received: got });
  }
}

/** @internal Throws unless `n` is an integer ≥ `min`. */
export function checkCount(op: string, argument: string, n: unknown, min: number): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new ValueError(`${op}: ${argument} must be an integer ≥ ${min}, got ${String(n)}.`, { op, argument, expected: `integer ≥ ${min}`, received: String(n) });
  }
}

/** @internal Throws unless `kind` is a probe distribution. */
export function checkProbeKind(op: string, kind: unknown): asserts kind is ProbeKind {
  if (kind !== 'rademacher' && kind !== 'normal') {
    throw new ValueError(`${op}: probes must be 'rademacher' or 'normal', got ${String(kind)}.`, { op, argument: 'probes', expected: "'rademacher' | 'normal'", received: String(kind) });
  }
}

/** @internal x·y. */
export function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/**
 * @internal One classical Gram–Schmidt pass, x ← x − Q (Qᵀx) with Q's columns the vectors of
 * `basis` (call twice for full reorthogonalization: "twice is enough"). The coefficients are all
 * taken from the incoming x, four basis vectors per sweep over x, so x is read once per four
 * vectors instead of twice per vector (the modified pass it replaces took 2.5–3× as long at
 * P = 100 K; bench/lanczos-steps.ts).
 */
export function orthogonalize(x: Float64Array, basis: readonly Float64Array[]): void {
  const m = basis.length, n = x.length;
  const c = new Float64Array(m);
  let k = 0;
  for (; k + 4 <= m; k += 4) {
    const q0 = basis[k]!, q1 = basis[k + 1]!, q2 = basis[k + 2]!, q3 = basis[k + 3]!;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      s0 += q0[i]! * xi;
      s1 += q1[i]! * xi;
      s2 += q2[i]! * xi;
      s3 += q3[i]! * xi;
    }
    c[k] = s0; c[k + 1] = s1; c[k + 2] = s2; c[k + 3] = s3;
  }
  for (; k < m; k++) c[k] = dot(basis[k]!, x);
  for (k = 0; k + 4 <= m; k += 4) {
    const q0 = basis[k]!, q1 = basis[k + 1]!, q2 = basis[k + 2]!, q3 = basis[k + 3]!;
    const c0 = c[k]!, c1 = c[k + 1]!, c2 = c[k + 2]!, c3 = c[k + 3]!;
    for (let i = 0; i < n; i++) x[i] = x[i]! - c0 * q0[i]! - c1 * q1[i]! - c2 * q2[i]! - c3 * q3[i]!;
  }
  for (; k < m; k++) {
    const q = basis[k]!, ck = c[k]!;
    for (let i = 0; i < n; i++) x[i]! -= ck * q[i]!;
  }
}

/** @internal Sample mean and standard error of the mean (sample standard deviation / √n, n ≥ 2). */
export function meanAndError(xs: readonly number[]): { mean: number; standardError: number } {
  const n = xs.length;
  let acc = 0;
  for (const x of xs) acc += x;
  const mean = acc / n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return { mean, standardError: Math.sqrt(ss / (n - 1) / n) };
}
