// K-FAC factors from one batched pass: the shared loss gradient equals valueAndGrad of the mean NLL,
// the factors do not depend on withGradient, jit(factors + gradient) equals eager bit for bit, and the
// jit error of scaleByKfac names the recipe that works (which is then checked to work).
import { describe, expect, it } from 'vitest';
import { ValueError, curvature, jit, likelihoods, optim, random, tensor, tree, valueAndGrad, type Tensor } from '../../src/index.js';
import { thrown } from '../helpers.js';

type Layer = { w: Tensor; b: Tensor };
type P = { l1: Layer; l2: Layer };
const f64 = { dtype: 'float64' } as const;
const cat = likelihoods.categorical();
const model = (_p: P, x: Tensor, dense: curvature.DenseFn): Tensor => dense('l2', dense('l1', x).tanh());
const [k1, k2, k3, k4, k5] = random.splitList(random.key(5), 5);
const params: P = {
  l1: { w: random.normal(k1!, [6, 5], f64).mul(0.5), b: random.normal(k2!, [5], f64).mul(0.1) },
  l2: { w: random.normal(k3!, [5, 4], f64).mul(0.5), b: tensor([0.1, -0.2, 0, 0.3], f64) },
};
const x = random.normal(k4!, [12, 6], f64);
const y = random.categorical(k5!, tensor(new Float64Array(48), { shape: [12, 4] }));
const nll = (p: P, reduction: 'mean' | 'sum') => {
  const z = x.matmul(p.l1.w).add(p.l1.b).tanh().matmul(p.l2.w).add(p.l2.b);
  const l = cat.logProb(z, y).neg().sum(); // log p of the whole batch
  return reduction === 'mean' ? l.div(12) : l;
};
const leaves = (t: unknown): number[] => (tree.leaves(t as never) as Tensor[]).flatMap((l) => Array.from(l.toTypedArray() as Float64Array));
const maxDiff = (a: unknown, b: unknown): number => {
  const u = leaves(a), v = leaves(b);
  expect(u.length).toBe(v.length);
  return Math.max(...u.map((e, i) => Math.abs(e - v[i]!)));
};

describe('curvature.kfac withGradient', () => {
  for (const reduction of ['mean', 'sum'] as const) {
    for (const kind of ['exact', 'empirical'] as const) {
      it(`${kind}, ${reduction}: the loss and gradient equal valueAndGrad of the NLL; the factors are unchanged`, () => {
        const K = curvature.kfac({ model, likelihood: cat }, params, { x, y }, { withGradient: true, reduction, kind });
        const [v, g] = valueAndGrad((p: P) => nll(p, reduction))(params);
        expect(Math.abs(K.loss!.item() - v.item())).toBeLessThan(1e-12);
        expect(maxDiff(K.gradient, g)).toBeLessThan(1e-12);
        const plain = curvature.kfac({ model, likelihood: cat }, params, { x, y }, { reduction, kind });
        expect(maxDiff(K.factors, plain.factors)).toBe(0);
        expect(plain.gradient).toBeUndefined();
      });
    }
  }
  it('needs labels', () => {
    const e = thrown(() => curvature.kfac({ model, likelihood: cat }, params, { x }, { withGradient: true }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/kfac: withGradient needs the labels batch\.y/);
  });
  it('jit(factors + gradient) equals the eager computation bit for bit', () => {
    const f = (p: P, xb: Tensor, yb: Tensor) => {
      const K = curvature.kfac({ model, likelihood: cat }, p, { x: xb, y: yb }, { withGradient: true });
      return { g: K.gradient!, factors: K.factors };
    };
    expect(maxDiff(jit(f)(params, x, y), f(params, x, y))).toBe(0);
  });
});

describe('scaleByKfac under jit', () => {
  const opt = optim.kfac({ learningRate: 0.2, damping: 1e-2, inverseEvery: 2 });
  for (const dampingMode of ['factored', 'exact'] as const) {
    it(`jit(update) equals the eager update over steps with and without inverse recomputation (${dampingMode})`, () => {
      const t = optim.scaleByKfac({ damping: 1e-2, inverseEvery: 2, dampingMode });
      const step = jit((g: P, s: optim.ScaleByKfacState, p: P) => t.update(g, s, p, { model, likelihood: cat, batch: { x, y } }));
      let pa = params, sa = t.init(params), pb = params, sb = t.init(params);
      for (let i = 0; i < 4; i++) {
        const [, g] = valueAndGrad((p: P) => nll(p, 'mean'))(pa);
        const [ua, sa2] = t.update(g, sa, pa, { model, likelihood: cat, batch: { x, y } });
        const [, gb] = valueAndGrad((p: P) => nll(p, 'mean'))(pb);
        const [ub, sb2] = step(gb, sb, pb);
        pa = optim.applyUpdates(pa, optim.scaleByLearningRate(0.2).update(ua, {}, pa)[0]) as P;
        pb = optim.applyUpdates(pb, optim.scaleByLearningRate(0.2).update(ub, {}, pb)[0]) as P;
        [sa, sb] = [sa2, sb2];
      }
      expect(maxDiff(pa, pb)).toBeLessThan(1e-10);
      expect(maxDiff(pa, params)).toBeGreaterThan(1e-3);
      expect(step.traces).toBe(1);
    });
  }
  it('jitted gradient + factors with an eager update equals the all-eager steps', () => {
    const jf = jit((p: P, xb: Tensor, yb: Tensor) => {
      const K = curvature.kfac({ model, likelihood: cat }, p, { x: xb, y: yb }, { withGradient: true });
      return { g: K.gradient!, factors: K.factors };
    });
    let pa = params, sa = opt.init(params), pb = params, sb = opt.init(params);
    for (let i = 0; i < 4; i++) {
      const { g, factors } = jf(pa, x, y);
      const [ua, sa2] = opt.update(g, sa, pa, { curvature: { factors } });
      pa = optim.applyUpdates(pa, ua) as P;
      sa = sa2;
      const [, gb] = valueAndGrad((p: P) => nll(p, 'mean'))(pb);
      const [ub, sb2] = opt.update(gb, sb, pb, { model, likelihood: cat, batch: { x, y } });
      pb = optim.applyUpdates(pb, ub) as P;
      sb = sb2;
    }
    expect(maxDiff(pa, pb)).toBeLessThan(1e-12);
    expect(maxDiff(pa, params)).toBeGreaterThan(1e-3); // the steps moved the parameters
  });
});
