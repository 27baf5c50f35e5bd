import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurvaxError, ShapeError, ValueError } from '../../src/errors.js';
import { eighSymmetric, eigvalsSymmetric } from '../../src/linalg/index.js';
import { entries, maxDiff, mm, symFrom, tr } from './helpers.js';

const EPS = Number.EPSILON;

/** Identical bits (Object.is per entry, so −0 ≠ 0). */
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

/** Frobenius norm (≥ the spectral norm). */
const fro = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

/**
 * Independent reference: cyclic Jacobi eigenvalues (sorted). Entries below 1e-18·‖A‖ are left
 * alone (they move an eigenvalue by at most n·1e-18·‖A‖); it stops after a sweep with no rotation.
 */
function jacobiEigenvalues(a0: ArrayLike<number>, n: number): Float64Array {
  const a = Float64Array.from(a0);
  const small = 1e-18 * fro(a);
  for (let sweep = 0, rotated = true; rotated && sweep < 60; sweep++) {
    rotated = false;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) <= small) continue;
        rotated = true;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.hypot(theta, 1));
        const c = 1 / Math.hypot(t, 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i * n + i]!).sort();
}

/** max-norm residuals ‖A V − V Λ‖ and ‖Vᵀ V − I‖ of eighSymmetric, and the values of both routines. */
function decompose(a: Float64Array, n: number) {
  const { values, vectors } = eighSymmetric(a, n);
  const av = mm(a, vectors, n, n, n);
  let residual = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) residual = Math.max(residual, Math.abs(av[i * n + j]! - vectors[i * n + j]! * values[j]!));
  const vtv = mm(tr(vectors, n, n), vectors, n, n, n);
  for (let i = 0; i < n; i++) vtv[i * n + i]! -= 1;
  const orthogonality = vtv.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return { values, vectors, residual, orthogonality, only: eigvalsSymmetric(a, n) };
}

/** A random symmetric n×n matrix from a seeded linear congruential generator (entries in [−1, 1]). */
function lcgSymmetric(n: number, seed: number): Float64Array {
  let x = seed;
  const b = Float64Array.from({ length: n * n }, () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
  return symFrom(b, n);
}

/** Q D Qᵀ with Q a product of three Householder reflectors built from `raw` (3n entries). */
function withSpectrum(d: ArrayLike<number>, raw: ArrayLike<number>): Float64Array {
  const n = d.length;
  let m: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = d[i]!;
  for (let r = 0; r < 3; r++) {
    const u = Array.from({ length: n }, (_, i) => raw[r * n + i]! + (i === r % n ? 1.5 : 0));
    const uu = u.reduce((s, x) => s + x * x, 0);
    const h = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (2 * u[i]! * u[j]!) / uu;
    m = mm(mm(h, m, n, n, n), h, n, n, n);
  }
  return symFrom(m, n); // exactly symmetric
}

describe('eigvalsSymmetric', () => {
  it('equals eighSymmetric’s values bit for bit and Jacobi’s to n·ε·‖A‖; eigh residuals ≤ n·ε·‖A‖ (n = 1..60)', () => {
    const arb = fc.integer({ min: 1, max: 60 }).chain((n) => entries(n * n).map((b) => ({ n, a: symFrom(b, n) })));
    fc.assert(
      fc.property(arb, ({ n, a }) => {
        const r = decompose(a, n);
        const norm = fro(a);
        const tol = 2 * n * EPS * norm;
        return (
          maxDiff(r.only, r.values) === 0 &&
          maxDiff(r.only, jacobiEigenvalues(a, n)) <= tol &&
          r.residual <= tol &&
          r.orthogonality <= 2 * n * EPS
        );
      }),
      { seed: 17, numRuns: 40 },
    );
  });

  it('n = 200: values, residuals and the sign convention', () => {
    const n = 200;
    const a = lcgSymmetric(n, 2024);
    const r = decompose(a, n);
    const tol = 2 * n * EPS * fro(a);
    expect(sameBits(r.only, r.values)).toBe(true);
    expect(maxDiff(r.only, jacobiEigenvalues(a, n))).toBeLessThanOrEqual(tol);
    expect(r.residual).toBeLessThanOrEqual(tol);
    expect(r.orthogonality).toBeLessThanOrEqual(2 * n * EPS);
    expect(r.values.every((v, i) => i === 0 || v >= r.values[i - 1]!)).toBe(true);
    const negativeColumns = Array.from({ length: n }, (_, j) => {
      let big = 0;
      for (let i = 0; i < n; i++) if (Math.abs(r.vectors[i * n + j]!) > Math.abs(big)) big = r.vectors[i * n + j]!;
      return big;
    }).filter((big) => !(big > 0));
    expect(negativeColumns).toEqual([]);
    // Deterministic and non-mutating: a second call on the same input gives the same bits.
    const copy = a.slice();
    expect(sameBits(eighSymmetric(a, n).vectors, r.vectors)).toBe(true);
    expect(sameBits(eigvalsSymmetric(a, n), r.only)).toBe(true);
    expect(sameBits(a, copy)).toBe(true);
  });

  it('degenerate spectra: repeated, zero and negative eigenvalues', () => {
    const spectrum = fc.constantFrom(
      [-2, -2, 0, 0, 0, 3, 3, 3],
      [0, 0, 0, 0, 0, 0, 0, 1e-3],
      [-1, -1, -1, -1, 5],
      [0, 0, 0, 0, 0, 0, -7, 4, 4, 4, 4, 4],
    );
    const arb = spectrum.chain((d) => entries(3 * d.length).map((raw) => ({ d, raw })));
    fc.assert(
      fc.property(arb, ({ d, raw }) => {
        const n = d.length;
        const a = withSpectrum(d, raw);
        const r = decompose(a, n);
        const tol = 4 * n * EPS * fro(a);
        const sorted = Float64Array.from(d).sort();
        return maxDiff(r.only, sorted) <= tol && maxDiff(r.values, sorted) <= tol && r.residual <= tol && r.orthogonality <= 2 * n * EPS;
      }),
      { seed: 5, numRuns: 40 },
    );
  });

  it('diagonal matrices: exactly the sorted diagonal', () => {
    const arb = fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(fc.constant(n), entries(n)));
    fc.assert(
      fc.property(arb, ([n, d]) => {
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) a[i * n + i] = d[i]! * 1e3;
        const expected = Array.from(Float64Array.from(d, (x) => x * 1e3).sort());
        const r = decompose(a, n);
        return maxDiff(r.only, expected) === 0 && maxDiff(r.values, expected) === 0 && r.residual === 0 && r.orthogonality === 0;
      }),
      { seed: 3, numRuns: 30 },
    );
  });

  it('already-tridiagonal matrices: Toeplitz (2, −1) closed form and random ones against Jacobi', () => {
    for (const n of [1, 2, 3, 10, 33, 60]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        a[i * n + i] = 2;
        if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
      }
      const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
      expect(maxDiff(eigvalsSymmetric(a, n), expected)).toBeLessThanOrEqual(2 * n * EPS * fro(a));
    }
    const arb = fc.integer({ min: 2, max: 40 }).chain((n) => fc.tuple(fc.constant(n), entries(n), entries(n - 1)));
    fc.assert(
      fc.property(arb, ([n, d, e]) => {
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) a[i * n + i] = d[i]!;
        for (let i = 0; i + 1 < n; i++) a[i * n + i + 1] = a[(i + 1) * n + i] = e[i]!;
        const r = decompose(a, n);
        const tol = 2 * n * EPS * fro(a);
        return maxDiff(r.only, r.values) === 0 && maxDiff(r.only, jacobiEigenvalues(a, n)) <= tol && r.residual <= tol && r.orthogonality <= 2 * n * EPS;
      }),
      { seed: 11, numRuns: 40 },
    );
  });

  it('huge and tiny scales: values scale exactly with powers of two', () => {
    const a = lcgSymmetric(9, 77);
    const ref = eigvalsSymmetric(a, 9);
    for (const s of [2 ** -900, 2 ** 900]) expect(Array.from(eigvalsSymmetric(a.map((x) => x * s), 9))).toEqual(Array.from(ref, (x) => x * s));
  });

  it('typed errors name the operation, the argument and the shape', () => {
    const caught = (fn: () => unknown): CurvaxError => {
      try {
        fn();
      } catch (e) {
        if (e instanceof CurvaxError) return e;
        throw e;
      }
      throw new Error('expected a throw');
    };
    const short = caught(() => eigvalsSymmetric(new Float64Array(6), 3));
    expect(short).toBeInstanceOf(ShapeError);
    expect(short.message).toBe('eigvalsSymmetric: a must have n*n = 9 entries, got 6.');
    expect(short.op).toBe('eigvalsSymmetric');
    const nonSym = caught(() => eigvalsSymmetric(new Float64Array([1, 2, 3, 4]), 2));
    expect(nonSym).toBeInstanceOf(ValueError);
    expect(nonSym.op).toBe('eigvalsSymmetric');
    expect(nonSym.argument).toBe('a');
    expect(nonSym.message).toMatch(/^eigvalsSymmetric: /);
    const nan = caught(() => eigvalsSymmetric(new Float64Array([1, Number.NaN, Number.NaN, 1]), 2));
    expect(nan).toBeInstanceOf(ValueError);
    expect(nan.message).toMatch(/^eigvalsSymmetric: /);
    expect(caught(() => eigvalsSymmetric(new Float64Array(0), -1))).toBeInstanceOf(ValueError);
    expect(eigvalsSymmetric(new Float64Array(0), 0)).toHaveLength(0);
    expect(Array.from(eigvalsSymmetric(new Float32Array([-4]), 1))).toEqual([-4]);
  });
});
