// chain / monoid laws, applyUpdates, and every alias equal to its manual chain.
import fc from 'fast-check';
import { concatAll } from 'fp-ts/lib/Monoid.js';
import { describe, expect, it } from 'vitest';
import { tensor, tree, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { flat, quadratic, unflat } from './helpers.js';

/** Runs both optimizers for `steps` steps on the same gradients; returns the max difference in params and state leaves. */
function compare(a: optim.GradientTransformation<any>, b: optim.GradientTransformation<any>, steps = 5, extra?: optim.UpdateExtra): number {
  const prob = quadratic(21, steps);
  let pa = prob.params0, pb = prob.params0;
  let sa = a.init(pa), sb = b.init(pb);
  let worst = 0;
  for (let t = 0; t < steps; t++) {
    const [ua, sa2] = a.update(prob.gradTree(pa, t), sa, pa, extra);
    const [ub, sb2] = b.update(prob.gradTree(pb, t), sb, pb, extra);
    sa = sa2; sb = sb2;
    pa = optim.applyUpdates(pa, ua); pb = optim.applyUpdates(pb, ub);
    const fa = flat(pa), fb = flat(pb);
    worst = Math.max(worst, ...Array.from(fa, (x, i) => Math.abs(x - fb[i]!)));
    const la = flat(sa), lb = flat(sb);
    if (la.length !== lb.length) return Infinity;
    worst = Math.max(worst, ...Array.from(la, (x, i) => Math.abs(x - lb[i]!)));
  }
  return worst;
}

const { chain, identity } = optim;

describe('aliases are exactly their chains', () => {
  const lr = 0.03;
  const diag = optim.diagonalPreconditioner(unflat([1, 2, 3, 4, 5, 6, 7, 8]));
  const cases: [string, optim.GradientTransformation<any>, optim.GradientTransformation<any>][] = [
    ['sgd', optim.sgd({ learningRate: lr }), chain(identity(), optim.scaleByLearningRate(lr))],
    ['sgd+nesterov', optim.sgd({ learningRate: lr, momentum: 0.8, nesterov: true }), chain(optim.trace({ decay: 0.8, nesterov: true }), optim.scaleByLearningRate(lr))],
    ['momentum', optim.momentum({ learningRate: lr }), chain(optim.trace({ decay: 0.9 }), optim.scaleByLearningRate(lr))],
    ['adam', optim.adam({ learningRate: lr, b1: 0.8 }), chain(optim.scaleByAdam({ b1: 0.8 }), optim.scaleByLearningRate(lr))],
    ['adamw', optim.adamw({ learningRate: lr, weightDecay: 0.1, mask: { w: true, b: false } }),
      chain(optim.scaleByAdam(), optim.masked(optim.addDecayedWeights(0.1), { w: true, b: false }), optim.scaleByLearningRate(lr))],
    ['amsgrad', optim.amsgrad({ learningRate: lr }), chain(optim.scaleByAmsgrad(), optim.scaleByLearningRate(lr))],
    ['rmsprop', optim.rmsprop({ learningRate: lr, momentum: 0.5, decay: 0.95 }), chain(optim.scaleByRms({ decay: 0.95 }), optim.scaleByLearningRate(lr), optim.trace({ decay: 0.5 }))],
    ['fadam', optim.fadam({ learningRate: lr, weightDecay: 0.1 }), chain(optim.scaleByFAdam({ weightDecay: 0.1 }), optim.scaleByLearningRate(lr))],
    ['ngd', optim.ngd({ learningRate: lr, damping: 0.5 }), chain(optim.scaleByFisher({ damping: 0.5 }), optim.scaleByLearningRate(lr))],
    ['ngd (same steps as the preconditioner chain)', optim.ngd({ learningRate: lr, damping: 0.5 }), chain(optim.scaleByPreconditioner({ damping: 0.5 }), optim.scaleByLearningRate(lr))],
    ['efgd', optim.efgd({ learningRate: lr, damping: 0.5 }), chain(optim.scaleByEmpiricalFisher({ damping: 0.5 }), optim.scaleByLearningRate(lr))],
    ['efgd (same steps as the preconditioner chain)', optim.efgd({ learningRate: lr, damping: 0.5 }), chain(optim.scaleByPreconditioner({ damping: 0.5, key: 'empiricalFisher' }), optim.scaleByLearningRate(lr))],
  ];
  for (const [name, alias, manual] of cases) {
    it(name, () => {
      expect(compare(alias, manual, 5, { curvature: diag, empiricalFisher: diag })).toBe(0);
    });
  }
});

describe('chain and the GradientTransformationMonoid', () => {
  const pieces = [optim.trace({ decay: 0.5 }), optim.scaleByAdam(), optim.clipByGlobalNorm(0.7), optim.scale(-0.3), optim.scaleByRms()];
  const M = optim.GradientTransformationMonoid;
  it('satisfies the monoid laws on updates (fast-check)', () => {
    fc.assert(fc.property(fc.nat(4), fc.nat(4), fc.nat(4), (i, j, k) => {
      const [a, b, c] = [pieces[i]!, pieces[j]!, pieces[k]!];
      return compare(M.concat(M.empty, a), a) === 0 && compare(M.concat(a, M.empty), a) === 0
        && compare(M.concat(M.concat(a, b), c), M.concat(a, M.concat(b, c))) === 0;
    }), { seed: 4, numRuns: 15 });
  });
  it('concatAll equals the n-ary chain', () => {
    expect(compare(concatAll(M)(pieces), chain(...pieces))).toBe(0);
  });
  it('never mutates the state or the updates', () => {
    const opt = optim.adam({ learningRate: 0.1 });
    const p = { w: tensor([1, 2], { dtype: 'float64' }) };
    const s0 = opt.init(p);
    const snapshot = JSON.stringify(tree.leaves(s0).map((l: Tensor) => l.toArray()));
    const [, s1] = opt.update(p, s0, p);
    opt.update(p, s0, p);
    expect(JSON.stringify(tree.leaves(s0).map((l: Tensor) => l.toArray()))).toBe(snapshot);
    expect(s1).not.toBe(s0);
  });
  it('applyUpdates adds leafwise and keeps the params dtype (mixed dtypes only with the cast opt-in)', () => {
    const p = { a: tensor([1, 2], { dtype: 'float64' }), b: [tensor([3], { dtype: 'float32' })] };
    const u = { a: tensor([0.5, 0.5], { dtype: 'float64' }), b: [tensor([1], { dtype: 'float64' })] };
    expect(() => optim.applyUpdates(p, u)).toThrow('applyUpdates: update at .b[0] is float64 but the parameter is float32.');
    const q = optim.applyUpdates(p, u, { cast: true });
    expect(q.a.toArray()).toEqual([1.5, 2.5]);
    expect(q.b[0]!.dtype).toBe('float32');
    expect(q.b[0]!.toArray()).toEqual([4]);
  });
});
