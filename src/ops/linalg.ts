/**
 * Matrix products: `matmul dot outer dotGeneral`.
 *
 * All lower to the `dot_general` primitive, whose batching rule turns `vmap` of a matrix
 * product into one batched product. As in NumPy, products of bool tensors are bool: `true` where
 * some `x_ik ∧ y_kj` holds (computed by counting in int32, so it never wraps).
 * @module
 */
import type { DotDims } from '../backend/backend.js';
import { AxisError, ShapeError } from '../errors.js';
import { broadcastShapes, describeValue, normalizeAxis } from '../tensor/shape.js';
import { scalar } from '../tensor/creation.js';
import { cast } from '../core/primitives/cast.js';
import { ne } from '../core/primitives/compare.js';
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
 * @throws {ShapeError} when contracted or batch sizes differ, or `dims` is malformed.
 * @throws {AxisError} for a non-integer or out-of-range axis, or an axis used twice in one operand.
 * @example
 * ```ts
 * dotGeneral(zeros([5, 2, 3]), zeros([5, 3, 4]), { contract: [[2], [1]], batch: [[0], [0]] }).shape; // [5, 2, 4]
 * ```
 */
export function dotGeneral(x: TensorLike, y: TensorLike, dims: DotGeneralDims): Tensor {
  const [a, b] = promoteArgs('dotGeneral', [x, y]);
  const d = checkDotDims(a!, b!, dims);
  return boolAware(a!, b!, (u, v) => dotGeneralP(u, v, d));
}

function pairOfLists(v: unknown, what: string): [readonly unknown[], readonly unknown[]] {
  if (!Array.isArray(v) || v.length !== 2 || !Array.isArray(v[0]) || !Array.isArray(v[1])) {
    const got = describeValue(v);
    throw new ShapeError(`dotGeneral: dims.${what} must be a pair of axis lists [lhsAxes, rhsAxes], got ${got}.`, { op: 'dotGeneral', argument: `dims.${what}`, expected: '[number[], number[]]', received: got });
  }
  return [v[0], v[1]];
}

/** Validates dimension numbers: integer in-range axes, equal list lengths, no axis used twice in an operand. */
function checkDotDims(a: Tensor, b: Tensor, dims: DotGeneralDims): DotDims {
  if (typeof dims !== 'object' || dims === null) {
    throw new ShapeError(`dotGeneral: dims must be { contract, batch? }, got ${describeValue(dims)}.`, { op: 'dotGeneral', argument: 'dims', received: describeValue(dims) });
  }
  const [lc, rc] = pairOfLists(dims.contract, 'contract');
  const [lb, rb] = dims.batch === undefined ? [[], []] : pairOfLists(dims.batch, 'batch');
  const nx = (l: readonly unknown[], what: string) => l.map((d) => normalizeAxis('dotGeneral', d, a.ndim, `dims.${what}[0]`));
  const ny = (l: readonly unknown[], what: string) => l.map((d) => normalizeAxis('dotGeneral', d, b.ndim, `dims.${what}[1]`));
  const out: DotDims = { lhsContract: nx(lc, 'contract'), rhsContract: ny(rc, 'contract'), lhsBatch: nx(lb, 'batch'), rhsBatch: ny(rb, 'batch') };
  const unique = (l: readonly number[], t: Tensor, side: string) => {
    if (new Set(l).size !== l.length) {
      throw new AxisError(`dotGeneral: an axis of the ${side} operand ${t.aval.toString()} appears more than once in its contracting and batch axes, got [${l.join(',')}]. Each axis may be contracted or batched once.`, {
        op: 'dotGeneral', argument: 'dims', received: `[${l.join(',')}]`,
      });
    }
  };
  unique([...out.lhsContract, ...out.lhsBatch], a, 'left');
  unique([...out.rhsContract, ...out.rhsBatch], b, 'right');
  return out;
}

/**
 * NumPy's bool matrix product: `true` where any `x_ik ∧ y_kj` (a logical or of ands), computed
 * exactly by counting in int32 and comparing with 0. Other dtypes run `f` unchanged.
 */
function boolAware(a: Tensor, b: Tensor, f: (u: Tensor, v: Tensor) => Tensor): Tensor {
  if (a.dtype !== 'bool') return f(a, b);
  const n = f(cast(a, 'int32'), cast(b, 'int32'));
  return ne(n, scalar(0, 'int32'));
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
  return matmulAs('matmul', x, y);
}

function matmulAs(op: string, x: TensorLike, y: TensorLike): Tensor {
  const [a0, b0] = promoteArgs(op, [x, y]);
  if (a0!.ndim === 0 || b0!.ndim === 0) {
    throw new ShapeError(`${op}: operands must have at least one axis, got ${a0!.aval.toString()} and ${b0!.aval.toString()}. Use mul for scalars.`, { op, received: `${a0!.aval.toString()} and ${b0!.aval.toString()}` });
  }
  const a = a0!.ndim === 1 ? reshape(a0!, [1, a0!.shape[0]!]) : a0!;
  const b = b0!.ndim === 1 ? reshape(b0!, [b0!.shape[0]!, 1]) : b0!;
  const k = a.shape[a.ndim - 1]!, k2 = b.shape[b.ndim - 2]!;
  if (k !== k2) {
    throw new ShapeError(`${op}: inner dimensions must match, got ${a0!.aval.toString()} and ${b0!.aval.toString()} (${k} ≠ ${k2}). The last axis of the first operand must equal the second-to-last of the second; did you mean to transpose one (x.T)?`, {
      op, expected: 'x.shape[-1] == y.shape[-2]', received: `${a0!.aval.toString()} and ${b0!.aval.toString()}`,
    });
  }
  const batch = broadcastShapes(op, [a.shape.slice(0, -2), b.shape.slice(0, -2)], () => `${a0!.aval.toString()} and ${b0!.aval.toString()}`);
  const nb = batch.length;
  const ab = broadcastTo(a, [...batch, ...a.shape.slice(-2)]);
  const bb = broadcastTo(b, [...batch, ...b.shape.slice(-2)]);
  const bd = Array.from({ length: nb }, (_, i) => i);
  let out = boolAware(ab, bb, (u, v) => dotGeneralP(u, v, { lhsContract: [nb + 1], rhsContract: [nb], lhsBatch: bd, rhsBatch: bd }));
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
  return matmulAs('dot', x, y);
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
  return boolAware(reshape(a!, [a!.size, 1]), reshape(b!, [1, b!.size]), (u, v) => dotGeneralP(u, v, { lhsContract: [1], rhsContract: [0], lhsBatch: [], rhsBatch: [] }));
}
