/**
 * Small dense matrix helpers on row-major typed arrays: product, transpose, identity.
 * @module
 */
import { asTypeOf, checkDim, checkLength, type FloatArray } from './util.js';

/**
 * Dense matrix product of row-major matrices.
 *
 * ```text
 * C = A B,   A m×k,  B k×n,  C m×n,   Cᵢⱼ = Σₚ Aᵢₚ Bₚⱼ
 * ```
 * @param a - A (m×k, row-major).
 * @param b - B (k×n, row-major).
 * @param m - Rows of A.
 * @param k - Columns of A = rows of B.
 * @param n - Columns of B.
 * @returns C (m×n), accumulated in float64, with the array type of `a`.
 * @throws {@link ShapeError} when `a` or `b` has the wrong length.
 * @throws {@link ValueError} when a dimension is not a non-negative integer.
 * @example
 * ```ts
 * matmulDense(new Float64Array([1, 2]), new Float64Array([3, 4]), 1, 2, 1); // [11]
 * ```
 */
export function matmulDense<T extends FloatArray>(a: T, b: FloatArray, m: number, k: number, n: number): T {
  const op = 'matmulDense';
  checkDim(op, 'm', m);
  checkDim(op, 'k', k);
  checkDim(op, 'n', n);
  checkLength(op, 'a', a, m * k, 'm*k');
  checkLength(op, 'b', b, k * n, 'k*n');
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j]! += aip * b[p * n + j]!;
    }
  }
  return asTypeOf<T>(a, c);
}

/**
 * Transpose of a row-major matrix.
 *
 * ```text
 * (Aᵀ)ⱼᵢ = Aᵢⱼ,   A m×n,  Aᵀ n×m
 * ```
 * @param a - A (m×n, row-major).
 * @param m - Rows of A.
 * @param n - Columns of A.
 * @returns Aᵀ (n×m, row-major), with the array type of `a`.
 * @throws {@link ShapeError} when `a.length !== m*n`.
 * @throws {@link ValueError} when a dimension is not a non-negative integer.
 * @example
 * ```ts
 * transposeDense(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3); // [1, 4, 2, 5, 3, 6]
 * ```
 */
export function transposeDense<T extends FloatArray>(a: T, m: number, n: number): T {
  const op = 'transposeDense';
  checkDim(op, 'm', m);
  checkDim(op, 'n', n);
  checkLength(op, 'a', a, m * n, 'm*n');
  const t = a instanceof Float32Array ? new Float32Array(m * n) : new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t as T;
}

/**
 * The n×n identity matrix.
 *
 * ```text
 * Iᵢⱼ = 1 if i = j else 0
 * ```
 * @param n - The matrix order.
 * @returns I as a row-major Float64Array of length n².
 * @throws {@link ValueError} when `n` is not a non-negative integer.
 * @example
 * ```ts
 * identity(2); // Float64Array [1, 0, 0, 1]
 * ```
 */
export function identity(n: number): Float64Array {
  checkDim('identity', 'n', n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}
