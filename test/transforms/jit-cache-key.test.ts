// The jit cache key: every non-tensor leaf and static argument is part of it, compared so that
// no two different values share a program (NaN/null/Infinity, 0/-0, two functions, a changing
// number, a boolean flag, hyperparameters inside state pytrees).
import { describe, expect, it } from 'vitest';
import { jit, tensor, type Tensor } from '../../src/index.js';
import { jitCacheKey, valueKey } from '../../src/core/cache-key.js';
import { flatten } from '../../src/tree/tree.js';

const x = tensor([1, 2, 3], { dtype: 'float64' });
const data = (t: Tensor) => Array.from(t.toTypedArray());

describe('jit: non-tensor leaves are part of the cache key', () => {
  it('a number argument: f(x, 2) then f(x, 3) gives 3x', () => {
    const f = jit((a: Tensor, s: number) => a.mul(s));
    expect(data(f(x, 2))).toEqual([2, 4, 6]);
    expect(data(f(x, 3))).toEqual([3, 6, 9]);
    expect(data(f(x, 2))).toEqual([2, 4, 6]);
    expect(f.traces).toBe(2);
    expect(f.hits).toBe(1);
  });

  it('a changing learning rate is honoured; a scalar tensor learning rate is traced once', () => {
    const step = jit((w: Tensor, g: Tensor, lr: number) => w.sub(g.mul(lr)));
    const g = tensor([1, 1, 1], { dtype: 'float64' });
    expect(data(step(x, g, 0.5))).toEqual([0.5, 1.5, 2.5]);
    expect(data(step(x, g, 0.25))).toEqual([0.75, 1.75, 2.75]);
    const traced = jit((w: Tensor, gr: Tensor, lr: Tensor) => w.sub(gr.mul(lr)));
    expect(data(traced(x, g, tensor(0.5, { dtype: 'float64' })))).toEqual([0.5, 1.5, 2.5]);
    expect(data(traced(x, g, tensor(0.25, { dtype: 'float64' })))).toEqual([0.75, 1.75, 2.75]);
    expect(traced.traces).toBe(1);
  });

  it('0 and -0 are different programs', () => {
    const g = jit((a: Tensor, s: number) => a.mul(s).add(s));
    expect(Object.is(g(x, 0).toTypedArray()[0], 0)).toBe(true);
    expect(Object.is(g(x, -0).toTypedArray()[0], -0)).toBe(true);
    expect(g.traces).toBe(2);
  });

  it('a boolean flag selects its own program', () => {
    const f = jit((a: Tensor, neg: boolean) => (neg ? a.neg() : a));
    expect(data(f(x, true))).toEqual([-1, -2, -3]);
    expect(data(f(x, false))).toEqual([1, 2, 3]);
  });

  it('hyperparameters inside a state pytree are keyed by value, tensors by aval', () => {
    type S = { mu: Tensor; hp: { lr: number; nesterov: boolean; name: string } };
    const step = jit((w: Tensor, s: S) => {
      const d = s.hp.nesterov ? s.mu.mul(2) : s.mu;
      return w.sub(d.mul(s.hp.lr));
    });
    const mu = tensor([1, 1, 1], { dtype: 'float64' });
    expect(data(step(x, { mu, hp: { lr: 0.5, nesterov: false, name: 'a' } }))).toEqual([0.5, 1.5, 2.5]);
    expect(data(step(x, { mu, hp: { lr: 0.5, nesterov: true, name: 'a' } }))).toEqual([0, 1, 2]);
    expect(data(step(x, { mu, hp: { lr: 0.25, nesterov: false, name: 'a' } }))).toEqual([0.75, 1.75, 2.75]);
    expect(step.traces).toBe(3);
    step(x, { mu: mu.add(1), hp: { lr: 0.25, nesterov: false, name: 'a' } }); // same avals, same leaves
    expect(step.traces).toBe(3);
    step(x, { mu, hp: { lr: 0.25, nesterov: false, name: 'b' } });
    expect(step.traces).toBe(4);
  });

  it('function leaves are compared by identity', () => {
    const f = jit((a: Tensor, op: { fn: (t: Tensor) => Tensor }) => op.fn(a));
    const e = (t: Tensor) => t.exp();
    const n = (t: Tensor) => t.neg();
    expect(data(f(x, { fn: e }))).toEqual(data(x.exp()));
    expect(data(f(x, { fn: n }))).toEqual([-1, -2, -3]);
  });
});

describe('jit: static arguments compared with Object.is / structurally', () => {
  const statics = { staticArgnums: [1] };
  it('NaN, null, Infinity and -Infinity are four programs', () => {
    const f = jit((a: Tensor, s: number | null) => (s === null ? a : a.mul(0).add(s)), statics);
    expect(data(f(x, NaN)).every(Number.isNaN)).toBe(true);
    expect(data(f(x, null))).toEqual([1, 2, 3]);
    expect(data(f(x, Infinity))).toEqual([Infinity, Infinity, Infinity]);
    expect(data(f(x, -Infinity))).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(data(f(x, NaN)).every(Number.isNaN)).toBe(true);
    expect(f.traces).toBe(4);
  });

  it('0 and -0 are two programs', () => {
    const f = jit((a: Tensor, s: number) => a.mul(s).add(s), statics);
    expect(Object.is(f(x, 0).toTypedArray()[0], 0)).toBe(true);
    expect(Object.is(f(x, -0).toTypedArray()[0], -0)).toBe(true);
    expect(f.traces).toBe(2);
  });

  it('two different functions are two programs (exp then neg runs neg)', () => {
    const f = jit((a: Tensor, fn: (t: Tensor) => Tensor) => fn(a), statics);
    expect(data(f(x, (t) => t.exp()))).toEqual(data(x.exp()));
    expect(data(f(x, (t) => t.neg()))).toEqual([-1, -2, -3]);
    const same = (t: Tensor) => t.square();
    f(x, same);
    f(x, same);
    expect(f.traces).toBe(3);
  });

  it('plain arrays and objects compare by content, including NaN and -0 inside', () => {
    const f = jit((a: Tensor, o: { k: number[] }) => a.mul(o.k[0]!).add(o.k[1]!), statics);
    expect(data(f(x, { k: [2, 0] }))).toEqual([2, 4, 6]);
    expect(data(f(x, { k: [2, 0] }))).toEqual([2, 4, 6]);
    expect(f.traces).toBe(1);
    expect(data(f(x, { k: [3, 1] }))).toEqual([4, 7, 10]);
    expect(f.traces).toBe(2);
    expect(valueKey([NaN], true)).not.toBe(valueKey([null], true));
    expect(valueKey([0], true)).not.toBe(valueKey([-0], true));
    expect(valueKey({ a: 1 }, true)).toBe(valueKey({ a: 1 }, true));
    expect(valueKey({ a: 1 }, true)).not.toBe(valueKey({ a: '1' }, true));
    expect(valueKey([1, [2]], true)).not.toBe(valueKey([[1], 2], true));
    const cyc: unknown[] = [1];
    cyc.push(cyc);
    expect(valueKey(cyc, true)).toBe(valueKey(cyc, true)); // terminates, by identity below the cycle
  });
});

describe('cache key encoding', () => {
  it('distinguishes tree structures whose printed forms could collide, and null from undefined', () => {
    const k = (t: unknown) => { const [l, d] = flatten(t as never); return jitCacheKey([d], l, []); };
    expect(k({ 'a: *, b': x })).not.toBe(k({ a: x, b: x }));
    expect(k([x, null])).not.toBe(k([x, undefined]));
    expect(k([x, 'null'])).not.toBe(k([x, null]));
    expect(k([x, 1])).not.toBe(k([x, '1']));
    expect(k([x, 1])).toBe(k([tensor([4, 5, 6], { dtype: 'float64' }), 1]));
  });
});
