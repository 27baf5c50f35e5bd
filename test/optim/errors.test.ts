// Bad input raises typed errors naming the transformation.
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../../src/index.js';
import { TransformError, TreeMismatchError, ValueError } from '../../src/errors.js';
import * as optim from '../../src/optim/index.js';

const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });

describe('typed errors', () => {
  it('mismatched trees → TreeMismatchError', () => {
    const opt = optim.adam({ learningRate: 0.1 });
    const s = opt.init({ w: f64([1]) });
    expect(() => opt.update({ v: f64([1]) }, s)).toThrow(TreeMismatchError);
    expect(() => optim.applyUpdates({ w: f64([1]) }, [f64([1])])).toThrow(TreeMismatchError);
    expect(() => optim.masked(optim.scale(2), { a: true }).init({ w: f64([1]) })).toThrow(TreeMismatchError);
    const fa = optim.fadam({ learningRate: 0.1, secondMoment: 'fisherDiagonal' });
    expect(() => fa.update({ w: f64([1]) }, fa.init({ w: f64([1]) }), undefined, { fisherDiagonal: [f64([1])] })).toThrow(TreeMismatchError);
  });
  it('a schedule returning NaN → ValueError at update', () => {
    const opt = optim.sgd({ learningRate: () => NaN });
    const p = [f64([1])];
    expect(() => opt.update(p, opt.init(p), p)).toThrow(ValueError);
    expect(() => opt.update(p, opt.init(p), p)).toThrow(/scaleBySchedule: the schedule must return a finite value, got NaN at step 0/);
    const inj = optim.injectHyperparams((h) => optim.sgd({ learningRate: h['lr']! }), { lr: (c: Tensor) => c.cast('float32').div(0).mul(0) });
    expect(() => inj.init(p)).toThrow(ValueError);
  });
  it('negative or invalid hyperparameters → ValueError', () => {
    expect(() => optim.sgd({ learningRate: -0.1 })).toThrow(ValueError);
    expect(() => optim.sgd({ learningRate: NaN })).toThrow(ValueError);
    expect(() => optim.adam({ learningRate: 1e-3, b1: 1 })).toThrow(ValueError);
    expect(() => optim.clipByGlobalNorm(-1)).toThrow(ValueError);
    expect(() => optim.multiSteps(optim.identity(), 0)).toThrow(ValueError);
    expect(() => optim.linear({ initValue: 1, endValue: 0, transitionSteps: 0 })).toThrow(ValueError);
    expect(() => optim.joinSchedules([optim.constant(1)], [3])).toThrow(ValueError);
    expect(() => optim.ngd({ learningRate: 1, damping: -1 })).toThrow(ValueError);
    expect(() => optim.multiTransform({ a: optim.identity() }, { w: 'b' }).init({ w: f64([1]) })).toThrow(ValueError);
    expect(() => optim.chain(optim.identity(), {} as optim.GradientTransformation)).toThrow(ValueError);
  });
  it('missing params or extra → TransformError naming the transformation', () => {
    const g = { w: f64([1]) };
    const aw = optim.adamw({ learningRate: 0.1 });
    expect(() => aw.update(g, aw.init(g))).toThrow(/addDecayedWeights: update needs the current params/);
    const fa = optim.fadam({ learningRate: 0.1, secondMoment: 'fisherDiagonal' });
    expect(() => fa.update(g, fa.init(g), g)).toThrow(TransformError);
    expect(() => fa.update(g, fa.init(g), g)).toThrow(/scaleByFAdam: update needs extra\.fisherDiagonal/);
    const ad = optim.adam({ learningRate: 0.1, secondMoment: 'fisherDiagonal' });
    expect(() => ad.update(g, ad.init(g), g, {})).toThrow(/scaleByAdam: update needs extra\.fisherDiagonal/);
    const ef = optim.efgd({ learningRate: 0.1 });
    expect(() => ef.update(g, ef.init(g), g, { curvature: {} })).toThrow(/extra\.empiricalFisher/);
  });
});
