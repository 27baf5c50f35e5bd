// Shared fixtures for the linalg tests: random SPD / symmetric matrices and small dense utilities.
import fc from 'fast-check';

/**
 * Entries in [-1, 1], never NaN/∞; magnitudes below 1e-100 are flushed to 0 so that the plain
 * float64 reference computations in the tests never enter the subnormal range.
 */
export function entries(len: number): fc.Arbitrary<Float64Array> {
  return fc
    .float64Array({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true, minLength: len, maxLength: len })
    .map((xs) => xs.map((x) => (Math.abs(x) < 1e-100 ? 0 : x)));
}

/** A = BᵀB + εI for an n×n matrix B (row-major). */
export function spdFrom(bm: Float64Array, n: number, eps: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += bm[k * n + i]! * bm[k * n + j]!;
      a[i * n + j] = s + (i === j ? eps : 0);
    }
  }
  return a;
}

/** S = (B + Bᵀ)/2. */
export function symFrom(bm: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (bm[i * n + j]! + bm[j * n + i]!);
  return s;
}

/** A random SPD system: n in [1, maxN], A = BᵀB + εI, right-hand sides b (n×nrhs). */
export function spdSystem(
  maxN = 12,
  eps = 0.1,
  maxRhs = 1,
): fc.Arbitrary<{ n: number; nrhs: number; a: Float64Array; b: Float64Array }> {
  return fc
    .tuple(fc.integer({ min: 1, max: maxN }), fc.integer({ min: 1, max: maxRhs }))
    .chain(([n, nrhs]) =>
      fc.tuple(entries(n * n), entries(n * nrhs)).map(([bm, b]) => ({ n, nrhs, a: spdFrom(bm, n, eps), b })),
    );
}

/** A random symmetric matrix with entries in [-1, 1], n in [1, maxN]. */
export function symmetric(maxN = 12): fc.Arbitrary<{ n: number; a: Float64Array }> {
  return fc.integer({ min: 1, max: maxN }).chain((n) => entries(n * n).map((bm) => ({ n, a: symFrom(bm, n) })));
}

/** C = A B for row-major A (m×k) and B (k×n), plain float64 reference. */
export function mm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  return c;
}

/** Aᵀ for row-major A (m×n). */
export function tr(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t;
}

/** max |aᵢ − bᵢ|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** max |aᵢ|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** A + λI. */
export function addDiag(a: Float64Array, n: number, lambda: number): Float64Array {
  const out = Float64Array.from(a);
  for (let i = 0; i < n; i++) out[i * n + i]! += lambda;
  return out;
}
