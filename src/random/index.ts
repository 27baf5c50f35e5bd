/**
 * Functional, splittable pseudo-random numbers (JAX style).
 *
 * A key is an int32 tensor of shape `[2]` (two uint32 words). Samplers are pure functions of
 * the key: the same key always gives the same numbers, on every backend, because the bits
 * come from Threefry-2x32 (20 rounds) computed by shared host code. Never reuse a key for
 * two purposes: `split` it.
 *
 * ```text
 * key(seed)        = [hi32(seed), lo32(seed)]
 * split(k, n)[i]   = words 2i, 2i+1 of the Threefry stream of k
 * uniform float32  = (w >>> 9)·2⁻²³            (23 random mantissa bits, in [0, 1))
 * uniform float64  = (w₀·2²⁰ + (w₁ >>> 12))·2⁻⁵²
 * normal           = √2 · erfinv(2u − 1)
 * ```
 * Samplers work under `vmap` over keys (e.g. `vmap((k) => normal(k, [3]))(split(k, 8))`).
 * @module
 */
import { TransformError, ValueError } from '../errors.js';
import { tensor } from '../tensor/creation.js';
import { getDefaultFloat, isFloat, type DType } from '../tensor/dtype.js';
import { checkInt, checkShape, describeValue, normalizeAxis } from '../tensor/shape.js';
import { Tensor as TensorClass, type Tensor } from '../tensor/tensor.js';
import { randomBits } from '../core/primitives/random-bits.js';
import { add, log, mul, neg, sub } from '../ops/arithmetic.js';
import { less } from '../ops/logic.js';
import { argmax } from '../ops/reductions.js';
import { asTensor, type TensorLike } from '../ops/convert.js';
import { foldIn as foldInBits, keyFromSeed, permutationFromBits } from './bits/index.js';

/**
 * A PRNG key from an integer seed.
 * @example
 * ```ts
 * const k = random.key(0);
 * k.shape; // [2]
 * ```
 */
export function key(seed: number): Tensor {
  if (!Number.isInteger(seed)) throw new ValueError(`random.key: seed must be an integer, got ${seed}.`, { op: 'random.key', argument: 'seed' });
  const w = keyFromSeed(seed);
  return tensor(new Int32Array(w.buffer, w.byteOffset, 2), { dtype: 'int32' });
}

function checkKey(op: string, k: Tensor): void {
  if (!(k instanceof TensorClass)) {
    throw new ValueError(`${op}: key must be an int32 tensor of shape [2] (from random.key), got ${describeValue(k)}.`, { op, argument: 'key', received: describeValue(k) });
  }
  if (k.dtype !== 'int32' || k.ndim !== 1 || k.shape[0] !== 2) {
    throw new ValueError(`${op}: key must be an int32 tensor of shape [2] (from random.key), got ${k.aval.toString()}.`, { op, argument: 'key', received: k.aval.toString() });
  }
}

/**
 * Splits a key into `n` new independent keys, shape `[n, 2]`.
 * @example
 * ```ts
 * const [k1, k2] = random.splitList(random.key(0));
 * random.split(random.key(0), 4).shape; // [4, 2]
 * ```
 */
export function split(k: Tensor, n = 2): Tensor {
  checkKey('random.split', k);
  checkInt('random.split', n, 'n', { min: 0 });
  return randomBits(k, checkShape('random.split', [n, 2]));
}

/**
 * Splits a key into a JS array of `n` keys.
 * @example
 * ```ts
 * const [kInit, kData] = random.splitList(random.key(1));
 * ```
 */
export function splitList(k: Tensor, n = 2): Tensor[] {
  checkKey('random.splitList', k);
  checkInt('random.splitList', n, 'n', { min: 0, max: 2 ** 20 });
  const s = split(k, n);
  return Array.from({ length: n }, (_, i) => s.slice([i], [1]).reshape([2]));
}

/**
 * Derives a new key from a key and an integer (e.g. a step or example index). Needs a concrete key.
 * @example
 * ```ts
 * const kStep = random.foldIn(random.key(0), 17);
 * ```
 */
export function foldIn(k: Tensor, data: number): Tensor {
  checkKey('random.foldIn', k);
  checkInt('random.foldIn', data, 'data', { min: -(2 ** 31), max: 2 ** 32 - 1 });
  let words: Int32Array;
  try {
    words = k.toTypedArray() as Int32Array;
  } catch {
    throw new TransformError('random.foldIn: needs a concrete key; inside a transformation, split keys instead.', { op: 'random.foldIn' });
  }
  const w = foldInBits(words, data);
  return tensor(new Int32Array(w.buffer, w.byteOffset, 2), { dtype: 'int32' });
}

/** Options of the continuous samplers. */
export interface SampleOptions {
  /** Float dtype of the samples. @defaultValue the default float (`float32`) */
  readonly dtype?: DType;
}

function floatDType(op: string, d: DType | undefined): DType {
  const dt = d ?? getDefaultFloat();
  if (!isFloat(dt)) throw new ValueError(`${op}: dtype must be float32 or float64, got ${dt}.`, { op, argument: 'dtype' });
  return dt;
}

/**
 * Uniform samples in `[minval, maxval)`.
 * @example
 * ```ts
 * random.uniform(random.key(0), [3], { minval: -1, maxval: 1 }).shape; // [3]
 * ```
 */
export function uniform(k: Tensor, shape: readonly number[] = [], options: SampleOptions & { readonly minval?: number; readonly maxval?: number } = {}): Tensor {
  checkKey('random.uniform', k);
  const u = randomBits(k, checkShape('random.uniform', shape), 'uniform', floatDType('random.uniform', options.dtype));
  const lo = options.minval ?? 0, hi = options.maxval ?? 1;
  return lo === 0 && hi === 1 ? u : add(mul(u, hi - lo), lo);
}

/**
 * Standard normal samples.
 * @example
 * ```ts
 * random.normal(random.key(0), [2, 2]).shape; // [2, 2]
 * ```
 */
export function normal(k: Tensor, shape: readonly number[] = [], options: SampleOptions = {}): Tensor {
  checkKey('random.normal', k);
  return randomBits(k, checkShape('random.normal', shape), 'normal', floatDType('random.normal', options.dtype));
}

/**
 * Bernoulli samples (bool) with success probability `p` (broadcast to `shape`).
 * @example
 * ```ts
 * random.bernoulli(random.key(0), 0.3, [10]).dtype; // 'bool'
 * ```
 */
export function bernoulli(k: Tensor, p: TensorLike, shape?: readonly number[]): Tensor {
  checkKey('random.bernoulli', k);
  const pt = asTensor('random.bernoulli', p, 'p');
  if (shape !== undefined) checkShape('random.bernoulli', shape);
  const dt = isFloat(pt.dtype) ? pt.dtype : getDefaultFloat();
  return less(uniform(k, shape ?? pt.shape, { dtype: dt }), pt);
}

/**
 * Samples class indices from unnormalised log-probabilities along `axis` (Gumbel-max trick).
 * ```text
 * argmax_i (logits_i − log(−log u_i)),  u ~ U[0, 1)
 * ```
 * @example
 * ```ts
 * random.categorical(random.key(0), tensor([[0, 0, 5]])).toArray(); // [2] (almost surely)
 * ```
 */
export function categorical(k: Tensor, logits: TensorLike, axis = -1): Tensor {
  checkKey('random.categorical', k);
  const l = asTensor('random.categorical', logits, 'logits');
  const ax = normalizeAxis('random.categorical', axis, l.ndim);
  if (l.shape[ax] === 0) {
    throw new ValueError(`random.categorical: cannot sample from zero classes (axis ${ax} of ${l.aval.toString()} is empty).`, { op: 'random.categorical', argument: 'logits', received: l.aval.toString() });
  }
  const u = uniform(k, l.shape, { dtype: isFloat(l.dtype) ? l.dtype : getDefaultFloat() });
  const gumbel = neg(log(neg(log(u))));
  return argmax(add(l, gumbel), ax);
}

/**
 * A random permutation of `0..n-1` (int32), by Fisher–Yates on the key's bit stream. Needs a concrete key.
 * @example
 * ```ts
 * random.permutation(random.key(0), 5).shape; // [5]
 * ```
 */
export function permutation(k: Tensor, n: number): Tensor {
  checkKey('random.permutation', k);
  checkInt('random.permutation', n, 'n', { min: 0, max: 2 ** 31 - 1 });
  const words = k.toTypedArray() as Int32Array;
  return tensor(permutationFromBits(n, words), { dtype: 'int32' });
}

void sub;

export { gamma, beta, dirichlet, poisson, truncatedNormal, multivariateNormal } from './samplers/index.js';
export type { PoissonOptions, SamplerOptions } from './samplers/index.js';
