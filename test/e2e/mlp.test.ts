// Workload W2/W3 end to end: an MLP 784→128 (tanh)→10 with mean softmax cross-entropy,
// batch 128. Per-example gradients by vmap(grad) equal a loop of grad, their mean equals
// the batch gradient; the Hessian of a small MLP equals finite differences of its gradient.
import { describe, expect, it } from 'vitest';
import { grad, hessian, logSoftmax, matmul, oneHot, random, tensor, tree, vmap, type Tensor } from '../../src/index.js';
import { expectClose, expectTreeClose, f64 } from '../helpers.js';

type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };

function init(seed: number, din: number, dh: number, dout: number): Params {
  const [k1, k2] = random.splitList(random.key(seed));
  return {
    w1: random.normal(k1!, [din, dh], f64).mul(1 / Math.sqrt(din)),
    b1: tensor(new Float64Array(dh)),
    w2: random.normal(k2!, [dh, dout], f64).mul(1 / Math.sqrt(dh)),
    b2: tensor(new Float64Array(dout)),
  };
}

function logits(p: Params, x: Tensor): Tensor {
  return matmul(matmul(x, p.w1).add(p.b1).tanh(), p.w2).add(p.b2);
}

/** Cross-entropy of one example (x: [784], y: int32 []) or a batch (mean). */
function loss(p: Params, x: Tensor, y: Tensor): Tensor {
  const lp = logSoftmax(logits(p, x));
  return oneHot(y, 10, 'float64').mul(lp).sum(-1).neg().mean();
}

describe('W2/W3 MLP', () => {
  const params = init(0, 784, 128, 10);
  const X = random.normal(random.key(1), [128, 784], f64);
  const Y = random.categorical(random.key(2), tensor(new Float64Array(128 * 10), { shape: [128, 10] }));

  it('per-example gradients: vmap(grad) == loop of grad; mean == batch gradient', () => {
    const per = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, X, Y) as Params;
    expect(per.w1.shape).toEqual([128, 784, 128]);
    for (const i of [0, 57, 127]) {
      const gi = grad(loss)(params, X.slice([i], [1]).reshape([784]), Y.slice([i], [1]).reshape([]));
      expectTreeClose(tree.map((t: Tensor) => t.slice([i], [1]).reshape(t.shape.slice(1)), per), gi, 1e-12);
    }
    const batch = grad(loss)(params, X, Y);
    expectTreeClose(tree.map((t: Tensor) => t.mean(0), per), batch, 1e-12);
  });

  it('Hessian of a small MLP equals finite differences of its gradient', () => {
    const small = init(3, 3, 4, 2);
    const xs = random.normal(random.key(4), [5, 3], f64);
    const ys = tensor([0, 1, 1, 0, 1], { dtype: 'int32' });
    const smallLoss = (p: Params) => {
      const lp = logSoftmax(logits(p, xs));
      return oneHot(ys, 2, 'float64').mul(lp).sum(-1).neg().mean();
    };
    const [v, unravel] = tree.ravel(small);
    const flatLoss = (w: Tensor) => smallLoss(unravel(w));
    const H = hessian(flatLoss)(v);
    const P = v.shape[0]!;
    expect(H.shape).toEqual([P, P]);
    const g = grad(flatLoss);
    const h = 1e-5;
    const base = Array.from(v.toTypedArray());
    for (const j of [0, 7, 12, P - 1]) {
      const vp = [...base], vm = [...base];
      vp[j]! += h; vm[j]! -= h;
      const col = g(tensor(vp, f64)).sub(g(tensor(vm, f64))).div(2 * h);
      expectClose(H.slice([0, j], [P, 1]).reshape([P]), col, 1e-6);
    }
    expectClose(H, H.T, 1e-12);
  });
});
