/**
 * Matrix products: `matmul dot outer dotGeneral`.
 *
 * All lower to the `dot_general` primitive, whose batching rule turns `vmap` of a matrix
 * product into one batched product.
 * @module
 */
import type { DotDims } from '../backend/backend.js';
import { ShapeError } from '../errors.js';
import { broadcastShapes, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { dotGeneral as dotGeneralP } from '../core/primitives/dot-general.js';
import { broadcastTo } from '../core/primitives/_rules.js';
import { reshape } from '../core/primitives/reshape.js';
import { promoteArgs, type TensorLike } from './convert.js';

/** Dimension numbers for {@link dotGeneral}: contracting and batch axes of each operand (negative allowed). */
export interface DotGeneralDims {
  /** `[lhsAxes, rhsAxes]` summed over. */
  readonly contract: readonly [readonly number[], readonly number[]];
  /** `[lhsAxes, rhsAxes]` treated as batch axes. @defaultValue `[[], []]` */
  readonly batch?: readonly [readonly number[], readonly number[]] | undefined;
}

/**
 * Generalised contraction: output axes are the batch axes, then the free axes of `x`, then of `y`.
 * ```text
 * out[b, i, j] = Σ_k x[b, i, k] · y[b, k, j]
 * ```
 * @throws {ShapeError} when contracted or batch sizes differ.
 * @example
 * ```ts
 * dotGeneral(zeros([5, 2, 3]), zeros([5, 3, 4]), { contract: [[2], [1]], batch: [[0], [0]] }).shape; // [5, 2, 4]
 * ```
 */
export function dotGeneral(x: TensorLike, y: TensorLike, dims: DotGeneralDims): Tensor {
  const [a, b] = promoteArgs('dotGeneral', [x, y]);
  const nx = (l: readonly number[]) => l.map((d) => normalizeAxis('dotGeneral', d, a!.ndim, 'contract'));
  const ny = (l: readonly number[]) => l.map((d) => normalizeAxis('dotGeneral', d, b!.ndim, 'contract'));
  const batch = dims.batch ?? [[], []];
  const d: DotDims = { lhsContract: nx(dims.contract[0]), rhsContract: ny(dims.contract[1]), lhsBatch: nx(batch[0]), rhsBatch: ny(batch[1]) };
  return dotGeneralP(a!, b!, d);
}

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row/column and the
 * added axis removed; leading axes are batch axes and broadcast.
 * @throws {ShapeError} e.g. `matmul: inner dimensions must match, got f32[3,4] and f32[5,2] (4 ≠ 5).`
 * @example
 * ```ts
 * matmul(ones([2, 3]), ones([3, 4])).shape; // [2, 4]
 * ```
 */
export function matmul(x: TensorLike, y: TensorLike): Tensor {
  const [a0, b0] = promoteArgs('matmul', [x, y]);
  if (a0!.ndim === 0 || b0!.ndim === 0) {
    throw new ShapeError(`matmul: operands must have at least one axis, got ${a0!.aval.toString()} and ${b0!.aval.toString()}. Use mul for scalars.`, { op: 'matmul' });
  }
  const a = a0!.ndim === 1 ? reshape(a0!, [1, a0!.shape[0]!]) : a0!;
  const b = b0!.ndim === 1 ? reshape(b0!, [b0!.shape[0]!, 1]) : b0!;
  const k = a.shape[a.ndim - 1]!, k2 = b.shape[b.ndim - 2]!;
  if (k !== k2) {
    throw new ShapeError(`matmul: inner dimensions must match, got ${a0!.aval.toString()} and ${b0!.aval.toString()} (${k} ≠ ${k2}). The last axis of the first operand must equal the second-to-last of the second; did you mean to transpose one (x.T)?`, {
      op: 'matmul', expected: 'x.shape[-1] == y.shape[-2]', received: `${a0!.aval.toString()} and ${b0!.aval.toString()}`,
    });
  }
  const batch = broadcastShapes('matmul', [a.shape.slice(0, -2), b.shape.slice(0, -2)], () => `${a0!.aval.toString()} and ${b0!.aval.toString()}`);
  const nb = batch.length;
  const ab = broadcastTo(a, [...batch, ...a.shape.slice(-2)]);
  const bb = broadcastTo(b, [...batch, ...b.shape.slice(-2)]);
  const bd = Array.from({ length: nb }, (_, i) => i);
  let out = dotGeneralP(ab, bb, { lhsContract: [nb + 1], rhsContract: [nb], lhsBatch: bd, rhsBatch: bd });
  if (a0!.ndim === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]!]);
  if (b0!.ndim === 1) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

/**
 * Dot product of vectors, or `matmul` for higher ranks.
 * @example
 * ```ts
 * dot(tensor([1, 2]), tensor([3, 4])).item(); // 11
 * ```
 */
export function dot(x: TensorLike, y: TensorLike): Tensor {
  return matmul(x, y);
}

/**
 * Outer product of two vectors (flattened first).
 * ```text
 * outer(u, v)_ij = u_i v_j
 * ```
 * @example
 * ```ts
 * outer(tensor([1, 2]), tensor([3, 4, 5])).shape; // [2, 3]
 * ```
 */
export function outer(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = promoteArgs('outer', [x, y]);
  return dotGeneralP(reshape(a!, [a!.size, 1]), reshape(b!, [1, b!.size]), { lhsContract: [1], rhsContract: [0], lhsBatch: [], rhsBatch: [] });
}
