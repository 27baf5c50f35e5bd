/**
 * Neural-network helpers: `softmax`, `logSoftmax` (stable, along an axis).
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { asFloat, type TensorLike } from './convert.js';
import { exp, sub } from './arithmetic.js';
import { logSumExp } from './reductions.js';

/**
 * `log softmax(x)` along `axis`: `x − logSumExp(x)`.
 * ```text
 * log p_i = x_i − log Σ_j exp(x_j)
 * ```
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0])).toArray(); // [-0.693.., -0.693..]
 * ```
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = asFloat('logSoftmax', x);
  return sub(t, logSumExp(t, { axis, keepDims: true }));
}

/**
 * `softmax(x)` along `axis`, computed as `exp(logSoftmax(x))`.
 * ```text
 * p_i = exp(x_i) / Σ_j exp(x_j)
 * ```
 * @example
 * ```ts
 * softmax(tensor([0, 0])).toArray(); // [0.5, 0.5]
 * ```
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}
