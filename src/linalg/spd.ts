/**
 * Symmetric positive definite solves, inverse and log-determinant on tensors, composed from the
 * `cholesky` and `triangular_solve` primitives: differentiable, batchable and jittable.
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { eye } from '../tensor/creation.js';
import { cholesky as choleskyPrim } from '../core/primitives/cholesky.js';
import { triangularSolve as triangularSolvePrim } from '../core/primitives/triangular-solve.js';
import type { TensorLike } from '../ops/convert.js';
import { floatArg, squareArg } from './factor.js';

const LOWER = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false } as const;

/** B as `[..., n, k]` plus the function restoring its original shape. */
function asColumns(op: string, a: Tensor, b: Tensor): [Tensor, (x: Tensor) => Tensor] {
  const n = a.shape[a.ndim - 1]!;
  const vector = b.ndim === a.ndim - 1;
  const batchOk = (vector ? b.shape.slice(0, -1) : b.shape.slice(0, -2)).every((d, i) => d === a.shape[i]);
  if (!(vector || b.ndim === a.ndim) || !batchOk || b.shape[b.ndim - (vector ? 1 : 2)] !== n || b.dtype !== a.dtype) {
    const desc = `${a.aval.toString()} and ${b.aval.toString()}`;
    throw new ShapeError(`${op}: 'b' must be [..., n] or [..., n, k] with the batch shape and dtype of the matrix, got ${desc}.`, { op, argument: 'b', expected: `[${a.shape.slice(0, -1).join(',')}] or [${a.shape.slice(0, -1).join(',')},k]`, received: desc });
  }
  return vector ? [b.reshape([...b.shape, 1]), (x) => x.reshape(b.shape)] : [b, (x) => x];
}

function choSolveRaw(l: Tensor, b: Tensor): Tensor {
  return triangularSolvePrim(l, triangularSolvePrim(l, b, LOWER), { ...LOWER, transposeA: true });
}

/**
 * Solves A X = B given the lower Cholesky factor L of A.
 *
 * ```text
 * L Y = B,   Lᵀ X = Y
 * ```
 * @param l - Lower factor `[..., n, n]` (e.g. from {@link choleskyTensor}).
 * @param b - `[..., n]` or `[..., n, k]` with L's batch shape and dtype.
 * @returns X with B's shape.
 * @throws {@link ShapeError} for mismatched shapes; {@link ValueError} for a zero diagonal of L.
 * @example
 * ```ts
 * const l = linalg.choleskyTensor(a);
 * const x = linalg.choSolve(l, b); // A⁻¹ b
 * ```
 */
export function choSolve(l: TensorLike, b: TensorLike): Tensor {
  const L = squareArg('choSolve', l, 'l');
  const [B, back] = asColumns('choSolve', L, floatArg('choSolve', b, 'b', 1));
  return back(choSolveRaw(L, B));
}

/** Options of {@link solve}. */
export interface SpdSolveOptions {
  /** λ ≥ 0 added to the diagonal: solve (A + λI) X = B. @defaultValue 0 */
  readonly damping?: number;
}

function damped(op: string, a: Tensor, damping: number): Tensor {
  if (!(Number.isFinite(damping) && damping >= 0)) {
    throw new ValueError(`${op}: damping must be a finite number ≥ 0, got ${damping}.`, { op, argument: 'damping', expected: '≥ 0', received: String(damping) });
  }
  return damping === 0 ? a : a.add(eye(a.shape[a.ndim - 1]!, undefined, a.dtype).mul(damping));
}

/**
 * Solves a symmetric positive definite system through its Cholesky factor; differentiable in A
 * and B, batchable, jittable.
 *
 * ```text
 * (A + λI) X = B,   A + λI = L Lᵀ
 * ```
 * @param a - SPD `[..., n, n]` (its symmetric part is used).
 * @param b - `[..., n]` or `[..., n, k]`.
 * @param options - `damping` λ.
 * @returns X with B's shape.
 * @throws {@link NotPositiveDefiniteError} naming the pivot; {@link ShapeError} for mismatched shapes.
 * @example
 * ```ts
 * linalg.solve(tensor([[2, 0], [0, 2]], { dtype: 'float64' }), tensor([3, 3], { dtype: 'float64' }), { damping: 1 }); // [1, 1]
 * ```
 */
export function solve(a: TensorLike, b: TensorLike, options: SpdSolveOptions = {}): Tensor {
  const A = squareArg('solve', a);
  const [B, back] = asColumns('solve', A, floatArg('solve', b, 'b', 1));
  return back(choSolveRaw(choleskyPrim(damped('solve', A, options.damping ?? 0)), B));
}

/**
 * Log-determinant of a symmetric positive definite matrix via Cholesky; its gradient is A⁻¹.
 *
 * ```text
 * log det A = 2 Σᵢ log Lᵢᵢ
 * ```
 * @param a - SPD `[..., n, n]`.
 * @returns `[...]` log-determinants.
 * @throws {@link NotPositiveDefiniteError} naming the pivot.
 * @example
 * ```ts
 * linalg.logdet(tensor([[2, 0], [0, 3]], { dtype: 'float64' })).item(); // Math.log(6)
 * ```
 */
export function logdet(a: TensorLike): Tensor {
  const A = squareArg('logdet', a);
  const n = A.shape[A.ndim - 1]!;
  const l = choleskyPrim(A);
  return l.mul(eye(n, undefined, A.dtype)).sum(A.ndim - 1).log().sum(A.ndim - 2).mul(2);
}

/**
 * Inverse of a symmetric positive definite matrix via Cholesky (symmetrized).
 *
 * ```text
 * A⁻¹ = L⁻ᵀ L⁻¹
 * ```
 * @param a - SPD `[..., n, n]`.
 * @returns A⁻¹ with A's shape.
 * @throws {@link NotPositiveDefiniteError} naming the pivot.
 * @example
 * ```ts
 * linalg.inv(tensor([[2, 0], [0, 4]], { dtype: 'float64' })); // [[0.5, 0], [0, 0.25]]
 * ```
 */
export function inv(a: TensorLike): Tensor {
  const A = squareArg('inv', a);
  const n = A.shape[A.ndim - 1]!;
  const x = choSolveRaw(choleskyPrim(A), eye(n, undefined, A.dtype).broadcastTo(A.shape));
  const r = x.ndim;
  return x.add(x.transpose([...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2])).mul(0.5);
}
