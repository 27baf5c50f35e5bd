// jit merges captured constants that are the same data (one backend buffer, equal avals), so
// equations reading them are common subexpressions: a model evaluated on a captured batch in two
// places (loss and curvature) runs its product once. Values stay bit-identical to eager.
import { describe, expect, it } from 'vitest';
import { dotGeneral, jit, random, type Tensor } from '../../src/index.js';
import type { ConcreteTensor } from '../../src/tensor/tensor.js';

const bits = (t: Tensor) => Array.from(new Uint8Array(t.toTypedArray().buffer));
const count = (name: string, j: { eqns: readonly { prim: { name: string } }[] }) => j.eqns.filter((e) => e.prim.name === name).length;

describe('jit: aliased constants', () => {
  const X = random.normal(random.key(3), [7, 5]);
  // Each call of `view` makes a new tensor object; on js/wasm reshape shares X's buffer.
  const view = () => X.reshape([7, 1, 5]);
  const f = (w: Tensor) => {
    const a = dotGeneral(view(), w, { contract: [[2], [0]] }).tanh();
    const b = dotGeneral(view(), w, { contract: [[2], [0]] }).mul(2);
    return a.add(b);
  };
  const w = random.normal(random.key(4), [5]);

  it('two views of one buffer become one constant, and their products one product', () => {
    const low = jit(f).lower(w);
    expect(count('dot_general', low.jaxpr)).toBe(2);
    const shared = (view() as ConcreteTensor).buffer() === (view() as ConcreteTensor).buffer();
    expect(low.optimized.constvars.length).toBe(shared ? 1 : 2);
    expect(count('dot_general', low.optimized)).toBe(shared ? 1 : 2);
    expect(bits(jit(f)(w))).toEqual(bits(f(w)));
  });

  it('constants with different avals or different buffers are kept apart', () => {
    const g = (v: Tensor) => [X.reshape([35]).mul(v.sum()), X.reshape([5, 7]).mul(v.sum()), X.add(0).reshape([35]).mul(v.sum())];
    const low = jit(g).lower(w);
    // Same buffer but another shape; equal values but another buffer (X + 0 is computed while tracing).
    expect(low.optimized.constvars.filter((c) => c.aval.size === 35).length).toBe(3);
    expect(count('mul', low.optimized)).toBe(3);
    (jit(g)(w) as Tensor[]).forEach((o, i) => expect(bits(o)).toEqual(bits(g(w)[i]!)));
  });

  it('a constant returned by the program is not merged away (distinct tensors stay distinct)', () => {
    const h = (v: Tensor) => [view(), view(), v.mul(2)];
    const [p, q] = jit(h)(w) as Tensor[];
    expect(p).not.toBe(q);
    expect(bits(p!)).toEqual(bits(X));
  });
});
