// Exactly singular matrices must be rejected by every Cholesky-based routine, in float64 as in float32,
// while SPD matrices factorize bit for bit as the textbook algorithm does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CurvaxError, NotPositiveDefiniteError, ValueError } from '../../src/errors.js';
import { cholesky, inverseSpd, logDetSpd, solveSpd } from '../../src/linalg/index.js';
import { entries, spdFrom } from './helpers.js';

function caught(fn: () => unknown): CurvaxError {
  try { fn(); } catch (e) { if (e instanceof CurvaxError) return e; throw e; }
  throw new Error('expected a throw');
}

/** G = X Xᵀ for X k×m (row-major): a Gram matrix of rank ≤ min(k, m). */
function gram(x: readonly number[], k: number, m: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let q = 0; q < m; q++) s += x[i * m + q]! * x[j * m + q]!;
    g[i * k + j] = s; g[j * k + i] = s;
  }
  return g;
}

/** The unguarded textbook Cholesky–Banachiewicz in float64 (the reference for bit-identity). */
function textbook(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

const singular: [string, Float64Array, number, number][] = [
  // [name, matrix, order, index of the failing pivot]
  ['[[.1,.3],[.3,.9]] (rank 1; pivot rounds to +1.1e-16)', new Float64Array([0.1, 0.3, 0.3, 0.9]), 2, 1],
  ['[[1,2],[2,4]]', new Float64Array([1, 2, 2, 4]), 2, 1],
  ['[[1,1/3],[1/3,1/9]]', new Float64Array([1, 1 / 3, 1 / 3, 1 / 9]), 2, 1],
  ['Gram of rows (.1,.7,.3), 2×(.1,.7,.3), (.3,.2,.9)', gram([0.1, 0.7, 0.3, 0.2, 1.4, 0.6, 0.3, 0.2, 0.9], 3, 3), 3, 1],
  ['Gram of 4 points in a plane of R³', gram([1, 2, 3, 4, 5, 6, 7, 8, 9, 2, 1, 0], 4, 3), 4, 2],
  ['zero row and column', new Float64Array([2, 0, 0, 0]), 2, 1],
];

describe('Cholesky detects exact singularity (relative pivot test)', () => {
  for (const [name, a, n, pivot] of singular) {
    it(`rejects ${name} in float64 and float32, naming pivot ${pivot}`, () => {
      for (const arr of [a, Float32Array.from(a)]) {
        for (const [op, f] of [['cholesky', () => cholesky(arr, n)], ['solveSpd', () => solveSpd(arr, new Float64Array(n).fill(1), n)],
          ['inverseSpd', () => inverseSpd(arr, n)], ['logDetSpd', () => logDetSpd(arr, n)]] as const) {
          const e = caught(f);
          expect(e, `${op} ${arr.constructor.name}`).toBeInstanceOf(NotPositiveDefiniteError);
          expect(e).toBeInstanceOf(ValueError);
          expect(e.op).toBe(op);
          expect(e.message).toMatch(new RegExp(`^${op}: matrix is not positive definite, got pivot ${pivot} = `));
        }
      }
    });
  }

  it('rejects float64 rank-1 Gram matrices x xᵀ of every order 2..8 (fixed seed)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 8 }).chain((k) => fc.tuple(fc.constant(k), fc.array(fc.integer({ min: -9, max: 9 }).filter((v) => v !== 0), { minLength: k, maxLength: k }))), ([k, x]) => {
      const g = gram(x, k, 1);
      expect(() => cholesky(g, k)).toThrow(NotPositiveDefiniteError);
      expect(() => cholesky(Float32Array.from(g), k)).toThrow(NotPositiveDefiniteError);
    }), { seed: 13, numRuns: 200 });
  });

  it('rejects float64 2×2 Gram matrices of two parallel real vectors (fixed seed)', () => {
    fc.assert(fc.property(entries(3), fc.double({ min: 0.25, max: 4, noNaN: true }), (v, c) => {
      if (v.every((x) => Math.abs(x) < 1e-3)) return;
      const g = gram([...v, ...v.map((x) => c * x)], 2, 3);
      expect(() => cholesky(g, 2)).toThrow(NotPositiveDefiniteError);
    }), { seed: 21, numRuns: 300 });
  });

  it('damping makes a singular matrix factorizable again', () => {
    const l = cholesky(new Float64Array([0.1 + 1e-6, 0.3, 0.3, 0.9 + 1e-6]), 2);
    expect(l[3]! > 0).toBe(true);
    expect(solveSpd(new Float64Array([1, 2, 2, 4]), new Float64Array([1, 1]), 2, { damping: 1e-3 }).every(Number.isFinite)).toBe(true);
  });

  it('well-conditioned SPD matrices factorize bit for bit as the unguarded algorithm (fixed seed)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }).chain((n) => fc.tuple(fc.constant(n), entries(n * n))), ([n, b]) => {
      const a = spdFrom(b, n, 0.1);
      expect(Array.from(cholesky(a, n))).toEqual(Array.from(textbook(a, n)));
    }), { seed: 5, numRuns: 200 });
  });

  it('ill-conditioned but nonsingular matrices still factorize (Hilbert 8×8, cond ≈ 1.5e10)', () => {
    const n = 8;
    const h = new Float64Array(n * n).map((_, i) => 1 / (Math.floor(i / n) + (i % n) + 1));
    expect(Array.from(cholesky(h, n))).toEqual(Array.from(textbook(h, n)));
    expect(logDetSpd(h, n)).toBeCloseTo(Math.log(2.737050259e-33), 3);
  });
});
