// Adam, SGD-momentum and FAdam step by step against direct float64 JS implementations of their formulas.
import { describe, expect, it } from 'vitest';
import { tensor, tree, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { flat, maxDiff, quadratic, unflat, type P } from './helpers.js';

const STEPS = 50;
const TOL = 1e-12;

/** Runs `opt` for STEPS steps; returns the flat params after each step. */
function runOpt(opt: optim.GradientTransformation<any>, prob: ReturnType<typeof quadratic>, extraAt?: (t: number, p: P) => optim.UpdateExtra): Float64Array[] {
  let p = prob.params0;
  let s = opt.init(p);
  const out: Float64Array[] = [];
  for (let t = 0; t < STEPS; t++) {
    const [u, s2] = opt.update(prob.gradTree(p, t), s, p, extraAt?.(t, p));
    s = s2;
    p = optim.applyUpdates(p, u);
    out.push(flat(p));
  }
  return out;
}

function expectTrajectories(lib: Float64Array[], ref: Float64Array[]): void {
  expect(lib.length).toBe(ref.length);
  const worst = Math.max(...lib.map((x, i) => maxDiff(x, ref[i]!)));
  expect(worst).toBeLessThanOrEqual(TOL);
}

describe('step-by-step equality with float64 reference implementations (50 steps, ≤ 1e-12)', () => {
  it('adam', () => {
    for (const [b1, b2, eps, lr, nesterov] of [[0.9, 0.999, 1e-8, 0.05, false], [0.8, 0.99, 1e-3, 0.1, false], [0.9, 0.999, 1e-8, 0.05, true]] as const) {
      const prob = quadratic(7, STEPS);
      const lib = runOpt(optim.adam({ learningRate: lr, b1, b2, eps, nesterov }), prob);
      const th = prob.theta0.slice(), m = new Float64Array(prob.n), v = new Float64Array(prob.n);
      const ref: Float64Array[] = [];
      for (let t = 1; t <= STEPS; t++) {
        const g = prob.gradFlat(th, t - 1);
        for (let i = 0; i < prob.n; i++) {
          m[i] = (1 - b1) * g[i]! + b1 * m[i]!;
          v[i] = (1 - b2) * g[i]! * g[i]! + b2 * v[i]!;
          const mh = nesterov ? b1 * (m[i]! / (1 - b1 ** (t + 1))) + (1 - b1) * (g[i]! / (1 - b1 ** t)) : m[i]! / (1 - b1 ** t);
          const vh = v[i]! / (1 - b2 ** t);
          th[i] = th[i]! - lr * (mh / (Math.sqrt(vh) + eps));
        }
        ref.push(th.slice());
      }
      expectTrajectories(lib, ref);
    }
  });

  it('sgd with heavy-ball and Nesterov momentum', () => {
    for (const nesterov of [false, true]) {
      const prob = quadratic(11, STEPS);
      const lr = 0.05, beta = 0.9;
      const lib = runOpt(optim.sgd({ learningRate: lr, momentum: beta, nesterov }), prob);
      const th = prob.theta0.slice(), m = new Float64Array(prob.n);
      const ref: Float64Array[] = [];
      for (let t = 0; t < STEPS; t++) {
        const g = prob.gradFlat(th, t);
        for (let i = 0; i < prob.n; i++) {
          m[i] = g[i]! + beta * m[i]!;
          th[i] = th[i]! - lr * (nesterov ? g[i]! + beta * m[i]! : m[i]!);
        }
        ref.push(th.slice());
      }
      expectTrajectories(lib, ref);
    }
  });

  /** FAdam exactly per seed 001 §5, on flat arrays. `fisher(t)` replaces g⊙g when given. */
  function fadamRef(prob: ReturnType<typeof quadratic>, o: { lr: number; b1: number; b2: number; eps0: number; lamEps: number; kappa: number; wd: number }, fisher?: (t: number) => Float64Array) {
    const th = prob.theta0.slice(), m = new Float64Array(prob.n), s = new Float64Array(prob.n);
    const ref: Float64Array[] = [];
    let clipped = 0;
    for (let t = 1; t <= STEPS; t++) {
      const g = prob.gradFlat(th, t - 1);
      const f = fisher?.(t - 1);
      const delta = new Float64Array(prob.n), den = new Float64Array(prob.n);
      for (let i = 0; i < prob.n; i++) {
        m[i] = (1 - o.b1) * g[i]! + o.b1 * m[i]!;
        s[i] = (1 - o.b2) * (f ? f[i]! : g[i]! * g[i]!) + o.b2 * s[i]!;
        const mh = m[i]! / (1 - o.b1 ** t), sh = s[i]! / (1 - o.b2 ** t);
        const epsT = o.eps0 / (1 + o.lamEps * t);
        den[i] = Math.sqrt(sh) + epsT;
        delta[i] = mh / den[i]!;
      }
      const nrm = Math.sqrt(delta.reduce((acc, d) => acc + d * d, 0));
      if (nrm > o.kappa) { clipped++; for (let i = 0; i < prob.n; i++) delta[i] = (o.kappa * delta[i]!) / nrm; }
      for (let i = 0; i < prob.n; i++) th[i] = th[i]! - o.lr * delta[i]! - (o.lr * o.wd * th[i]!) / den[i]!;
      ref.push(th.slice());
    }
    return { ref, clipped };
  }

  it('fadam (seed 001 §5 pseudocode: adaptive ε, natural-gradient clipping, Riemannian weight decay)', () => {
    const o = { lr: 0.02, b1: 0.9, b2: 0.99, eps0: 1e-2, lamEps: 0.3, kappa: 1.5, wd: 0.05 };
    const prob = quadratic(3, STEPS);
    const lib = runOpt(optim.fadam({ learningRate: o.lr, b1: o.b1, b2: o.b2, eps: o.eps0, epsDecay: o.lamEps, clipThreshold: o.kappa, weightDecay: o.wd }), prob);
    const { ref, clipped } = fadamRef(prob, o);
    expect(clipped).toBeGreaterThan(0); // the clipping branch is exercised …
    expect(clipped).toBeLessThan(STEPS); // … and so is the unclipped one
    expectTrajectories(lib, ref);
  });

  it('fadam with a Fisher diagonal passed through extra.fisherDiagonal', () => {
    const o = { lr: 0.02, b1: 0.9, b2: 0.99, eps0: 1e-8, lamEps: 0, kappa: 1, wd: 0.01 };
    const prob = quadratic(5, STEPS);
    const fisherAt = (t: number) => Float64Array.from({ length: prob.n }, (_, i) => 0.5 + Math.sin(t + i) ** 2);
    const lib = runOpt(
      optim.fadam({ learningRate: o.lr, b1: o.b1, b2: o.b2, eps: o.eps0, clipThreshold: o.kappa, weightDecay: o.wd, secondMoment: 'fisherDiagonal' }),
      prob,
      (t) => ({ fisherDiagonal: unflat(fisherAt(t)) }),
    );
    expectTrajectories(lib, fadamRef(prob, o, fisherAt).ref);
  });

  it('state and updates keep the params tree, shapes and dtypes', () => {
    const prob = quadratic(1, 2);
    const opts: optim.GradientTransformation<any>[] = [
      optim.adam({ learningRate: 0.1 }), optim.fadam({ learningRate: 0.1, weightDecay: 0.1 }), optim.sgd({ learningRate: 0.1, momentum: 0.9 }),
      optim.rmsprop({ learningRate: 0.1, momentum: 0.5 }), optim.amsgrad({ learningRate: 0.1 }), optim.adamw({ learningRate: 0.1 }),
    ];
    const sig = (t: tree.Tree<Tensor>) => tree.leaves(t).map((l) => `${l.dtype}[${l.shape.join(',')}]`).join(' ');
    for (const opt of opts) {
      const s0 = opt.init(prob.params0);
      const [u, s1] = opt.update(prob.gradTree(prob.params0, 0), s0, prob.params0);
      expect(tree.structure(u).equals(tree.structure(prob.params0))).toBe(true);
      expect(sig(u)).toBe(sig(prob.params0));
      expect(tree.structure(s1).equals(tree.structure(s0))).toBe(true);
      expect(sig(s1)).toBe(sig(s0));
    }
    // float32 params stay float32
    const p32 = { w: tensor([1, 2], { dtype: 'float32' }) };
    const [u32] = optim.fadam({ learningRate: 0.1 }).update(p32, optim.fadam({ learningRate: 0.1 }).init(p32), p32);
    expect((u32 as { w: Tensor }).w.dtype).toBe('float32');
  });
});
