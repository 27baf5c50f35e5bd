import { describe, expect, it } from 'vitest';
import { DisposedTensorError, ValueError } from '../../src/errors.js';
import { grad, jit, tensor, vmap, type Tensor } from '../../src/index.js';

const isDisposed = (t: Tensor): boolean => (t as unknown as { isDisposed?: boolean }).isDisposed === true;
const big = (seed: number) => tensor(Array.from({ length: 8192 }, (_, i) => Math.sin(i * 0.37 + seed)));

describe('jit donateArgnums', () => {
  const step = (p: { w: Tensor; b: Tensor }, s: Tensor, x: Tensor) => {
    const g = x.mul(p.w).tanh();
    return [{ w: p.w.sub(g.mul(0.1)), b: p.b.add(s) }, s.mul(0.9).add(g.sum()), g.sum()] as const;
  };

  it('disposes the donated arguments after the call and returns the same bits', () => {
    const kept = jit(step), donated = jit(step, { donateArgnums: [0, 1] });
    for (const compile of [true, false]) {
      const d = compile ? donated : jit(step, { donateArgnums: [0, 1], compile: false });
      const p = { w: big(1), b: big(2) }, s = tensor(0.5), x = big(3);
      const want = kept(p, s, x);
      const got = d(p, s, x);
      for (const [a, b] of [[want[0].w, got[0].w], [want[0].b, got[0].b], [want[1], got[1]], [want[2], got[2]]] as const) {
        expect(Array.from(b.toTypedArray())).toEqual(Array.from(a.toTypedArray()));
      }
      expect(isDisposed(p.w) && isDisposed(p.b) && isDisposed(s)).toBe(true);
      expect(isDisposed(x)).toBe(false); // not donated
      expect(() => p.w.toArray()).toThrow(DisposedTensorError);
      expect(() => d(p, s, x)).toThrow(DisposedTensorError); // a donated tensor passed again
    }
  });

  it('keeps a donated tensor that is also a result, another argument, or a captured constant', () => {
    const captured = big(4);
    const f = jit((a: Tensor, b: Tensor, c: Tensor) => [a, b.add(captured), c.mul(2)] as const, { donateArgnums: [0, 1, 2] });
    const a = big(5), shared = big(6);
    const [ra] = f(a, shared, shared);
    expect(ra).toBe(a); // returned as is: kept
    expect(isDisposed(a)).toBe(false);
    expect(isDisposed(shared)).toBe(true); // donated in both places it appears
    const g = jit((u: Tensor, v: Tensor) => u.add(v), { donateArgnums: [0] });
    const u = big(7);
    g(u, u); // also passed as the non-donated argument: kept
    expect(isDisposed(u)).toBe(false);
    const h = jit((u: Tensor) => u.add(captured), { donateArgnums: [0] });
    h(captured); // the traced function captured it: kept for later calls
    expect(isDisposed(captured)).toBe(false);
    expect(Array.from(h(big(8)).toTypedArray())).toEqual(Array.from(big(8).add(captured).toTypedArray()));
  });

  it('disposes nothing under a transformation', () => {
    const f = jit((w: Tensor, x: Tensor) => x.mul(w).tanh().sum(), { donateArgnums: [0, 1] });
    const w = big(9), x = big(10);
    const gw = grad(f)(w, x);
    expect(isDisposed(w) || isDisposed(x)).toBe(false);
    expect(gw.shape).toEqual([8192]);
    const xs = tensor([[1, 2], [3, 4]]), ws = tensor([0.5, 0.25]);
    vmap(f, { inAxes: [null, 0] })(ws, xs);
    expect(isDisposed(ws) || isDisposed(xs)).toBe(false);
  });

  it('rejects bad indices with a typed error', () => {
    const f = (x: Tensor) => x;
    expect(() => jit(f, { donateArgnums: [-1] })).toThrow(ValueError);
    expect(() => jit(f, { donateArgnums: [0.5] })).toThrow(/donateArgnums/);
    expect(() => jit(f, { donateArgnums: [1], staticArgnums: [1] })).toThrow(/both static and donated/);
  });
});
