// "jit(step) works for every curvature-aware optimizer with every solver": a whole training step
// (loss gradient, curvature built at the current parameters, damped solve, parameter update)
// jitted once and run for several steps equals the eager steps, for scaleByFisher, ngd, efgd,
// scaleByGgn and kfac with 'cg' and 'cholesky' (K-FAC: its factored and exact damping, and a
// K-FAC operator solved by 'cg'/'cholesky'); K-FAC updates under vmap equal the loop.
import { describe, expect, it } from 'vitest';
import { curvature, grad, jit, likelihoods, optim, random, stack, tensor, tree, vmap, type Tensor } from '../../src/index.js';

type Layer = { w: Tensor; b: Tensor };
type P = { l1: Layer; l2: Layer };
const f64 = { dtype: 'float64' } as const;
const cat = likelihoods.categorical();
const net = (_p: P, x: Tensor, dense: curvature.DenseFn): Tensor => dense('l2', dense('l1', x).tanh());
const model = (p: P, x: Tensor) => curvature.applyDense(net, p, x);
const [k1, k2, k3, k4, k5, k6] = random.splitList(random.key(15), 6);
const params: P = {
  l1: { w: random.normal(k1!, [4, 3], f64).mul(0.5), b: random.normal(k2!, [3], f64).mul(0.1) },
  l2: { w: random.normal(k3!, [3, 3], f64).mul(0.5), b: tensor([0.1, -0.2, 0], f64) },
};
const x = random.normal(k4!, [9, 4], f64);
const y = random.categorical(k5!, tensor(new Float64Array(27), { shape: [9, 3] }));
const yr = random.normal(k6!, [9, 3], f64);
const nll = (p: P) => vmap((xi: Tensor, yi: Tensor) => cat.logProb(model(p, xi), yi))(x, y).mean().neg();
const split = { inner: model, outer: (z: Tensor, t: Tensor) => z.sub(t).square().sum().mul(0.5) };
const sq = (p: P) => vmap((xi: Tensor, ti: Tensor) => split.outer(model(p, xi), ti))(x, yr).mean();
const leaves = (t: unknown): number[] => (tree.leaves(t as never) as Tensor[]).flatMap((l) => Array.from(l.toTypedArray() as Float64Array));
const maxDiff = (a: unknown, b: unknown): number => {
  const u = leaves(a), v = leaves(b);
  expect(u.length).toBe(v.length);
  return Math.max(...u.map((e, i) => Math.abs(e - v[i]!)));
};

type Case = { opt: optim.GradientTransformation<any>; loss: (p: P) => Tensor; extra: (p: P) => optim.UpdateExtra };
const fisherExtra = () => ({ model, likelihood: cat, batch: { x, y } });
const cases: [string, Case][] = [];
for (const solver of ['cg', 'cholesky'] as const) {
  cases.push([`scaleByFisher '${solver}'`, { opt: optim.chain(optim.scaleByFisher({ damping: 1e-2, solver }), optim.scaleByLearningRate(0.5)), loss: nll, extra: fisherExtra }]);
  cases.push([`ngd '${solver}'`, { opt: optim.ngd({ learningRate: 0.5, damping: 1e-2, solver }), loss: nll, extra: fisherExtra }]);
  cases.push([`efgd '${solver}'`, { opt: optim.efgd({ learningRate: 0.5, damping: 1e-2, solver }), loss: nll, extra: fisherExtra }]);
  cases.push([`scaleByGgn '${solver}'`, { opt: optim.chain(optim.scaleByGgn({ damping: 1e-2, solver }), optim.scaleByLearningRate(0.5)), loss: sq, extra: () => ({ split, batch: { x, y: yr } }) }]);
  // a K-FAC operator built at the current parameters, solved exactly (A ⊗ B + λI) by each solver
  cases.push([`ngd with a K-FAC operator, '${solver}'`, { opt: optim.ngd({ learningRate: 0.5, damping: 1e-2, solver }), loss: nll, extra: (p) => ({ curvature: curvature.kfac({ model: net, likelihood: cat }, p, { x, y }) }) }]);
}
for (const dampingMode of ['factored', 'exact'] as const) {
  cases.push([`kfac (${dampingMode} damping)`, { opt: optim.kfac({ learningRate: 0.5, damping: 1e-2, decay: 0.5, dampingMode }), loss: nll, extra: () => ({ model: net, likelihood: cat, batch: { x, y } }) }]);
}
cases.push(["ngd with a K-FAC operator, its own factored solve", { opt: optim.ngd({ learningRate: 0.5, damping: 1e-2 }), loss: nll, extra: (p) => ({ curvature: curvature.kfac({ model: net, likelihood: cat }, p, { x, y }) }) }]);

describe('jit(step) for every curvature-aware optimizer and solver', () => {
  for (const [name, { opt, loss, extra }] of cases) {
    it(`${name}: 3 jitted steps (one trace) equal 3 eager steps`, () => {
      const step = (p: P, s: unknown): [P, unknown] => {
        const g = grad(loss)(p) as P;
        const [u, s2] = opt.update(g, s as never, p, extra(p));
        return [optim.applyUpdates(p, u) as P, s2];
      };
      const jstep = jit(step);
      let pe = params, se: unknown = opt.init(params), pj = params, sj: unknown = opt.init(params);
      for (let t = 0; t < 3; t++) {
        [pe, se] = step(pe, se);
        [pj, sj] = jstep(pj, sj);
      }
      expect(maxDiff(pj, pe)).toBeLessThanOrEqual(1e-10);
      expect(maxDiff(pe, params)).toBeGreaterThan(1e-3); // the steps moved the parameters
      expect(loss(pe).item()).toBeLessThan(loss(params).item());
      expect(jstep.traces).toBe(1);
    });
  }

  for (const solver of [undefined, 'cg', 'cholesky'] as const) {
    it(`ngd with a K-FAC operator (${solver ?? 'its own factored solve'}) under vmap over gradients equals the loop`, () => {
      const t = optim.ngd({ learningRate: 0.5, damping: 1e-2, ...(solver ? { solver } : {}) });
      const s0 = t.init(params);
      const ex = { curvature: curvature.kfac({ model: net, likelihood: cat }, params, { x, y }) };
      const g = grad(nll)(params) as P;
      const gs = [1, -2, 0.5].map((c) => tree.map((l: Tensor) => l.mul(c).add(0.01 * c), g) as P);
      const batched = vmap((gb: P) => t.update(gb, s0, params, ex)[0] as P)(tree.map((...ls: Tensor[]) => stack(ls), gs[0]!, gs[1]!, gs[2]!) as P);
      const looped = gs.map((gi) => t.update(gi, s0, params, ex)[0] as P);
      expect(maxDiff(batched, tree.map((...ls: Tensor[]) => stack(ls), looped[0]!, looped[1]!, looped[2]!))).toBeLessThanOrEqual(1e-9);
    });
  }

  for (const dampingMode of ['factored', 'exact'] as const) {
    it(`scaleByKfac (${dampingMode}) under vmap over gradients equals the loop`, () => {
      const t = optim.scaleByKfac({ damping: 1e-2, decay: 0, dampingMode });
      const s0 = t.init(params);
      const g = grad(nll)(params) as P;
      const gs = [1, -2, 0.5].map((c) => tree.map((l: Tensor) => l.mul(c).add(0.01 * c), g) as P);
      const ex = { model: net, likelihood: cat, batch: { x, y } };
      const batched = vmap((gb: P) => t.update(gb, s0, params, ex)[0] as P)(tree.map((...ls: Tensor[]) => stack(ls), gs[0]!, gs[1]!, gs[2]!) as P);
      const looped = gs.map((gi) => t.update(gi, s0, params, ex)[0] as P);
      for (const k of ['l1', 'l2'] as const) {
        for (const leaf of ['w', 'b'] as const) {
          const rows = looped.map((u) => u[k][leaf]);
          expect(maxDiff(batched[k][leaf], stack(rows))).toBeLessThanOrEqual(1e-10);
        }
      }
    });
  }
});
