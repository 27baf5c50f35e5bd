/**
 * `ravel`: a pytree of tensors as one flat vector, and back.
 *
 * Order: leaves in `flatten` order (depth-first, object keys sorted), each leaf row-major.
 * All leaves are cast to the promoted dtype of the tree. Differentiable both ways.
 * @module
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { getDefaultFloat, promoteTypes, type DType } from '../tensor/dtype.js';
import { reshape } from '../core/primitives/reshape.js';
import { slice } from '../core/primitives/slice.js';
import { cast } from '../core/primitives/cast.js';
import { concatenate } from '../core/primitives/concatenate.js';
import { unflatten, type Tree } from './tree.js';
import { checkTensorTree } from '../transforms/common.js';

/**
 * Flattens a tree of tensors into one vector; returns it with the inverse map.
 * @example
 * ```ts
 * const [v, unravel] = tree.ravel({ b: ones([2]), w: zeros([2, 2]) });
 * v.shape; // [6]   (b first: keys are sorted)
 * unravel(v); // { b: ..., w: ... }
 * ```
 */
export function ravel<T extends Tree<Tensor>>(t: T): [Tensor, (v: Tensor) => T] {
  const [leaves, def] = checkTensorTree('tree.ravel', t, 'tree');
  const dtype: DType = leaves.length ? leaves.map((l) => l.dtype).reduce(promoteTypes) : getDefaultFloat();
  const shapes = leaves.map((l) => l.shape);
  const dtypes = leaves.map((l) => l.dtype);
  const sizes = leaves.map((l) => l.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const v = leaves.length ? concatenate(leaves.map((l) => reshape(cast(l, dtype), [l.size])), 0) : zeros([0], dtype);
  const unravel = (vec: Tensor): T => {
    if (vec.ndim !== 1 || vec.shape[0] !== total) {
      throw new ShapeError(`unravel: expected a vector of length ${total}, got ${vec.aval.toString()}.`, { op: 'unravel', expected: `[${total}]`, received: vec.aval.toString() });
    }
    let off = 0;
    const out = shapes.map((s, i) => {
      const piece = slice(vec, [off], [sizes[i]!]);
      off += sizes[i]!;
      return cast(reshape(piece, s), dtypes[i]!);
    });
    return unflatten(def, out) as T;
  };
  return [v, unravel];
}
