/**
 * Comparisons, logical ops and `where`. Comparisons return bool tensors and have zero derivative.
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { and, eq, ge, gt, le, lt, ne, or } from '../core/primitives/compare.js';
import { not } from '../core/primitives/not.js';
import { select } from '../core/primitives/select.js';
import { sub } from '../core/primitives/sub.js';
import { isFloat } from '../tensor/dtype.js';
import { asTensor, checkBinary, promoteArgs, type TensorLike } from './convert.js';

const cmp = (op: string, f: (x: Tensor, y: Tensor) => Tensor, boolOnly = false) => (x: TensorLike, y: TensorLike): Tensor => {
  const [a, b] = promoteArgs(op, [x, y]);
  checkBinary(op, a!, b!, boolOnly);
  return f(a!, b!);
};

/**
 * Elementwise `x == y` (bool).
 * @example
 * ```ts
 * equal(tensor([1, 2]), 2).toArray(); // [false, true]
 * ```
 */
export const equal: (x: TensorLike, y: TensorLike) => Tensor = cmp('equal', eq);
/**
 * Elementwise `x != y` (bool).
 * @example
 * ```ts
 * notEqual(tensor([1, 2]), 2).toArray(); // [true, false]
 * ```
 */
export const notEqual: (x: TensorLike, y: TensorLike) => Tensor = cmp('notEqual', ne);
/**
 * Elementwise `x < y` (bool).
 * @example
 * ```ts
 * less(tensor([1, 2]), 2).toArray(); // [true, false]
 * ```
 */
export const less: (x: TensorLike, y: TensorLike) => Tensor = cmp('less', lt);
/**
 * Elementwise `x <= y` (bool).
 * @example
 * ```ts
 * lessEqual(tensor([1, 2]), 2).toArray(); // [true, true]
 * ```
 */
export const lessEqual: (x: TensorLike, y: TensorLike) => Tensor = cmp('lessEqual', le);
/**
 * Elementwise `x > y` (bool).
 * @example
 * ```ts
 * greater(tensor([1, 3]), 2).toArray(); // [false, true]
 * ```
 */
export const greater: (x: TensorLike, y: TensorLike) => Tensor = cmp('greater', gt);
/**
 * Elementwise `x >= y` (bool).
 * @example
 * ```ts
 * greaterEqual(tensor([1, 2]), 2).toArray(); // [false, true]
 * ```
 */
export const greaterEqual: (x: TensorLike, y: TensorLike) => Tensor = cmp('greaterEqual', ge);
/**
 * Elementwise logical and of bool tensors.
 * @example
 * ```ts
 * logicalAnd(tensor([true, false]), tensor([true, true])).toArray(); // [true, false]
 * ```
 */
export const logicalAnd: (x: TensorLike, y: TensorLike) => Tensor = cmp('logicalAnd', and, true);
/**
 * Elementwise logical or of bool tensors.
 * @example
 * ```ts
 * logicalOr(tensor([true, false]), tensor([false, false])).toArray(); // [true, false]
 * ```
 */
export const logicalOr: (x: TensorLike, y: TensorLike) => Tensor = cmp('logicalOr', or, true);
/**
 * Elementwise logical not (of a bool tensor; numbers are true when nonzero, as in NumPy).
 * @example
 * ```ts
 * logicalNot(tensor([true])).toArray(); // [false]
 * ```
 */
export function logicalNot(x: TensorLike): Tensor {
  const t = asTensor('logicalNot', x, 'x', 'bool');
  // NumPy: a number is true when nonzero, so logical_not(x) = (x == 0) (NaN is true, its negation false)
  return t.dtype === 'bool' ? not(t) : eq(t, asTensor('logicalNot', 0, 'zero', t.dtype));
}
/**
 * `condition ? x : y` elementwise, broadcasting all three. Differentiable in `x` and `y`.
 * @throws {DTypeError} when `condition` is not bool.
 * @example
 * ```ts
 * where(greater(x, 0), x, 0); // relu
 * ```
 */
export function where(condition: TensorLike, x: TensorLike, y: TensorLike): Tensor {
  const c = asTensor('where', condition, 'condition', 'bool');
  const [a, b] = promoteArgs('where', [x, y], ['x', 'y']);
  return select(c, a!, b!);
}
/**
 * True where `x` is finite (not NaN or ±∞).
 * @example
 * ```ts
 * isFinite(tensor([1, Infinity, NaN])).toArray(); // [true, false, false]
 * ```
 */
export function isFinite(x: TensorLike): Tensor {
  const t = asTensor('isFinite', x);
  if (!isFloat(t.dtype)) return eq(t, t);
  const d = sub(t, t); // 0 for finite x, NaN otherwise
  return eq(d, d);
}
