import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eighSymmetric } from '../../src/linalg/index.js';
import { entries, maxAbs, maxDiff, mm, symmetric, tr } from './helpers.js';

/** max-norm residuals of A V − V Λ and Vᵀ V − I, plus whether the values ascend. */
function check(a: ArrayLike<number>, n: number) {
  const { values, vectors } = eighSymmetric(Float64Array.from(a), n);
  const av = mm(a, vectors, n, n, n);
  const vl = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vl[i * n + j] = vectors[i * n + j]! * values[j]!;
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  let ascending = true;
  for (let i = 1; i < n; i++) if (values[i]! < values[i - 1]!) ascending = false;
  return {
    values,
    vectors,
    residual: maxDiff(av, vl) / Math.max(maxAbs(a), Number.MIN_VALUE),
    orthogonality: maxDiff(mm(tr(vectors, n, n), vectors, n, n, n), eye),
    ascending,
  };
}

describe('eighSymmetric', () => {
  it('A V = V Λ, Vᵀ V = I, ascending values (random symmetric, n = 1..12)', () => {
    fc.assert(
      fc.property(symmetric(12), ({ n, a }) => {
        const r = check(a, n);
        return r.ascending && r.residual <= 1e-13 * n && r.orthogonality <= 1e-13 * n;
      }),
      { seed: 42, numRuns: 100 },
    );
  });

  it('recovers a prescribed spectrum A = H D H with a Householder reflector H', () => {
    const arb = fc
      .integer({ min: 1, max: 12 })
      .chain((n) => fc.tuple(fc.constant(n), entries(n), entries(n)));
    fc.assert(
      fc.property(arb, ([n, d, raw]) => {
        const m = maxAbs(raw);
        const u = raw.map((x) => (m > 0 ? x / m : 0)); // avoid a subnormal ‖u‖²
        const uu = u.reduce((s, x) => s + x * x, 0);
        const h = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (uu > 0 ? (2 * u[i]! * u[j]!) / uu : 0);
        const dm = new Float64Array(n * n);
        for (let i = 0; i < n; i++) dm[i * n + i] = d[i]!;
        const a = mm(mm(h, dm, n, n, n), h, n, n, n);
        const sorted = Float64Array.from(d).sort();
        return maxDiff(check(a, n).values, sorted) <= 1e-14 * n;
      }),
      { seed: 9, numRuns: 80 },
    );
  });

  it('diagonal matrices: sorted diagonal, permutation eigenvectors', () => {
    const { values, vectors } = eighSymmetric(new Float64Array([3, 0, 0, 0, -1, 0, 0, 0, 2]), 3);
    expect(Array.from(values)).toEqual([-1, 2, 3]);
    expect(Array.from(vectors)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });

  it('2×2 closed form λ = (a+c)/2 ± √(((a−c)/2)² + b²)', () => {
    const v = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(v, v, v, (a, b, c) => {
        const { values, vectors } = eighSymmetric(new Float64Array([a, b, b, c]), 2);
        const mid = (a + c) / 2;
        const rad = Math.hypot((a - c) / 2, b);
        const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c), 1e-300);
        const ok = Math.abs(values[0]! - (mid - rad)) <= 1e-14 * scale && Math.abs(values[1]! - (mid + rad)) <= 1e-14 * scale;
        // eigenvector of the top eigenvalue is ∝ (b, λ₂ − a) when b ≠ 0: check A v = λ v directly.
        const x = vectors[1]!;
        const y = vectors[3]!;
        return ok && Math.abs(a * x + b * y - values[1]! * x) <= 1e-13 * scale && Math.abs(Math.hypot(x, y) - 1) < 1e-15;
      }),
      { seed: 42, numRuns: 200 },
    );
    const { values } = eighSymmetric(new Float64Array([2, 1, 1, 2]), 2);
    expect(maxDiff(values, [1, 3])).toBeLessThan(1e-15);
  });

  it('tridiagonal Toeplitz (2, −1): λₖ = 2 − 2cos(kπ/(n+1))', () => {
    for (const n of [1, 2, 5, 17, 40]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        a[i * n + i] = 2;
        if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
      }
      const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
      const r = check(a, n);
      expect(maxDiff(r.values, expected)).toBeLessThan(1e-13);
      expect(r.residual).toBeLessThan(1e-13);
    }
  });

  it('repeated eigenvalues and degenerate inputs', () => {
    // I + 𝟙𝟙ᵀ: eigenvalues 1 (n−1 times) and n+1.
    const n = 6;
    const a = new Float64Array(n * n).fill(1);
    for (let i = 0; i < n; i++) a[i * n + i] = 2;
    const r = check(a, n);
    expect(maxDiff(r.values, [1, 1, 1, 1, 1, n + 1])).toBeLessThan(1e-14);
    expect(r.orthogonality).toBeLessThan(1e-14);
    const z = eighSymmetric(new Float64Array(9), 3);
    expect(Array.from(z.values)).toEqual([0, 0, 0]);
    expect(maxDiff(mm(tr(z.vectors, 3, 3), z.vectors, 3, 3, 3), [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBe(0);
    // Zero diagonal with a tiny coupling: the Wilkinson shift must not square (and underflow) it.
    const tiny = check([1, 0, 0, 0, 0, 1e-180, 0, 1e-180, 0], 3);
    expect(maxDiff(tiny.values.map((x, i) => (i < 2 ? x * 1e180 : x)), [-1, 1, 1])).toBeLessThan(1e-14);
    expect(tiny.orthogonality).toBeLessThan(1e-15);
    // Low rank (many zero eigenvalues): rank-3 40×40 Gram matrix.
    const m = 40;
    const g = Float64Array.from({ length: 3 * m }, (_, i) => Math.sin(1.7 * i + 0.3));
    const low = mm(tr(g, 3, m), g, m, 3, m);
    const lr = check(low, m);
    expect(lr.residual).toBeLessThan(1e-13);
    expect(lr.orthogonality).toBeLessThan(1e-13);
    expect(maxAbs(lr.values.subarray(0, m - 3))).toBeLessThan(1e-13 * maxAbs(low));
    const empty = eighSymmetric(new Float64Array(0), 0);
    expect(empty.values).toHaveLength(0);
    expect(Array.from(eighSymmetric(new Float64Array([-4]), 1).values)).toEqual([-4]);
  });

  it('is scale-invariant for huge and tiny matrices (no overflow/underflow)', () => {
    const base = [4, 1, 2, 1, 3, 0, 2, 0, 5];
    const ref = check(base, 3).values;
    for (const s of [1e-150, 1e150]) {
      const r = check(base.map((x) => x * s), 3);
      expect(maxDiff(r.values.map((x) => x / s), ref)).toBeLessThan(1e-13);
      expect(r.residual).toBeLessThan(1e-13);
    }
  });

  it('handles a larger random matrix (n = 80) to ~1e-12 relative accuracy', () => {
    const n = 80;
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const b = Float64Array.from({ length: n * n }, rand);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (b[i * n + j]! + b[j * n + i]!);
    const r = check(a, n);
    expect(r.ascending).toBe(true);
    expect(r.residual).toBeLessThan(1e-12);
    expect(r.orthogonality).toBeLessThan(1e-12);
    const trace = Array.from({ length: n }, (_, i) => a[i * n + i]!).reduce((s, x) => s + x, 0);
    expect(Math.abs(r.values.reduce((s, x) => s + x, 0) - trace)).toBeLessThan(1e-11);
  });

  it('accepts Float32Array input and returns Float64Array results', () => {
    const { values, vectors } = eighSymmetric(new Float32Array([2, 1, 1, 2]), 2);
    expect(values).toBeInstanceOf(Float64Array);
    expect(vectors).toBeInstanceOf(Float64Array);
    expect(maxDiff(values, [1, 3])).toBeLessThan(1e-12);
  });

  it('normalizes each eigenvector so its largest-magnitude component is positive', () => {
    fc.assert(
      fc.property(symmetric(8), ({ n, a }) => {
        const { vectors } = eighSymmetric(a, n);
        for (let j = 0; j < n; j++) {
          let big = 0;
          for (let i = 0; i < n; i++) if (Math.abs(vectors[i * n + j]!) > Math.abs(big)) big = vectors[i * n + j]!;
          if (big < 0) return false;
        }
        return true;
      }),
      { seed: 1, numRuns: 40 },
    );
  });
});
