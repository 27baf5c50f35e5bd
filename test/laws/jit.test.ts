// jit: jitted == eager, cache hits and misses, retrace on new shapes, composition with transforms.
import { describe, expect, it } from 'vitest';
import { grad, jit, ones, tensor, vmap, type Tensor } from '../../src/index.js';
import { expectClose, rand } from '../helpers.js';

const f = (x: Tensor, y: Tensor) => x.mul(y).tanh().sum().add(x.exp().mean());

describe('jit', () => {
  it('equals eager and caches by signature', () => {
    const jf = jit(f);
    const x = rand(1, [5]), y = rand(2, [5]);
    expectClose(jf(x, y), f(x, y), 1e-14);
    expectClose(jf(y, x), f(y, x), 1e-14);
    expect(jf.traces).toBe(1);
    expect(jf.hits).toBe(1);
    jf(rand(3, [7]), rand(4, [7])); // new shape → retrace
    expect(jf.traces).toBe(2);
    jf(ones([5]), ones([5])); // float32 → new dtype → retrace
    expect(jf.traces).toBe(3);
  });

  it('composes: grad(jit), jit(grad), vmap(jit), jit(vmap(grad))', () => {
    const x = rand(5, [4]), y = rand(6, [4]);
    const g = grad(f)(x, y);
    expectClose(grad(jit(f))(x, y), g, 1e-13);
    expectClose(jit(grad(f))(x, y), g, 1e-13);
    const X = rand(7, [3, 4]);
    expectClose(vmap(jit(f), { inAxes: [0, null] })(X, y), vmap(f, { inAxes: [0, null] })(X, y), 1e-13);
    expectClose(jit(vmap(grad(f), { inAxes: [0, null] }))(X, y), vmap(grad(f), { inAxes: [0, null] })(X, y), 1e-13);
  });

  it('static arguments are part of the cache key', () => {
    const pw = jit((x: Tensor, n: number) => x.pow(n).sum(), { staticArgnums: [1] });
    const x = tensor([2, 3], { dtype: 'float64' });
    expect(pw(x, 2).item()).toBe(13);
    expect(pw(x, 3).item()).toBe(35);
    expect(pw(x, 2).item()).toBe(13);
    expect(pw.traces).toBe(2);
  });

  it('fuses per signature: lower() shows the cached program, a new shape gets its own, clear() forgets', () => {
    const g = jit((x: Tensor) => x.mul(2).add(1).tanh().sum());
    const a = rand(1, [5]), b = rand(2, [2, 3]);
    const la = g.lower(a);
    expect(g.traces).toBe(1);
    expect(g.hits).toBe(0); // lower does not count as a call
    expect(la.fusedGroups).toBe(1);
    expect(la.fusedEqns).toBe(3);
    expect(la.toString()).toContain('fused_elementwise');
    expect(la.jaxpr.toString()).not.toContain('fused_elementwise');
    expectClose(g(a), rand(1, [5]).mul(2).add(1).tanh().sum(), 0);
    expect(g.hits).toBe(1);
    expect(g.lower(b).optimized.eqns[0]!.outputs[0]!.aval.toString()).toBe('f64[2,3]');
    expect(g.traces).toBe(2);
    expectClose(g(b), b.mul(2).add(1).tanh().sum(), 0);
    expect(g.traces).toBe(2);
    g.clear();
    g(a);
    expect(g.traces).toBe(3);
  });

  it('fuse: false replays the traced program without fusion', () => {
    const g = jit((x: Tensor) => x.mul(2).add(1).exp(), { fuse: false });
    const x = rand(3, [4]);
    const low = g.lower(x);
    expect(low.fusedGroups).toBe(0);
    expect(low.optimized.eqns.map((e) => e.prim.name)).toEqual(low.jaxpr.eqns.map((e) => e.prim.name));
    expectClose(g(x), x.mul(2).add(1).exp(), 0);
  });
});
