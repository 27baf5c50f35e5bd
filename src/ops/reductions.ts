/**
 * Reductions over axes: `sum mean max min argmax argmin logSumExp var std`.
 *
 * Each takes `axis` (a number, a list, or omitted for all axes) and `keepDims`, either as
 * an options object or (for `axis`) directly: `sum(x, 1)`, `sum(x, { axis: 1, keepDims: true })`.
 * @module
 */
import { AxisError } from '../errors.js';
import { sizeOf } from '../tensor/shape.js';
import { oneAxis, reduceAxes, type AxisArg } from './axis-arg.js';
import { isFloat, getDefaultFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { reduceSum } from '../core/primitives/reduce-sum.js';
import { reduceMax, reduceMin } from '../core/primitives/reduce-max.js';
import { argmaxRaw } from '../core/primitives/argmax.js';
import { reshape } from '../core/primitives/reshape.js';
import { cast } from '../core/primitives/cast.js';
import { neg } from '../core/primitives/neg.js';
import { not } from '../core/primitives/not.js';
import { ValueError } from '../errors.js';
import { checkInt, describeValue } from '../tensor/shape.js';
import { asFloat, asTensor, type TensorLike } from './convert.js';
import { add, div, exp, log, mul, sqrt, sub } from './arithmetic.js';
import { isFinite, where } from './logic.js';
import { stopGradient } from './arithmetic.js';

export type { ReduceOptions, AxisArg } from './axis-arg.js';

function keep(x: Tensor, y: Tensor, axes: readonly number[], keepDims: boolean | undefined): Tensor {
  if (!keepDims) return y;
  return reshape(y, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

function reduceWith(op: string, f: (x: Tensor, axes: readonly number[]) => Tensor) {
  return (x: TensorLike, axis?: AxisArg): Tensor => {
    const t = asTensor(op, x);
    const { axes, keepDims } = reduceAxes(op, axis, t.ndim);
    return keep(t, f(t, axes), axes, keepDims);
  };
}

/**
 * Sum over axes. As in NumPy, the sum of a bool tensor counts the `true` entries (int32).
 * ```text
 * sum(x)_j = Σ_i x_ij
 * ```
 * @throws {AxisError} for an out-of-range axis.
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), 0).toArray(); // [4, 6]
 * sum(ones([300], 'bool')).item();             // 300 (int32)
 * ```
 */
export const sum: (x: TensorLike, axis?: AxisArg) => Tensor = reduceWith('sum', (x, axes) => reduceSum(x.dtype === 'bool' ? cast(x, 'int32') : x, axes));
/**
 * Maximum over axes.
 * @example
 * ```ts
 * max(tensor([1, 3, 2])).item(); // 3
 * ```
 */
export const max: (x: TensorLike, axis?: AxisArg) => Tensor = reduceWith('max', (x, axes) => {
  emptyCheck('max', x, axes);
  return reduceMax(x, axes);
});
/**
 * Minimum over axes.
 * @example
 * ```ts
 * min(tensor([1, 3, 2])).item(); // 1
 * ```
 */
export const min: (x: TensorLike, axis?: AxisArg) => Tensor = reduceWith('min', (x, axes) => {
  emptyCheck('min', x, axes);
  return reduceMin(x, axes);
});

function emptyCheck(op: string, x: Tensor, axes: readonly number[]): void {
  if (axes.some((a) => x.shape[a] === 0)) throw new AxisError(`${op}: cannot reduce an empty axis of ${x.aval.toString()}.`, { op, argument: 'axis', received: x.aval.toString() });
}

/**
 * Mean over axes (integer inputs promote to the default float dtype).
 * @example
 * ```ts
 * mean(tensor([1, 2, 3])).item(); // 2
 * ```
 */
export function mean(x: TensorLike, axis?: AxisArg): Tensor {
  const t0 = asTensor('mean', x);
  const t = isFloat(t0.dtype) ? t0 : cast(t0, getDefaultFloat());
  const { axes, keepDims } = reduceAxes('mean', axis, t.ndim);
  const n = sizeOf(axes.map((a) => t.shape[a]!));
  return div(sum(t, { axis: axes, keepDims }), n);
}

/**
 * Variance over axes, `mean((x − mean x)²) · n / (n − ddof)`.
 * @example
 * ```ts
 * variance(tensor([1, 2, 3, 4])).item(); // 1.25
 * ```
 */
export function variance(x: TensorLike, axis?: AxisArg, ddof = 0): Tensor {
  return varianceAs('variance', x, axis, ddof);
}

function varianceAs(op: string, x: TensorLike, axis: AxisArg, ddof: number): Tensor {
  const t = asFloat(op, x);
  const { axes, keepDims } = reduceAxes(op, axis, t.ndim);
  checkInt(op, ddof, 'ddof', { min: 0 });
  const n = sizeOf(axes.map((a) => t.shape[a]!));
  const c = sub(t, mean(t, { axis: axes, keepDims: true }));
  return div(sum(mul(c, c), { axis: axes, keepDims }), n - ddof);
}

/**
 * Standard deviation over axes, `sqrt(variance)`.
 * @example
 * ```ts
 * std(tensor([1, 3])).item(); // 1
 * ```
 */
export function std(x: TensorLike, axis?: AxisArg, ddof = 0): Tensor {
  return sqrt(varianceAs('std', x, axis, ddof));
}

/**
 * Index of the first maximum along `axis` (int32), or of the flattened tensor when omitted.
 * `axis` follows the common convention (a number, a one-element list or `{ axis, keepDims }`).
 * @throws {AxisError} for an empty tensor (or an empty axis), as `max` does.
 * @example
 * ```ts
 * argmax(tensor([1, 3, 2])).item(); // 1
 * argmax(tensor([[1, 3], [4, 0]]), { axis: 1, keepDims: true }).toArray(); // [[1], [0]]
 * ```
 */
export function argmax(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  return argWith('argmax', asTensor('argmax', x), axis, keepDims);
}

function argWith(op: string, t: Tensor, axis: AxisArg, keepDims0: boolean): Tensor {
  if (typeof keepDims0 !== 'boolean') throw new ValueError(`${op}: keepDims must be a boolean, got ${describeValue(keepDims0)}.`, { op, argument: 'keepDims' });
  const o = oneAxis(op, axis, t.ndim, undefined, true);
  const keepDims = keepDims0 || o.keepDims;
  if (o.axis === undefined) {
    emptyCheck(op, t, t.shape.map((_, i) => i));
    const flat = argmaxRaw(reshape(t, [t.size]), 0);
    return keepDims ? reshape(flat, t.shape.map(() => 1)) : flat;
  }
  emptyCheck(op, t, [o.axis]);
  return keep(t, argmaxRaw(t, o.axis), [o.axis], keepDims);
}

/**
 * Index of the first minimum along `axis` (int32).
 * @example
 * ```ts
 * argmin(tensor([1, 3, 0])).item(); // 2
 * ```
 */
export function argmin(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  const t = asTensor('argmin', x);
  return argWith('argmin', t.dtype === 'bool' ? not(t) : neg(t), axis, keepDims);
}

/**
 * `log Σ exp(x)` over axes, computed stably by subtracting the (gradient-stopped) maximum.
 * ```text
 * lse(x) = m + log Σ exp(x − m),   m = max(x);   ∂lse/∂x = softmax(x)
 * ```
 * @example
 * ```ts
 * logSumExp(tensor([0, 0])).item(); // ≈ 0.6931
 * ```
 */
export function logSumExp(x: TensorLike, axis?: AxisArg): Tensor {
  const t = asFloat('logSumExp', x);
  const { axes, keepDims } = reduceAxes('logSumExp', axis, t.ndim);
  if (axes.some((a) => t.shape[a] === 0)) {
    // an empty sum of exponentials: log 0 = -inf, as in NumPy/SciPy
    return log(sum(exp(t), { axis: axes, keepDims }));
  }
  const m0 = stopGradient(max(t, { axis: axes, keepDims: true }));
  const m = where(isFinite(m0), m0, 0);
  const s = log(sum(exp(sub(t, m)), { axis: axes, keepDims: true }));
  const out = add(s, m);
  return keepDims ? out : reshape(out, t.shape.filter((_, i) => !axes.includes(i)));
}
