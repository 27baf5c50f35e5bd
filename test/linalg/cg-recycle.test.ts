// Eager cgFixed disposes the vectors it makes once they are dead (so a solve reuses memory) and
// never a tensor it did not make: b, x0, the matvec's outputs, the result.
import { describe, expect, it } from 'vitest';
import { grad, jit, linalg, tensor, type Tensor } from '../../src/index.js';

const n = 6;
const diag = tensor(Array.from({ length: n }, (_, i) => 1 + i * i), { dtype: 'float64' });
const isDisposed = (t: Tensor): boolean => (t as unknown as { isDisposed?: boolean }).isDisposed === true;

describe('eager cgFixed recycles its own vectors', () => {
  it('disposes the directions it made, keeps b, x0, every matvec output and the result', () => {
    const b = tensor([1, -2, 3, 0.5, 4, -1], { dtype: 'float64' });
    const x0 = tensor([0.1, 0, 0, 0, 0, 0.2], { dtype: 'float64' });
    const seen: Tensor[] = [], outs: Tensor[] = [];
    const matvec = (v: Tensor): Tensor => { seen.push(v); const o = v.mul(diag); outs.push(o); return o; };
    for (const damping of [0, 0.5]) {
      seen.length = 0;
      outs.length = 0;
      const x = linalg.cgFixed(matvec, b, { iterations: n, tol: 0, damping, x0 });
      expect(seen.length).toBeGreaterThan(3);
      expect(isDisposed(x)).toBe(false);
      for (const t of [b, x0, ...outs]) expect(isDisposed(t)).toBe(false);
      // seen[0] is x0 (the initial residual's product), seen[1] the first direction r0 = b − A x0
      // (made here), later ones are directions made here: all dead after the solve
      for (const p of seen.slice(1)) expect(isDisposed(p)).toBe(true);
      // the same numbers as the traced program, which disposes nothing
      const traced = jit((bb: Tensor, xx: Tensor) => linalg.cgFixed((v: Tensor) => v.mul(diag), bb, { iterations: n, tol: 0, damping, x0: xx }))(b, x0);
      expect(Array.from(x.toTypedArray())).toEqual(Array.from(traced.toTypedArray()));
    }
  });

  it('uses b itself as the first direction without disposing it (no x0)', () => {
    const b = tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64' });
    const seen: Tensor[] = [];
    const x = linalg.cgFixed((v: Tensor) => { seen.push(v); return v.mul(diag); }, b, { iterations: 3, tol: 0 });
    expect(seen[0]).toBe(b);
    expect(isDisposed(b)).toBe(false);
    expect(x.toTypedArray().every(Number.isFinite)).toBe(true);
  });

  it('disposes nothing while a transformation traces it (jit and grad through the solve, b a captured constant)', () => {
    const b = tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64' });
    const g = grad((s: Tensor) => linalg.cgFixed((v: Tensor) => v.mul(diag).mul(s), b, { iterations: 3, tol: 0 }).sum())(tensor(2, { dtype: 'float64' }));
    // the backward pass reads the forward pass's values: disposing one would throw or give garbage
    // traced with b concrete: the zero initial iterate and other values made from b alone are
    // constants of the staged program, which later calls read
    const solve = jit((s: Tensor) => linalg.cgFixed((v: Tensor) => v.mul(diag).mul(s), b, { iterations: 3, tol: 0 }));
    const first = Array.from(solve(tensor(2, { dtype: 'float64' })).toTypedArray());
    expect(Array.from(solve(tensor(2, { dtype: 'float64' })).toTypedArray())).toEqual(first);
    const f = (s: number): number => (linalg.cgFixed((v: Tensor) => v.mul(diag).mul(s), b, { iterations: 3, tol: 0 }).sum().item() as number);
    const h = 1e-6;
    expect(g.item()).toBeCloseTo((f(2 + h) - f(2 - h)) / (2 * h), 5);
  });
});
