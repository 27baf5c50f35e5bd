import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskySolve,
  eighSymmetric,
  identity,
  inverseSpd,
  logDetSpd,
  matmulDense,
  solveSpd,
  solveTriangular,
  transposeDense,
} from '../../src/linalg/index.js';
import { addDiag, entries, maxAbs, maxDiff, mm, spdSystem, tr } from './helpers.js';

/** Backward-error style bound for a computed solution of A X = B. */
function residualOk(a: Float64Array, x: ArrayLike<number>, b: ArrayLike<number>, n: number, nrhs: number, tol = 1e-12): boolean {
  const r = maxDiff(mm(a, x, n, n, nrhs), b);
  return r <= tol * n * (n * maxAbs(a) * maxAbs(x) + maxAbs(b)) + 1e-300;
}

describe('cholesky', () => {
  it('factors a known 2×2 matrix', () => {
    const l = cholesky(new Float64Array([4, 2, 2, 3]), 2);
    expect(l).toBeInstanceOf(Float64Array);
    expect(maxDiff(l, [2, 0, 1, Math.SQRT2])).toBeLessThan(1e-15);
  });

  it('L is lower triangular with positive diagonal and L Lᵀ = A (random SPD, n = 1..12)', () => {
    fc.assert(
      fc.property(spdSystem(12, 0.1), ({ n, a }) => {
        const l = cholesky(a, n);
        for (let i = 0; i < n; i++) {
          if (!(l[i * n + i]! > 0)) return false;
          for (let j = i + 1; j < n; j++) if (l[i * n + j] !== 0) return false;
        }
        return maxDiff(mm(l, tr(l, n, n), n, n, n), a) <= 1e-13 * n * maxAbs(a);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('handles n = 0 and n = 1', () => {
    expect(cholesky(new Float64Array(0), 0)).toHaveLength(0);
    expect(Array.from(cholesky(new Float64Array([9]), 1))).toEqual([3]);
  });

  it('returns Float32Array for Float32Array input, within float32 tolerance', () => {
    fc.assert(
      fc.property(spdSystem(12, 0.5), ({ n, a }) => {
        const a32 = Float32Array.from(a);
        const l32 = cholesky(a32, n);
        const l64 = cholesky(Float64Array.from(a32), n);
        return l32 instanceof Float32Array && maxDiff(l32, l64) <= 1e-6 * maxAbs(l64);
      }),
      { seed: 7, numRuns: 30 },
    );
  });
});

describe('solveTriangular', () => {
  it('solves the documented examples', () => {
    const l = new Float64Array([2, 0, 1, 1]);
    expect(Array.from(solveTriangular(l, new Float64Array([2, 3]), 2))).toEqual([1, 2]);
    expect(Array.from(solveTriangular(l, new Float64Array([4, 1]), 2, { transpose: true }))).toEqual([1.5, 1]);
  });

  it('satisfies op(T) X = B for lower/upper × transpose with several right-hand sides', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean())
      .chain(([n, nrhs, lower, transpose]) =>
        fc.tuple(entries(n * n), entries(n * nrhs)).map(([t, b]) => ({ n, nrhs, lower, transpose, t, b })),
      );
    fc.assert(
      fc.property(arb, ({ n, nrhs, lower, transpose, t, b }) => {
        // Well-conditioned triangular matrix: keep one triangle, diagonal in [2, 3].
        const tri = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            if (i === j) tri[i * n + j] = 2 + Math.abs(t[i * n + j]!);
            else if (lower ? j < i : j > i) tri[i * n + j] = t[i * n + j]! / n;
          }
        // Garbage in the ignored triangle must not matter.
        const withJunk = Float64Array.from(tri);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (lower ? j > i : j < i) withJunk[i * n + j] = 99;
        const x = solveTriangular(withJunk, b, n, { lower, transpose, nrhs });
        const op = transpose ? tr(tri, n, n) : tri;
        return maxDiff(mm(op, x, n, n, nrhs), b) <= 1e-13 * n;
      }),
      { seed: 42, numRuns: 80 },
    );
  });

  it('returns the array type of b', () => {
    const x = solveTriangular(new Float64Array([2]), new Float32Array([1]), 1);
    expect(x).toBeInstanceOf(Float32Array);
    expect(x[0]).toBe(0.5);
  });
});

describe('choleskySolve / solveSpd', () => {
  it('A X = B to tight tolerance (random SPD, n = 1..12, nrhs = 1..3)', () => {
    fc.assert(
      fc.property(spdSystem(12, 0.1, 3), ({ n, nrhs, a, b }) => {
        const x = choleskySolve(cholesky(a, n), b, n, nrhs);
        const y = solveSpd(a, b, n, { nrhs });
        return residualOk(a, x, b, n, nrhs) && maxDiff(x, y) === 0;
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('damping solves (A + λI) x = b, also for singular PSD A', () => {
    fc.assert(
      fc.property(spdSystem(12, 0), fc.double({ min: 1e-3, max: 10, noNaN: true }), ({ n, a, b }, lambda) => {
        const x = solveSpd(a, b, n, { damping: lambda });
        return residualOk(addDiag(a, n, lambda), x, b, n, 1, 1e-11);
      }),
      { seed: 3, numRuns: 50 },
    );
    // Rank-one PSD matrix: singular without damping, solvable with it.
    const a = new Float64Array([1, 1, 1, 1]);
    expect(maxDiff(solveSpd(a, new Float64Array([3, 3]), 2, { damping: 1 }), [1, 1])).toBeLessThan(1e-15);
  });

  it('Float32 right-hand sides give Float32Array solutions within float32 tolerance', () => {
    fc.assert(
      fc.property(spdSystem(12, 1), ({ n, a, b }) => {
        const b32 = Float32Array.from(b);
        const x32 = solveSpd(Float32Array.from(a), b32, n);
        const x64 = solveSpd(Float64Array.from(Float32Array.from(a)), Float64Array.from(b32), n);
        return x32 instanceof Float32Array && maxDiff(x32, x64) <= 1e-6 * (1 + maxAbs(x64));
      }),
      { seed: 11, numRuns: 30 },
    );
  });
});

describe('inverseSpd / logDetSpd', () => {
  it('A A⁻¹ = I and A⁻¹ is symmetric', () => {
    fc.assert(
      fc.property(spdSystem(12, 0.5), ({ n, a }) => {
        const inv = inverseSpd(a, n);
        const symmetric = maxDiff(inv, tr(inv, n, n)) === 0;
        return symmetric && maxDiff(mm(a, inv, n, n, n), identity(n)) <= 1e-12 * n * maxAbs(a) * maxAbs(inv);
      }),
      { seed: 42, numRuns: 50 },
    );
    expect(maxDiff(inverseSpd(new Float64Array([2, 0, 0, 4]), 2), [0.5, 0, 0, 0.25])).toBeLessThan(1e-15);
    expect(inverseSpd(new Float32Array([2, 0, 0, 4]), 2)).toBeInstanceOf(Float32Array);
  });

  it('log det equals the sum of log-eigenvalues and the closed form on diagonals', () => {
    expect(logDetSpd(new Float64Array([2, 0, 0, 3]), 2)).toBeCloseTo(Math.log(6), 15);
    expect(logDetSpd(new Float64Array(0), 0)).toBe(0);
    fc.assert(
      fc.property(spdSystem(12, 0.2), ({ n, a }) => {
        const { values } = eighSymmetric(a, n);
        const ref = values.reduce((s, v) => s + Math.log(v), 0);
        return Math.abs(logDetSpd(a, n) - ref) <= 1e-10 * n * (1 + Math.abs(ref));
      }),
      { seed: 5, numRuns: 40 },
    );
  });
});

describe('matmulDense / transposeDense / identity', () => {
  it('matches the reference product and (AB)ᵀ = BᵀAᵀ', () => {
    const dims = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }));
    const arb = dims.chain(([m, k, n]) => fc.tuple(entries(m * k), entries(k * n)).map(([a, b]) => ({ m, k, n, a, b })));
    fc.assert(
      fc.property(arb, ({ m, k, n, a, b }) => {
        const c = matmulDense(a, b, m, k, n);
        const ct = matmulDense(transposeDense(b, k, n), transposeDense(a, m, k), n, k, m);
        return maxDiff(c, mm(a, b, m, k, n)) <= 1e-15 * (k + 1) && maxDiff(transposeDense(c, m, n), ct) <= 1e-15 * (k + 1);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('small known values and array types', () => {
    expect(Array.from(matmulDense(new Float64Array([1, 2]), new Float64Array([3, 4]), 1, 2, 1))).toEqual([11]);
    expect(Array.from(transposeDense(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(identity(2))).toEqual([1, 0, 0, 1]);
    expect(identity(0)).toHaveLength(0);
    expect(matmulDense(new Float32Array([1, 2]), new Float64Array([3, 4]), 1, 2, 1)).toBeInstanceOf(Float32Array);
    expect(transposeDense(new Float32Array([1, 2]), 1, 2)).toBeInstanceOf(Float32Array);
    const a = Float64Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(matmulDense(a, identity(3), 2, 3, 3))).toEqual(Array.from(a));
  });
});
