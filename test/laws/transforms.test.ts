// Transformation laws: grad vs vjp vs jvp, Hessians three ways, linearize vs jvp,
// vmap vs loops, nested grad exact on polynomials.
import { describe, expect, it } from 'vitest';
import {
  grad, hessian, jacfwd, jacrev, jvp, linearize, linearTranspose, makeJaxpr, evalJaxpr, stack, tensor, tree, valueAndGrad,
  vjp, vmap, customJvp, customVjp, type Tensor, ones, matmul,
} from '../../src/index.js';
import { expectClose, expectTreeClose, f64, rand } from '../helpers.js';

const f = (x: Tensor): Tensor => x.sin().mul(x.square()).sum().add(x.tanh().mul(x.exp()).sum());
const x0 = rand(1, [4]);

describe('reverse vs forward mode', () => {
  it('grad f == vjp(f)(1) == jvp along basis', () => {
    const g = grad(f)(x0);
    const [, back] = vjp(f, x0);
    expectClose(back(tensor(1, f64))[0], g, 1e-12);
    const e = [0, 1, 2, 3].map((i) => jvp(f, [x0], [tensor([0, 1, 2, 3].map((j) => (j === i ? 1 : 0)), f64)])[1].item());
    expectClose(tensor(e, f64), g, 1e-12);
  });

  it('jvp/vjp adjointness <u, J v> = <J^T u, v>', () => {
    const g = (x: Tensor) => matmul(rand(2, [3, 4]), x.tanh()).mul(x.slice([0], [3]));
    const v = rand(3, [4]), u = rand(4, [3]);
    const [, jv] = jvp(g, [x0], [v]);
    const [, back] = vjp(g, x0);
    expectClose(jv.mul(u).sum(), back(u)[0].mul(v).sum(), 1e-12);
  });

  it('linearize agrees with jvp and can be reused', () => {
    const [y, lin] = linearize(f, x0);
    expectClose(y, f(x0), 1e-14);
    for (const s of [5, 6]) {
      const v = rand(s, [4]);
      expectClose(lin(v), jvp(f, [x0], [v])[1], 1e-12);
    }
  });

  it('grad matches central finite differences in float64', () => {
    const g = grad(f)(x0);
    const h = 1e-6;
    const base = Array.from(x0.toTypedArray());
    const fd = base.map((_, i) => {
      const p = [...base], m = [...base];
      p[i]! += h; m[i]! -= h;
      return (f(tensor(p, f64)).item() - f(tensor(m, f64)).item()) / (2 * h);
    });
    expectClose(g, tensor(fd, f64), 1e-7);
  });
});

describe('symbolic zero tangents', () => {
  const g = (x: Tensor, y: Tensor): Tensor => matmul(x, y).tanh().sum();
  const a = rand(11, [3, 4]), b = rand(12, [4, 2]);
  const count = (fn: (x: Tensor, y: Tensor) => unknown) => makeJaxpr(fn)(a, b).jaxpr.eqns.filter((e) => e.prim.name === 'dot_general').length;

  it('an argument without a tangent costs nothing: jvp does one product for the primal and one per live tangent', () => {
    expect(count((x, y) => g(x, y))).toBe(1);
    expect(count((x, y) => jvp(g, [x, y], [x, y])[1])).toBe(3);
    expect(count((x, y) => jvp((u: Tensor) => g(u, y), [x], [x])[1])).toBe(2);
  });

  it('grad with respect to one argument does no work for the other', () => {
    expect(count((x, y) => grad(g, { argnums: [0, 1] })(x, y))).toBe(3);
    expect(count((x, y) => grad(g)(x, y))).toBe(2);
    expect(count((x, y) => grad(g, { argnums: 1 })(x, y))).toBe(2);
  });
});

describe('second order', () => {
  it('hessian == jacfwd(jacrev) == jacrev(jacfwd) == jacrev(jacrev)', () => {
    const H = hessian(f)(x0);
    expectClose(jacfwd(jacrev(f))(x0), H, 1e-12);
    expectClose(jacfwd(jacfwd(f))(x0), H, 1e-10);
    expectClose(jacrev(jacfwd(f))(x0), H, 1e-10);
    expectClose(jacrev(jacrev(f))(x0), H, 1e-10);
    expect(H.shape).toEqual([4, 4]);
    expectClose(H, H.T, 1e-12);
  });

  it('HVP three ways agree: jvp(grad), grad(jvp), H v', () => {
    const v = rand(7, [4]);
    const fwdOverRev = jvp(grad(f), [x0], [v])[1];
    const revOverFwd = grad((x: Tensor) => jvp(f, [x], [v])[1])(x0);
    const dense = matmul(hessian(f)(x0), v);
    expectClose(fwdOverRev, dense, 1e-10);
    expectClose(revOverFwd, dense, 1e-10);
  });

  it('nested grad is exact on polynomials', () => {
    const p = (x: Tensor) => x.pow(4).mul(3).sub(x.pow(3).mul(2)).add(x.mul(5)).sum();
    const x = tensor(1.5, f64);
    expect(grad(p)(x).item()).toBeCloseTo(12 * 1.5 ** 3 - 6 * 1.5 ** 2 + 5, 12);
    expect(grad(grad(p))(x).item()).toBeCloseTo(36 * 1.5 ** 2 - 12 * 1.5, 12);
    expect(grad(grad(grad(p)))(x).item()).toBeCloseTo(72 * 1.5 - 12, 12);
    expect(grad(grad(grad(grad(p))))(x).item()).toBeCloseTo(72, 12);
  });
});

describe('vmap', () => {
  it('vmap(grad) equals a loop of grad, with unmapped arguments', () => {
    const loss = (w: Tensor, x: Tensor, y: Tensor) => matmul(x, w).tanh().sub(y).square().sum();
    const w = rand(8, [3, 2]), X = rand(9, [6, 3]), Y = rand(10, [6, 2]);
    const batched = vmap(grad(loss), { inAxes: [null, 0, 0] })(w, X, Y);
    const loop = stack([0, 1, 2, 3, 4, 5].map((i) => grad(loss)(w, X.slice([i], [1]).reshape([3]), Y.slice([i], [1]).reshape([2]))));
    expectClose(batched, loop, 1e-12);
  });

  it('in/out axes other than 0, and nested vmap', () => {
    const g = (a: Tensor, b: Tensor) => a.mul(b).sum();
    const A = rand(11, [3, 5]), B = rand(12, [5, 3]);
    const r = vmap(g, { inAxes: [1, 0] })(A, B);
    const loop = stack([0, 1, 2, 3, 4].map((i) => g(A.slice([0, i], [3, 1]).reshape([3]), B.slice([i, 0], [1, 3]).reshape([3]))));
    expectClose(r, loop, 1e-12);
    const outer = vmap(vmap((a: Tensor, b: Tensor) => a.mul(b), { inAxes: [null, 0] }), { inAxes: [0, null] })(tensor([1, 2], f64), tensor([3, 4, 5], f64));
    expect(outer.toArray()).toEqual([[3, 4, 5], [6, 8, 10]]);
    const t = vmap((a: Tensor) => a.mul(2), { outAxes: 1 })(A);
    expect(t.shape).toEqual([5, 3]);
  });

  it('vmap(jvp) and grad(vmap) compose', () => {
    const V = rand(13, [3, 4]);
    const jvps = vmap((v: Tensor) => jvp(f, [x0], [v])[1])(V);
    expectClose(jvps, matmul(V, grad(f)(x0)), 1e-12);
    const h = (x: Tensor) => vmap((r: Tensor) => r.mul(x).sin().sum())(V).sum();
    const g = grad(h)(x0);
    const manual = grad((x: Tensor) => [0, 1, 2].map((i) => V.slice([i], [1]).reshape([4]).mul(x).sin().sum()).reduce((a, b) => a.add(b)))(x0);
    expectClose(g, manual, 1e-12);
  });
});

describe('pytrees, aux, argnums', () => {
  it('grad over a parameter tree with argnums and hasAux', () => {
    const params = { w: rand(14, [3]), b: [rand(15, [])] };
    const loss = (p: typeof params, x: Tensor) => [p.w.mul(x).sum().add(p.b[0]!).square(), { n: x.sum() }] as const;
    const [g, aux] = grad(loss, { hasAux: true })(params, rand(16, [3]));
    expect(Object.keys(g)).toEqual(['b', 'w']);
    expect((aux as { n: Tensor }).n.shape).toEqual([]);
    const [v, gs] = valueAndGrad((a: Tensor, b: Tensor) => a.mul(b).sum(), { argnums: [0, 1] })(tensor([1, 2], f64), tensor([3, 4], f64));
    expect(v.item()).toBe(11);
    expect(gs[0].toArray()).toEqual([3, 4]);
    expect(gs[1].toArray()).toEqual([1, 2]);
  });

  it('ravel round-trips in documented order and tree math works', () => {
    const t = { w: rand(17, [2, 2]), b: rand(18, [3]) };
    const [v, unravel] = tree.ravel(t);
    expect(v.shape).toEqual([7]);
    expectTreeClose(unravel(v), t, 0);
    expectClose(v.slice([0], [3]), t.b, 0);
    expectClose(tree.vdot(t, t), v.square().sum(), 1e-12);
  });
});

describe('linearTranspose, custom rules, jaxprs', () => {
  it('linearTranspose of a linear map is its adjoint', () => {
    const M = rand(19, [3, 4]);
    const lin = (x: Tensor) => matmul(M, x).mul(2);
    const ft = linearTranspose(lin, ones([4], 'float64'));
    const u = rand(20, [3]);
    expectClose(ft(u)[0], matmul(M.T, u).mul(2), 1e-12);
  });

  it('customJvp rules are used by both modes; customVjp by reverse mode', () => {
    const clippedId = customJvp((x: Tensor) => x.mul(1), ([x], [t]) => [x.mul(1), t.mul(0.5)]);
    expect(grad((x: Tensor) => clippedId(x).sum())(ones([2], 'float64')).toArray()).toEqual([0.5, 0.5]);
    expect(jvp((x: Tensor) => clippedId(x), [ones([2], 'float64')], [ones([2], 'float64')])[1].toArray()).toEqual([0.5, 0.5]);
    const g = customVjp((x: Tensor) => x.square(), (x: Tensor) => [x.square(), [x]], ([x], ct: Tensor) => [ct.mul(x!).mul(10)]);
    expect(grad((x: Tensor) => g(x).sum())(tensor([1, 2], f64)).toArray()).toEqual([10, 20]);
    const per = vmap(grad((x: Tensor) => g(x).sum()))(tensor([[1], [2]], f64));
    expect(per.toArray()).toEqual([[10], [20]]);
  });

  it('evalJaxpr(makeJaxpr(f)) == f', () => {
    const staged = makeJaxpr(f)(x0);
    const x1 = rand(21, [4]);
    expectClose(evalJaxpr(staged, x1), f(x1), 1e-14);
    const gj = makeJaxpr(grad(f))(x0);
    expectClose(evalJaxpr(gj, x1), grad(f)(x1), 1e-12);
  });

  it('the gradient of a dot contains only dots and transposes', () => {
    const j = makeJaxpr(grad((w: Tensor) => matmul(ones([2, 3], 'float64'), w).sum()))(ones([3, 4], 'float64'));
    const prims = j.jaxpr.eqns.map((e) => e.prim.name);
    expect(prims.filter((p) => !['dot_general', 'transpose', 'reduce_sum', 'broadcast_in_dim'].includes(p))).toEqual([]);
  });
});
