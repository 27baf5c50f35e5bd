// The rl example module's pieces that have closed forms: cart-pole dynamics, the policy Fisher
// (enumerated actions / the Gaussian closed form) through curvature.fisher, and TRPO's KL bound.
import { describe, expect, it } from 'vitest';
import { grad, random, tensor, tree, vmap, type Tensor } from '../../src/index.js';
import {
  CARTPOLE, cartPoleDone, cartPoleStep, categoricalPolicy, gaussianPolicy, outputsOf, policyFisher, rollout,
  trpoStep, uniformSource, type MlpParams,
} from '../../examples/rl/index.js';

const arr = (t: Tensor) => Array.from(t.toTypedArray() as Float64Array);

describe('cart-pole (Barto, Sutton & Anderson 1983)', () => {
  it('one Euler step matches the published equations evaluated by hand', () => {
    const s = [0.01, -0.02, 0.03, 0.04] as const;
    const F = 10, g = 9.8, mc = 1, mp = 0.1, l = 0.5, tau = 0.02;
    const [x, xd, th, thd] = s;
    // θ̈ = [g sin θ + cos θ (−F − mp l θ̇² sin θ)/(mc + mp)] / [l (4/3 − mp cos²θ/(mc + mp))]
    const thAcc = (g * Math.sin(th) + Math.cos(th) * ((-F - mp * l * thd ** 2 * Math.sin(th)) / (mc + mp))) / (l * (4 / 3 - (mp * Math.cos(th) ** 2) / (mc + mp)));
    // ẍ = [F + mp l (θ̇² sin θ − θ̈ cos θ)] / (mc + mp)
    const xAcc = (F + mp * l * (thd ** 2 * Math.sin(th) - thAcc * Math.cos(th))) / (mc + mp);
    const want = [x + tau * xd, xd + tau * xAcc, th + tau * thd, thd + tau * thAcc];
    cartPoleStep(s, F).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 15));
    expect(thAcc).toBeLessThan(0); // pushing the cart right tips the pole back
  });

  it('is mirror-symmetric, keeps the upright rest state, and fails past 12° or 2.4 m', () => {
    const s = [0.1, 0.2, -0.05, 0.3] as const;
    const a = cartPoleStep(s, 10), b = cartPoleStep([-0.1, -0.2, 0.05, -0.3], -10);
    a.forEach((v, i) => expect(v).toBeCloseTo(-b[i]!, 15));
    expect(cartPoleStep([0, 0, 0, 0], 0)).toEqual([0, 0, 0, 0]);
    expect(cartPoleDone([0, 0, CARTPOLE.thetaLimit * 1.01, 0])).toBe(true);
    expect(cartPoleDone([2.41, 0, 0, 0])).toBe(true);
    expect(cartPoleDone([2.39, 0, 0.2, 0])).toBe(false);
  });
});

describe('policy Fisher through curvature.fisher', () => {
  const states = random.normal(random.key(1), [7, 4], { dtype: 'float64' }).mul(0.5);

  it('categorical: equals Σ_a π(a|s) ∇log π ∇log πᵀ over enumerated actions', () => {
    const pol = categoricalPolicy(4, 5, [-10, 0, 10]);
    const params = pol.init(random.key(2));
    // Bigger last layer so that π is far from uniform.
    const p: MlpParams = { ...params, l2: { w: params.l2.w.mul(300), b: params.l2.b } };
    const dense = arr(policyFisher(pol, p, states).dense());
    const [flatP, unravel] = tree.ravel(p);
    const P = flatP.shape[0]!;
    const want = new Float64Array(P * P);
    const probs = arr(outputsOf(pol, p, states).softmax(-1));
    for (let a = 0; a < 3; a++) {
      const score = (v: Tensor, s: Tensor) => pol.likelihood.logProb(pol.model(unravel(v), s), tensor(a, { dtype: 'int32' }));
      const G = arr(vmap(grad(score), { inAxes: [null, 0] })(flatP, states) as Tensor); // [M, P]
      for (let m = 0; m < 7; m++) {
        const w = probs[m * 3 + a]! / 7;
        for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) want[i * P + j]! += w * G[m * P + i]! * G[m * P + j]!;
      }
    }
    const scale = Math.max(...want.map(Math.abs));
    expect(Math.max(...dense.map((v, i) => Math.abs(v - want[i]!))) / scale).toBeLessThan(1e-12);
    expect(Math.max(...probs)).toBeGreaterThan(0.6); // far from uniform (1/3)
  });

  it('Gaussian: equals the closed form mean_s[e^{−2 log σ} ∇μ∇μᵀ] + 2·e_σe_σᵀ', () => {
    const pol = gaussianPolicy(4, 5, 10, -0.7);
    const p = pol.init(random.key(3));
    const dense = arr(policyFisher(pol, p, states).dense());
    const [flatP, unravel] = tree.ravel(p);
    const P = flatP.shape[0]!;
    const mean = (v: Tensor, s: Tensor) => pol.model(unravel(v), s).reshape([2]).slice([0], [1]).sum();
    const J = arr(vmap(grad(mean), { inAxes: [null, 0] })(flatP, states) as Tensor);
    const inv = Math.exp(2 * 0.7);
    // The log σ leaf: its index in ravel order (keys sorted: l1, l2, logStd → last).
    const iS = P - 1;
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
      let v = 0;
      for (let m = 0; m < 7; m++) v += (inv * J[m * P + i]! * J[m * P + j]!) / 7;
      if (i === iS && j === iS) v += 2;
      expect(Math.abs(dense[i * P + j]! - v)).toBeLessThan(1e-12 * (1 + Math.abs(v)));
    }
  });
});

describe('TRPO line search', () => {
  it('accepts a step whose mean KL(π_old ‖ π_new), recomputed from the logits, is ≤ δ', () => {
    const pol = categoricalPolicy(4, 8, [-10, 10]);
    const params = pol.init(random.key(4));
    const batch = rollout(pol, params, random.key(5), 6, 60, uniformSource(5));
    for (const delta of [1e-3, 1e-2, 0.1]) {
      const info = trpoStep(pol, params, batch, { delta, damping: 1e-3, cgIters: 10 });
      expect(info.backtracks).toBeGreaterThanOrEqual(0);
      const lo = arr(outputsOf(pol, params, batch.states)), ln = arr(outputsOf(pol, info.params, batch.states));
      const M = batch.steps;
      let kl = 0;
      for (let m = 0; m < M; m++) {
        const lse = (a: number, b: number) => Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
        const zo = lse(lo[2 * m]!, lo[2 * m + 1]!), zn = lse(ln[2 * m]!, ln[2 * m + 1]!);
        for (let a = 0; a < 2; a++) {
          const po = lo[2 * m + a]! - zo, pn = ln[2 * m + a]! - zn;
          kl += Math.exp(po) * (po - pn) / M;
        }
      }
      expect(kl).toBeCloseTo(info.kl, 12);
      expect(kl).toBeLessThanOrEqual(delta);
      expect(kl).toBeGreaterThan(delta / 64); // the step reaches the trust region's scale
    }
  });
  it('Gaussian policy: the accepted step\'s KL, from the closed form of two normals, is ≤ δ', () => {
    const pol = gaussianPolicy(4, 8, 10, -0.5);
    const params = pol.init(random.key(6));
    const batch = rollout(pol, params, random.key(7), 6, 60, uniformSource(7));
    const delta = 0.01;
    const info = trpoStep(pol, params, batch, { delta, damping: 1e-3, cgIters: 10 });
    expect(info.backtracks).toBeGreaterThanOrEqual(0);
    const o = arr(outputsOf(pol, params, batch.states)), q = arr(outputsOf(pol, info.params, batch.states));
    let kl = 0;
    for (let m = 0; m < batch.steps; m++) {
      const [m0, s0, m1, s1] = [o[2 * m]!, o[2 * m + 1]!, q[2 * m]!, q[2 * m + 1]!];
      // KL(N(m0, e^{2s0}) ‖ N(m1, e^{2s1})) = s1 − s0 + (e^{2s0} + (m0 − m1)²)/(2e^{2s1}) − ½
      kl += (s1 - s0 + (Math.exp(2 * s0) + (m0 - m1) ** 2) / (2 * Math.exp(2 * s1)) - 0.5) / batch.steps;
    }
    expect(kl).toBeCloseTo(info.kl, 12);
    expect(kl).toBeLessThanOrEqual(delta);
    expect(kl).toBeGreaterThan(delta / 64);
  });
});
