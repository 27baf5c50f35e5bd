// update stays traceable: meta-gradients through an optimizer step, and vmap over updates.
import { describe, expect, it } from 'vitest';
import { grad, stack, tensor, tree, vmap, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';

const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });

describe('traceable updates', () => {
  it('grad through one Adam step with respect to the learning rate', () => {
    const p0 = f64([1, -2, 0.5]), g = f64([0.3, -0.1, 2]);
    const step = (lr: Tensor): Tensor => {
      const opt = optim.adam({ learningRate: lr });
      const [u] = opt.update(g, opt.init(p0), p0);
      return optim.applyUpdates(p0, u).square().sum().mul(0.5);
    };
    const lr = f64([0.1]).reshape([]);
    const opt = optim.adam({ learningRate: 0.1 });
    const [u] = opt.update(g, opt.init(p0), p0);
    const p1 = optim.applyUpdates(p0, u);
    const expected = (u as Tensor).div(-0.1).mul(p1).sum().mul(-1).item(); // dL/dα = ∇L(θ₁)·(−û)
    expect((grad(step)(lr) as Tensor).item()).toBeCloseTo(expected, 10);
  });
  it('vmap over a batch of gradients equals a loop (FAdam with clipping, and a schedule)', () => {
    const opt = optim.chain(optim.scaleByFAdam({ clipThreshold: 0.5, weightDecay: 0.1 }), optim.scaleByLearningRate(optim.cosineDecay({ initValue: 0.1, decaySteps: 10 })));
    const p = { w: f64([1, 2]) };
    const s0 = opt.init(p);
    const gs = [f64([0.5, -1]), f64([3, 0.2]), f64([-0.1, 0.1])];
    const batched = vmap((g: Tensor) => (opt.update({ w: g }, s0, p)[0] as { w: Tensor }).w)(stack(gs, 0));
    const looped = gs.map((g) => (opt.update({ w: g }, s0, p)[0] as { w: Tensor }).w.toArray());
    expect(batched.toArray()).toEqual(looped);
    expect(tree.structure(s0).numLeaves).toBe(3 + 1); // FAdam { count, m, s } + schedule { count }
  });
});
