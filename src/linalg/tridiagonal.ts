/**
 * Householder reduction of a symmetric matrix to tridiagonal form, T = Qᵀ A Q, working on the
 * lower triangle only (about 4/3·n³ flops), and the optional accumulation of Q from the stored
 * reflectors (another 4/3·n³). Every inner loop runs along a row of a row-major array.
 * @internal
 * @module
 */

/** The tridiagonal T = Qᵀ A Q: diagonal `d`, sub-diagonal `e` (e[i] = T[i+1, i]) and the reflectors. */
export interface Tridiagonal {
  readonly d: Float64Array;
  readonly e: Float64Array;
  /** Row k holds the unit Householder vector of step k (entries k+1…n−1), or is all zero for H = I; null when not kept. */
  readonly reflectors: Float64Array | null;
}

/**
 * Reduces the symmetric matrix `w` (row-major n×n, overwritten; only its lower triangle is read)
 * to tridiagonal form. Step k reflects column k below the diagonal onto α·e₁ with
 * H = I − 2vvᵀ (‖v‖ = 1) and updates the trailing lower triangle by W ← W − 2(v qᵀ + q vᵀ),
 * q = W v − (vᵀ W v) v. `keepReflectors` stores each v for {@link accumulateQ}.
 * @internal
 */
export function tridiagonalize(w: Float64Array, n: number, keepReflectors: boolean): Tridiagonal {
  const refl = keepReflectors ? new Float64Array(n * n) : null;
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    const s = k + 1; // the reflector acts on indices s..n-1
    let scale = 0;
    for (let i = s; i < n; i++) {
      const x = Math.abs(w[i * n + k]!);
      if (x > scale) scale = x;
    }
    if (scale === 0) continue; // column already zero: H = I
    let sq = 0;
    for (let i = s; i < n; i++) {
      const x = w[i * n + k]! / scale;
      v[i] = x;
      sq += x * x;
    }
    const norm = Math.sqrt(sq);
    const alpha = v[s]! > 0 ? -norm : norm; // reflect onto alpha·e₁ without cancellation
    v[s]! -= alpha;
    let vsq = 0;
    for (let i = s; i < n; i++) vsq += v[i]! * v[i]!;
    const vn = Math.sqrt(vsq);
    for (let i = s; i < n; i++) v[i]! /= vn;
    // p = W v from the lower triangle: row i contributes W[i, j]·v[j] to p[i] and W[i, j]·v[i] to p[j].
    // Rows i and i+1 run together (two independent sums, one pass over p); every sum is still
    // taken in the order of the one-row loop, so the result does not depend on the pairing.
    p.fill(0, s, n);
    let i = s;
    for (; i + 1 < n; i += 2) {
      const r0 = i * n;
      const r1 = r0 + n;
      const v0 = v[i]!;
      const v1 = v[i + 1]!;
      let acc0 = 0;
      let acc1 = 0;
      for (let j = s; j < i; j++) {
        const w0 = w[r0 + j]!;
        const w1 = w[r1 + j]!;
        const vj = v[j]!;
        acc0 += w0 * vj;
        acc1 += w1 * vj;
        p[j] = p[j]! + w0 * v0 + w1 * v1;
      }
      const w10 = w[r1 + i]!;
      p[i]! += acc0 + w[r0 + i]! * v0;
      p[i]! += w10 * v1;
      acc1 += w10 * v0;
      p[i + 1]! += acc1 + w[r1 + i + 1]! * v1;
    }
    if (i < n) {
      const row = i * n;
      const vi = v[i]!;
      let acc = 0;
      for (let j = s; j < i; j++) {
        const wij = w[row + j]!;
        acc += wij * v[j]!;
        p[j]! += wij * vi;
      }
      p[i]! += acc + w[row + i]! * vi;
    }
    let kk = 0;
    for (let j = s; j < n; j++) kk += v[j]! * p[j]!;
    for (let j = s; j < n; j++) p[j] = 2 * (p[j]! - kk * v[j]!); // p now holds 2q
    for (i = s; i + 1 < n; i += 2) {
      const r0 = i * n;
      const r1 = r0 + n;
      const v0 = v[i]!;
      const v1 = v[i + 1]!;
      const q0 = p[i]!;
      const q1 = p[i + 1]!;
      for (let j = s; j <= i; j++) {
        const pj = p[j]!;
        const vj = v[j]!;
        w[r0 + j]! -= v0 * pj + q0 * vj;
        w[r1 + j]! -= v1 * pj + q1 * vj;
      }
      w[r1 + i + 1]! -= v1 * p[i + 1]! + q1 * v[i + 1]!;
    }
    if (i < n) {
      const row = i * n;
      const vi = v[i]!;
      const qi = p[i]!;
      for (let j = s; j <= i; j++) w[row + j]! -= vi * p[j]! + qi * v[j]!;
    }
    w[s * n + k] = alpha * scale;
    if (refl !== null) refl.set(v.subarray(s, n), k * n + s);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i++) d[i] = w[i * n + i]!;
  for (let i = 0; i + 1 < n; i++) e[i] = w[(i + 1) * n + i]!;
  return { d, e, reflectors: refl };
}

/**
 * Q = H₀ H₁ ⋯ H_{n−3} (row-major n×n) from the stored reflectors, accumulated backwards
 * (Q ← H_k Q for k = n−3…0) so that step k touches only the trailing block k+1…n−1.
 * @internal
 */
export function accumulateQ(reflectors: Float64Array, n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const u = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const s = k + 1;
    const off = k * n;
    let nonzero = false;
    for (let i = s; i < n; i++) if (reflectors[off + i] !== 0) nonzero = true;
    if (!nonzero) continue;
    // u = 2 vᵀ Q[s.., s..] (a combination of rows), then Q[s.., s..] −= v uᵀ.
    // Four rows per pass over u (fewer loads and stores of u).
    u.fill(0, s, n);
    let i = s;
    for (; i + 4 <= n; i += 4) {
      const v0 = reflectors[off + i]!, v1 = reflectors[off + i + 1]!, v2 = reflectors[off + i + 2]!, v3 = reflectors[off + i + 3]!;
      const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      for (let j = s; j < n; j++) u[j]! += v0 * q[r0 + j]! + v1 * q[r1 + j]! + v2 * q[r2 + j]! + v3 * q[r3 + j]!;
    }
    for (; i < n; i++) {
      const vi = reflectors[off + i]!;
      const row = i * n;
      for (let j = s; j < n; j++) u[j]! += vi * q[row + j]!;
    }
    for (let j = s; j < n; j++) u[j]! *= 2;
    for (let i = s; i < n; i++) {
      const vi = reflectors[off + i]!;
      if (vi === 0) continue;
      const row = i * n;
      for (let j = s; j < n; j++) q[row + j]! -= vi * u[j]!;
    }
  }
  return q;
}
