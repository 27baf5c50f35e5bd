// The linear-algebra primitives (cholesky, triangular_solve, eigh): reconstruction identities,
// JVP against float64 finite differences, jvp/vjp adjointness, vmap = loop and jit = eager.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jit, jvp, linalg, stack, vjp, vmap, type Tensor } from '../../src/index.js';
import { at, close, fd, inner, m64, matrix, spdCase } from './tensor-helpers.js';

const runs = { numRuns: 12 };
const sym = (d: Tensor): Tensor => d.add(d.T).mul(0.5);

/** Checks JVP = finite differences, ⟨u, J t⟩ = ⟨Jᵀ u, t⟩ and jit(f) = f bit for bit. */
function checkRules(f: (x: Tensor) => Tensor, x: Tensor, t: Tensor, tol = 1e-6): void {
  const [y, dy] = jvp(f, [x], [t]);
  close(dy, fd(f, x, t), tol);
  const [, pull] = vjp(f, x);
  const u = dy.mul(0.7).add(y.mul(0.3)).sin();
  const [g] = pull(u) as [Tensor];
  expect(Math.abs(inner(u, dy) - inner(g, t))).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(inner(u, dy))));
  expect(Array.from(jit(f)(x).toTypedArray())).toEqual(Array.from(y.toTypedArray()));
}

describe('cholesky primitive', () => {
  it('L Lᵀ = A with L lower triangular, over a batch', () => {
    fc.assert(fc.property(spdCase(6, 3), ({ n, a }) => {
      const l = linalg.choleskyTensor(a);
      close(l.matmul(l.transpose([0, 2, 1])), a, 1e-12);
      const ld = l.toTypedArray();
      for (let b = 0; b < 3; b++) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(ld[b * n * n + i * n + j]).toBe(0);
    }), { seed: 1, ...runs });
  });

  it('JVP matches finite differences, adjoint to the VJP, jit = eager; a non-symmetric tangent acts by its symmetric part', () => {
    fc.assert(fc.property(spdCase(5), ({ a, d }) => {
      const f = (x: Tensor) => linalg.choleskyTensor(x);
      checkRules(f, a, sym(d));
      close(jvp(f, [a], [d])[1], jvp(f, [a], [sym(d)])[1], 1e-14);
    }), { seed: 2, ...runs });
  });

  it('vmap equals a loop over matrices', () => {
    fc.assert(fc.property(spdCase(4, 3), ({ a, d }) => {
      const f = (x: Tensor, t: Tensor) => jvp((y: Tensor) => linalg.choleskyTensor(y), [x], [t])[1];
      const batched = vmap(f)(a, d);
      const loop = stack([0, 1, 2].map((i) => f(at(a, i), at(d, i))));
      close(batched, loop, 1e-13);
    }), { seed: 3, numRuns: 6 });
  });
});

describe('triangular_solve primitive', () => {
  const variants = [true, false].flatMap((left) => [true, false].flatMap((lower) => [true, false].flatMap((transposeA) => [true, false].map((unitDiagonal) => ({ left, lower, transposeA, unitDiagonal })))));

  it.each(variants)('solves and has exact rules: %o', (o) => {
    fc.assert(fc.property(spdCase(4), ({ n, a, d, e }) => {
      const l = linalg.choleskyTensor(a);
      const t = o.lower ? l : l.T;
      const b = e.slice([0, 0], [n, Math.min(n, 2)]);
      const bb = o.left ? b : b.T;
      const x = linalg.triangularSolve(t, bb, o);
      // reconstruct op(A): the kernel reads only the triangle (and not the diagonal when unit)
      const strict = t.mul(matrix(n, (i, j) => ((o.lower ? j < i : j > i) ? 1 : 0)));
      const full = strict.add(o.unitDiagonal ? matrix(n, (i, j) => (i === j ? 1 : 0)) : t.mul(matrix(n, (i, j) => (i === j ? 1 : 0))));
      const opA = o.transposeA ? full.T : full;
      close(o.left ? opA.matmul(x) : x.matmul(opA), bb, 1e-11);
      checkRules((y) => linalg.triangularSolve(y, bb, o), t, d);
      checkRules((y) => linalg.triangularSolve(t, y, o), bb, o.left ? d.slice([0, 0], [n, b.shape[1]!]) : d.slice([0, 0], [b.shape[1]!, n]));
    }), { seed: 4, numRuns: 5 });
  });

  it('vmap over either argument equals a loop', () => {
    fc.assert(fc.property(spdCase(4, 3), ({ a, e }) => {
      const l = linalg.choleskyTensor(a);
      const o = { transposeA: true };
      close(vmap((t: Tensor, b: Tensor) => linalg.triangularSolve(t, b, o))(l, e), stack([0, 1, 2].map((i) => linalg.triangularSolve(at(l, i), at(e, i), o))), 1e-13);
      const l0 = at(l, 0);
      close(vmap((b: Tensor) => linalg.triangularSolve(l0, b, o))(e), stack([0, 1, 2].map((i) => linalg.triangularSolve(l0, at(e, i), o))), 1e-13);
    }), { seed: 5, numRuns: 6 });
  });
});

describe('eigh primitive', () => {
  it('A V = V Λ, VᵀV = I, ascending, largest component of each eigenvector positive', () => {
    fc.assert(fc.property(spdCase(6, 2), ({ n, a, d }) => {
      const s = a.add(d.add(d.transpose([0, 2, 1])));
      const { values, vectors } = linalg.eigh(s);
      close(s.matmul(vectors), vectors.mul(values.reshape([2, 1, n])), 1e-12);
      const eye = matrix(n, (i, j) => (i === j ? 1 : 0));
      close(vectors.transpose([0, 2, 1]).matmul(vectors), stack([eye, eye]), 1e-12);
      const w = values.toTypedArray(), v = vectors.toTypedArray();
      for (let b = 0; b < 2; b++) {
        for (let i = 1; i < n; i++) expect(w[b * n + i]!).toBeGreaterThanOrEqual(w[b * n + i - 1]!);
        for (let j = 0; j < n; j++) {
          let big = 0;
          for (let i = 0; i < n; i++) if (Math.abs(v[b * n * n + i * n + j]!) > Math.abs(big)) big = v[b * n * n + i * n + j]!;
          expect(big).toBeGreaterThan(0);
        }
      }
    }), { seed: 6, ...runs });
  });

  it('JVP of eigenvalues and eigenvectors matches finite differences for distinct eigenvalues, adjoint to the VJP', () => {
    fc.assert(fc.property(spdCase(5), ({ n, a, d }) => {
      // spread the eigenvalues apart so the finite differences stay away from crossings
      const spread = a.add(matrix(n, (i, j) => (i === j ? 3 * i : 0)));
      checkRules((x) => linalg.eigh(x).values, spread, sym(d));
      checkRules((x) => linalg.eigh(x).vectors, spread, sym(d), 1e-5);
    }), { seed: 7, ...runs });
  });

  it('at an exact degeneracy the tangents are finite and the eigenvalue cluster sum is exact', () => {
    const s = m64([[2, 0, 0], [0, 2, 0], [0, 0, 5]]);
    const d = m64([[1, 0.5, 0], [0.5, -1, 0.2], [0, 0.2, 0.3]]);
    const [, [dw, dv]] = jvp((x: Tensor) => { const r = linalg.eigh(x); return [r.values, r.vectors]; }, [s], [d]) as unknown as [unknown, [Tensor, Tensor]];
    expect(Array.from(dv.toTypedArray()).every(Number.isFinite)).toBe(true);
    const w = dw.toTypedArray();
    expect(w[0]! + w[1]!).toBeCloseTo(0, 12); // tr of dS on the eigenspace of 2 = 1 + (−1)
    expect(w[2]).toBeCloseTo(0.3, 12);
  });

  it('vmap equals a loop', () => {
    fc.assert(fc.property(spdCase(4, 3), ({ a }) => {
      const r = vmap((x: Tensor) => linalg.eigh(x).vectors)(a);
      close(r, stack([0, 1, 2].map((i) => linalg.eigh(at(a, i)).vectors)), 1e-13);
    }), { seed: 8, numRuns: 6 });
  });
});

describe('float32 and mapped axes', () => {
  it('float32 inputs are factored in float64 and rounded once: L Lᵀ = A and A V = V Λ to float32 precision', () => {
    fc.assert(fc.property(spdCase(6), ({ n, a }) => {
      const a32 = a.cast('float32');
      const l = linalg.choleskyTensor(a32);
      expect(l.dtype).toBe('float32');
      close(l.cast('float64').matmul(l.cast('float64').T), a32.cast('float64'), 1e-6);
      const l64 = linalg.choleskyTensor(a32.cast('float64'));
      expect(Array.from(l.toTypedArray())).toEqual(Array.from(Float32Array.from(l64.toTypedArray() as Float64Array)));
      const { values, vectors } = linalg.eigh(a32);
      close(a32.matmul(vectors).cast('float64'), vectors.mul(values.reshape([1, n])).cast('float64'), 1e-5);
    }), { seed: 9, numRuns: 8 });
  });

  it('vmap over a non-leading axis equals a loop', () => {
    fc.assert(fc.property(spdCase(4, 3), ({ a }) => {
      const moved = a.transpose([1, 0, 2]); // the batch on axis 1
      const r = vmap((x: Tensor) => linalg.choleskyTensor(x), { inAxes: 1 })(moved);
      close(r, stack([0, 1, 2].map((i) => linalg.choleskyTensor(at(a, i)))), 1e-14);
    }), { seed: 10, numRuns: 4 });
  });
});
