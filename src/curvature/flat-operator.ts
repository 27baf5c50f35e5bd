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

/** @internal Wraps `op` (its `params` fix the order and dtype). */
export function flatOperator<P extends Params>(op: CurvatureOperator<P>): FlatOperator<P> {
  const [flat, unravel] = tree.ravel(op.params);
  const dtype = flat.dtype;
  const toTree = (v: Float64Array): P => {
    const t = tensor(v, { dtype: 'float64' });
    return unravel(dtype === 'float64' ? t : t.cast(dtype)) as P;
  };
  const fromTree = (t: P): Float64Array => Float64Array.from(tree.ravel(t)[0].toTypedArray() as ArrayLike<number>);
  return { size: flat.size, dtype, toTree, fromTree, apply: (v) => fromTree(op.matvec(toTree(v))) };
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

/** @internal x ← x − (qᵀx) q for every q of `basis` (one classical pass; call twice for full reorthogonalization). */
export function orthogonalize(x: Float64Array, basis: readonly Float64Array[]): void {
  for (const q of basis) {
    const c = dot(q, x);
    for (let i = 0; i < x.length; i++) x[i]! -= c * q[i]!;
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
