// K-FAC: exact Fisher blocks for one example, Kronecker matvec/diagonal, factored-damping solve, layer errors.
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, linalg, random, tensor, tree, type Tensor } from '../../src/index.js';
import { categorical, normal } from '../../src/likelihoods/index.js';
import { fisher, kfac, type DenseFn, type KfacParams } from '../../src/curvature/index.js';
import { expectClose, mat } from './helpers.js';
import { inputs, mlp, mlpKfac, mlpParams, type Mlp } from './models.js';

const lik = categorical();

/** The rows/cols of the dense matrix belonging to layer `name` (ravel order: h.b, h.w, o.b, o.w). */
function block(d: number[][], params: Mlp, name: 'h' | 'o'): number[][] {
  const sizes = { h: params.h.b.size + params.h.w.size, o: params.o.b.size + params.o.w.size };
  const start = name === 'h' ? 0 : sizes.h;
  return d.slice(start, start + sizes[name]).map((r) => r.slice(start, start + sizes[name]));
}

describe('kfac', () => {
  const params = mlpParams(2, 3, 4, 3);

  it('equals the exact Fisher block of each dense layer for one example', () => {
    const batch = { x: inputs(3, 1, 3), y: tensor([1], { dtype: 'int32' }) };
    const F = mat(fisher({ model: mlp, likelihood: lik }, params, batch).dense());
    const K = kfac({ model: mlpKfac, likelihood: lik }, params, batch);
    const kd = mat(K.dense());
    for (const name of ['h', 'o'] as const) expectClose(block(kd, params, name), block(F, params, name), 1e-11);
    // K-FAC is block diagonal: the cross-layer block is zero
    expect(Math.max(...kd.slice(0, 16).flatMap((r) => r.slice(16).map(Math.abs)))).toBe(0);
  });

  it('one dense layer (linear softmax regression), one example: A ⊗ B = exact Fisher', () => {
    const p1 = { o: params.o };
    const model = (_p: KfacParams, xx: Tensor, dense: DenseFn): Tensor => dense('o', xx);
    const batch = { x: inputs(4, 1, 4), y: tensor([2], { dtype: 'int32' }) };
    const K = kfac({ model, likelihood: lik }, p1, batch);
    const F = fisher({ model: (p: typeof p1, xx: Tensor) => xx.matmul(p.o.w).add(p.o.b), likelihood: lik }, p1, batch);
    expectClose(K.dense(), F.dense(), 1e-12);
  });

  it('diagonal equals the dense diagonal; matvec is A V B', () => {
    const batch = { x: inputs(5, 9, 3), y: tensor([0, 1, 2, 0, 1, 2, 0, 1, 2], { dtype: 'int32' }) };
    const K = kfac({ model: mlpKfac, likelihood: lik }, params, batch, { kind: 'mc', key: random.key(1), samples: 2 });
    const d = mat(K.dense());
    expectClose(tree.ravel(K.diagonal())[0], d.map((r, i) => r[i]!), 1e-12);
    const { A, B } = K.factors['o']!;
    expect(A.shape).toEqual([5, 5]);
    expect(B.shape).toEqual([3, 3]);
    const v = tree.map((t: Tensor) => t.mul(0.9).sin(), params) as Mlp;
    const bar = tensor([...(mat(v.o.w)), v.o.b.toArray() as number[]], { dtype: 'float64' });
    const expected = A.matmul(bar).matmul(B);
    const got = K.matvec(v).o;
    expectClose(got.w, expected.slice([0, 0], [4, 3]), 1e-12);
    expectClose(got.b, expected.slice([4, 0], [1, 3]).reshape([3]), 1e-12);
  });

  it('solve applies the factored-damping Kronecker inverse', () => {
    const batch = { x: inputs(6, 12, 3), y: tensor(Array.from({ length: 12 }, (_, i) => i % 3), { dtype: 'int32' }) };
    const K = kfac({ model: mlpKfac, likelihood: lik }, params, batch);
    const b = tree.map((t: Tensor) => t.mul(1.3).cos(), params) as Mlp;
    const lam = 0.05;
    const x = K.solve(b, { damping: lam });
    for (const name of ['h', 'o'] as const) {
      const { A, B } = K.factors[name]!;
      const tr = (m: Tensor): number => mat(m).reduce((s, r, i) => s + r[i]!, 0) / m.shape[0]!;
      const pi = Math.sqrt(tr(A) / tr(B));
      const eye = (n: number, s: number): Tensor => tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? s : 0))), { dtype: 'float64' });
      const Ad = A.add(eye(A.shape[0]!, pi * Math.sqrt(lam))), Bd = B.add(eye(B.shape[0]!, Math.sqrt(lam) / pi));
      const xb = tensor([...mat(x[name].w), x[name].b.toArray() as number[]], { dtype: 'float64' });
      const bb = tensor([...mat(b[name].w), b[name].b.toArray() as number[]], { dtype: 'float64' });
      expectClose(Ad.matmul(xb).matmul(Bd), bb, 1e-9);
    }
    // the exact damped solve is available too
    const xe = K.solve(b, { damping: lam, method: 'cholesky' });
    expectClose(tree.ravel(tree.add(K.matvec(xe), tree.scale(xe, lam)))[0], tree.ravel(b)[0], 1e-9);
    void linalg;
  });

  it('works for regression (normal likelihood) and validates layers', () => {
    const batch = { x: inputs(7, 5, 3), y: inputs(8, 5, 3) };
    const K = kfac({ model: mlpKfac, likelihood: normal() }, params, batch, { kind: 'empirical' });
    expect(K.trace()).toBeGreaterThan(0);
    expect(() => kfac({ model: (_p, xx, dense) => dense('h', xx), likelihood: lik }, params, batch)).toThrow(/never applied/);
    expect(() => kfac({ model: (_p, xx, dense) => dense('zz', xx), likelihood: lik }, params, batch)).toThrow(ValueError);
    expect(() => kfac({ model: mlpKfac, likelihood: lik }, { h: { w: params.h.b } } as unknown as KfacParams, batch)).toThrow(ShapeError);
    const two = { x: inputs(9, 2, 3), y: inputs(10, 2, 3) };
    expect(() => kfac({ model: mlpKfac, likelihood: normal() }, params, two).solve(params, { damping: 0 })).toThrow(/singular/);
  });
});
