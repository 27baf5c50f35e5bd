/**
 * Tree math: linear algebra on pytrees of tensors, leaf by leaf.
 *
 * ```text
 * add(a, b) = a + b      scale(a, s) = s·a      vdot(a, b) = Σ_leaves Σ a·b      norm(a) = √vdot(a, a)
 * ```
 * Laws: `add` is associative and commutative with unit `zerosLike(a)`; `vdot` is bilinear.
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import * as A from '../ops/arithmetic.js';
import { sum } from '../ops/reductions.js';
import { assertSameStructure, flatten, map, unflatten, type Tree } from './tree.js';
import { checkTensorTree } from '../transforms/common.js';
import { ShapeError } from '../errors.js';

/** A pytree of tensors. */
export type TensorTreeOf = Tree<Tensor>;

function checkLeaves(op: string, a: Tree<Tensor>, b: Tree<Tensor>): [Tensor[], Tensor[]] {
  const [la, da] = checkTensorTree(op, a, 'a');
  const [lb, db] = checkTensorTree(op, b, 'b');
  assertSameStructure(op, da, db);
  la.forEach((x, i) => {
    const y = lb[i]!;
    if (x.shape.length !== y.shape.length || x.shape.some((d, j) => d !== y.shape[j])) {
      throw new ShapeError(`${op}: leaf ${i} shapes differ, got ${x.aval.toString()} and ${y.aval.toString()}.`, { op, received: `${x.aval.toString()} and ${y.aval.toString()}` });
    }
  });
  return [la, lb];
}

/**
 * Leafwise sum of two trees of the same structure and shapes.
 * @throws {TreeMismatchError} when structures differ.
 * @example
 * ```ts
 * tree.add({ w: ones([2]) }, { w: ones([2]) }); // { w: [2, 2] }
 * ```
 */
export function add<T extends Tree<Tensor>>(a: T, b: T): T {
  const [la, lb] = checkLeaves('tree.add', a, b);
  return unflatten(flatten(a)[1], la.map((x, i) => A.add(x, lb[i]!))) as T;
}

/**
 * Leafwise difference `a − b`.
 * @example
 * ```ts
 * tree.sub(params, grads);
 * ```
 */
export function sub<T extends Tree<Tensor>>(a: T, b: T): T {
  const [la, lb] = checkLeaves('tree.sub', a, b);
  return unflatten(flatten(a)[1], la.map((x, i) => A.sub(x, lb[i]!))) as T;
}

/**
 * Multiplies every leaf by a scalar (a number or a scalar tensor).
 * @example
 * ```ts
 * tree.scale({ w: ones([2]) }, 0.5); // { w: [0.5, 0.5] }
 * ```
 */
export function scale<T extends Tree<Tensor>>(a: T, s: number | Tensor): T {
  checkTensorTree('tree.scale', a, 'a');
  checkTensorTree('tree.scale', s, 's');
  return map((x: Tensor) => A.mul(x, s), a) as T;
}

/**
 * Inner product summed over all leaves (a scalar tensor).
 * @example
 * ```ts
 * tree.vdot({ w: tensor([1, 2]) }, { w: tensor([3, 4]) }).item(); // 11
 * ```
 */
export function vdot(a: Tree<Tensor>, b: Tree<Tensor>): Tensor {
  const [la, lb] = checkLeaves('tree.vdot', a, b);
  let acc: Tensor | undefined;
  la.forEach((x, i) => {
    const s = sum(A.mul(x, lb[i]!));
    acc = acc === undefined ? s : A.add(acc, s);
  });
  return acc ?? zeros([]);
}

/**
 * Euclidean norm over all leaves.
 * @example
 * ```ts
 * tree.norm([tensor([3]), tensor([4])]).item(); // 5
 * ```
 */
export function norm(a: Tree<Tensor>): Tensor {
  return A.sqrt(vdot(a, a));
}

/**
 * A tree of zeros with the same structure, shapes and dtypes.
 * @example
 * ```ts
 * tree.zerosLike({ w: ones([2]) }); // { w: [0, 0] }
 * ```
 */
export function zerosLike<T extends Tree<Tensor>>(a: T): T {
  checkTensorTree('tree.zerosLike', a, 'a');
  return map((x: Tensor) => zeros(x.shape, x.dtype), a) as T;
}
