// Least squares on Boston housing (σ = 1): Fisher = XᵀX/N = Hessian; Newton/natural-gradient step; EWC, sandwich, accumulation.
import { describe, expect, it } from 'vitest';
import { ValueError, grad, linalg, stack, tree, type Tensor } from '../../src/index.js';
import { normal, normalWithScale } from '../../src/likelihoods/index.js';
import { accumulateFisher, ewcPenalty, fisher, ggn, hessianOperator, sandwichCovariance } from '../../src/curvature/index.js';
import { expectClose, f64, loadStandardized, mat, weightedGram } from './helpers.js';

type P = { w: Tensor };
const lik = normal({ sigma: 1 });
const model = (p: P, x: Tensor): Tensor => x.dot(p.w);
const nll = (p: P, x: Tensor, y: Tensor): Tensor => lik.logProb(model(p, x), y).neg();

describe('least squares on Boston housing', () => {
  const { X, y } = loadStandardized('boston_housing.csv');
  const N = X.length, D = X[0]!.length;
  const batch = { x: f64(X), y: f64(y) };
  const zero: P = { w: f64(new Array<number>(D).fill(0)) };
  const gram = weightedGram(X, new Array<number>(N).fill(1), 1 / N);
  const F0 = fisher({ model, likelihood: lik }, zero, batch);
  const meanLoss = (p: P): Tensor => batch.x.matmul(p.w).sub(batch.y).square().mean().mul(0.5);
  // one natural-gradient (= Newton) step from 0 solves least squares exactly
  const g0 = grad(meanLoss)(zero) as P;
  const step = F0.solve(g0, { method: 'cholesky' });
  const wStar: P = { w: zero.w.sub(step.w) };

  it('Fisher = XᵀX/N = Hessian = GGN, independent of θ', () => {
    expectClose(F0.dense(), gram, 1e-12);
    expectClose(hessianOperator(nll, wStar, batch).dense(), gram, 1e-11);
    expectClose(ggn({ inner: model, outer: (z, yy) => z.sub(yy).square().mul(0.5) }, wStar, batch).dense(), gram, 1e-12);
    expectClose(fisher({ model, likelihood: lik }, wStar, batch).diagonal().w, gram.map((r, i) => r[i]!), 1e-12);
  });

  it('a natural-gradient step reaches the least-squares optimum', () => {
    const gStar = grad(meanLoss)(wStar) as P;
    expect(Math.max(...(gStar.w.toArray() as number[]).map(Math.abs))).toBeLessThan(1e-10);
  });

  it('EWC: the empirical Fisher is not the squared batch gradient', () => {
    const EF = fisher({ model, likelihood: lik }, wStar, batch, { kind: 'empirical' }).diagonal();
    const gSq = (grad(meanLoss)(wStar) as P).w.square();
    const ef = EF.w.toArray() as number[];
    const r = (batch.x.matmul(wStar.w).sub(batch.y).toArray() as number[]);
    expectClose(EF.w, X[0]!.map((_, i) => X.reduce((s, xn, n) => s + (r[n]! * xn[i]!) ** 2, 0) / N), 1e-10);
    expect(Math.min(...ef)).toBeGreaterThan(1e-3);
    expect(Math.max(...(gSq.toArray() as number[]))).toBeLessThan(1e-18);
    const Fd = F0.diagonal();
    const penalty = ewcPenalty(Fd, wStar, 10);
    const theta: P = { w: wStar.w.add(0.1) };
    const fd = Fd.w.toArray() as number[];
    expect(penalty(theta).item()).toBeCloseTo(5 * fd.reduce((s, v) => s + v * 0.01, 0), 10);
    expectClose((grad(penalty)(theta) as P).w, Fd.w.mul(10 * 0.1), 1e-12);
    expect(() => ewcPenalty(Fd, wStar, -1)).toThrow(ValueError);
    expect(() => ewcPenalty({ w: Fd.w.neg() }, wStar, 1)).toThrow(/non-negative/);
  });

  it('EF → 0 as the residuals → 0, while the Fisher stays XᵀX/N (targets moved towards the fit)', () => {
    const fit = batch.x.matmul(wStar.w);
    const traces = [1, 0.1, 0.01, 0].map((t) => {
      const yt = fit.add(batch.y.sub(fit).mul(t)); // residuals scaled by t
      const b = { x: batch.x, y: yt };
      return [fisher({ model, likelihood: lik }, wStar, b, { kind: 'empirical' }).trace(), fisher({ model, likelihood: lik }, wStar, b).trace()] as const;
    });
    const ef0 = traces[0]![0];
    traces.forEach(([ef, fi], i) => {
      expect(fi).toBeCloseTo(gram.reduce((s, r, j) => s + r[j]!, 0), 10); // the Fisher does not see the labels
      expect(ef).toBeCloseTo(ef0 * [1, 1e-2, 1e-4, 0][i]!, 8); // EF is quadratic in the residuals
    });
    expect(ef0).toBeGreaterThan(1);
  });

  it('sandwich covariance: A·Σ·A·N = B, and Σ = A⁻¹/N when B = A', () => {
    const A = F0;
    const B = fisher({ model, likelihood: lik }, wStar, batch, { kind: 'empirical' });
    const cov = sandwichCovariance(A, B, { examples: N });
    expectClose(A.dense().matmul(cov).matmul(A.dense()).mul(N), B.dense(), 1e-8);
    const inv = linalg.inverseSpd(Float64Array.from(A.dense().toTypedArray() as Float64Array), D);
    expectClose(sandwichCovariance(A, A, { examples: N }).mul(N), Array.from(inv), 1e-9);
    expect(() => sandwichCovariance(A.dense().mul(0), B)).toThrow(/positive definite/);
  });

  it('sequential accumulation of per-batch Fisher means equals the full-batch Fisher', () => {
    const half = (lo: number, hi: number) => ({ x: batch.x.slice([lo, 0], [hi - lo, D]), y: batch.y.slice([lo], [hi - lo]) });
    const opts = { kind: 'empirical' as const };
    let s = accumulateFisher(undefined, fisher({ model, likelihood: lik }, wStar, half(0, 200), opts).diagonal(), 200);
    s = accumulateFisher(s, fisher({ model, likelihood: lik }, wStar, half(200, N), opts).diagonal(), N - 200);
    expect(s.count).toBe(N);
    expectClose(s.value.w, fisher({ model, likelihood: lik }, wStar, batch, opts).diagonal().w, 1e-11);
    const ema = accumulateFisher(s, tree.scale(s.value, 3), 10, { decay: 0.9 });
    expectClose(ema.value.w, s.value.w.mul(0.9 + 0.3), 1e-12);
    expect(() => accumulateFisher(s, s.value, 0)).toThrow(ValueError);
  });

  it('learned scale (normalWithScale): the Fisher is PSD but differs from the GGN of −log p', () => {
    type Q = { mu: Tensor; s: Tensor };
    const m2 = (p: Q, x: Tensor): Tensor => stack([x.dot(p.mu), x.dot(p.s)]);
    const q: Q = { mu: wStar.w, s: f64(new Array<number>(D).fill(0.01)) };
    const small = { x: batch.x.slice([0, 0], [40, D]), y: batch.y.slice([0], [40]) };
    const F = fisher({ model: m2, likelihood: normalWithScale() }, q, small);
    const G = ggn({ inner: m2, outer: (z, yy) => normalWithScale().logProb(z, yy).neg() }, q, small);
    const f = mat(F.dense()).flat(), g = mat(G.dense()).flat();
    expect(Math.max(...f.map((v, i) => Math.abs(v - g[i]!)))).toBeGreaterThan(1e-3);
    expect(Math.min(...linalg.eighSymmetric(Float64Array.from(f), 2 * D).values)).toBeGreaterThan(-1e-9);
  });
});
