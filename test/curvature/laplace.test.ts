// Laplace approximation: the log marginal likelihood of Bayesian linear regression against the exact
// Gaussian evidence, its gradients, hyperparameter optimization, structures and predictives.
import { describe, expect, it } from 'vitest';
import { grad, jit, linalg, random, vmap, type Tensor } from '../../src/index.js';
import { normal } from '../../src/likelihoods/index.js';
import { laplace } from '../../src/curvature/index.js';
import { expectClose, f64 } from './helpers.js';

const arr = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>, Number);

/** Symmetric positive definite inverse and log-determinant on the host (float64). */
function hostInverse(a: number[][]): { inv: number[][]; logdet: number } {
  const n = a.length;
  const flat = Float64Array.from(a.flat());
  const inv = linalg.inverseSpd(flat, n);
  return { inv: Array.from({ length: n }, (_, i) => Array.from(inv.slice(i * n, (i + 1) * n))), logdet: linalg.logDetSpd(flat, n) };
}

// Bayesian linear regression y = Xw + ε, ε ~ N(0, σ²), w ~ N(0, I/δ).
const N = 40, D = 3;
const X = random.normal(random.key(1), [N, D], { dtype: 'float64' });
const wTrue = f64([0.8, -1.2, 0.4]);
const Y = X.matmul(wTrue).add(random.normal(random.key(2), [N], { dtype: 'float64' }).mul(0.5));
const Xa = X.toArray() as number[][], Ya = arr(Y);
type W = { w: Tensor };
const linear = (p: W, x: Tensor): Tensor => x.dot(p.w);

/** θ* = (XᵀX/σ² + δI)⁻¹ Xᵀy/σ². */
function mapEstimate(delta: number, sigma: number): W {
  const a = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => Xa.reduce((s, r) => s + r[i]! * r[j]!, 0) / sigma ** 2 + (i === j ? delta : 0)));
  const b = Array.from({ length: D }, (_, i) => Xa.reduce((s, r, n) => s + r[i]! * Ya[n]!, 0) / sigma ** 2);
  const { inv } = hostInverse(a);
  return { w: f64(inv.map((row) => row.reduce((s, v, j) => s + v * b[j]!, 0))) };
}

/** log N(y; 0, σ²I + XXᵀ/δ), the exact evidence. */
function evidence(delta: number, sigma: number): number {
  const c = Xa.map((ri, i) => Xa.map((rj, j) => ri.reduce((s, v, k) => s + v * rj[k]!, 0) / delta + (i === j ? sigma ** 2 : 0)));
  const { inv, logdet } = hostInverse(c);
  const quad = Ya.reduce((s, yi, i) => s + yi * inv[i]!.reduce((t, v, j) => t + v * Ya[j]!, 0), 0);
  return -0.5 * quad - 0.5 * logdet - 0.5 * N * Math.log(2 * Math.PI);
}

describe('laplace: Bayesian linear regression', () => {
  const delta = 2.5, sigma = 0.6;
  const theta = mapEstimate(delta, sigma);
  const batch = { x: X, y: Y };

  it('the log marginal likelihood equals the exact Gaussian evidence for every structure that is exact', () => {
    const exact = evidence(delta, sigma);
    for (const hessian of ['ggn', 'fisher', 'hessian'] as const) {
      const la = laplace({ model: linear, likelihood: normal({ sigma }) }, theta, batch, { hessian, priorPrecision: delta });
      expect(la.logMarginalLikelihood().item()).toBeCloseTo(exact, 10);
    }
    // the likelihood's own σ differs: sigmaNoise rescales the curvature and the fit term
    const la1 = laplace({ model: linear, likelihood: normal({ sigma: 1 }) }, theta, batch, { priorPrecision: delta, sigmaNoise: sigma });
    expect(la1.logMarginalLikelihood().item()).toBeCloseTo(exact, 10);
    // low rank with r = P is the full posterior
    const lr = laplace({ model: linear, likelihood: normal({ sigma }) }, theta, batch, { structure: 'lowrank', rank: D, priorPrecision: delta });
    expect(lr.logMarginalLikelihood().item()).toBeCloseTo(exact, 10);
  });

  it('its gradient in δ and σ equals finite differences of the exact evidence (θ* is the MAP: envelope theorem)', () => {
    const la = laplace({ model: linear, likelihood: normal({ sigma }) }, theta, batch, { priorPrecision: delta });
    const g = grad((d: Tensor, s: Tensor) => la.logMarginalLikelihood(d, s), { argnums: [0, 1] })(f64(delta), f64(sigma)) as Tensor[];
    const h = 1e-5;
    const fdDelta = (evidence(delta + h, sigma) - evidence(delta - h, sigma)) / (2 * h);
    const fdSigma = (evidence(delta, sigma + h) - evidence(delta, sigma - h)) / (2 * h);
    expect(g[0]!.item()).toBeCloseTo(fdDelta, 7);
    expect(g[1]!.item()).toBeCloseTo(fdSigma, 7);
    // and finite differences of the Laplace objective itself at a point where θ* is not the MAP
    const at = (d: number, s: number): number => la.logMarginalLikelihood(d, s).item();
    const g2 = grad((d: Tensor, s: Tensor) => la.logMarginalLikelihood(d, s), { argnums: [0, 1] })(f64(0.7), f64(1.3)) as Tensor[];
    expect(g2[0]!.item()).toBeCloseTo((at(0.7 + h, 1.3) - at(0.7 - h, 1.3)) / (2 * h), 7);
    expect(g2[1]!.item()).toBeCloseTo((at(0.7, 1.3 + h) - at(0.7, 1.3 - h)) / (2 * h), 7);
  });

  it('the evidence runs under jit (bit for bit) and vmap (a grid of δ in one call)', () => {
    for (const structure of ['full', 'diag', 'lowrank'] as const) {
      const la = laplace({ model: linear, likelihood: normal({ sigma }) }, theta, batch, { structure, priorPrecision: delta });
      const f = (d: Tensor, s: Tensor): Tensor => la.logMarginalLikelihood(d, s);
      const eager = f(f64(1.3), f64(0.7));
      expect(jit(f)(f64(1.3), f64(0.7)).item()).toBe(eager.item());
      const grid = [0.5, 1, 2, 4];
      const batched = arr(vmap((d: Tensor) => f(d, f64(sigma)))(f64(grid)));
      grid.forEach((d, i) => expect(batched[i]).toBeCloseTo(f(f64(d), f64(sigma)).item(), 11));
    }
  });

  it("reduction 'mean' tempers the likelihood by 1/N: for a Gaussian, the σ√N model up to a constant", () => {
    const mean = laplace({ model: linear, likelihood: normal({ sigma }) }, theta, batch, { reduction: 'mean', priorPrecision: delta });
    const s2 = sigma * Math.sqrt(N);
    const sum = laplace({ model: linear, likelihood: normal({ sigma: s2 }) }, theta, batch, { priorPrecision: delta });
    const c = -(Math.log(sigma) + 0.5 * Math.log(2 * Math.PI)) / N + Math.log(s2) + 0.5 * Math.log(2 * Math.PI);
    expect(mean.logMarginalLikelihood().item()).toBeCloseTo(sum.logMarginalLikelihood().item() + N * c, 10);
  });

  it('per-leaf and per-parameter priors: the evidence with prior N(0, diag(δ)⁻¹)', () => {
    type Q = { a: Tensor; b: Tensor };
    const split = (p: Q, x: Tensor): Tensor => x.slice([0], [2]).dot(p.a).add(x.slice([2], [1]).dot(p.b));
    const d = [1.5, 1.5, 4];
    // MAP and evidence with a diagonal prior, on the host
    const a = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => Xa.reduce((s, r) => s + r[i]! * r[j]!, 0) / sigma ** 2 + (i === j ? d[i]! : 0)));
    const b = Array.from({ length: D }, (_, i) => Xa.reduce((s, r, n) => s + r[i]! * Ya[n]!, 0) / sigma ** 2);
    const w = hostInverse(a).inv.map((row) => row.reduce((s, v, j) => s + v * b[j]!, 0));
    const c = Xa.map((ri, i) => Xa.map((rj, j) => ri.reduce((s, v, k) => s + (v * rj[k]!) / d[k]!, 0) + (i === j ? sigma ** 2 : 0)));
    const { inv, logdet } = hostInverse(c);
    const exact = -0.5 * Ya.reduce((s, yi, i) => s + yi * inv[i]!.reduce((t, v, j) => t + v * Ya[j]!, 0), 0) - 0.5 * logdet - 0.5 * N * Math.log(2 * Math.PI);
    const params: Q = { a: f64(w.slice(0, 2)), b: f64(w.slice(2)) };
    const la = laplace({ model: split, likelihood: normal({ sigma }) }, params, batch, { priorPrecision: { a: 1.5, b: 4 } });
    expect(la.logMarginalLikelihood().item()).toBeCloseTo(exact, 10);
    expect(la.logMarginalLikelihood({ a: f64([1.5, 1.5]), b: f64([4]) }).item()).toBeCloseTo(exact, 10);
    // posterior variance = diag((XᵀX/σ² + diag δ)⁻¹)
    const pv = la.posteriorVariance();
    expectClose([...arr(pv.a), ...arr(pv.b)], hostInverse(a).inv.map((r, i) => r[i]!), 1e-12);
  });

  it('MacKay fixed point and gradient ascent reach the same stationary point of the Laplace evidence', () => {
    const la = laplace({ model: linear, likelihood: normal({ sigma: 1 }) }, theta, batch, { priorPrecision: 1 });
    const fp = la.optimizeHyperparameters();
    expect(fp.converged).toBe(true);
    const gd = la.optimizeHyperparameters({ method: 'gradient', iterations: 600, learningRate: 0.1 });
    expect(gd.priorPrecision as number).toBeCloseTo(fp.priorPrecision as number, 4);
    expect(gd.sigmaNoise!).toBeCloseTo(fp.sigmaNoise!, 5);
    expect(fp.logMarginalLikelihood).toBeGreaterThanOrEqual(gd.logMarginalLikelihood - 1e-9);
    // stationary: the gradient of the Laplace evidence vanishes there
    const g = grad((d: Tensor, s: Tensor) => la.logMarginalLikelihood(d, s), { argnums: [0, 1] })(f64(fp.priorPrecision as number), f64(fp.sigmaNoise!)) as Tensor[];
    expect(Math.abs(g[0]!.item())).toBeLessThan(1e-8);
    expect(Math.abs(g[1]!.item())).toBeLessThan(1e-7);
    // refitting θ* at the new hyperparameters and iterating reaches the maximizer of the exact evidence
    let d = 1, s = 1;
    for (let i = 0; i < 60; i++) {
      const r = laplace({ model: linear, likelihood: normal({ sigma: s }) }, mapEstimate(d, s), batch, { priorPrecision: d }).optimizeHyperparameters({ iterations: 1 });
      d = r.priorPrecision as number; s = r.sigmaNoise!;
    }
    const hh = 1e-6;
    expect(Math.abs((evidence(d + hh, s) - evidence(d - hh, s)) / (2 * hh))).toBeLessThan(1e-6);
    expect(Math.abs((evidence(d, s + hh) - evidence(d, s - hh)) / (2 * hh))).toBeLessThan(1e-5);
  });

  it('the GLM predictive is the exact Gaussian predictive and Monte Carlo agrees with it', () => {
    const la = laplace({ model: linear, likelihood: normal({ sigma }) }, theta, batch, { priorPrecision: delta });
    const xs = random.normal(random.key(5), [4, D], { dtype: 'float64' });
    const glm = la.predictive(xs);
    const a = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => Xa.reduce((s, r) => s + r[i]! * r[j]!, 0) / sigma ** 2 + (i === j ? delta : 0)));
    const cov = hostInverse(a).inv;
    const xsa = xs.toArray() as number[][];
    const exactVar = xsa.map((x) => x.reduce((s, xi, i) => s + xi * cov[i]!.reduce((t, v, j) => t + v * x[j]!, 0), 0) + sigma ** 2);
    expectClose(glm.variance!, exactVar, 1e-12);
    expectClose(glm.mean, xs.matmul(theta.w), 1e-12);
    const S = 4000;
    const mc = la.predictive(xs, { method: 'mc', key: random.key(6), samples: S });
    const fv = exactVar.map((v) => v - sigma ** 2);
    arr(mc.mean).forEach((m, i) => expect(Math.abs(m - arr(glm.mean)[i]!)).toBeLessThan(4 * Math.sqrt(fv[i]! / S)));
    arr(mc.variance!).forEach((v, i) => expect(Math.abs(v - exactVar[i]!)).toBeLessThan(4 * fv[i]! * Math.sqrt(2 / S)));
  });

  it('samples have mean θ* and covariance Λ⁻¹ (within Monte Carlo error)', () => {
    for (const structure of ['full', 'diag', 'lowrank'] as const) {
      const la = laplace({ model: linear, likelihood: normal({ sigma }) }, theta, batch, { structure, priorPrecision: delta, rank: 2 });
      const S = 20000;
      const w = la.sample(random.key(7), S).w; // [S, D]
      const v = arr(la.posteriorVariance().w);
      const mean = arr(w.mean(0)), sv = arr(w.sub(theta.w).square().mean(0));
      mean.forEach((m, i) => expect(Math.abs(m - arr(theta.w)[i]!)).toBeLessThan(4.5 * Math.sqrt(v[i]! / S)));
      sv.forEach((s, i) => expect(Math.abs(s - v[i]!)).toBeLessThan(4.5 * v[i]! * Math.sqrt(2 / S)));
    }
  });
});
