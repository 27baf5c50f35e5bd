// Curvature-aware transformations that build their curvature from `extra`: scaleByFisher (exact, MC,
// empirical), scaleByGgn, scaleByKfac (factor averages, cached inverses), the ngd/efgd/kfac aliases,
// addEwcPenaltyGradient, and the errors for missing `extra` pieces.
import { describe, expect, it } from 'vitest';
import { TransformError, ValueError, curvature, grad, likelihoods, random, softplus, tensor, tree, valueAndGrad, vmap, type Tensor } from '../../src/index.js';
import { solveSpd } from '../../src/linalg/index.js';
import * as optim from '../../src/optim/index.js';
import { breastCancerData, digitsData, flat, maxDiff } from './helpers.js';

const { chain } = optim;

// ---------------------------------------------------------------- logistic regression (BreastCancer)
const bc = breastCancerData();
const logit = (w: Tensor, x: Tensor): Tensor => x.dot(w);
const bern = likelihoods.bernoulli();
const nll = (w: Tensor): Tensor => { const z = bc.X.matmul(w); return softplus(z).sub(bc.y.mul(z)).mean(); };
const bcExtra: optim.CurvatureExtra = { model: logit, likelihood: bern, batch: { x: bc.X, y: bc.y } };
/** A non-trivial point: a few GD steps from 0. */
const w0 = (() => { let w: Tensor = tensor(new Float64Array(bc.d)); for (let i = 0; i < 3; i++) w = w.sub(grad(nll)(w).mul(1)); return w; })();

/** (Xᵀ diag(c) X / N + λI)⁻¹ g, by hand in float64. */
function handSolve(c: ArrayLike<number>, g: Tensor, damping: number, outer?: Float64Array[]): Float64Array {
  const { n, d, Xa } = bc;
  const F = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) F[a * d + b]! += (outer ? outer[i]![a]! * outer[i]![b]! : c[i]! * Xa[i * d + a]! * Xa[i * d + b]!) / n;
  }
  return solveSpd(F, Float64Array.from(g.toTypedArray() as ArrayLike<number>), d, { damping });
}
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => maxDiff(a, b) / Math.max(...Array.from(b, Math.abs));

describe('scaleByFisher on logistic regression equals a hand-built (XᵀDX/N + λI)⁻¹g', () => {
  const g = grad(nll)(w0);
  const p = Array.from(bc.X.matmul(w0).sigmoid().toTypedArray() as ArrayLike<number>);
  const expected = handSolve(p.map((q) => q * (1 - q)), g, 1e-3);
  for (const solver of ['cg', 'cholesky'] as const) {
    it(`exact kind, solver '${solver}'`, () => {
      const t = optim.scaleByFisher({ damping: 1e-3, solver });
      const [u] = t.update(g, t.init(w0), w0, bcExtra);
      expect(relErr(flat(u), expected)).toBeLessThan(1e-8);
    });
  }
  it("empirical kind (scaleByEmpiricalFisher and kind: 'empirical') uses the per-example scores (pₙ − yₙ)xₙ", () => {
    const ys = bc.y.toTypedArray() as ArrayLike<number>;
    const scores = p.map((q, i) => Array.from({ length: bc.d }, (_, a) => (q - ys[i]!) * bc.Xa[i * bc.d + a]!));
    const want = handSolve([], g, 1e-2, scores.map((r) => Float64Array.from(r)));
    for (const t of [optim.scaleByEmpiricalFisher({ damping: 1e-2, solver: 'cholesky' }), optim.scaleByFisher({ kind: 'empirical', damping: 1e-2, solver: 'cholesky' })]) {
      const [u] = t.update(g, t.init(w0), w0, bcExtra);
      expect(relErr(flat(u), want)).toBeLessThan(1e-10);
    }
  });
  it("MC kind equals curvature.fisher(…, { kind: 'mc', key, samples }).solve with the same key", () => {
    const key = random.key(3);
    const t = optim.scaleByFisher({ kind: 'mc', samples: 4, damping: 1e-2, solver: 'cholesky' });
    const [u] = t.update(g, t.init(w0), w0, { ...bcExtra, key });
    const F = curvature.fisher({ model: logit, likelihood: bern }, w0, { x: bc.X, y: bc.y }, { kind: 'mc', key, samples: 4 });
    expect(maxDiff(flat(u), flat(F.solve(g, { damping: 1e-2, method: 'cholesky' })))).toBe(0);
  });
  it('scaleByGgn with the canonical split (logits, Bernoulli NLL) gives the same step', () => {
    const split = { inner: logit, outer: (z: Tensor, y: Tensor) => softplus(z).sub(y.mul(z)) };
    const t = optim.scaleByGgn({ damping: 1e-3, solver: 'cholesky' });
    const [u] = t.update(g, t.init(w0), w0, { split, batch: { x: bc.X, y: bc.y } });
    expect(relErr(flat(u), expected)).toBeLessThan(1e-10);
  });
  it('a ready operator in extra.curvature is used as given (no model needed), also through ngd', () => {
    const F = curvature.fisher({ model: logit, likelihood: bern }, w0, { x: bc.X, y: bc.y });
    const t = optim.scaleByFisher({ damping: 1e-3 });
    const [u] = t.update(g, t.init(w0), w0, { curvature: F });
    expect(relErr(flat(u), expected)).toBeLessThan(1e-8);
    const n = optim.ngd({ learningRate: 2, damping: 1e-3 });
    const [v] = n.update(g, n.init(w0), w0, { curvature: F });
    expect(relErr(flat(v), Float64Array.from(expected, (x) => -2 * x))).toBeLessThan(1e-8);
  });
  it('NGD built from extra beats GD after 15 steps (as with the hand-made Fisher)', () => {
    const run = (opt: optim.GradientTransformation<any>, extra?: optim.CurvatureExtra) => {
      let w = tensor(new Float64Array(bc.d)), s = opt.init(w);
      for (let i = 0; i < 15; i++) { const [u, s2] = opt.update(grad(nll)(w), s, w, extra); s = s2; w = optim.applyUpdates(w, u); }
      return nll(w).item();
    };
    const gd = Math.min(...[1, 3, 10].map((lr) => run(optim.sgd({ learningRate: lr }))));
    const ng = run(optim.ngd({ learningRate: 1, damping: 1e-4, solver: 'cholesky' }), bcExtra);
    expect(ng).toBeLessThan(0.5 * gd);
  });
});

// ---------------------------------------------------------------- MLPs (digits) in K-FAC form
type Layer = { w: Tensor; b: Tensor };
type Mlp = { l1: Layer; l2: Layer };
const cat = likelihoods.categorical();
const kfacModel = (_p: Mlp, x: Tensor, dense: curvature.DenseFn): Tensor => dense('l2', dense('l1', x).tanh());
const mlp = (p: Mlp, x: Tensor): Tensor => curvature.applyDense(kfacModel, p, x);
function initMlp(hidden: number, seed = 0): Mlp {
  const [k1, k2] = random.splitList(random.key(seed));
  return {
    l1: { w: random.normal(k1!, [64, hidden], { dtype: 'float64' }).mul(1 / 8), b: tensor(new Float64Array(hidden)) },
    l2: { w: random.normal(k2!, [hidden, 10], { dtype: 'float64' }).mul(1 / Math.sqrt(hidden)), b: tensor(new Float64Array(10)) },
  };
}
const mlpLoss = (data: { x: Tensor; y: Tensor }) => (p: Mlp): Tensor =>
  vmap((x: Tensor, y: Tensor) => cat.logProb(mlp(p, x), y), { inAxes: [0, 0] })(data.x, data.y).mean().neg();

function train(opt: optim.GradientTransformation<any>, data: { x: Tensor; y: Tensor }, steps: number, extra: optim.CurvatureExtra, p0 = initMlp(16)): number[] {
  const vg = valueAndGrad(mlpLoss(data));
  let p = p0, s = opt.init(p);
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    const [l, g] = vg(p) as [Tensor, Mlp];
    losses.push(l.item());
    const [u, s2] = opt.update(g, s, p, extra);
    s = s2;
    p = optim.applyUpdates(p, u) as Mlp;
  }
  losses.push(mlpLoss(data)(p).item());
  return losses;
}

describe('Fisher preconditioning composes with clipping and trains an MLP', () => {
  const data = digitsData(200);
  const extra = { model: mlp, likelihood: cat, batch: data };
  it('chain(scaleByFisher(), clipByGlobalNorm(1), scaleByLearningRate(1)) lowers the digits loss', () => {
    const losses = train(chain(optim.scaleByFisher(), optim.clipByGlobalNorm(1), optim.scaleByLearningRate(1)), data, 5, extra);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    expect(losses.at(-1)!).toBeLessThan(0.6 * losses[0]!);
  });
  it('chain(scaleByFisher({ damping: 1e-3 }), clipByGlobalNorm(1), scaleByLearningRate(0.1)) works as written, and the clip bounds the step', () => {
    const opt = chain(optim.scaleByFisher({ damping: 1e-3 }), optim.clipByGlobalNorm(1), optim.scaleByLearningRate(0.1));
    const p = initMlp(16);
    const g = grad(mlpLoss(data))(p) as Mlp;
    const [u] = opt.update(g, opt.init(p), p, extra);
    expect(tree.norm(u).item()).toBeLessThanOrEqual(0.1 * (1 + 1e-12));
    expect(mlpLoss(data)(optim.applyUpdates(p, u) as Mlp).item()).toBeLessThan(mlpLoss(data)(p).item());
  });
  it('truncated CG (maxIter) and the K-FAC alias also train', () => {
    const a = train(chain(optim.scaleByFisher({ maxIter: 10 }), optim.clipByGlobalNorm(1), optim.scaleByLearningRate(1)), data, 4, extra);
    expect(a.at(-1)!).toBeLessThan(0.7 * a[0]!);
    const k = train(optim.kfac({ learningRate: 0.3, damping: 1e-2, inverseEvery: 2 }), data, 6, { model: kfacModel, likelihood: cat, batch: data });
    expect(k.at(-1)!).toBeLessThan(0.7 * k[0]!);
  });
});

describe('scaleByKfac', () => {
  it('one layer, one example: exact damping equals the exact Fisher step; factored damping equals curvature.kfac(…).solve', () => {
    const one = (_p: { out: Layer }, x: Tensor, dense: curvature.DenseFn) => dense('out', x);
    const [k1, k2, k3] = random.splitList(random.key(7), 3);
    const p = { out: { w: random.normal(k1!, [4, 3], { dtype: 'float64' }), b: random.normal(k2!, [3], { dtype: 'float64' }) } };
    const batch = { x: random.normal(k3!, [1, 4], { dtype: 'float64' }), y: tensor([2], { dtype: 'int32' }) };
    const plain = (q: typeof p, x: Tensor) => curvature.applyDense(one, q, x);
    const g = grad((q: typeof p) => cat.logProb(plain(q, batch.x.reshape([4])), tensor(2, { dtype: 'int32' })).neg())(p) as typeof p;
    for (const damping of [1e-3, 0.3]) {
      const exactStep = curvature.fisher({ model: plain, likelihood: cat }, p, batch).solve(g, { damping, method: 'cholesky' });
      const t = optim.scaleByKfac({ damping, dampingMode: 'exact' });
      const [u] = t.update(g, t.init(p), p, { model: one, likelihood: cat, batch });
      expect(relErr(flat(u), flat(exactStep))).toBeLessThan(1e-9);
      const f = optim.scaleByKfac({ damping });
      const [v] = f.update(g, f.init(p), p, { model: one, likelihood: cat, batch });
      const K = curvature.kfac({ model: one, likelihood: cat }, p, batch);
      expect(relErr(flat(v), flat(K.solve(g, { damping })))).toBeLessThan(1e-12);
      // A ready K-FAC operator in extra.curvature gives the same step.
      const [w] = f.update(g, f.init(p), p, { curvature: K });
      expect(maxDiff(flat(w), flat(v))).toBe(0);
    }
  });

  it('averages the factors with εₜ = min(1 − 1/t, decay) and recomputes the inverse only every k steps', () => {
    const data = digitsData(24);
    const extra = { model: kfacModel, likelihood: cat, batch: data };
    const decay = 0.6, k = 3, damping = 1e-2;
    const opt = optim.scaleByKfac({ decay, inverseEvery: k, damping });
    const vg = grad(mlpLoss(data));
    let p = initMlp(8), s = opt.init(p);
    let avg: Record<string, { A: Tensor; B: Tensor }> | undefined;
    const inverseObjects = new Set<unknown>();
    let lastInv: unknown;
    for (let step = 0; step < 7; step++) {
      const g = vg(p) as Mlp;
      const fresh = curvature.kfac({ model: kfacModel, likelihood: cat }, p, data).factors;
      const e = Math.min(1 - 1 / (step + 1), decay);
      avg = Object.fromEntries(['l1', 'l2'].map((nm) => [nm, avg
        ? { A: avg[nm]!.A.mul(e).add(fresh[nm]!.A.mul(1 - e)), B: avg[nm]!.B.mul(e).add(fresh[nm]!.B.mul(1 - e)) }
        : fresh[nm]!]));
      const [u, s2] = opt.update(g, s, p, extra);
      expect(maxDiff(flat(s2.factors as any), flat(avg as any))).toBeLessThan(1e-14);
      if (step % k === 0) expect(s2.inverses).not.toBe(lastInv);
      else expect(s2.inverses).toBe(lastInv);
      inverseObjects.add(s2.inverses);
      lastInv = s2.inverses;
      // The step uses the cached (possibly stale) inverses: u = A⁻¹ [G_w; g_bᵀ] B⁻¹ per layer.
      for (const nm of ['l1', 'l2'] as const) {
        const inv = s2.inverses[nm] as { A: Tensor; B: Tensor };
        const bar = tensor([...(g[nm].w.toArray() as number[][]), g[nm].b.toArray() as number[]], { dtype: 'float64' });
        const want = inv.A.matmul(bar).matmul(inv.B);
        const got = tensor([...((u as Mlp)[nm].w.toArray() as number[][]), (u as Mlp)[nm].b.toArray() as number[]], { dtype: 'float64' });
        expect(maxDiff(flat(got), flat(want))).toBeLessThan(1e-12);
      }
      s = s2;
      p = optim.applyUpdates(p, tree.scale(u, -0.2)) as Mlp;
    }
    expect(inverseObjects.size).toBe(3); // steps 0, 3, 6
    expect((s.count as Tensor).item()).toBe(7);
  });

  it('state round-trips through saveState/loadState and the step continues identically', () => {
    const data = digitsData(16);
    const extra = { model: kfacModel, likelihood: cat, batch: data };
    const opt = optim.scaleByKfac({ inverseEvery: 2, dampingMode: 'exact' });
    const p = initMlp(4);
    const g = grad(mlpLoss(data))(p) as Mlp;
    const [, s1] = opt.update(g, opt.init(p), p, extra);
    const back = optim.loadState(optim.saveState(s1)) as optim.ScaleByKfacState;
    const [a] = opt.update(g, s1, p, extra);
    const [b] = opt.update(g, back, p, extra);
    expect(maxDiff(flat(a), flat(b))).toBe(0);
  });
});

describe('aliases ngd, efgd and kfac are exactly their chains (curvature built from extra)', () => {
  const lr = 0.5;
  const logCases: [string, optim.GradientTransformation<any>, optim.GradientTransformation<any>][] = [
    ['ngd', optim.ngd({ learningRate: lr, damping: 1e-3, solver: 'cholesky' }), chain(optim.scaleByFisher({ damping: 1e-3, solver: 'cholesky' }), optim.scaleByLearningRate(lr))],
    ['ngd (mc)', optim.ngd({ learningRate: lr, damping: 1e-3, kind: 'mc', samples: 2 }), chain(optim.scaleByFisher({ damping: 1e-3, kind: 'mc', samples: 2 }), optim.scaleByLearningRate(lr))],
    ['efgd', optim.efgd({ learningRate: lr, damping: 1e-2, maxIter: 5 }), chain(optim.scaleByEmpiricalFisher({ damping: 1e-2, maxIter: 5 }), optim.scaleByLearningRate(lr))],
  ];
  const run = (opt: optim.GradientTransformation<any>, model: (...a: any[]) => Tensor, p0: any, loss: (p: any) => Tensor, batch: { x: Tensor; y: Tensor }, steps = 3) => {
    let p = p0, s = opt.init(p);
    const out: number[] = [];
    for (let t = 0; t < steps; t++) {
      const [u, s2] = opt.update(grad(loss)(p), s, p, { model, likelihood: model === logit ? bern : cat, batch, key: random.key(t) });
      s = s2; p = optim.applyUpdates(p, u);
      out.push(...flat(p), ...flat(s));
    }
    return out;
  };
  for (const [name, alias, manual] of logCases) {
    it(name, () => expect(maxDiff(run(alias, logit, w0, nll, { x: bc.X, y: bc.y }), run(manual, logit, w0, nll, { x: bc.X, y: bc.y }))).toBe(0));
  }
  it('kfac', () => {
    const data = digitsData(16);
    const o = { decay: 0.8, inverseEvery: 2, damping: 1e-2 };
    const a = run(optim.kfac({ learningRate: lr, ...o }), kfacModel, initMlp(4), mlpLoss(data), data, 4);
    const b = run(chain(optim.scaleByKfac(o), optim.scaleByLearningRate(lr)), kfacModel, initMlp(4), mlpLoss(data), data, 4);
    expect(a.length).toBeGreaterThan(0);
    expect(maxDiff(a, b)).toBe(0);
  });
});

describe('addEwcPenaltyGradient', () => {
  const data = digitsData(40);
  const anchor = initMlp(6, 1);
  const F = curvature.fisher({ model: mlp, likelihood: cat }, anchor, data).diagonal() as Mlp;
  const lambda = 50;
  const task = mlpLoss(digitsData(80));
  const theta = initMlp(6, 2);
  it('adds the gradient of curvature.ewcPenalty: chain(ewc, identity) on ∇L equals ∇(L + R)', () => {
    const penalised = (p: Mlp) => task(p).add(curvature.ewcPenalty(F, anchor, lambda)(p));
    const t = optim.addEwcPenaltyGradient(F, anchor, lambda);
    const [u] = chain(t, optim.identity()).update(grad(task)(theta), [{}, {}], theta);
    expect(relErr(flat(u), flat(grad(penalised)(theta)))).toBeLessThan(1e-13);
    // … which is g + λ F ⊙ (θ − θ*).
    const manual = tree.add(grad(task)(theta), tree.map((f: Tensor, a: Tensor, b: Tensor) => f.mul(a.sub(b)).mul(lambda), F, theta, anchor));
    expect(relErr(flat(u), flat(manual))).toBeLessThan(1e-13);
  });
  it('is zero at the anchor and validates its inputs', () => {
    const t = optim.addEwcPenaltyGradient(F, anchor, lambda);
    const zero = tree.zerosLike(anchor);
    expect(Math.max(...Array.from(flat(t.update(zero, {}, anchor)[0]), Math.abs))).toBe(0);
    expect(() => optim.addEwcPenaltyGradient(F, anchor, -1)).toThrow(ValueError);
    expect(() => t.update(zero, {})).toThrow(/addEwcPenaltyGradient: update needs the current params/);
  });
});

describe('missing or malformed extra → TransformError naming the transformation and the key', () => {
  const g = grad(nll)(w0);
  const cases: [string, optim.GradientTransformation<any>, optim.UpdateExtra | undefined, RegExp][] = [
    ['no extra', optim.scaleByFisher(), undefined, /scaleByFisher: update needs extra\.model .*no extra argument.*extra\.curvature/],
    ['no likelihood', optim.scaleByFisher(), { model: logit }, /scaleByFisher: update needs extra\.likelihood/],
    ['no batch', optim.scaleByFisher(), { model: logit, likelihood: bern }, /scaleByFisher: update needs extra\.batch/],
    ['mc without key', optim.scaleByFisher({ kind: 'mc' }), bcExtra, /scaleByFisher: update needs extra\.key/],
    ['empirical without labels', optim.scaleByEmpiricalFisher(), { ...bcExtra, batch: { x: bc.X } }, /scaleByEmpiricalFisher: .*extra\.batch\.y/],
    ['efgd without anything', optim.efgd({ learningRate: 1 }), {}, /scaleByEmpiricalFisher: update needs extra\.model .*extra\.empiricalFisher/],
    ['ggn without split', optim.scaleByGgn(), { batch: bcExtra.batch }, /scaleByGgn: update needs extra\.split/],
    ['ggn without batch', optim.scaleByGgn(), { split: { inner: logit, outer: (z: Tensor) => z } }, /scaleByGgn: update needs extra\.batch/],
    ['model not a function', optim.scaleByFisher(), { ...bcExtra, model: 3 }, /scaleByFisher: extra\.model must be a function/],
    ['curvature without solve', optim.scaleByFisher(), { curvature: {} }, /scaleByFisher: extra\.curvature must be a curvature operator/],
  ];
  for (const [name, t, extra, re] of cases) {
    it(name, () => {
      expect(() => t.update(g, t.init(w0), w0, extra)).toThrow(TransformError);
      expect(() => t.update(g, t.init(w0), w0, extra)).toThrow(re);
    });
  }
  it('missing params', () => {
    expect(() => optim.scaleByFisher().update(g, {}, undefined, bcExtra)).toThrow(/scaleByFisher: update needs the current params/);
  });
  it('scaleByKfac: non-layer params, missing model, a curvature without factors', () => {
    const k = optim.scaleByKfac();
    expect(() => k.init(w0)).toThrow(TransformError);
    const p = initMlp(4);
    const gp = tree.zerosLike(p);
    expect(() => k.update(gp, k.init(p), p, { likelihood: cat })).toThrow(/scaleByKfac: update needs extra\.model .*extra\.curvature/);
    expect(() => k.update(gp, k.init(p), p, { curvature: { solve: () => gp } })).toThrow(/scaleByKfac: extra\.curvature must be a K-FAC operator/);
  });
  it('invalid options → ValueError at construction', () => {
    expect(() => optim.scaleByFisher({ damping: -1 })).toThrow(ValueError);
    expect(() => optim.scaleByFisher({ kind: 'bogus' as 'exact' })).toThrow(ValueError);
    expect(() => optim.scaleByFisher({ solver: 'lu' as 'cg' })).toThrow(ValueError);
    expect(() => optim.scaleByGgn({ maxIter: 0 })).toThrow(ValueError);
    expect(() => optim.scaleByKfac({ decay: 1 })).toThrow(ValueError);
    expect(() => optim.scaleByKfac({ inverseEvery: 0 })).toThrow(ValueError);
    expect(() => optim.kfac({ learningRate: 1, dampingMode: 'x' as 'exact' })).toThrow(ValueError);
    expect(() => optim.ngd({ learningRate: 1, samples: 0 })).toThrow(ValueError);
  });
});
