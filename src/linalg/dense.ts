/**
 * Dense linear algebra on row-major typed arrays: Cholesky factorization, triangular and SPD
 * solves, SPD inverse and log-determinant, and small matrix helpers. Everything is computed in
 * float64; results have the array type of the input unless stated otherwise.
 * @module
 */
import { NotPositiveDefiniteError, ValueError } from '../errors.js';
import { asTypeOf, checkDim, checkLength, checkNonNegative, fmt, symmetricCopy, type FloatArray } from './util.js';

import { identity } from './matrix.js';

export { eighSymmetric, type EighResult } from './eigh.js';
export { identity, matmulDense, transposeDense } from './matrix.js';

/**
 * @internal Cholesky in float64 with `damping` added to the diagonal; errors name `op`.
 *
 * A pivot must exceed `n·ε·max_i |a_ii + damping|` (ε = 2⁻⁵², the float64 working precision):
 * rounding leaves the pivot of an exactly singular matrix at ±O(ε·‖A‖) rather than 0, and
 * accepting a tiny positive one would return a factor whose solves are ~1/ε times too large.
 */
export function choleskyF64(op: string, a: FloatArray, n: number, damping: number): Float64Array {
  const l = symmetricCopy(op, a, n);
  let maxDiag = 0;
  for (let j = 0; j < n; j++) maxDiag = Math.max(maxDiag, Math.abs(l[j * n + j]! + damping));
  const tol = n * Number.EPSILON * maxDiag;
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = l[rowJ + j]! + damping;
    for (let k = 0; k < j; k++) d -= l[rowJ + k]! * l[rowJ + k]!;
    if (!(d > tol) || !Number.isFinite(d)) {
      const why = d > 0 ? ` ≤ n·ε·max diag = ${fmt(tol)} (numerically singular)` : '';
      throw new NotPositiveDefiniteError(`${op}: matrix is not positive definite, got pivot ${j} = ${fmt(d)}${why}. Add damping.`, {
        op,
        argument: 'a',
        expected: 'a symmetric positive definite matrix',
        received: `pivot ${j} = ${fmt(d)}`,
      });
    }
    const ljj = Math.sqrt(d);
    l[rowJ + j] = ljj;
    // Column j below the diagonal, four rows per pass (one load of l[j, k] for four independent
    // sums); each entry is still l[i, j] − Σₖ l[i, k]·l[j, k] in ascending k, as one row at a time.
    let i = j + 1;
    for (; i + 3 < n; i += 4) {
      const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      let s0 = l[r0 + j]!, s1 = l[r1 + j]!, s2 = l[r2 + j]!, s3 = l[r3 + j]!;
      for (let k = 0; k < j; k++) {
        const c = l[rowJ + k]!;
        s0 -= l[r0 + k]! * c;
        s1 -= l[r1 + k]! * c;
        s2 -= l[r2 + k]! * c;
        s3 -= l[r3 + k]! * c;
      }
      l[r0 + j] = s0 / ljj;
      l[r1 + j] = s1 / ljj;
      l[r2 + j] = s2 / ljj;
      l[r3 + j] = s3 / ljj;
    }
    for (; i < n; i++) {
      const rowI = i * n;
      let s = l[rowI + j]!;
      for (let k = 0; k < j; k++) s -= l[rowI + k]! * l[rowJ + k]!;
      l[rowI + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) l[rowJ + k] = 0;
  }
  return l;
}

/**
 * Cholesky factorization of a symmetric positive definite matrix.
 *
 * ```text
 * A = L Lᵀ,   L lower triangular with positive diagonal
 * ```
 * Only symmetric input is accepted (up to √ε of the largest entry; the two triangles are averaged).
 * @param a - The n×n matrix A, row-major.
 * @param n - The matrix order.
 * @returns L (n×n, row-major, zeros above the diagonal), with the array type of `a`.
 * @throws {@link NotPositiveDefiniteError} (a {@link ValueError}) when A is not positive definite,
 *   exactly singular included: a pivot must exceed n·ε·max diag (ε = 2⁻⁵², the float64 working
 *   precision of every input type); the message names the failing pivot, e.g. `got pivot 3 = -1.2e-4`.
 * @throws {@link ValueError} when A is not symmetric or has non-finite entries.
 * @throws {@link ShapeError} when `a.length !== n*n`.
 * @example
 * ```ts
 * const l = cholesky(new Float64Array([4, 2, 2, 3]), 2); // [2, 0, 1, √2]
 * ```
 */
export function cholesky<T extends FloatArray>(a: T, n: number): T {
  return asTypeOf<T>(a, choleskyF64('cholesky', a, n, 0));
}

/** Options of {@link solveTriangular}. */
export interface SolveTriangularOptions {
  /** Whether `l` is lower triangular (default `true`); entries on the other side are ignored. */
  readonly lower?: boolean;
  /** Solve with the transpose of the triangular matrix (default `false`). */
  readonly transpose?: boolean;
  /** Number of right-hand sides, the columns of the n×nrhs matrix `b` (default 1). */
  readonly nrhs?: number;
}

/** In-place triangular solve on a float64 copy `x` (n×nrhs row-major). */
function triSolveInPlace(op: string, t: FloatArray, x: Float64Array, n: number, nrhs: number, lower: boolean, transpose: boolean): void {
  // Effective element (i, j) of op(T): T[j, i] when transposed.
  const si = transpose ? 1 : n;
  const sj = transpose ? n : 1;
  const effLower = lower !== transpose;
  for (let step = 0; step < n; step++) {
    const i = effLower ? step : n - 1 - step;
    const diag = t[i * si + i * sj]!;
    if (diag === 0 || !Number.isFinite(diag)) {
      throw new ValueError(`${op}: triangular matrix is singular, got diagonal ${i} = ${fmt(diag)}.`, {
        op,
        argument: 'l',
        expected: 'a non-zero finite diagonal',
        received: `diagonal ${i} = ${fmt(diag)}`,
      });
    }
    const jStart = effLower ? 0 : i + 1;
    const jEnd = effLower ? i : n;
    for (let r = 0; r < nrhs; r++) {
      let s = x[i * nrhs + r]!;
      for (let j = jStart; j < jEnd; j++) s -= t[i * si + j * sj]! * x[j * nrhs + r]!;
      x[i * nrhs + r] = s / diag;
    }
  }
}

/**
 * Solves a triangular system by forward or back substitution.
 *
 * ```text
 * op(T) X = B,   op(T) = T or Tᵀ,   T lower (or upper) triangular n×n,   B, X n×nrhs
 * ```
 * @param l - The triangular matrix T (n×n, row-major).
 * @param b - The right-hand sides B (n×nrhs, row-major: `b[i*nrhs + r]`).
 * @param n - The matrix order.
 * @param options - `lower` (default true), `transpose` (default false), `nrhs` (default 1).
 * @returns X (n×nrhs), with the array type of `b`.
 * @throws {@link ShapeError} when `l` or `b` has the wrong length.
 * @throws {@link ValueError} when `n`/`nrhs` is invalid or T has a zero or non-finite diagonal.
 * @example
 * ```ts
 * const l = new Float64Array([2, 0, 1, 1]);
 * solveTriangular(l, new Float64Array([2, 3]), 2); // [1, 2]
 * solveTriangular(l, new Float64Array([4, 1]), 2, { transpose: true }); // Lᵀ x = b → [1.5, 1]
 * ```
 */
export function solveTriangular<T extends FloatArray>(l: FloatArray, b: T, n: number, options: SolveTriangularOptions = {}): T {
  const op = 'solveTriangular';
  const nrhs = options.nrhs ?? 1;
  checkDim(op, 'n', n);
  checkDim(op, 'nrhs', nrhs);
  checkLength(op, 'l', l, n * n, 'n*n');
  checkLength(op, 'b', b, n * nrhs, 'n*nrhs');
  const x = Float64Array.from(b);
  triSolveInPlace(op, l, x, n, nrhs, options.lower ?? true, options.transpose ?? false);
  return asTypeOf<T>(b, x);
}

/** Solves (L Lᵀ) X = B in float64 given a Cholesky factor. */
function choleskySolveF64(op: string, l: FloatArray, b: FloatArray, n: number, nrhs: number): Float64Array {
  checkDim(op, 'n', n);
  checkDim(op, 'nrhs', nrhs);
  checkLength(op, 'l', l, n * n, 'n*n');
  checkLength(op, 'b', b, n * nrhs, 'n*nrhs');
  const x = Float64Array.from(b);
  triSolveInPlace(op, l, x, n, nrhs, true, false);
  triSolveInPlace(op, l, x, n, nrhs, true, true);
  return x;
}

/**
 * Solves a linear system given the Cholesky factor of its matrix.
 *
 * ```text
 * A X = B  with  A = L Lᵀ:   L Y = B,  then  Lᵀ X = Y
 * ```
 * @param l - The lower Cholesky factor L (n×n, row-major), e.g. from {@link cholesky}.
 * @param b - The right-hand sides B (n×nrhs, row-major).
 * @param n - The matrix order.
 * @param nrhs - Number of right-hand sides (default 1).
 * @returns X (n×nrhs), with the array type of `b`.
 * @throws {@link ShapeError} when `l` or `b` has the wrong length,
 *   e.g. `choleskySolve: b must have n*nrhs = 12 entries, got 10.`
 * @throws {@link ValueError} when `n`/`nrhs` is invalid or L has a zero diagonal.
 * @example
 * ```ts
 * const l = cholesky(new Float64Array([4, 2, 2, 3]), 2);
 * choleskySolve(l, new Float64Array([6, 5]), 2); // [1, 1]
 * ```
 */
export function choleskySolve<T extends FloatArray>(l: FloatArray, b: T, n: number, nrhs = 1): T {
  return asTypeOf<T>(b, choleskySolveF64('choleskySolve', l, b, n, nrhs));
}

/** Options of {@link solveSpd}. */
export interface SolveSpdOptions {
  /** Non-negative multiple of the identity added to A before solving (default 0). */
  readonly damping?: number;
  /** Number of right-hand sides, the columns of the n×nrhs matrix `b` (default 1). */
  readonly nrhs?: number;
}

/**
 * Solves a (damped) symmetric positive definite system via Cholesky.
 *
 * ```text
 * (A + λ I) X = B,   λ = damping ≥ 0
 * ```
 * @param a - The symmetric n×n matrix A, row-major.
 * @param b - The right-hand sides B (n×nrhs, row-major).
 * @param n - The matrix order.
 * @param options - `damping` λ (default 0) and `nrhs` (default 1).
 * @returns X (n×nrhs), with the array type of `b`.
 * @throws {@link ValueError} when damping is negative or non-finite, or A + λI is not SPD.
 * @throws {@link ShapeError} when `a` or `b` has the wrong length.
 * @example
 * ```ts
 * solveSpd(new Float64Array([2, 0, 0, 2]), new Float64Array([3, 3]), 2, { damping: 1 }); // [1, 1]
 * ```
 */
export function solveSpd<T extends FloatArray>(a: FloatArray, b: T, n: number, options: SolveSpdOptions = {}): T {
  const op = 'solveSpd';
  const damping = options.damping ?? 0;
  const nrhs = options.nrhs ?? 1;
  checkNonNegative(op, 'damping', damping);
  checkDim(op, 'nrhs', nrhs);
  const l = choleskyF64(op, a, n, damping);
  return asTypeOf<T>(b, choleskySolveF64(op, l, b, n, nrhs));
}

/**
 * Inverse of a symmetric positive definite matrix via its Cholesky factor.
 *
 * ```text
 * A⁻¹ = L⁻ᵀ L⁻¹,   A = L Lᵀ   (result symmetrized)
 * ```
 * @param a - The SPD n×n matrix A, row-major.
 * @param n - The matrix order.
 * @returns A⁻¹ (n×n), with the array type of `a`.
 * @throws {@link ValueError} when A is not symmetric positive definite.
 * @throws {@link ShapeError} when `a.length !== n*n`.
 * @example
 * ```ts
 * inverseSpd(new Float64Array([2, 0, 0, 4]), 2); // [0.5, 0, 0, 0.25]
 * ```
 */
export function inverseSpd<T extends FloatArray>(a: T, n: number): T {
  const op = 'inverseSpd';
  const l = choleskyF64(op, a, n, 0);
  const x = choleskySolveF64(op, l, identity(n), n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const m = 0.5 * (x[i * n + j]! + x[j * n + i]!);
      x[i * n + j] = m;
      x[j * n + i] = m;
    }
  }
  return asTypeOf<T>(a, x);
}

/**
 * Natural log-determinant of a symmetric positive definite matrix via Cholesky.
 *
 * ```text
 * log det A = 2 Σᵢ log Lᵢᵢ,   A = L Lᵀ
 * ```
 * @param a - The SPD n×n matrix A, row-major.
 * @param n - The matrix order.
 * @returns log det A as a float64 number (0 for n = 0).
 * @throws {@link ValueError} when A is not symmetric positive definite.
 * @throws {@link ShapeError} when `a.length !== n*n`.
 * @example
 * ```ts
 * logDetSpd(new Float64Array([2, 0, 0, 3]), 2); // Math.log(6)
 * ```
 */
export function logDetSpd(a: FloatArray, n: number): number {
  const l = choleskyF64('logDetSpd', a, n, 0);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]!);
  return 2 * s;
}
