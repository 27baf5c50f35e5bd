/**
 * Indexing: `take` (gather along an axis) and `oneHot`.
 * @module
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { checkInt, checkShape, describeValue } from '../tensor/shape.js';
import { getDefaultFloat, isDType, type DType } from '../tensor/dtype.js';
import { oneAxis, type ReduceOptions } from './axis-arg.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { take as takeP } from '../core/primitives/take.js';
import { iota } from '../core/primitives/iota.js';
import { cast } from '../core/primitives/cast.js';
import { eq } from '../core/primitives/compare.js';
import { select } from '../core/primitives/select.js';
import { add, lt } from './indexing-helpers.js';
import { asTensor, type TensorLike } from './convert.js';
import { expandDims } from './manipulation.js';

/**
 * Gathers entries of `x` along `axis` at integer `indices` (negative indices count from the
 * end; out-of-range indices are clamped, as in JAX). The indices' shape replaces that axis.
 * JS indices must be integers: fractional or NaN indices are an error, never truncated.
 * Differentiable in `x` (the transpose is a scatter-add).
 * @throws {DTypeError} when the indices are not integers.
 * @throws {ValueError} for a fractional, NaN or infinite JS index.
 * @throws {ShapeError} when gathering from an empty axis.
 * @example
 * ```ts
 * take(tensor([10, 20, 30]), [2, 0]).toArray(); // [30, 10]
 * ```
 */
export function take(x: TensorLike, indices: Tensor | readonly number[] | number, axis: number | ReduceOptions = 0): Tensor {
  const t = asTensor('take', x);
  let idx = indexTensor(indices);
  if (idx.dtype === 'bool' || idx.dtype === 'float32' || idx.dtype === 'float64') {
    throw new DTypeError(`take: indices must be int32, got ${idx.aval.toString()}.`, { op: 'take', argument: 'indices', received: idx.aval.toString() });
  }
  const a = oneAxis('take', axis, t.ndim, 0).axis!;
  const n = t.shape[a]!;
  if (n === 0 && idx.size > 0) {
    throw new ShapeError(`take: cannot gather from axis ${a} of ${t.aval.toString()}, which is empty (indices ${idx.aval.toString()}).`, {
      op: 'take', argument: 'indices', expected: 'a non-empty axis', received: `${t.aval.toString()} and ${idx.aval.toString()}`,
    });
  }
  idx = select(lt(idx, 0), add(idx, n), idx);
  return takeP(t, idx, a);
}

function indexTensor(indices: unknown): Tensor {
  if (indices instanceof Tensor) return indices;
  const bad = (i: string, v: unknown) => {
    throw new ValueError(`take: indices${i} must be an integer, got ${describeValue(v)} (indices are never truncated).`, { op: 'take', argument: 'indices', expected: 'integer indices', received: describeValue(v) });
  };
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) v.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) bad(path, v);
  };
  if (typeof indices !== 'number' && !Array.isArray(indices)) {
    throw new DTypeError(`take: indices must be an int32 Tensor, an integer or a list of integers, got ${describeValue(indices)}.`, { op: 'take', argument: 'indices', received: describeValue(indices) });
  }
  walk(indices, '');
  return tensor(indices as number | number[], { dtype: 'int32' });
}

/**
 * One-hot encoding of integer labels: a new last axis of size `depth` (labels outside
 * `[0, depth)` give a row of zeros, as in JAX).
 * @throws {ValueError} when `depth` is not a non-negative integer.
 * @throws {DTypeError} when the labels are not int32.
 * @example
 * ```ts
 * oneHot(tensor([0, 2], { dtype: 'int32' }), 3).toArray(); // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(labels: TensorLike, depth: number, dtype: DType = getDefaultFloat()): Tensor {
  const l = asTensor('oneHot', labels, 'labels', 'int32');
  if (l.dtype !== 'int32') throw new DTypeError(`oneHot: labels must be int32, got ${l.aval.toString()}.`, { op: 'oneHot', argument: 'labels', received: l.aval.toString() });
  checkInt('oneHot', depth, 'depth', { min: 0 });
  if (!isDType(dtype)) throw new DTypeError(`oneHot: unknown dtype ${describeValue(dtype)}; use float32, float64, int32 or bool.`, { op: 'oneHot', argument: 'dtype', received: describeValue(dtype) });
  checkShape('oneHot', [...l.shape, depth], 'output shape');
  const e = expandDims(l, l.ndim);
  return cast(eq(e, iota([...l.shape, depth], l.ndim, 'int32')), dtype);
}
