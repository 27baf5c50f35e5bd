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
 * (Q ← H_k Q for k = n−3…0) so that step k touches only the trailing block k+1…n−1. Two
 * reflectors a = v_k, b = v_{k−1} are applied per pass over Q:
 *
 * ```text
 * H_b H_a Q = Q − a uᵀ − b wᵀ,   u = 2 aᵀQ,   w = 2 bᵀQ − 2(bᵀa) u
 * ```
 * so one read pass forms aᵀQ and bᵀQ together and one pass updates Q.
 * @internal
 */
export function accumulateQ(reflectors: Float64Array, n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const u = new Float64Array(n);
  const w = new Float64Array(n);
  let k = n - 3;
  for (; k >= 1; k -= 2) {
    // Q is the identity outside rows and columns k+2…n−1 here; a lives on s…n−1, b on s−1…n−1.
    const s = k + 1;
    const oa = k * n;
    const ob = oa - n;
    u.fill(0, s, n);
    w.fill(0, s, n);
    let i = s;
    for (; i + 2 <= n; i += 2) {
      const a0 = reflectors[oa + i]!, a1 = reflectors[oa + i + 1]!;
      const b0 = reflectors[ob + i]!, b1 = reflectors[ob + i + 1]!;
      const r0 = i * n, r1 = r0 + n;
      for (let j = s; j < n; j++) {
        const q0 = q[r0 + j]!, q1 = q[r1 + j]!;
        u[j]! += a0 * q0 + a1 * q1;
        w[j]! += b0 * q0 + b1 * q1;
      }
    }
    for (; i < n; i++) {
      const ai = reflectors[oa + i]!, bi = reflectors[ob + i]!;
      const row = i * n;
      for (let j = s; j < n; j++) {
        u[j]! += ai * q[row + j]!;
        w[j]! += bi * q[row + j]!;
      }
    }
    let ba = 0;
    for (let j = s; j < n; j++) ba += reflectors[ob + j]! * reflectors[oa + j]!;
    const g = 2 * ba;
    for (let j = s; j < n; j++) {
      u[j]! *= 2;
      w[j] = 2 * w[j]! - g * u[j]!;
    }
    // Column s−1 of Q is e_{s−1}: u there is 0 and w is 2·b_{s−1}.
    const bs = reflectors[ob + s - 1]!;
    w[s - 1] = 2 * bs;
    // Row s−1 (a = 0 there, Q row = e_{s−1}).
    const rs = (s - 1) * n;
    q[rs + s - 1]! -= bs * w[s - 1]!;
    for (let j = s; j < n; j++) q[rs + j]! -= bs * w[j]!;
    for (i = s; i < n; i++) {
      const ai = reflectors[oa + i]!, bi = reflectors[ob + i]!;
      const row = i * n;
      q[row + s - 1]! -= bi * w[s - 1]!;
      for (let j = s; j < n; j++) q[row + j]! -= ai * u[j]! + bi * w[j]!;
    }
  }
  if (k === 0) {
    // The last single reflector, on rows and columns 1…n−1.
    u.fill(0, 1, n);
    for (let i = 1; i < n; i++) {
      const vi = reflectors[i]!;
      const row = i * n;
      for (let j = 1; j < n; j++) u[j]! += vi * q[row + j]!;
    }
    for (let i = 1; i < n; i++) {
      const vi = reflectors[i]!;
      const row = i * n;
      for (let j = 1; j < n; j++) q[row + j]! -= vi * 2 * u[j]!;
    }
  }
  return q;
}
