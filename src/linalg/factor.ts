/**
 * Tensor-level factorizations built on the `cholesky`, `triangular_solve` and `eigh` primitives:
 * they run under every transformation (`grad`, `jvp`, `vmap`, `jit`) and over leading batch axes.
 * @module
 */
import { DTypeError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { cholesky as choleskyPrim } from '../core/primitives/cholesky.js';
import { eigh as eighPrim } from '../core/primitives/eigh.js';
import { triangularSolve as triangularSolvePrim } from '../core/primitives/triangular-solve.js';
import { asTensor, type TensorLike } from '../ops/convert.js';

/** @internal Converts to a float tensor of rank ≥ `minRank`, naming `op` and `argument` in errors. */
export function floatArg(op: string, x: TensorLike, argument: string, minRank: number): Tensor {
  const t = asTensor(op, x, argument);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(`${op}: '${argument}' must be float32 or float64, got ${t.aval.toString()}. Cast it with cast(x, 'float64').`, { op, argument, expected: 'float32 or float64', received: t.aval.toString() });
  }
  if (t.ndim < minRank) {
    throw new ShapeError(`${op}: '${argument}' must have rank ≥ ${minRank}, got ${t.aval.toString()}.`, { op, argument, expected: `rank ≥ ${minRank}`, received: t.aval.toString() });
  }
  return t;
}

/** @internal Throws unless `a` is `[..., n, n]`. */
export function squareArg(op: string, x: TensorLike, argument = 'a'): Tensor {
  const a = floatArg(op, x, argument, 2);
  if (a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) {
    throw new ShapeError(`${op}: '${argument}' must be a square matrix or a batch of them [..., n, n], got ${a.aval.toString()}.`, { op, argument, expected: '[..., n, n]', received: a.aval.toString() });
  }
  return a;
}

/**
 * Lower Cholesky factor of a symmetric positive definite tensor (or batch `[..., n, n]`), as a
 * primitive with JVP, reverse-mode and batching rules.
 *
 * ```text
 * L Lᵀ = (A + Aᵀ)/2,   L lower triangular with positive diagonal
 * ```
 * @param a - SPD matrix `[..., n, n]` (float32 or float64; float32 is factored in float64 and rounded).
 * @returns L with A's shape and dtype.
 * @throws {@link NotPositiveDefiniteError} naming the failing pivot (and batch element), eagerly and under `jit`.
 * @throws {@link ValueError} when A is not symmetric within the dtype's tolerance or not finite.
 * @throws {@link ShapeError} / {@link DTypeError} for a non-square or non-float argument.
 * @example
 * ```ts
 * const l = linalg.choleskyTensor(tensor([[4, 2], [2, 3]], { dtype: 'float64' })); // [[2, 0], [1, √2]]
 * ```
 */
export function choleskyTensor(a: TensorLike): Tensor {
  return choleskyPrim(squareArg('cholesky', a));
}

/** Options of {@link triangularSolve}. */
export interface TriangularSolveOptions {
  /** Solve op(A) X = B (true) or X op(A) = B (false). @defaultValue true */
  readonly left?: boolean;
  /** A is lower triangular (true) or upper (false); the other triangle is never read. @defaultValue true */
  readonly lower?: boolean;
  /** Use op(A) = Aᵀ. @defaultValue false */
  readonly transposeA?: boolean;
  /** Take A's diagonal as ones (it is never read). @defaultValue false */
  readonly unitDiagonal?: boolean;
}

/**
 * Solves a triangular system, as a primitive (linear in `b`; JVP in both arguments; batching).
 *
 * ```text
 * left:  op(A) X = B   (B: [..., n, k], or [..., n] for one right-hand side)
 * right: X op(A) = B   (B: [..., k, n], or [..., n])
 * ```
 * @param a - Triangular `[..., n, n]`.
 * @param b - Right-hand sides with A's batch shape.
 * @param options - `left`, `lower`, `transposeA`, `unitDiagonal`.
 * @returns X with B's shape.
 * @throws {@link ValueError} for a zero diagonal entry (naming it); {@link ShapeError} for mismatched shapes.
 * @example
 * ```ts
 * const l = tensor([[2, 0], [1, 1]], { dtype: 'float64' });
 * linalg.triangularSolve(l, tensor([2, 3], { dtype: 'float64' })); // [1, 2]
 * ```
 */
export function triangularSolve(a: TensorLike, b: TensorLike, options: TriangularSolveOptions = {}): Tensor {
  const op = 'triangularSolve';
  const A = squareArg(op, a);
  const B = floatArg(op, b, 'b', 1);
  const left = options.left ?? true;
  const p = { leftSide: left, lower: options.lower ?? true, transposeA: options.transposeA ?? false, unitDiagonal: options.unitDiagonal ?? false };
  if (B.ndim === A.ndim - 1) {
    const n = B.shape[B.ndim - 1]!;
    const m = B.reshape(left ? [...B.shape, 1] : [...B.shape.slice(0, -1), 1, n]);
    return triangularSolvePrim(A, m, p).reshape(B.shape);
  }
  return triangularSolvePrim(A, B, p);
}

/** Result of {@link eigh}. */
export interface EighTensors {
  /** Eigenvalues `[..., n]`, ascending. */
  readonly values: Tensor;
  /** Eigenvectors `[..., n, n]`: column j belongs to `values[j]`. */
  readonly vectors: Tensor;
}

/**
 * Symmetric eigendecomposition, as a primitive (JVP for distinct eigenvalues, reverse mode, batching).
 *
 * ```text
 * (A + Aᵀ)/2 = V diag(w) Vᵀ,   w ascending,   each column of V has its largest-|·| entry positive
 * ```
 * At exactly equal eigenvalues the eigenvector derivative drops the (undefined) rotation within
 * the eigenspace instead of producing NaN; see `core/primitives/eigh.ts`.
 * @param a - Symmetric `[..., n, n]`.
 * @returns `{ values, vectors }`.
 * @throws {@link ValueError} when A is not symmetric within the dtype's tolerance or not finite.
 * @example
 * ```ts
 * const { values } = linalg.eigh(tensor([[2, 1], [1, 2]], { dtype: 'float64' })); // [1, 3]
 * ```
 */
export function eigh(a: TensorLike): EighTensors {
  const [values, vectors] = eighPrim(squareArg('eigh', a));
  return { values: values!, vectors: vectors! };
}
