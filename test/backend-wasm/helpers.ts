/** Shared helpers for the wasm backend tests: deterministic data and float64 references. */

/**
 * Deterministic pseudo-random values in [-1, 1) (LCG), for reproducible tests.
 * @param n - how many
 * @param seed - seed
 * @returns the values
 */
export function randoms(n: number, seed = 1): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Float64 reference GEMM for stored A ([k,m] if transA) and B ([n,k] if transB); also Σ|a||b|. */
export function refGemm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number,
  transA = false, transB = false): { c: Float64Array; mag: Float64Array } {
  const c = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let g = 0;
      for (let p = 0; p < k; p++) {
        const x = a[transA ? p * m + i : i * k + p] as number;
        const y = b[transB ? j * k + p : p * n + j] as number;
        s += x * y;
        g += Math.abs(x * y);
      }
      c[i * n + j] = s;
      mag[i * n + j] = g;
    }
  }
  return { c, mag };
}

/**
 * Largest violation ratio |got − want| / (tol · max(mag, tiny)); ≤ 1 means within tolerance.
 */
export function worstRatio(got: ArrayLike<number>, want: ArrayLike<number>, mag: ArrayLike<number>, tol: number): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs((got[i] as number) - (want[i] as number));
    const r = err / (tol * Math.max(mag[i] as number, 1e-30));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}
