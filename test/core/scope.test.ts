// scope(fn): tensors created inside and not returned are disposed; returned ones survive and
// move to the enclosing scope; exceptions clean up; transformations inside and around work.
import { describe, expect, it } from 'vitest';
import {
  ConcreteTensor, DisposedTensorError, ValueError, grad, jit, keep, scope, tensor, valueAndGrad, vmap, type Tensor,
} from '../../src/index.js';
import { swapCreationHook } from '../../src/tensor/tensor.js';

const disposed = (t: Tensor): boolean => (t as ConcreteTensor).isDisposed;

describe('scope', () => {
  it('disposes the intermediates, keeps the result and the inputs', () => {
    const x = tensor([1, 2, 3]);
    let a!: Tensor, b!: Tensor;
    const y = scope(() => {
      a = x.mul(2);
      b = a.exp();
      return b.sum();
    });
    expect(y.item()).toBeCloseTo(Math.exp(2) + Math.exp(4) + Math.exp(6), 3);
    expect(disposed(a) && disposed(b)).toBe(true);
    expect(() => a.toArray()).toThrow(DisposedTensorError);
    expect(disposed(x)).toBe(false);
    expect(x.toArray()).toEqual([1, 2, 3]);
  });

  it('keeps every tensor reachable from the returned tree (arrays, objects, Map, Set)', () => {
    const x = tensor([1, 2]);
    let dropped!: Tensor;
    const out = scope(() => {
      dropped = x.add(1);
      return { a: [x.mul(3), { b: x.neg() }], m: new Map([['k', x.square()]]), s: new Set([x.sub(1)]), n: 7, self: x };
    });
    expect(disposed(dropped)).toBe(true);
    expect(out.a[0] instanceof ConcreteTensor && (out.a[0] as Tensor).toArray()).toEqual([3, 6]);
    expect((out.a[1] as { b: Tensor }).b.toArray()).toEqual([-1, -2]);
    expect(out.m.get('k')!.toArray()).toEqual([1, 4]);
    expect([...out.s][0]!.toArray()).toEqual([0, 1]);
    expect(out.self).toBe(x);
  });

  it('nested scopes: the inner result moves to the outer scope, which disposes it unless returned', () => {
    const x = tensor([2]);
    let inner!: Tensor, innerTmp!: Tensor, outerTmp!: Tensor;
    const y = scope(() => {
      inner = scope(() => {
        innerTmp = x.add(1);
        return innerTmp.mul(2);
      });
      expect(disposed(innerTmp)).toBe(true);
      expect(disposed(inner)).toBe(false);
      outerTmp = inner.add(1);
      return outerTmp.neg();
    });
    expect(y.item()).toBe(-7);
    expect(disposed(inner)).toBe(true);
    expect(disposed(outerTmp)).toBe(true);
    const z = scope(() => scope(() => x.add(5)));
    expect(z.item()).toBe(7);
  });

  it('disposes everything created when fn throws, and rethrows', () => {
    const x = tensor([1, 2]);
    let a!: Tensor;
    expect(() =>
      scope(() => {
        a = x.mul(2);
        scope(() => x.add(1));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(disposed(a)).toBe(true);
    expect(disposed(x)).toBe(false);
    // the hook is gone again: tensors made outside scopes are not recorded anywhere
    expect(swapCreationHook(null)).toBe(null);
  });

  it('grad, valueAndGrad and vmap inside a scope: right values, intermediates freed', () => {
    const w = tensor([0.5, -1, 2], { dtype: 'float64' });
    const f = (v: Tensor) => v.mul(v).exp().sum();
    let tmp!: Tensor;
    const [val, g] = scope(() => {
      tmp = w.mul(3);
      return valueAndGrad(f)(w);
    });
    const want = [0.5, -1, 2].map((v) => 2 * v * Math.exp(v * v));
    (g.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 10));
    expect(val.item()).toBeCloseTo([0.5, -1, 2].reduce((s, v) => s + Math.exp(v * v), 0), 10);
    expect(disposed(tmp)).toBe(true);
    const vs = scope(() => vmap((v: Tensor) => grad(f)(v))(w.reshape([3, 1])));
    expect((vs.toArray() as number[][]).map((r) => r[0])).toEqual(want.map((v) => expect.closeTo(v, 10)));
  });

  it('inside a transformation scope just runs fn (tracers are not disposed)', () => {
    const w = tensor([1, 2, 3], { dtype: 'float64' });
    const g = grad((v: Tensor) => scope(() => v.mul(v).sum()))(w);
    expect(g.toArray()).toEqual([2, 4, 6]);
    const h = scope(() => grad((v: Tensor) => scope(() => v.mul(v).mul(v).sum()))(w));
    expect(h.toArray()).toEqual([3, 12, 27]);
  });

  it('a jit traced inside a scope still runs afterwards (scalars made while tracing are not recorded)', () => {
    const f = jit((v: Tensor) => v.mul(2).add(1).exp());
    const x = tensor([0, 1]);
    const a = scope(() => f(x));
    const b = f(x);
    expect(b.toArray()).toEqual(a.toArray());
    expect(f.traces).toBe(1);
  });

  it('constants a jit computes from closed-over tensors while tracing inside a scope survive it', () => {
    const W = tensor([1, 2, 3], { dtype: 'float64' });
    const f = jit((v: Tensor) => v.add(W.mul(2).exp()));
    const x = tensor([0, 0, 0], { dtype: 'float64' });
    const a = scope(() => f(x).toArray());
    expect(f(x).toArray()).toEqual(a);
    expect(f.traces).toBe(1);
  });

  it('keep exempts tensors from the scope; returning a promise is an error', async () => {
    const x = tensor([1, 2]);
    let cached!: Tensor, tmp!: Tensor;
    const y = scope(() => {
      tmp = x.add(1);
      cached = keep(x.mul(10));
      return { s: cached.sum() };
    });
    expect(y.s.item()).toBe(30);
    expect(disposed(cached)).toBe(false);
    expect(disposed(tmp)).toBe(true);
    expect(keep(5)).toBe(5);
    expect(() => scope(async () => x.add(1))).toThrow(ValueError);
    expect(swapCreationHook(null)).toBe(null);
  });

  it('a disposed result can be disposed again (idempotent) and reading it throws', () => {
    const y = scope(() => tensor([1]).add(1));
    y.dispose();
    y.dispose();
    expect(() => y.item()).toThrow(DisposedTensorError);
  });
});
