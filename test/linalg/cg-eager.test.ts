// Eager cgFixed runs each step as one jitted program (the previous state donated), or — inside a
// scope, or with a matvec that cannot be traced — as an eager loop that disposes the vectors it
// made once dead. Either way it never disposes a tensor it did not make (b, x0, matvec outputs,
// the result) and gives the traced program's bits.
import { describe, expect, it } from 'vitest';
import { grad, jit, linalg, scope, tensor, type Tensor } from '../../src/index.js';

const n = 6;
const diag = tensor(Array.from({ length: n }, (_, i) => 1 + i * i), { dtype: 'float64' });
const isDisposed = (t: Tensor): boolean => (t as unknown as { isDisposed?: boolean }).isDisposed === true;
const bOf = () => tensor([1, -2, 3, 0.5, 4, -1], { dtype: 'float64' });
const x0Of = () => tensor([0.1, 0, 0, 0, 0, 0.2], { dtype: 'float64' });
const traced = (b: Tensor, x0: Tensor, damping: number) =>
  jit((bb: Tensor, xx: Tensor) => linalg.cgFixed((v: Tensor) => v.mul(diag), bb, { iterations: n, tol: 0, damping, x0: xx }))(b, x0);

describe('eager cgFixed', () => {
  it('runs its steps as one compiled program: the matvec is traced once, whatever the iteration count', () => {
    for (const damping of [0, 0.5]) {
      const b = bOf(), x0 = x0Of();
      let calls = 0;
      const x = linalg.cgFixed((v: Tensor) => { calls++; return v.mul(diag); }, b, { iterations: n, tol: 0, damping, x0 });
      expect(calls).toBe(2); // r0 = b − A x0 eagerly, then the step's trace
      for (const t of [b, x0, x]) expect(isDisposed(t)).toBe(false);
      expect(Array.from(x.toTypedArray())).toEqual(Array.from(traced(b, x0, damping).toTypedArray()));
    }
    const b = bOf();
    let calls = 0;
    linalg.cgFixed((v: Tensor) => { calls++; return v.mul(diag); }, b, { iterations: 4, tol: 0 });
    expect(calls).toBe(1);
    expect(isDisposed(b)).toBe(false);
  });

  it('inside a scope: an eager loop that disposes the directions it made, keeps b, x0, matvec outputs and the result', () => {
    for (const damping of [0, 0.5]) {
      const b = bOf(), x0 = x0Of();
      const seen: Tensor[] = [], outs: Tensor[] = [];
      const matvec = (v: Tensor): Tensor => { seen.push(v); const o = v.mul(diag); outs.push(o); return o; };
      const x = scope(() => linalg.cgFixed(matvec, b, { iterations: n, tol: 0, damping, x0 }));
      expect(seen.length).toBeGreaterThan(3); // one matvec per iteration: not compiled
      expect(isDisposed(x)).toBe(false);
      // seen[0] is x0, seen[1] the first direction r0 = b − A x0 (made here), later ones directions made here
      for (const p of seen.slice(1)) expect(isDisposed(p)).toBe(true);
      for (const t of [b, x0]) expect(isDisposed(t)).toBe(false);
      expect(Array.from(x.toTypedArray())).toEqual(Array.from(traced(b, x0, damping).toTypedArray()));
    }
  });

  it('falls back to the eager loop when the matvec reads host values', () => {
    const b = bOf();
    let calls = 0;
    const hostDiag = Array.from(diag.toTypedArray());
    const x = linalg.cgFixed((v: Tensor) => {
      calls++;
      const vs = v.toTypedArray(); // not traceable
      return tensor(Array.from(vs, (u, i) => u * hostDiag[i]!), { dtype: 'float64' });
    }, b, { iterations: n, tol: 0 });
    expect(calls).toBeGreaterThan(2);
    expect(isDisposed(b)).toBe(false);
    const want = linalg.cgFixed((v: Tensor) => v.mul(diag), b, { iterations: n, tol: 0 });
    expect(Array.from(x.toTypedArray())).toEqual(Array.from(want.toTypedArray()));
  });

  it('disposes nothing while a transformation traces it (jit and grad through the solve, b a captured constant)', () => {
    const b = tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64' });
    const g = grad((s: Tensor) => linalg.cgFixed((v: Tensor) => v.mul(diag).mul(s), b, { iterations: 3, tol: 0 }).sum())(tensor(2, { dtype: 'float64' }));
    // traced with b concrete: the zero initial iterate and other values made from b alone are
    // constants of the staged program, which later calls read
    const solve = jit((s: Tensor) => linalg.cgFixed((v: Tensor) => v.mul(diag).mul(s), b, { iterations: 3, tol: 0 }));
    const first = Array.from(solve(tensor(2, { dtype: 'float64' })).toTypedArray());
    expect(Array.from(solve(tensor(2, { dtype: 'float64' })).toTypedArray())).toEqual(first);
    const f = (s: number): number => (linalg.cgFixed((v: Tensor) => v.mul(diag).mul(s), b, { iterations: 3, tol: 0 }).sum().item() as number);
    const h = 1e-6;
    expect(g.item()).toBeCloseTo((f(2 + h) - f(2 - h)) / (2 * h), 5);
    expect(isDisposed(b)).toBe(false);
  });
});
