/**
 * Symmetric eigendecomposition: Householder tridiagonalization followed by implicit
 * Wilkinson-shifted QR sweeps on the tridiagonal matrix, all in float64.
 * @module
 */
import { ValueError } from '../errors.js';
import { symmetricCopy, type FloatArray } from './util.js';

/** Result of {@link eighSymmetric}. */
export interface EighResult {
  /** The n eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** The n×n row-major matrix V whose column j (`vectors[i*n + j]`) is the unit eigenvector of `values[j]`. */
  readonly vectors: Float64Array;
}

/**
 * Reduces the symmetric matrix `w` (overwritten) to tridiagonal form T = Qᵀ W Q and returns
 * its diagonal `d`, sub-diagonal `e` (e[i] = T[i+1, i]) and Q (row-major).
 */
function tridiagonalize(w: Float64Array, n: number): { d: Float64Array; e: Float64Array; q: Float64Array } {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    const s = k + 1; // the reflector acts on indices s..n-1
    let scale = 0;
    for (let i = s; i < n; i++) scale = Math.max(scale, Math.abs(w[i * n + k]!));
    if (scale === 0) continue;
    let sq = 0;
    for (let i = s; i < n; i++) {
      v[i] = w[i * n + k]! / scale;
      sq += v[i]! * v[i]!;
    }
    const norm = Math.sqrt(sq);
    const alpha = v[s]! > 0 ? -norm : norm; // reflect x onto alpha·e₁ without cancellation
    v[s]! -= alpha;
    let vsq = 0;
    for (let i = s; i < n; i++) vsq += v[i]! * v[i]!;
    const vn = Math.sqrt(vsq);
    for (let i = s; i < n; i++) v[i]! /= vn;
    // p = W v, K = vᵀ p, q = p − K v; W ← W − 2(v qᵀ + q vᵀ) on the trailing block.
    let kk = 0;
    for (let i = s; i < n; i++) {
      let acc = 0;
      for (let j = s; j < n; j++) acc += w[i * n + j]! * v[j]!;
      p[i] = acc;
      kk += v[i]! * acc;
    }
    for (let i = s; i < n; i++) p[i]! -= kk * v[i]!;
    for (let i = s; i < n; i++) {
      const vi = v[i]!;
      const pi = p[i]!;
      for (let j = s; j < n; j++) w[i * n + j]! -= 2 * (vi * p[j]! + pi * v[j]!);
    }
    w[s * n + k] = alpha * scale;
    w[k * n + s] = alpha * scale;
    for (let i = s + 1; i < n; i++) {
      w[i * n + k] = 0;
      w[k * n + i] = 0;
    }
    // Q ← Q (I − 2 v vᵀ)
    for (let r = 0; r < n; r++) {
      let acc = 0;
      for (let j = s; j < n; j++) acc += q[r * n + j]! * v[j]!;
      acc *= 2;
      for (let j = s; j < n; j++) q[r * n + j]! -= acc * v[j]!;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i++) d[i] = w[i * n + i]!;
  for (let i = 0; i + 1 < n; i++) e[i] = w[(i + 1) * n + i]!;
  return { d, e, q };
}

/**
 * Diagonalizes the symmetric tridiagonal (d, e) in place by implicit shifted QR, applying every
 * Givens rotation to the columns of `z` (row-major n×n).
 */
function tridiagonalQr(d: Float64Array, e: Float64Array, z: Float64Array, n: number): void {
  const eps = Number.EPSILON;
  let iterations = 0;
  let hi = n - 1;
  while (hi > 0) {
    for (let i = 0; i < hi; i++) {
      if (Math.abs(e[i]!) <= eps * (Math.abs(d[i]!) + Math.abs(d[i + 1]!)) || Math.abs(e[i]!) < 1e-290) e[i] = 0; // ‖T‖ ≈ 1 after scaling
    }
    if (e[hi - 1] === 0) {
      hi--;
      continue;
    }
    if (++iterations > 50 * n) {
      throw new ValueError(`eighSymmetric: QR iteration did not converge after ${50 * n} sweeps.`, {
        op: 'eighSymmetric',
        argument: 'a',
        expected: 'a convergent symmetric eigenproblem',
        received: `${n}×${n} matrix`,
      });
    }
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    // Wilkinson shift from the trailing 2×2 block [[a, b], [b, c]].
    const a = d[hi - 1]!;
    const b = e[hi - 1]!;
    const c = d[hi]!;
    // μ = c − b²/(δ + sign(δ)·hypot(δ, b)) with δ = (a − c)/2, written via t = δ/b so b² never underflows.
    const t = (0.5 * (a - c)) / b;
    const mu = c - b / (t + (t >= 0 ? 1 : -1) * Math.hypot(t, 1));
    let x = d[lo]! - mu;
    let y = e[lo]!;
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, y);
      const cs = r === 0 ? 1 : x / r;
      const sn = r === 0 ? 0 : y / r;
      if (k > lo) e[k - 1] = r;
      const dk = d[k]!;
      const dk1 = d[k + 1]!;
      const ek = e[k]!;
      d[k] = cs * cs * dk + 2 * cs * sn * ek + sn * sn * dk1;
      d[k + 1] = sn * sn * dk - 2 * cs * sn * ek + cs * cs * dk1;
      e[k] = cs * sn * (dk1 - dk) + (cs * cs - sn * sn) * ek;
      if (k + 1 < hi) {
        y = sn * e[k + 1]!; // bulge at (k, k+2)
        e[k + 1] = cs * e[k + 1]!;
        x = e[k]!;
      }
      for (let row = 0; row < n; row++) {
        const zk = z[row * n + k]!;
        const zk1 = z[row * n + k + 1]!;
        z[row * n + k] = cs * zk + sn * zk1;
        z[row * n + k + 1] = cs * zk1 - sn * zk;
      }
    }
  }
}

/** Multiplies `x` in place by 2ᵏ in two steps so that no intermediate factor overflows. */
function scalePow2(x: Float64Array, k: number): void {
  if (k === 0) return;
  const h = Math.trunc(k / 2);
  const f1 = 2 ** h;
  const f2 = 2 ** (k - h);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * f1 * f2;
}

/**
 * Eigendecomposition of a real symmetric matrix.
 *
 * ```text
 * A = V Λ Vᵀ,   Vᵀ V = I,   Λ = diag(λ₁ ≤ λ₂ ≤ … ≤ λₙ)
 * ```
 * Householder reduction to tridiagonal form, then implicit QR with Wilkinson shifts
 * (O(n³)); eigenvalues and residuals are accurate to about 1e-12·‖A‖ in float64. Each
 * eigenvector is normalized so that its largest-magnitude component is positive.
 * @param a - The symmetric n×n matrix A, row-major (float32 input is widened to float64).
 * @param n - The matrix order.
 * @returns `{ values, vectors }` as Float64Arrays: ascending eigenvalues and the row-major
 *   n×n matrix V whose columns are the corresponding unit eigenvectors.
 * @throws {@link ValueError} when A is not symmetric, has non-finite entries, or the QR
 *   iteration fails to converge.
 * @throws {@link ShapeError} when `a.length !== n*n`.
 * @example
 * ```ts
 * const { values, vectors } = eighSymmetric(new Float64Array([2, 1, 1, 2]), 2);
 * // values = [1, 3]; columns of vectors ≈ ±[1, -1]/√2 and [1, 1]/√2
 * ```
 */
export function eighSymmetric(a: FloatArray, n: number): EighResult {
  const w = symmetricCopy('eighSymmetric', a, n);
  // Work on A·2⁻ᵏ with max |entry| in [1, 2): exact, and keeps the QR shifts clear of under/overflow.
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) maxAbs = Math.max(maxAbs, Math.abs(w[i]!));
  const k = maxAbs > 0 ? Math.floor(Math.log2(maxAbs)) : 0;
  scalePow2(w, -k);
  const { d, e, q } = tridiagonalize(w, n);
  tridiagonalQr(d, e, q, n);
  scalePow2(d, k);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i]! - d[j]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src]!;
    let big = 0;
    for (let r = 0; r < n; r++) {
      const val = q[r * n + src]!;
      if (Math.abs(val) > Math.abs(big)) big = val;
    }
    const sign = big < 0 ? -1 : 1;
    for (let r = 0; r < n; r++) vectors[r * n + dst] = sign * q[r * n + src]!;
  });
  return { values, vectors };
}
