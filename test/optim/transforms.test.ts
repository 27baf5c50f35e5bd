// Schedules, clipping, masking, wrappers and injectHyperparams.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor, tree, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';

const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });
const arr = (t: tree.Tree<Tensor>) => tree.leaves(t).map((l) => l.toArray());

describe('schedules match optax formulas', () => {
  const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 6);
  it('constant, linear, exponentialDecay, cosineDecay', () => {
    close(optim.constant(0.3)(7).item(), 0.3);
    const lin = optim.linear({ initValue: 1, endValue: 0.1, transitionSteps: 10, transitionBegin: 5 });
    [[0, 1], [5, 1], [10, 0.55], [15, 0.1], [100, 0.1]].forEach(([c, v]) => close(lin(c!).item(), v!));
    const ex = optim.exponentialDecay({ initValue: 2, transitionSteps: 4, decayRate: 0.5, staircase: true, endValue: 0.3 });
    [[0, 2], [3, 2], [4, 1], [9, 0.5], [40, 0.3]].forEach(([c, v]) => close(ex(c!).item(), v!));
    const cos = optim.cosineDecay({ initValue: 1, decaySteps: 100, alpha: 0.1 });
    [[0, 1], [50, 0.55], [100, 0.1], [200, 0.1]].forEach(([c, v]) => close(cos(c!).item(), v!));
  });
  it('warmupCosineDecay, piecewiseConstant, joinSchedules', () => {
    const w = optim.warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110, endValue: 0.2 });
    [[0, 0], [5, 0.5], [10, 1], [60, 0.6], [110, 0.2]].forEach(([c, v]) => close(w(c!).item(), v!));
    const pc = optim.piecewiseConstant(1, { 20: 0.5, 10: 0.1 });
    [[9, 1], [10, 0.1], [19, 0.1], [20, 0.05]].forEach(([c, v]) => close(pc(c!).item(), v!));
    const j = optim.joinSchedules([optim.constant(1), optim.linear({ initValue: 2, endValue: 0, transitionSteps: 4 })], [3]);
    [[2, 1], [3, 2], [5, 1]].forEach(([c, v]) => close(j(c!).item(), v!));
  });
  it('drive scaleBySchedule and scaleByLearningRate with an int32 counter', () => {
    const opt = optim.sgd({ learningRate: optim.piecewiseConstant(1, { 2: 0.5 }) });
    let p = { w: f64([0]) };
    let s = opt.init(p);
    const deltas: number[] = [];
    for (let t = 0; t < 4; t++) {
      const [u, s2] = opt.update({ w: f64([1]) }, s, p);
      deltas.push((u as { w: Tensor }).w.item());
      s = s2; p = optim.applyUpdates(p, u);
    }
    expect(deltas).toEqual([-1, -1, -0.5, -0.5]);
    expect(s[1].count.dtype).toBe('int32');
    expect(s[1].count.item()).toBe(4);
  });
});

describe('clipping', () => {
  const vec = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 6 });
  it('clipByGlobalNorm: output norm ≤ max (one rounding) and clipping is idempotent', () => {
    fc.assert(fc.property(vec, vec, fc.double({ min: 1e-3, max: 100, noNaN: true }), (a, b, c) => {
      const g = { a: f64(a), b: [f64(b)] };
      const t = optim.clipByGlobalNorm(c);
      const [u1] = t.update(g, {});
      const [u2] = t.update(u1, {});
      const n1 = tree.norm(u1).item(), n0 = tree.norm(g).item();
      const diffs = arr(u1).flat().map((x, i) => Math.abs((x as number) - (arr(u2).flat()[i] as number)));
      return n1 <= c * (1 + 1e-12) && Math.max(...diffs) <= 1e-12 * Math.max(1, c) && (n0 >= c || tree.norm(tree.sub(u1 as typeof g, g)).item() === 0);
    }), { seed: 17, numRuns: 60 });
  });
  it('clip bounds each element', () => {
    const [u] = optim.clip(0.5).update([f64([-2, 0.1, 3])], {});
    expect(arr(u)).toEqual([[-0.5, 0.1, 0.5]]);
  });
});

describe('masked, multiTransform, addDecayedWeights', () => {
  const p = { w: f64([1, 2]), b: f64([3]), sub: { v: f64([4]) } };
  const g = { w: f64([1, 1]), b: f64([1]), sub: { v: f64([1]) } };
  it('masked transforms only the selected leaves; masks may be tree prefixes or functions', () => {
    const t = optim.masked(optim.scale(10), { w: true, b: false, sub: true });
    const [u] = t.update(g, t.init(p), p);
    expect(arr(u)).toEqual([[1], [10], [10, 10]]); // leaves in key order: b, sub.v, w
    const t2 = optim.masked(optim.adam({ learningRate: 1 }), (q) => tree.map((x: Tensor) => x.size > 1, q) as tree.Tree<boolean>);
    const s2 = t2.init(p);
    expect(tree.leaves(s2).length).toBe(1 + 2); // count + mu.w + nu.w: masked-out leaves have no state
  });
  it('addDecayedWeights adds λθ, with a mask', () => {
    const [u] = optim.addDecayedWeights(0.5, { w: true, b: false, sub: { v: false } }).update(g, {} as never, p);
    expect(arr(u)).toEqual([[1], [1], [1.5, 2]]);
  });
  it('multiTransform routes each labelled group to its transformation', () => {
    const t = optim.multiTransform({ fast: optim.scale(2), frozen: optim.setToZero() }, { w: 'fast', b: 'frozen', sub: 'fast' });
    const [u, s] = t.update(g, t.init(p), p);
    expect(arr(u)).toEqual([[0], [2], [2, 2]]);
    expect(Object.keys(s.innerStates).sort()).toEqual(['fast', 'frozen']);
  });
});

describe('multiSteps, applyIfFinite, injectHyperparams', () => {
  it('multiSteps averages k gradients and updates once per k steps', () => {
    const k = 3;
    const ms = optim.multiSteps(optim.sgd({ learningRate: 1 }), k);
    let s = ms.init([f64([0])]);
    const outs: number[] = [];
    for (const gi of [1, 2, 6, 3, 3, 3]) {
      const [u, s2] = ms.update([f64([gi])], s, [f64([0])]);
      outs.push((u as Tensor[])[0]!.item()); s = s2;
    }
    expect(outs).toEqual([0, 0, -3, 0, 0, -3]);
    expect(s.gradientStep.item()).toBe(2);
  });
  it('applyIfFinite rejects non-finite updates and keeps the inner state, until too many in a row', () => {
    const t = optim.applyIfFinite(optim.adam({ learningRate: 1 }), 1);
    const p = [f64([1, 1])];
    const [u1, s1] = t.update([f64([NaN, 1])], t.init(p), p);
    expect(arr(u1)).toEqual([[0, 0]]);
    expect(s1.innerState[0].count.item()).toBe(0);
    expect(s1.notfiniteCount.item()).toBe(1);
    const [, s2] = t.update([f64([Infinity, 1])], s1, p); // second in a row > max 1: applied
    expect(s2.innerState[0].count.item()).toBe(1);
    const [, s3] = t.update([f64([1, 1])], s2, p); // finite: applied (the inner state already holds ∞ from the forced step)
    expect(s3.totalNotfinite.item()).toBe(2);
    expect(s3.lastFinite.item()).toBe(1);
  });
  it('injectHyperparams stores editable constants and evaluates schedules each step', () => {
    const opt = optim.injectHyperparams((h) => optim.sgd({ learningRate: h['lr']! }), { lr: (c: Tensor) => c.cast('float64').add(1) });
    const p = [f64([0])];
    let s = opt.init(p);
    const us: number[] = [];
    for (let t = 0; t < 3; t++) { const [u, s2] = opt.update([f64([1])], s, p); us.push((u as Tensor[])[0]!.item()); s = s2; }
    expect(us).toEqual([-1, -2, -3]);
    const c = optim.injectHyperparams((h) => optim.adam({ learningRate: h['learningRate']!, b1: h['b1']! }), { learningRate: 0.5, b1: 0.9 });
    const s0 = c.init(p);
    expect(s0.hyperparams.learningRate.item()).toBe(0.5);
    const edited = { ...s0, hyperparams: { ...s0.hyperparams, learningRate: tensor(0.25) } };
    const [u] = c.update([f64([1])], edited, p);
    expect((u as Tensor[])[0]!.item()).toBeCloseTo(-0.25, 6);
  });
});
