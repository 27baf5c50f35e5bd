// VON / VOGN (Khan et al. 2018; Khan & Rue 2023) against closed forms: the exact posterior of
// Bayesian linear regression, and the Laplace approximation of logistic regression at the MAP.
import { describe, expect, it } from 'vitest';
import { grad, jit, likelihoods, random, softplus, tensor, tree, type Tensor } from '../../src/index.js';
import { TransformError, ValueError } from '../../src/errors.js';
import { solveSpd } from '../../src/linalg/index.js';
import * as optim from '../../src/optim/index.js';
import { rng } from './helpers.js';

const arr = (t: Tensor) => Array.from(t.toTypedArray() as Float64Array);

/** A design [N, D] (last column 1) and targets from a fixed RNG. */
function design(seed: number, n: number, d: number, w: number[], logistic: boolean) {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const X = Array.from({ length: n }, () => [...Array.from({ length: d - 1 }, gauss), 1]);
  const y = X.map((x) => {
    const z = x.reduce((a, v, j) => a + v * w[j]!, 0);
    return logistic ? (r() < 1 / (1 + Math.exp(-z)) ? 1 : 0) : z + gauss();
  });
  return { X, y, Xt: tensor(X, { dtype: 'float64' }), yt: tensor(y, { dtype: 'float64' }) };
}

/** The mean over the samples of ∇ℓ̄, the gradient VON expects as its updates. */
function meanGrad(thetas: optim.Params[], f: (t: Tensor) => Tensor): Tensor {
  const gs = thetas.map((t) => grad(f)(t as Tensor) as Tensor);
  return tree.scale(gs.reduce((a, b) => tree.add(a, b) as Tensor), 1 / gs.length) as Tensor;
}

const maxRel = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / Math.max(...b.map(Math.abs));

describe('von: Bayesian linear regression (exact posterior N(Λ⁻¹Xᵀy, Λ⁻¹), Λ = XᵀX + λI)', () => {
  const n = 40, d = 3, lambda = 2;
  const { X, y, Xt, yt } = design(7, n, d, [1, -2, 0.5], false);
  const Lam = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => X.reduce((a, x) => a + x[i]! * x[j]!, 0) + (i === j ? lambda : 0)));
  const Xty = Array.from({ length: d }, (_, j) => X.reduce((a, x, k) => a + x[j]! * y[k]!, 0));
  const exactMean = Array.from(solveSpd(Float64Array.from(Lam.flat()), Float64Array.from(Xty), d));
  const loss = (w: Tensor, x: Tensor, yy: Tensor) => x.dot(w).sub(yy).square().mul(0.5);
  const meanNll = (w: Tensor) => Xt.matmul(w).sub(yt).square().mul(0.5).mean();
  const extra = { loss, batch: { x: Xt, y: yt } };

  it('full VON with antithetic weight samples reaches the exact posterior in one step and stays there', () => {
    const opt = optim.von({ dataSize: n, priorPrecision: lambda, structure: 'full', curvature: 'hessian', samples: 2, antithetic: true, key: random.key(3) });
    let state = opt.init(tensor([0.3, 0.3, 0.3], { dtype: 'float64' }));
    for (let t = 0; t < 3; t++) {
      const g = meanGrad(opt.sample(state), meanNll);
      state = opt.update(g, state, state.mean, extra)[1];
      const { mean, precision } = opt.posterior(state);
      expect(maxRel(arr(mean as Tensor), exactMean)).toBeLessThan(1e-13);
      expect(maxRel(arr(precision as Tensor), Lam.flat())).toBeLessThan(1e-13);
    }
  });

  it('full VON with damped steps (α = β = 0.5) converges to the exact posterior to float64 rounding', () => {
    const opt = optim.von({ dataSize: n, priorPrecision: lambda, structure: 'full', curvature: 'ggn', samples: 0, learningRate: 0.5, beta: 0.5 });
    let state = opt.init(tensor([0, 0, 0], { dtype: 'float64' }));
    const split = { inner: (w: Tensor, x: Tensor) => x.dot(w), outer: (z: Tensor, yy: Tensor) => z.sub(yy).square().mul(0.5) };
    let first = Infinity;
    for (let t = 0; t < 80; t++) {
      const [, s] = opt.update(grad(meanNll)(state.mean as Tensor) as Tensor, state, state.mean, { split, batch: { x: Xt, y: yt } });
      state = s;
      if (t === 0) first = maxRel(arr(s.mean as Tensor), exactMean);
    }
    const { mean, precision } = opt.posterior(state);
    expect(first).toBeGreaterThan(1e-2); // not there after one damped step
    expect(maxRel(arr(mean as Tensor), exactMean)).toBeLessThan(1e-12);
    expect(maxRel(arr(precision as Tensor), Lam.flat())).toBeLessThan(1e-12);
  });

  it('diagonal VON (mean field) reaches the exact mean and precision diag(Λ), the mean-field optimum', () => {
    const opt = optim.von({ dataSize: n, priorPrecision: lambda, curvature: 'hessian', samples: 1, antithetic: true, learningRate: 0.7, key: random.key(4) });
    let state = opt.init(tensor([0, 0, 0], { dtype: 'float64' }));
    for (let t = 0; t < 150; t++) state = opt.update(meanGrad(opt.sample(state), meanNll), state, state.mean, extra)[1];
    const { mean, precision } = opt.posterior(state);
    expect(maxRel(arr(mean as Tensor), exactMean)).toBeLessThan(1e-11);
    expect(maxRel(arr(precision as Tensor), [0, 1, 2].map((i) => Lam[i]![i]!))).toBeLessThan(1e-13);
  });

  it('samples from the posterior have the posterior covariance (full: L⁻ᵀε)', () => {
    const opt = optim.von({ dataSize: n, priorPrecision: lambda, structure: 'full', curvature: 'hessian', samples: 4000, key: random.key(5) });
    let state = opt.init(tensor([0, 0, 0], { dtype: 'float64' }));
    state = optim.von({ dataSize: n, priorPrecision: lambda, structure: 'full', curvature: 'hessian', samples: 0 }).update(grad(meanNll)(state.mean as Tensor) as Tensor, state, state.mean, extra)[1];
    const th = opt.sample(state).map((t) => arr(t as Tensor));
    const m = arr(state.mean as Tensor);
    // Λ · (sample covariance) ≈ I; Monte-Carlo error ~ 1/√4000.
    const C = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => th.reduce((a, s) => a + (s[i]! - m[i]!) * (s[j]! - m[j]!), 0) / th.length));
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      const v = Lam[i]!.reduce((a, l, k) => a + l * C[k]![j]!, 0);
      expect(Math.abs(v - (i === j ? 1 : 0))).toBeLessThan(0.1);
    }
  });
});

describe('von: logistic regression, the fixed point vs the Laplace approximation at the MAP', () => {
  const n = 2000, d = 3, lambda = 1;
  const { X, Xt, y, yt } = design(11, n, d, [1.5, -1, 0.3], true);
  // MAP by Newton's method in float64, and the Laplace precision Λ = Σ p(1−p)xxᵀ + λI at the MAP.
  const lap = (() => {
    let w = [0, 0, 0];
    let H: number[] = [];
    for (let it = 0; it < 30; it++) {
      const g = w.map((wj) => lambda * wj);
      H = Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? lambda : 0));
      X.forEach((x, k) => {
        const p = 1 / (1 + Math.exp(-x.reduce((a, v, j) => a + v * w[j]!, 0)));
        for (let i = 0; i < d; i++) {
          g[i]! += (p - y[k]!) * x[i]!;
          for (let j = 0; j < d; j++) H[i * d + j]! += p * (1 - p) * x[i]! * x[j]!;
        }
      });
      const step = solveSpd(Float64Array.from(H), Float64Array.from(g), d);
      w = w.map((v, i) => v - step[i]!);
    }
    return { w, H };
  })();
  const meanNll = (w: Tensor) => { const z = Xt.matmul(w); return softplus(z).sub(yt.mul(z)).mean(); };
  const extra = { model: (w: Tensor, x: Tensor) => x.dot(w), likelihood: likelihoods.bernoulli(), batch: { x: Xt, y: yt } };
  /** √((μ − θ*)ᵀΛ(μ − θ*)): the distance of the means in Laplace standard deviations. */
  const mahalanobis = (m: number[]) => {
    const e = m.map((v, i) => v - lap.w[i]!);
    return Math.sqrt(e.reduce((a, ei, i) => a + ei * e.reduce((b, ej, j) => b + lap.H[i * d + j]! * ej, 0), 0));
  };

  it('at the mean (samples = 0) the fixed point is the Laplace approximation to rounding', () => {
    const opt = optim.von({ dataSize: n, priorPrecision: lambda, structure: 'full', curvature: 'fisher', samples: 0 });
    let state = opt.init(tensor([0, 0, 0], { dtype: 'float64' }));
    for (let t = 0; t < 12; t++) state = opt.update(grad(meanNll)(state.mean as Tensor) as Tensor, state, state.mean, extra)[1];
    const { mean, precision } = opt.posterior(state);
    expect(maxRel(arr(mean as Tensor), lap.w)).toBeLessThan(1e-10);
    expect(maxRel(arr(precision as Tensor), lap.H)).toBeLessThan(1e-10);
  });

  it('with sampled weights (N = 2000) the variational fixed point is within 0.1 posterior std (mean) and 2% (precision) of Laplace', () => {
    const opt = optim.von({ dataSize: n, priorPrecision: lambda, structure: 'full', curvature: 'fisher', samples: 2, antithetic: true, beta: 0.3, key: random.key(8) });
    let state = opt.init(tensor([0, 0, 0], { dtype: 'float64' }));
    const d0 = mahalanobis(arr(state.mean as Tensor));
    for (let t = 0; t < 30; t++) state = opt.update(meanGrad(opt.sample(state), meanNll), state, state.mean, extra)[1];
    const { mean, precision } = opt.posterior(state);
    const pr = arr(precision as Tensor);
    const frob = Math.sqrt(pr.reduce((a, v, i) => a + (v - lap.H[i]!) ** 2, 0) / lap.H.reduce((a, v) => a + v * v, 0));
    expect(d0).toBeGreaterThan(10); // the start is far away
    expect(mahalanobis(arr(mean as Tensor))).toBeLessThan(0.1);
    expect(frob).toBeLessThan(0.02);
  });

  it('vogn runs with the empirical Fisher diagonal and its precision approaches the EF diagonal at the MAP', () => {
    const opt = optim.vogn({ dataSize: n, priorPrecision: lambda, samples: 1, antithetic: true, beta: 0.3, key: random.key(9) });
    let state = opt.init(tensor([0, 0, 0], { dtype: 'float64' }));
    for (let t = 0; t < 40; t++) state = opt.update(meanGrad(opt.sample(state), meanNll), state, state.mean, extra)[1];
    const ef = [0, 1, 2].map((i) => X.reduce((a, x, k) => {
      const p = 1 / (1 + Math.exp(-x.reduce((b, v, j) => b + v * lap.w[j]!, 0)));
      return a + ((p - y[k]!) * x[i]!) ** 2;
    }, 0) + lambda);
    const { mean, precision } = opt.posterior(state);
    expect(mahalanobis(arr(mean as Tensor))).toBeLessThan(0.3);
    expect(maxRel(arr(precision as Tensor), ef)).toBeLessThan(0.05);
  });
});

describe('von: jit', () => {
  it('a VON step (sampling, curvature, solve) under jit equals the eager step bit for bit', () => {
    const X = random.normal(random.key(1), [20, 3], { dtype: 'float64' });
    const y = X.matmul(tensor([1, -1, 0.5], { dtype: 'float64' }));
    const pieces = {
      model: (w: Tensor, x: Tensor) => x.dot(w), likelihood: likelihoods.normal(),
      loss: (w: Tensor, x: Tensor, yy: Tensor) => x.dot(w).sub(yy).square().mul(0.5),
      split: { inner: (w: Tensor, x: Tensor) => x.dot(w), outer: (z: Tensor, yy: Tensor) => z.sub(yy).square().mul(0.5) },
    };
    for (const [structure, curvature] of [['full', 'fisher'], ['diagonal', 'hessian'], ['full', 'ggn']] as const) {
      const opt = optim.von({ dataSize: 20, priorPrecision: 1, structure, curvature, samples: 2, antithetic: true, key: random.key(2) });
      const s0 = opt.init(tensor([0.1, 0, -0.1], { dtype: 'float64' }));
      const g = tensor([0.1, 0.2, 0.3], { dtype: 'float64' });
      const eager = opt.update(g, s0, s0.mean, { ...pieces, batch: { x: X, y } });
      const jitted = jit((gg: Tensor, st: typeof s0, xx: Tensor, yy: Tensor) => opt.update(gg, st, st.mean, { ...pieces, batch: { x: xx, y: yy } }))(g, s0, X, y);
      expect(arr(jitted[0] as Tensor)).toEqual(arr(eager[0] as Tensor));
      expect(tree.leaves(jitted[1].curvature).flatMap(arr)).toEqual(tree.leaves(eager[1].curvature).flatMap(arr));
    }
  });
});

describe('von: errors', () => {
  it('rejects bad options and missing curvature pieces with typed errors', () => {
    expect(() => optim.von({ dataSize: 10, priorPrecision: 0, samples: 0 })).toThrow(ValueError);
    expect(() => optim.von({ dataSize: 10, priorPrecision: 1 })).toThrow(/key/);
    expect(() => optim.von({ dataSize: 10, priorPrecision: 1, samples: 0, beta: 0 })).toThrow(/beta/);
    const opt = optim.von({ dataSize: 10, priorPrecision: 1, samples: 0 });
    const w = tensor([0, 0], { dtype: 'float64' });
    expect(() => opt.update(w, opt.init(w), w, { batch: { x: tensor([[1, 2]], { dtype: 'float64' }) } })).toThrow(TransformError);
  });
});
