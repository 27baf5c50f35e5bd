// dtype discipline: mixed float32/float64 parameter/gradient/update/state trees are rejected
// with a DTypeError naming the leaf path and both dtypes, unless the caller opts in to a cast.
import { describe, expect, it } from 'vitest';
import { DTypeError, jit, tensor, tree, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { leafPaths } from '../../src/optim/dtypes.js';

const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });
const f32 = (x: number[]) => tensor(x, { dtype: 'float32' });

function caught(fn: () => unknown): DTypeError {
  try { fn(); } catch (e) { if (e instanceof DTypeError) return e; throw e; }
  throw new Error('expected a DTypeError');
}

describe('optimizers reject mixed float32/float64 trees', () => {
  const params = { w: f64([1, 2]), layers: [{ b: f64([0.5]) }] };

  it('applyUpdates names the leaf and both dtypes', () => {
    const e = caught(() => optim.applyUpdates(params, { w: f32([0.1, 0.1]), layers: [{ b: f64([1]) }] }));
    expect(e.message).toMatch(/^applyUpdates: update at \.w is float32 but the parameter is float64\./);
    expect(e.op).toBe('applyUpdates');
    expect(e.argument).toBe('update');
    const deep = caught(() => optim.applyUpdates(params, { w: f64([0.1, 0.1]), layers: [{ b: f32([1]) }] }));
    expect(deep.message).toMatch(/^applyUpdates: update at \.layers\[0\]\.b is float32 but the parameter is float64\./);
    // the reverse direction, and a bare-leaf tree
    expect(caught(() => optim.applyUpdates(f32([1]), f64([1]))).message).toMatch(/^applyUpdates: update is float64 but the parameter is float32\./);
  });

  it('applyUpdates casts only with the explicit { cast: true } opt-in', () => {
    const q = optim.applyUpdates(params, { w: f32([0.25, 0.5]), layers: [{ b: f32([1]) }] }, { cast: true });
    expect(q.w.dtype).toBe('float64');
    expect(q.w.toArray()).toEqual([1.25, 2.5]);
    expect(q.layers[0]!.b.toArray()).toEqual([1.5]);
    // same-dtype trees are unaffected
    expect(optim.applyUpdates(params, { w: f64([1, 1]), layers: [{ b: f64([1]) }] }).w.toArray()).toEqual([2, 3]);
  });

  it('every optimizer alias rejects float32 gradients for float64 params at update, naming the leaf', () => {
    const g32 = { w: f32([0.1, 0.2]), layers: [{ b: f32([0.3]) }] };
    const opts: [string, optim.GradientTransformation<any>][] = [
      ['sgd', optim.sgd({ learningRate: 0.1 })], ['momentum', optim.momentum({ learningRate: 0.1 })], ['adam', optim.adam({ learningRate: 0.1 })],
      ['adamw', optim.adamw({ learningRate: 0.1 })], ['amsgrad', optim.amsgrad({ learningRate: 0.1 })], ['rmsprop', optim.rmsprop({ learningRate: 0.1 })],
      ['fadam', optim.fadam({ learningRate: 0.1 })],
    ];
    for (const [name, opt] of opts) {
      const s = opt.init(params);
      const e = caught(() => opt.update(g32, s, params));
      expect(e.message, name).toMatch(/^[A-Za-z]+: (gradient|update) at \.layers\[0\]\.b is float32 but .* is float64\./);
    }
  });

  it('stateful transformations reject updates whose dtype differs from their state, also without params', () => {
    const p = { w: f64([1, 2]) };
    const g = { w: f32([0.1, 0.2]) };
    const cases: [string, optim.GradientTransformation<any>][] = [
      ['scaleByAdam', optim.scaleByAdam()], ['scaleByAmsgrad', optim.scaleByAmsgrad()], ['scaleByRms', optim.scaleByRms()],
      ['trace', optim.trace({ decay: 0.9 })], ['multiSteps', optim.multiSteps(optim.sgd({ learningRate: 0.1 }), 2)],
    ];
    for (const [op, t] of cases) {
      const e = caught(() => t.update(g, t.init(p)));
      expect(e.message).toBe(`${op}: update at .w is float32 but the optimizer state (from init(params)) is float64. Gradients must have the dtype of the params given to init; cast them (or the params) first.`);
    }
    const fa = optim.scaleByFAdam();
    expect(caught(() => fa.update(g, fa.init(p), p)).message).toMatch(/^scaleByFAdam: update at \.w is float32 but the optimizer state/);
    const wd = optim.addDecayedWeights(0.1);
    expect(caught(() => wd.update(g, wd.init(p), p)).message).toMatch(/^addDecayedWeights: update at \.w is float32 but the parameter is float64\./);
  });

  it('the check also runs when the update is traced by jit, and matching dtypes still train', () => {
    const opt = optim.adam({ learningRate: 0.1 });
    const p = { w: f32([1, -1]) };
    const step = jit((g: { w: Tensor }, s: optim.ScaleByAdamState) => opt.update(g, s as never, p));
    expect(() => step({ w: f64([0.5, 0.5]) }, opt.init(p) as never)).toThrow(DTypeError);
    const [u] = opt.update({ w: f32([0.5, -0.5]) }, opt.init(p), p);
    const q = optim.applyUpdates(p, u);
    expect(q.w.dtype).toBe('float32');
    expect(q.w.toTypedArray()[0]).toBeCloseTo(0.9, 5);
    expect(q.w.toTypedArray()[1]).toBeCloseTo(-0.9, 5);
  });

  it('leaf paths follow tree.flatten order and quote keys that are not identifiers', () => {
    const t = { z: 1, 'a b': [2, null, { c: 3 }], _k: 4 };
    expect(leafPaths(t)).toEqual([['._k', 4], ['["a b"][0]', 2], ['["a b"][2].c', 3], ['.z', 1]]);
    expect(leafPaths(t).map(([, v]) => v)).toEqual(tree.leaves(t as tree.Tree<number>));
  });
});
