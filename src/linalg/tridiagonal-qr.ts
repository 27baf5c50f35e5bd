/**
 * Implicit symmetric QR with Wilkinson shifts on a tridiagonal matrix, optionally applying the
 * rotations to the columns of a row-major matrix Z.
 * @internal
 * @module
 */
import { ValueError } from '../errors.js';

/**
 * Diagonalizes the symmetric tridiagonal (d, e) in place (d becomes the unsorted eigenvalues).
 * When `z` (row-major n×n) is given, every Givens rotation of a sweep is applied to its columns:
 * the sweep's cosines and sines are stored and then applied row by row, carrying the running
 * column in a register, so Z is read and written once per sweep along contiguous rows. The
 * arithmetic per entry is that of applying the rotations one at a time, and the eigenvalues do
 * not depend on whether `z` is given. `op` names the caller in the non-convergence error.
 * @internal
 */
export function tridiagonalQr(d: Float64Array, e: Float64Array, z: Float64Array | null, n: number, op: string): void {
  const eps = Number.EPSILON;
  const cs = z === null ? null : new Float64Array(n);
  const sn = z === null ? null : new Float64Array(n);
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
      throw new ValueError(`${op}: QR iteration did not converge after ${50 * n} sweeps.`, {
        op,
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
      const ck = r === 0 ? 1 : x / r;
      const sk = r === 0 ? 0 : y / r;
      if (k > lo) e[k - 1] = r;
      const dk = d[k]!;
      const dk1 = d[k + 1]!;
      const ek = e[k]!;
      d[k] = ck * ck * dk + 2 * ck * sk * ek + sk * sk * dk1;
      d[k + 1] = sk * sk * dk - 2 * ck * sk * ek + ck * ck * dk1;
      e[k] = ck * sk * (dk1 - dk) + (ck * ck - sk * sk) * ek;
      if (k + 1 < hi) {
        y = sk * e[k + 1]!; // bulge at (k, k+2)
        e[k + 1] = ck * e[k + 1]!;
        x = e[k]!;
      }
      if (cs !== null) {
        cs[k] = ck;
        sn![k] = sk;
      }
    }
    if (z !== null) applySweep(z, n, cs!, sn!, lo, hi);
  }
}

/**
 * Z ← Z G_lo ⋯ G_{hi−1}, where G_k rotates columns k and k+1 by (cs[k], sn[k]). Within a row
 * each rotation depends on the previous one, so four rows run side by side to overlap the chains.
 */
function applySweep(z: Float64Array, n: number, cs: Float64Array, sn: Float64Array, lo: number, hi: number): void {
  let r0 = 0;
  for (; r0 + 4 * n <= n * n; r0 += 4 * n) {
    const r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    let a0 = z[r0 + lo]!, a1 = z[r1 + lo]!, a2 = z[r2 + lo]!, a3 = z[r3 + lo]!;
    for (let k = lo; k < hi; k++) {
      const c = cs[k]!;
      const s = sn[k]!;
      const b0 = z[r0 + k + 1]!, b1 = z[r1 + k + 1]!, b2 = z[r2 + k + 1]!, b3 = z[r3 + k + 1]!;
      z[r0 + k] = c * a0 + s * b0;
      z[r1 + k] = c * a1 + s * b1;
      z[r2 + k] = c * a2 + s * b2;
      z[r3 + k] = c * a3 + s * b3;
      a0 = c * b0 - s * a0;
      a1 = c * b1 - s * a1;
      a2 = c * b2 - s * a2;
      a3 = c * b3 - s * a3;
    }
    z[r0 + hi] = a0;
    z[r1 + hi] = a1;
    z[r2 + hi] = a2;
    z[r3 + hi] = a3;
  }
  for (let row = r0; row < n * n; row += n) {
    let a = z[row + lo]!;
    for (let k = lo; k < hi; k++) {
      const c = cs[k]!;
      const s = sn[k]!;
      const b = z[row + k + 1]!;
      z[row + k] = c * a + s * b;
      a = c * b - s * a;
    }
    z[row + hi] = a;
  }
}
