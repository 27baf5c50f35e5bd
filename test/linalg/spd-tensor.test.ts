// SPD composites on tensors (solve, choSolve, logdet, inv, cgFixed): closed-form gradients,
// finite differences, vmap = loop, jit = eager, and the typed errors of the primitives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTypeError, NotPositiveDefiniteError, ShapeError, ValueError } from '../../src/errors.js';
import { grad, jit, jvp, linalg, setBackend, stack, tensor, vmap, zeros, type Tensor } from '../../src/index.js';
import { getBackend } from '../../src/backend/backend.js';
import { at, close, F64, fd, m64, spdCase } from './tensor-helpers.js';

const runs = { numRuns: 10 };
const sym = (d: Tensor): Tensor => d.add(d.T).mul(0.5);

describe('SPD composites', () => {
  it('solve, choSolve and inv agree with the host float64 routines and reconstruct', () => {
    fc.assert(fc.property(spdCase(6), ({ n, a, e }) => {
      const k = Math.min(2, n);
      const b = e.slice([0, 0], [n, k]);
      const x = linalg.solve(a, b);
      close(a.matmul(x), b, 1e-12);
      const host = linalg.solveSpd(a.toTypedArray() as Float64Array, b.toTypedArray() as Float64Array, n, { nrhs: k });
      close(x, tensor(host, F64).reshape([n, k]), 1e-12);
      close(linalg.choSolve(linalg.choleskyTensor(a), b.slice([0, 0], [n, 1]).reshape([n])), x.slice([0, 0], [n, 1]).reshape([n]), 1e-13);
      close(linalg.inv(a).matmul(a), tensor(linalg.identity(n), F64).reshape([n, n]), 1e-12);
      close(linalg.solve(a, b, { damping: 0.5 }), linalg.solve(a.add(tensor(linalg.identity(n), F64).reshape([n, n]).mul(0.5)), b), 1e-13);
    }), { seed: 11, ...runs });
  });

  it('∇ logdet A = A⁻¹ and logdet matches the host value', () => {
    fc.assert(fc.property(spdCase(6), ({ n, a }) => {
      expect(linalg.logdet(a).item()).toBeCloseTo(linalg.logDetSpd(a.toTypedArray() as Float64Array, n), 11);
      close(grad((x: Tensor) => linalg.logdet(x))(a), linalg.inv(a), 1e-11);
    }), { seed: 12, ...runs });
  });

  it('∇ of cᵀ solve(A, b): A⁻¹c in b and −sym(A⁻¹c xᵀ) in A', () => {
    fc.assert(fc.property(spdCase(5), ({ n, a, e, d }) => {
      const b = e.slice([0, 0], [1, n]).reshape([n]);
      const c = d.slice([0, 0], [1, n]).reshape([n]);
      const [ga, gb] = grad((x: Tensor, y: Tensor) => c.dot(linalg.solve(x, y)), { argnums: [0, 1] })(a, b) as [Tensor, Tensor];
      const u = linalg.solve(a, c), x = linalg.solve(a, b);
      close(gb, u, 1e-11);
      close(ga, sym(u.reshape([n, 1]).matmul(x.reshape([1, n]))).neg(), 1e-11);
    }), { seed: 13, ...runs });
  });

  it('JVPs of solve, logdet and inv match finite differences; jit = eager bit for bit', () => {
    fc.assert(fc.property(spdCase(5), ({ n, a, d, e }) => {
      const t = sym(d), b = e.slice([0, 0], [n, 1]);
      for (const f of [(x: Tensor) => linalg.solve(x, b), (x: Tensor) => linalg.logdet(x), (x: Tensor) => linalg.inv(x)]) {
        close(jvp(f, [a], [t])[1], fd(f, a, t), 1e-6);
        expect(Array.from(jit(f)(a).toTypedArray())).toEqual(Array.from(f(a).toTypedArray()));
      }
    }), { seed: 14, ...runs });
  });

  it('vmap(grad(logdet)) and vmap(solve) equal loops', () => {
    fc.assert(fc.property(spdCase(4, 3), ({ a, e }) => {
      close(vmap(grad((x: Tensor) => linalg.logdet(x)))(a), stack([0, 1, 2].map((i) => linalg.inv(at(a, i)))), 1e-11);
      close(vmap((x: Tensor, y: Tensor) => linalg.solve(x, y))(a, e), stack([0, 1, 2].map((i) => linalg.solve(at(a, i), at(e, i)))), 1e-13);
      close(linalg.logdet(a), stack([0, 1, 2].map((i) => linalg.logdet(at(a, i)))), 1e-14);
    }), { seed: 15, numRuns: 5 });
  });

  it('cgFixed matches solve, eagerly (early stop), under jit and under vmap', () => {
    fc.assert(fc.property(spdCase(6), ({ n, a, e }) => {
      const b = e.slice([0, 0], [1, n]).reshape([n]);
      const f = (y: Tensor) => linalg.cgFixed((v: Tensor) => a.matmul(v), y, { iterations: 3 * n, damping: 0.1 });
      const ref = linalg.solve(a, b, { damping: 0.1 });
      close(f(b), ref, 1e-8);
      expect(Array.from(jit(f)(b).toTypedArray())).toEqual(Array.from(f(b).toTypedArray()));
      close(vmap(f)(stack([b, b.mul(2)])), stack([ref, ref.mul(2)]), 1e-8);
    }), { seed: 16, numRuns: 6 });
  });
});

describe('typed errors', () => {
  it('non-square, non-float, batch mismatch and wrong b shape', () => {
    expect(() => linalg.choleskyTensor(zeros([2, 3], 'float64'))).toThrow(ShapeError);
    expect(() => linalg.eigh(zeros([3], 'float64'))).toThrow(ShapeError);
    expect(() => linalg.choleskyTensor(zeros([2, 2], 'int32'))).toThrow(DTypeError);
    expect(() => linalg.triangularSolve(zeros([2, 3, 3], 'float64'), zeros([4, 3, 1], 'float64'))).toThrow(/batch shape/);
    expect(() => linalg.solve(m64([[2, 0], [0, 2]]), zeros([3], 'float64'))).toThrow(ShapeError);
  });

  it('not positive definite names the pivot; an exactly singular float64 matrix is detected, eagerly and under jit', () => {
    const e = (() => { try { linalg.choleskyTensor(m64([[1, 2], [2, 1]])); } catch (err) { return err; } })();
    expect(e).toBeInstanceOf(NotPositiveDefiniteError);
    expect((e as Error).message).toMatch(/pivot 1/);
    expect(() => linalg.logdet(m64([[1, 1], [1, 1]]))).toThrow(NotPositiveDefiniteError);
    expect(() => jit((x: Tensor) => linalg.solve(x, zeros([2], 'float64')))(m64([[1, 1], [1, 1]]))).toThrow(NotPositiveDefiniteError);
    const batch = stack([m64([[1, 0], [0, 1]]), m64([[1, 0], [0, -1]])]);
    expect(() => linalg.choleskyTensor(batch)).toThrow(/batch element 1.*pivot 1/);
  });

  it('non-symmetric beyond tolerance and a zero triangular diagonal', () => {
    expect(() => linalg.choleskyTensor(m64([[2, 1], [0, 2]]))).toThrow(ValueError);
    expect(() => linalg.eigh(m64([[2, 1], [0, 2]]))).toThrow(/symmetric/);
    expect(() => linalg.triangularSolve(m64([[1, 0], [1, 0]]), tensor([1, 1], F64))).toThrow(/diagonal 1/);
  });
});

describe('backends', () => {
  it('wasm and js agree bit for bit (same host kernels) on float32 and float64', () => {
    const prev = getBackend().name;
    const run = () => {
      const a = m64([[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]]);
      const outs: number[][] = [];
      for (const x of [a, a.cast('float32')]) {
        const r = linalg.eigh(x);
        outs.push(...[linalg.choleskyTensor(x), linalg.solve(x, x.sum(1)), r.values, r.vectors, grad((y: Tensor) => linalg.logdet(y))(x)].map((t) => Array.from(t.toTypedArray() as ArrayLike<number>)));
      }
      return outs;
    };
    try {
      setBackend('js');
      const js = run();
      setBackend('wasm');
      expect(run()).toEqual(js);
    } finally {
      setBackend(prev);
    }
  });
});
