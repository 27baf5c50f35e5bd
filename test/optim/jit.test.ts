// update under jit: a jitted optimizer step equals the eager one (float64, several steps, states
// included) and is traced once; the curvature-aware scaleByFisher runs under jit with every
// solver ('cg', 'cholesky', and 'cgFixed', an alias of truncated 'cg').
import { describe, expect, it } from 'vitest';
import { TransformError, ValueError, curvature, grad, jit, likelihoods, random, stack, tensor, tree, vmap, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { flat, maxDiff, quadratic, type P } from './helpers.js';

const STEPS = 6;

/** Runs `opt` eagerly and through `jit(update)` from the same start; returns the largest difference in updates and states. */
function compare<S>(opt: optim.GradientTransformation<S>, gradient: (p: P, t: number) => P, params0: P, extraOf?: (p: P) => optim.UpdateExtra) {
  const step = jit((g: P, s: S, p: P) => opt.update(g, s, p, extraOf?.(p)));
  let pe = params0, pj = params0, se = opt.init(params0), sj = opt.init(params0);
  let diff = 0;
  for (let t = 0; t < STEPS; t++) {
    const [ue, se2] = opt.update(gradient(pe, t), se, pe, extraOf?.(pe));
    const [uj, sj2] = step(gradient(pj, t), sj, pj);
    expect(tree.structure(uj as P).toString()).toBe(tree.structure(ue as P).toString());
    expect(tree.structure(sj2 as tree.Tree<Tensor>).toString()).toBe(tree.structure(se2 as tree.Tree<Tensor>).toString());
    expect(tree.leaves(sj2 as tree.Tree<Tensor>).map((l) => l.dtype)).toEqual(tree.leaves(se2 as tree.Tree<Tensor>).map((l) => l.dtype));
    diff = Math.max(diff, maxDiff(flat(ue), flat(uj)), maxDiff(flat(se2 as tree.Tree<Tensor>), flat(sj2 as tree.Tree<Tensor>)));
    [se, sj] = [se2, sj2];
    pe = optim.applyUpdates(pe, ue);
    pj = optim.applyUpdates(pj, uj);
  }
  return { diff, traces: step.traces, hits: step.hits, params: flat(pj) };
}

describe('jit(update) equals the eager update, traced once', () => {
  const q = quadratic(11, STEPS);
  const cases: [string, optim.GradientTransformation<any>][] = [
    ['adam', optim.adam({ learningRate: 0.1 })],
    ['adam with a cosine-decay schedule (traced step count)', optim.adam({ learningRate: optim.cosineDecay({ initValue: 0.1, decaySteps: 4 }) })],
    ['fadam (weight decay, clipping)', optim.fadam({ learningRate: 0.1, weightDecay: 0.1, clipThreshold: 0.5 })],
    ['chain(clipByGlobalNorm, sgd with momentum)', optim.chain(optim.clipByGlobalNorm(1.5), optim.sgd({ learningRate: 0.1, momentum: 0.9 }))],
    ['chain(clipByGlobalNorm, sgd with Nesterov momentum)', optim.chain(optim.clipByGlobalNorm(1.5), optim.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }))],
  ];
  for (const [name, opt] of cases) {
    it(name, () => {
      const r = compare(opt, q.gradTree, q.params0);
      expect(r.diff).toBeLessThanOrEqual(1e-12);
      expect(r.traces).toBe(1);
      expect(r.hits).toBe(STEPS - 1);
      expect(r.params.every(Number.isFinite)).toBe(true);
    });
  }
  it('the clipping test takes both branches over these steps', () => {
    const norms = Array.from({ length: STEPS }, (_, t) => tree.norm(q.gradTree(q.params0, t)).item());
    expect(Math.min(...norms)).toBeLessThan(1.5);
    expect(Math.max(...norms)).toBeGreaterThan(1.5);
  });
});

describe("scaleByFisher under jit (solver 'cgFixed')", () => {
  // Softmax regression, 3 features → 2 classes (P = 8), 12 examples: the Fisher is built inside
  // the jitted update from extra.model, extra.likelihood and extra.batch.
  const x = random.normal(random.key(5), [12, 3], { dtype: 'float64' });
  const y = tensor([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1], { dtype: 'int32' });
  const model = (p: P, xi: Tensor) => xi.matmul(p.w).add(p.b);
  const likelihood = likelihoods.categorical();
  const extra = (): optim.CurvatureExtra => ({ model, likelihood, batch: { x, y } });
  const nll = (p: P) => vmap((xi: Tensor, yi: Tensor) => likelihood.logProb(model(p, xi), yi))(x, y).mean().neg();
  const lossGrad = (p: P) => grad(nll)(p) as P;
  const p0: P = { w: tensor([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]], { dtype: 'float64' }), b: tensor([0.1, -0.1], { dtype: 'float64' }) };

  it('cgFixed with maxIter ≥ P solves like Cholesky, also when it converges before maxIter (masked steps)', () => {
    const g = lossGrad(p0);
    const F = curvature.fisher({ model, likelihood }, p0, { x, y });
    const want = flat(F.solve(g, { damping: 1e-2, method: 'cholesky' }));
    for (const maxIter of [8, 30]) {
      const t = optim.scaleByFisher({ damping: 1e-2, solver: 'cgFixed', maxIter });
      const [u] = t.update(g, t.init(p0), p0, extra());
      expect(maxDiff(flat(u), want) / Math.max(...Array.from(want, Math.abs))).toBeLessThan(1e-8);
    }
  });

  it('jit(update) of ngd-style chain(scaleByFisher, scaleByLearningRate) equals eager over several steps', () => {
    const opt = optim.chain(optim.scaleByFisher({ damping: 1e-2, solver: 'cgFixed', maxIter: 8 }), optim.scaleByLearningRate(0.5));
    const r = compare(opt, (p) => lossGrad(p), p0, extra);
    expect(r.diff).toBeLessThanOrEqual(1e-12);
    expect(r.traces).toBe(1);
    expect(r.hits).toBe(STEPS - 1);
  });

  it('a ready operator in extra.curvature works under jit with cgFixed', () => {
    const opt = optim.scaleByFisher({ damping: 1e-2, solver: 'cgFixed', maxIter: 8 });
    const r = compare(opt, (p) => lossGrad(p), p0, (p) => ({ curvature: curvature.fisher({ model, likelihood }, p, { x, y }) }));
    expect(r.diff).toBeLessThanOrEqual(1e-12);
    expect(r.traces).toBe(1);
  });

  it('vmap over a batch of gradients equals a loop', () => {
    const t = optim.scaleByFisher({ damping: 1e-2, solver: 'cgFixed', maxIter: 8 });
    const gs = [0, 1, 2].map((i) => tree.map((l: Tensor) => l.mul(1 + i).add(0.1 * i), lossGrad(p0)) as P);
    const batched = vmap((w: Tensor, b: Tensor) => t.update({ w, b }, {}, p0, extra())[0] as P)(stack(gs.map((g) => g.w), 0), stack(gs.map((g) => g.b), 0));
    const looped = gs.map((g) => t.update(g, {}, p0, extra())[0] as P);
    expect(maxDiff(flat(batched.w), looped.flatMap((u) => Array.from(flat(u.w))))).toBeLessThanOrEqual(1e-12);
  });

  for (const solver of ['cg', 'cholesky'] as const) {
    it(`solver '${solver}' (primitives) runs under jit and equals the eager update`, () => {
      const opt = optim.chain(optim.scaleByFisher({ damping: 1e-2, solver }), optim.scaleByLearningRate(0.5));
      const r = compare(opt, (p) => lossGrad(p), p0, extra);
      expect(r.diff).toBeLessThanOrEqual(1e-10);
      expect(r.traces).toBe(1);
    });
  }

  it("'cgFixed' without maxIter is rejected; with a ready operator it is solve({ method: 'cg', truncate: true, maxIter })", () => {
    expect(() => optim.scaleByFisher({ solver: 'cgFixed' })).toThrow(ValueError);
    const t = optim.scaleByFisher({ solver: 'cgFixed', maxIter: 4 });
    let seen: unknown;
    t.update(p0, {}, p0, { curvature: { solve: (b: unknown, o: unknown) => { seen = o; return b; } } });
    expect(seen).toMatchObject({ method: 'cg', truncate: true, maxIter: 4 });
  });
});
