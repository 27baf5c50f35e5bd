/**
 * Indexing: `take` (gather along an axis) and `oneHot`.
 * @module
 */
import { DTypeError } from '../errors.js';
import { normalizeAxis } from '../tensor/shape.js';
import { getDefaultFloat, type DType } from '../tensor/dtype.js';
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
 * end; out-of-range indices are clamped). The indices' shape replaces that axis.
 * Differentiable in `x` (the transpose is a scatter-add).
 * @throws {DTypeError} when the indices are not integers.
 * @example
 * ```ts
 * take(tensor([10, 20, 30]), [2, 0]).toArray(); // [30, 10]
 * ```
 */
export function take(x: TensorLike, indices: Tensor | readonly number[] | number, axis = 0): Tensor {
  const t = asTensor('take', x);
  let idx = indices instanceof Tensor ? indices : tensor(indices as number | number[], { dtype: 'int32' });
  if (idx.dtype === 'bool' || idx.dtype === 'float32' || idx.dtype === 'float64') {
    throw new DTypeError(`take: indices must be int32, got ${idx.aval.toString()}.`, { op: 'take', argument: 'indices', received: idx.aval.toString() });
  }
  const a = normalizeAxis('take', axis, t.ndim);
  const n = t.shape[a]!;
  idx = select(lt(idx, 0), add(idx, n), idx);
  return takeP(t, idx, a);
}

/**
 * One-hot encoding of integer labels: a new last axis of size `depth`.
 * @example
 * ```ts
 * oneHot(tensor([0, 2], { dtype: 'int32' }), 3).toArray(); // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(labels: TensorLike, depth: number, dtype: DType = getDefaultFloat()): Tensor {
  const l = asTensor('oneHot', labels, 'labels', 'int32');
  if (l.dtype !== 'int32') throw new DTypeError(`oneHot: labels must be int32, got ${l.aval.toString()}.`, { op: 'oneHot', argument: 'labels', received: l.aval.toString() });
  const e = expandDims(l, l.ndim);
  void normalizeAxis;
  return cast(eq(e, iota([...l.shape, depth], l.ndim, 'int32')), dtype);
}
