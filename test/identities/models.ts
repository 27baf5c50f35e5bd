// Families shared by the identity tests: every model of the issue, with a support, a quadrature
// domain and/or a sampler, and closed-form Fishers / KLs where they exist (float64 throughout).
import {
  arange, likelihoods, random, softplus, tensor, tree, type Tensor,
} from '../../src/index.js';
import {
  conditionalFamily, likelihoodFamily, reparameterize, type Family,
} from '../../src/testing/index.js';

export const f64 = { dtype: 'float64' } as const;
export const scalar = (v: number): Tensor => tensor(v, f64);
export const vec = (v: number[]): Tensor => tensor(v, f64);
const LOG_2PI = Math.log(2 * Math.PI);
const item = (t: Tensor): number => t.item() as number;

// ---- host special functions (for closed forms) ----------------------------------------------

export function digamma(x: number): number {
  let r = 0;
  for (; x < 12; x++) r -= 1 / x;
  const x2 = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - x2 * (1 / 12 - x2 * (1 / 120 - x2 * (1 / 252 - x2 / 240)));
}

export function trigamma(x: number): number {
  let r = 0;
  for (; x < 12; x++) r += 1 / (x * x);
  const x2 = 1 / (x * x);
  return r + 1 / x + x2 / 2 + (x2 / x) * (1 / 6 - x2 * (1 / 30 - x2 * (1 / 42 - x2 / 30)));
}

/** lgamma(a) with tensor ops (differentiable): logFactorial(a − 1), valid for a > 0. */
const lgamma = (a: Tensor): Tensor => likelihoods.logFactorial(a.sub(1));

// ---- Bernoulli (logit) ----------------------------------------------------------------------

export const bernoulli = likelihoodFamily(likelihoods.bernoulli(), { labels: vec([0, 1]), name: 'bernoulli(logit)' });

/** Bernoulli in the mean parameter p ∈ (0, 1) (not canonical). */
export const bernoulliMean: Family = {
  name: 'bernoulli(p)',
  logProb: (p, y) => y.mul(p.log()).add(y.neg().add(1).mul(p.neg().log1p())),
  support: vec([0, 1]),
};

// ---- Gaussian (μ, σ) and (μ, log σ) ---------------------------------------------------------

export type MuSigma = { mu: Tensor; sigma: Tensor };
export type MuLogSigma = { mu: Tensor; logSigma: Tensor };

export const gaussian: Family<MuSigma> = {
  name: 'gaussian(μ, σ)',
  logProb: (t, y) => y.sub(t.mu).div(t.sigma).square().mul(-0.5).sub(t.sigma.log()).sub(0.5 * LOG_2PI),
  quadrature: (t) => ({ lower: -Infinity, upper: Infinity, center: item(t.mu), scale: item(t.sigma) }),
  sample: (key, t, n) => random.normal(key, [n], f64).mul(t.sigma).add(t.mu),
  kl: (a, b) => b.sigma.log().sub(a.sigma.log()).add(a.sigma.square().add(a.mu.sub(b.mu).square()).div(b.sigma.square().mul(2))).sub(0.5),
};
/** F(μ, σ) = diag(1/σ², 2/σ²) in ravel order (mu, sigma). */
export const gaussianFisher = (t: MuSigma): Tensor => { const s2 = item(t.sigma) ** 2; return tensor([[1 / s2, 0], [0, 2 / s2]], f64); };

export const toMuSigma = (e: MuLogSigma): MuSigma => ({ mu: e.mu, sigma: e.logSigma.exp() });

/** Written directly in (μ, log σ) (not composed), so reparameterization checks compare two codes. */
export const gaussianLog: Family<MuLogSigma> = {
  name: 'gaussian(μ, log σ)',
  logProb: (t, y) => y.sub(t.mu).mul(t.logSigma.neg().exp()).square().mul(-0.5).sub(t.logSigma).sub(0.5 * LOG_2PI),
  quadrature: (t) => ({ lower: -Infinity, upper: Infinity, center: item(t.mu), scale: Math.exp(item(t.logSigma)) }),
  sample: (key, t, n) => random.normal(key, [n], f64).mul(t.logSigma.exp()).add(t.mu),
};
export const gaussianLogComposed = reparameterize(gaussian, toMuSigma, 'gaussian(μ, σ) ∘ exp');

// ---- Poisson (log-rate) ---------------------------------------------------------------------

export const poisson = likelihoodFamily(likelihoods.poisson(), { labels: arange(0, 80, 1, 'float64'), name: 'poisson(log λ)' });

// ---- Categorical (softmax logits) -----------------------------------------------------------

export const categorical = (k: number): Family => likelihoodFamily(likelihoods.categorical(), { labels: arange(0, k, 1, 'int32'), name: `categorical(${k})` });

// ---- Exponential (rate) ---------------------------------------------------------------------

export const exponential: Family = {
  name: 'exponential(λ)',
  logProb: (l, y) => l.log().sub(l.mul(y)),
  quadrature: (l) => ({ lower: 0, upper: Infinity, scale: 1 / item(l) }),
  sample: (key, l, n) => random.uniform(key, [n], f64).neg().log1p().neg().div(l),
  kl: (a, b) => a.log().sub(b.log()).add(b.div(a)).sub(1),
};

// ---- Gamma (shape α, rate β) ----------------------------------------------------------------

export type Gamma = { alpha: Tensor; beta: Tensor };

/** Marsaglia–Tsang on the host, from the key's uniform and normal streams. */
function gammaDraws(key: Tensor, alpha: number, n: number): Float64Array {
  const [ku, kn, kb] = random.splitList(key, 3);
  const budget = 3 * n + 64;
  const u = random.uniform(ku!, [budget], f64).toTypedArray() as Float64Array;
  const z = random.normal(kn!, [budget], f64).toTypedArray() as Float64Array;
  const boost = random.uniform(kb!, [n], f64).toTypedArray() as Float64Array;
  const a = alpha < 1 ? alpha + 1 : alpha;
  const d = a - 1 / 3, c = 1 / Math.sqrt(9 * d);
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    for (;;) {
      if (j >= budget) throw new Error('gammaDraws: stream exhausted');
      const x = z[j]!, v = (1 + c * x) ** 3, uu = u[j++]!;
      if (v > 0 && Math.log(uu) < 0.5 * x * x + d - d * v + d * Math.log(v)) { out[i] = d * v; break; }
    }
    if (alpha < 1) out[i]! *= boost[i]! ** (1 / alpha);
  }
  return out;
}

export const gamma: Family<Gamma> = {
  name: 'gamma(α, β)',
  logProb: (t, y) => t.alpha.mul(t.beta.log()).sub(lgamma(t.alpha)).add(t.alpha.sub(1).mul(y.log())).sub(t.beta.mul(y)),
  quadrature: (t) => ({ lower: 0, upper: Infinity, scale: item(t.alpha) / item(t.beta) }),
  sample: (key, t, n) => tensor(gammaDraws(key, item(t.alpha), n), f64).div(t.beta),
  // KL(Γ(a₁,b₁) ‖ Γ(a₂,b₂)); ψ(a₁) is a host number because only θ′ = (a₂, b₂) is differentiated.
  kl: (p, q) => {
    const a1 = item(p.alpha);
    return p.alpha.sub(q.alpha).mul(digamma(a1)).sub(lgamma(p.alpha)).add(lgamma(q.alpha))
      .add(q.alpha.mul(p.beta.log().sub(q.beta.log()))).add(p.alpha.mul(q.beta.sub(p.beta)).div(p.beta));
  },
};
/** F(α, β) = [[ψ'(α), −1/β], [−1/β, α/β²]] (ravel order alpha, beta). */
export const gammaFisher = (t: Gamma): Tensor => {
  const a = item(t.alpha), b = item(t.beta);
  return tensor([[trigamma(a), -1 / b], [-1 / b, a / (b * b)]], f64);
};

// ---- A canonical exponential family: the Gaussian in natural parameters --------------------

/** η = (μ/σ², −1/(2σ²)), T(y) = (y, y²), A(η) = −η₁²/(4η₂) − ½ log(−2η₂), h(y) = 1/√(2π). */
export const naturalGaussianLik = likelihoods.exponentialFamily({
  name: 'naturalGaussian',
  sufficientStats: (y) => y.reshape([1]).broadcastTo([2]).mul(tensor([1, 0], f64)).add(y.square().reshape([1]).mul(tensor([0, 1], f64))),
  logPartition: (eta) => {
    const e1 = eta.slice([0], [1]).reshape([]), e2 = eta.slice([1], [1]).reshape([]);
    return e1.square().div(e2.mul(-4)).sub(e2.mul(-2).log().mul(0.5));
  },
  baseMeasure: (y) => y.mul(0).sub(0.5 * LOG_2PI),
});
const natMoments = (eta: Tensor): [number, number] => {
  const [e1, e2] = Array.from(eta.toTypedArray() as Float64Array) as [number, number];
  const s2 = -1 / (2 * e2);
  return [e1 * s2, Math.sqrt(s2)];
};
export const naturalGaussian: Family = {
  name: 'gaussian in natural parameters',
  logProb: (eta, y) => naturalGaussianLik.logProb(eta, y),
  quadrature: (eta) => { const [m, s] = natMoments(eta); return { lower: -Infinity, upper: Infinity, center: m, scale: s }; },
  sample: (key, eta, n) => { const [m, s] = natMoments(eta); return random.normal(key, [n], f64).mul(s).add(m); },
  kl: (a, b) => naturalGaussianLik.kl!(a, b),
};
/** Natural parameters of N(μ, σ²). */
export const natural = (mu: number, sigma: number): Tensor => vec([mu / sigma ** 2, -1 / (2 * sigma ** 2)]);

// ---- Uniform(0, θ): support depends on θ (not regular) --------------------------------------

export const uniform: Family = {
  name: 'uniform(0, θ)',
  logProb: (t, y) => t.log().neg().add(y.mul(0)),
  quadrature: (t) => ({ lower: 0, upper: item(t) }),
  sample: (key, t, n) => random.uniform(key, [n], f64).mul(t),
};

// ---- Logistic regression and a small MLP over fixed designs ---------------------------------

export type Linear = { w: Tensor; b: Tensor };
export const linear = (p: Linear, x: Tensor): Tensor => x.dot(p.w).add(p.b);
export const design = (seed: number, n: number, d: number): Tensor => random.normal(random.key(seed), [n, d], f64);

export const logisticSpec = { model: linear, likelihood: likelihoods.bernoulli() };
export const X6 = design(11, 6, 2);
export const logistic = conditionalFamily(logisticSpec, X6, { labels: vec([0, 1]), name: 'logistic regression (6 examples)' });

export type Mlp = { h: { w: Tensor; b: Tensor }; o: { w: Tensor; b: Tensor } };
/** 2 → 3 (tanh) → 3 logits. */
export const mlp = (p: Mlp, x: Tensor): Tensor => x.matmul(p.h.w).add(p.h.b).tanh().matmul(p.o.w).add(p.o.b);
export function mlpParams(seed: number, scale = 0.8): Mlp {
  const [a, b, c, d] = random.splitList(random.key(seed), 4);
  const n = (k: Tensor, s: number[]) => random.normal(k, s, f64).mul(scale);
  return { h: { w: n(a!, [2, 3]), b: n(b!, [3]) }, o: { w: n(c!, [3, 3]), b: n(d!, [3]) } };
}
export const mlpSpec = { model: mlp, likelihood: likelihoods.categorical() };
export const X4 = design(12, 4, 2);
export const mlpFamily = conditionalFamily(mlpSpec, X4, { labels: arange(0, 3, 1, 'int32'), name: 'MLP 2-3-3, categorical (4 examples)' });

/** A parameter tree from a flat list (ravel order of `like`). */
export function fromFlat<P extends tree.Tree<Tensor>>(like: P, values: number[]): P {
  return tree.ravel(like)[1](vec(values));
}

/** Bernoulli logits via softplus, used with a wrong derivative rule in the failure tests. */
export const bernoulliLogProb = (eta: Tensor, y: Tensor, sp: (x: Tensor) => Tensor = softplus): Tensor => y.mul(eta).sub(sp(eta));
