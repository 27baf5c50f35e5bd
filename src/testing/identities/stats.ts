/**
 * Small numerical helpers of the identity checkers: the standard normal quantile, the CLT
 * z-value for a false-alarm rate, and dense float64 matrix helpers.
 * @module
 */

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function poly(c: readonly number[], x: number): number {
  let s = 0;
  for (const v of c) s = s * x + v;
  return s;
}

/**
 * The standard normal quantile Φ⁻¹(p), by Acklam's rational approximation (relative error
 * below 1.2e-9, ample for error bounds).
 * @param p - A probability in (0, 1).
 * @returns z with Φ(z) = p.
 * @throws {RangeError} when p is outside (0, 1).
 * @example
 * ```ts
 * normalQuantile(0.975); // 1.959963985
 * ```
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}.`);
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(C, q) / (poly(D, q) * q + 1);
  }
  if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    return -poly(C, q) / (poly(D, q) * q + 1);
  }
  const q = p - 0.5, r = q * q;
  return (poly(A, r) * q) / (poly(B, r) * r + 1);
}

/**
 * The two-sided CLT multiplier for `components` simultaneous comparisons at a total false-alarm
 * rate α (Bonferroni): every |estimate − truth| ≤ z·SE with probability ≥ 1 − α asymptotically.
 *
 * ```text
 * z = Φ⁻¹(1 − α / (2m))        α = 1e-6, m = 4  →  z ≈ 5.16;   m = 100  →  z ≈ 5.73
 * ```
 * @param falseAlarm - α in (0, 1).
 * @param components - m ≥ 1.
 * @returns z.
 * @throws {RangeError} for α outside (0, 1).
 * @example
 * ```ts
 * zValue(0.05, 1); // 1.96
 * ```
 */
export function zValue(falseAlarm: number, components: number): number {
  return normalQuantile(1 - falseAlarm / (2 * Math.max(1, components)));
}

/** @internal C = A B for row-major n×k and k×m matrices. */
export function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < k; l++) {
      const ail = a[i * k + l]!;
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j]! += ail * b[l * m + j]!;
    }
  }
  return c;
}

/** @internal Transpose of a row-major n×m matrix. */
export function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j]!;
  return t;
}

/** @internal Jᵀ M J for J (k×p) and M (k×k). */
export function congruence(j: Float64Array, m: Float64Array, k: number, p: number): Float64Array {
  return matmul(transpose(j, k, p), matmul(m, j, k, k, p), p, k, p);
}

/** @internal √(|d_i d_j|) from the diagonal of a p×p matrix: the natural scale of its entries. */
export function matrixScale(a: Float64Array, p: number): Float64Array {
  const s = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s[i * p + j] = Math.sqrt(Math.abs(a[i * p + i]! * a[j * p + j]!));
  return s;
}

/** @internal Elementwise a − b. */
export function minus(a: Float64Array, b: Float64Array): Float64Array {
  return Float64Array.from(a, (v, i) => v - b[i]!);
}

/** @internal Elementwise |a|. */
export function absArr(a: Float64Array): Float64Array {
  return Float64Array.from(a, Math.abs);
}
