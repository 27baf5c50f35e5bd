/**
 * Neural-network helpers: `softmax`, `logSoftmax` (stable, along an axis).
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { asFloat, type TensorLike } from './convert.js';
import { exp, sub } from './arithmetic.js';
import { logSumExp } from './reductions.js';
import { axisOptions, reduceAxes, type AxisArg } from './axis-arg.js';

/**
 * `log softmax(x)` along `axis` (default `-1`; a number, a list of axes or `{ axis }`): `x − logSumExp(x)`.
 * ```text
 * log p_i = x_i − log Σ_j exp(x_j)
 * ```
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0])).toArray(); // [-0.693.., -0.693..]
 * logSoftmax(zeros([2, 3]), { axis: -1 }).shape; // [2, 3]
 * ```
 */
export function logSoftmax(x: TensorLike, axis: AxisArg = -1): Tensor {
  return logSoftmaxAs('logSoftmax', x, axis);
}

function logSoftmaxAs(op: string, x: TensorLike, axis: AxisArg): Tensor {
  const t = asFloat(op, x);
  const o = axisOptions(op, axis, false);
  const { axes } = reduceAxes(op, o.axis ?? -1, t.ndim, false);
  return sub(t, logSumExp(t, { axis: axes, keepDims: true }));
}

/**
 * `softmax(x)` along `axis` (default `-1`; a number, a list of axes or `{ axis }`), computed as `exp(logSoftmax(x))`.
 * ```text
 * p_i = exp(x_i) / Σ_j exp(x_j)
 * ```
 * @example
 * ```ts
 * softmax(tensor([0, 0])).toArray(); // [0.5, 0.5]
 * ```
 */
export function softmax(x: TensorLike, axis: AxisArg = -1): Tensor {
  return exp(logSoftmaxAs('softmax', x, axis));
}
