import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { cg, cholesky, choleskySolve, float64Space, solveSpd, type VectorSpace } from '../../src/linalg/index.js';
import { maxAbs, maxDiff, mm, spdSystem } from './helpers.js';

const matvecOf = (a: Float64Array, n: number) => (v: Float64Array) => mm(a, v, n, n, 1);

describe('cg', () => {
  it('matches choleskySolve on random SPD systems and converges in ≤ n iterations', () => {
    fc.assert(
      fc.property(spdSystem(12, 1), ({ n, a, b }) => {
        const res = cg(matvecOf(a, n), b, float64Space, { tol: 1e-10, atol: 1e-300 });
        const ref = choleskySolve(cholesky(a, n), b, n);
        return res.converged && res.iterations <= n && maxDiff(res.x, ref) <= 1e-8 * (1 + maxAbs(ref));
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('damping solves (A + λI) x = b like solveSpd', () => {
    fc.assert(
      fc.property(spdSystem(12, 0), fc.double({ min: 0.5, max: 5, noNaN: true }), ({ n, a, b }, damping) => {
        const res = cg(matvecOf(a, n), b, float64Space, { tol: 1e-11, atol: 1e-300, damping });
        const ref = solveSpd(a, b, n, { damping });
        return res.converged && maxDiff(res.x, ref) <= 1e-8 * (1 + maxAbs(ref));
      }),
      { seed: 4, numRuns: 50 },
    );
  });

  it('reports an honest residual norm', () => {
    fc.assert(
      fc.property(spdSystem(10, 0.5), ({ n, a, b }) => {
        const res = cg(matvecOf(a, n), b, float64Space, { tol: 1e-3, atol: 1e-300 });
        const r = mm(a, res.x, n, n, 1).map((v, i) => b[i]! - v);
        const trueNorm = Math.sqrt(float64Space.dot(r, r));
        return Math.abs(trueNorm - res.residualNorm) <= 1e-10 * (1 + trueNorm);
      }),
      { seed: 8, numRuns: 40 },
    );
  });

  it('preconditioning: exact inverse converges in one step; Jacobi gives the same answer', () => {
    fc.assert(
      fc.property(spdSystem(12, 0.5), ({ n, a, b }) => {
        const l = cholesky(a, n);
        const exact = cg(matvecOf(a, n), b, float64Space, { tol: 1e-10, atol: 1e-300, preconditioner: (r) => choleskySolve(l, r, n) });
        const diag = Float64Array.from({ length: n }, (_, i) => a[i * n + i]!);
        const jacobi = cg(matvecOf(a, n), b, float64Space, {
          tol: 1e-10,
          atol: 1e-300,
          preconditioner: (r) => r.map((v, i) => v / diag[i]!),
        });
        const ref = choleskySolve(l, b, n);
        return (
          exact.converged &&
          exact.iterations <= 1 &&
          jacobi.converged &&
          maxDiff(jacobi.x, ref) <= 1e-8 * (1 + maxAbs(ref))
        );
      }),
      { seed: 21, numRuns: 40 },
    );
  });

  it('x0 at the solution needs no iterations; b = 0 returns zeros', () => {
    const a = new Float64Array([4, 1, 1, 3]);
    const b = new Float64Array([1, 2]);
    const x = solveSpd(a, b, 2);
    const warm = cg(matvecOf(a, 2), b, float64Space, { x0: x, tol: 1e-8 });
    expect(warm.iterations).toBe(0);
    expect(warm.converged).toBe(true);
    const zero = cg(matvecOf(a, 2), new Float64Array(2), float64Space);
    expect(zero).toEqual({ x: new Float64Array(2), iterations: 0, residualNorm: 0, converged: true });
  });

  it('documented example: x ≈ [1/11, 7/11]', () => {
    const matvec = (v: Float64Array) => new Float64Array([4 * v[0]! + v[1]!, v[0]! + 3 * v[1]!]);
    const { x, converged, iterations } = cg(matvec, new Float64Array([1, 2]), float64Space, { tol: 1e-12 });
    expect(converged).toBe(true);
    expect(iterations).toBeLessThanOrEqual(2);
    expect(maxDiff(x, [1 / 11, 7 / 11])).toBeLessThan(1e-14);
  });

  it('stops at maxIter without converging, and on indefinite operators', () => {
    const n = 30;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = 1 + i * i; // ill-conditioned diagonal
    const b = new Float64Array(n).fill(1);
    const capped = cg(matvecOf(a, n), b, float64Space, { tol: 1e-14, maxIter: 3 });
    expect(capped.iterations).toBe(3);
    expect(capped.converged).toBe(false);
    const indefinite = cg(matvecOf(new Float64Array([1, 0, 0, -1]), 2), new Float64Array([0, 1]), float64Space);
    expect(indefinite.converged).toBe(false);
    expect(Number.isFinite(indefinite.residualNorm)).toBe(true);
  });

  it('works over a pytree-like vector space', () => {
    type Tree = { w: Float64Array; b: number };
    const space: VectorSpace<Tree> = {
      add: (x, y) => ({ w: float64Space.add(x.w, y.w), b: x.b + y.b }),
      scale: (x, s) => ({ w: float64Space.scale(x.w, s), b: x.b * s }),
      dot: (x, y) => float64Space.dot(x.w, y.w) + x.b * y.b,
      zerosLike: (x) => ({ w: new Float64Array(x.w.length), b: 0 }),
    };
    // Block operator [[A, u], [uᵀ, c]] on (w, b), assembled densely for the reference.
    const a = new Float64Array([5, 1, 0, 1, 4, 1, 0, 1, 3]);
    const u = [0.5, -0.5, 1];
    const c = 6;
    const matvec = (t: Tree): Tree => ({
      w: mm(a, t.w, 3, 3, 1).map((v, i) => v + u[i]! * t.b),
      b: u.reduce((s, ui, i) => s + ui * t.w[i]!, 0) + c * t.b,
    });
    const dense = new Float64Array([5, 1, 0, 0.5, 1, 4, 1, -0.5, 0, 1, 3, 1, 0.5, -0.5, 1, 6]);
    const rhs = { w: new Float64Array([1, 2, 3]), b: 4 };
    const res = cg(matvec, rhs, space, { tol: 1e-12, damping: 0.25 });
    const ref = solveSpd(dense, new Float64Array([1, 2, 3, 4]), 4, { damping: 0.25 });
    expect(res.converged).toBe(true);
    expect(res.iterations).toBeLessThanOrEqual(4);
    expect(maxDiff([...res.x.w, res.x.b], ref)).toBeLessThan(1e-10);
  });

  it('rejects invalid options with ValueError naming cg', () => {
    const b = new Float64Array([1]);
    const id = (v: Float64Array) => v;
    for (const bad of [{ damping: -1 }, { damping: NaN }, { tol: -1e-3 }, { atol: Infinity }, { maxIter: 2.5 }, { maxIter: -1 }]) {
      expect(() => cg(id, b, float64Space, bad)).toThrow(ValueError);
      expect(() => cg(id, b, float64Space, bad)).toThrow(/^cg: /);
    }
    try {
      cg(id, b, float64Space, { damping: -2 });
    } catch (e) {
      expect(e).toBeInstanceOf(ValueError);
      expect((e as ValueError).op).toBe('cg');
      expect((e as ValueError).argument).toBe('damping');
      expect((e as ValueError).message).toBe('cg: damping must be finite and >= 0, got -2.');
    }
  });
});

describe('float64Space', () => {
  it('implements the vector-space operations without mutating inputs', () => {
    const a = new Float64Array([1, 2]);
    const b = new Float64Array([3, 4]);
    expect(Array.from(float64Space.add(a, b))).toEqual([4, 6]);
    expect(Array.from(float64Space.scale(a, -2))).toEqual([-2, -4]);
    expect(float64Space.dot(a, b)).toBe(11);
    expect(Array.from(float64Space.zerosLike(a))).toEqual([0, 0]);
    expect(float64Space.size?.(a)).toBe(2);
    expect(Array.from(a)).toEqual([1, 2]);
    expect(() => float64Space.add(a, new Float64Array(3))).toThrow(/float64Space\.add: vectors must have the same length, got 2 and 3\./);
  });
});
