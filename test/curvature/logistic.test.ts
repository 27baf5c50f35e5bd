// Logistic regression on breast cancer (standardized + bias): closed-form Fisher, Hessian, EF, per-example grads.
import { describe, expect, it } from 'vitest';
import { grad, jit, tensor, type Tensor } from '../../src/index.js';
import { bernoulli } from '../../src/likelihoods/index.js';
import { fisher, ggn, hessianOperator, perExampleGrads } from '../../src/curvature/index.js';
import { expectClose, f64, loadStandardized, mat, weightedGram } from './helpers.js';

type P = { w: Tensor };
const lik = bernoulli();
const model = (p: P, x: Tensor): Tensor => x.dot(p.w);
const nll = (p: P, x: Tensor, y: Tensor): Tensor => lik.logProb(model(p, x), y).neg();

describe('logistic regression on breast cancer', () => {
  const { X, y } = loadStandardized('breast_cancer.csv');
  const N = X.length, D = X[0]!.length;
  const w = Array.from({ length: D }, (_, i) => 0.05 * Math.sin(3 * i + 1));
  const params: P = { w: f64(w) };
  const batch = { x: f64(X), y: f64(y) };
  const p = X.map((r) => 1 / (1 + Math.exp(-r.reduce((s, v, i) => s + v * w[i]!, 0))));
  const fisherClosed = weightedGram(X, p.map((q) => q * (1 - q)), 1 / N);
  const g = X.map((r, n) => r.map((v) => (p[n]! - y[n]!) * v));
  const efClosed = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => g.reduce((s, gn) => s + gn[i]! * gn[j]!, 0) / N));
  const F = fisher({ model, likelihood: lik }, params, batch);

  it('per-example gradients are (pₙ − yₙ) xₙ', () => {
    expectClose(perExampleGrads(nll)(params, batch).w, g, 1e-12);
  });

  it('Fisher = Xᵀ diag(p(1−p)) X / N = Hessian = GGN', () => {
    expectClose(F.dense(), fisherClosed, 1e-11);
    expectClose(hessianOperator(nll, params, batch).dense(), fisherClosed, 1e-10);
    expectClose(ggn({ inner: model, outer: (z, yy) => lik.logProb(z, yy).neg() }, params, batch).dense(), fisherClosed, 1e-11);
  });

  it('exact diagonal equals the dense diagonal; trace is its sum', () => {
    const diag = fisherClosed.map((r, i) => r[i]!);
    expectClose(F.diagonal().w, diag, 1e-11);
    expect(F.trace()).toBeCloseTo(diag.reduce((a, b) => a + b, 0), 10);
  });

  it('empirical Fisher = mean gₙgₙᵀ, and its diagonal is exact', () => {
    const EF = fisher({ model, likelihood: lik }, params, batch, { kind: 'empirical' });
    expectClose(EF.dense(), efClosed, 1e-11);
    expectClose(EF.diagonal().w, efClosed.map((r, i) => r[i]!), 1e-11);
    // and the sum reduction is N times the mean
    expectClose(fisher({ model, likelihood: lik }, params, batch, { kind: 'empirical', reduction: 'sum' }).diagonal().w, efClosed.map((r, i) => N * r[i]!), 1e-10);
  });

  it('EF is the GGN of the split a = −log b, b = p(y | f(x; θ))', () => {
    const inner = (q: P, xy: { x: Tensor; y: Tensor }): Tensor => lik.logProb(model(q, xy.x), xy.y).exp();
    const G = ggn({ inner, outer: (b) => b.log().neg() }, params, { x: { x: batch.x, y: batch.y }, y: batch.y });
    expectClose(G.dense(), efClosed, 1e-9);
  });

  it('solve inverts matvec + damping (Cholesky and CG agree)', () => {
    const b = { w: f64(Array.from({ length: D }, (_, i) => Math.cos(i))) };
    const xc = F.solve(b, { damping: 1e-3, method: 'cholesky' });
    const xg = F.solve(b, { damping: 1e-3, method: 'cg' });
    expectClose(xg.w, xc.w, 1e-6);
    const back = F.matvec(xc).w.add(xc.w.mul(1e-3));
    expectClose(back, b.w, 1e-9);
    expect(mat(F.dense()).length).toBe(D);
    void tensor;
  });

  it('float32: the Cholesky solve accepts the float32 dense Fisher (rounding asymmetry) and agrees with float64', () => {
    const p32: P = { w: tensor(w, { dtype: 'float32' }) };
    const F32 = fisher({ model, likelihood: lik }, p32, { x: tensor(X, { dtype: 'float32' }), y: tensor(y, { dtype: 'float32' }) });
    const b = Array.from({ length: D }, (_, i) => Math.cos(i));
    const x32 = F32.solve({ w: tensor(b, { dtype: 'float32' }) }, { damping: 1e-2, method: 'cholesky' });
    const x64 = F.solve({ w: f64(b) }, { damping: 1e-2, method: 'cholesky' });
    expect(x32.w.dtype).toBe('float32');
    expectClose(x32.w, x64.w, 2e-2);
    const cg32 = F32.solve({ w: tensor(b, { dtype: 'float32' }) }, { damping: 1e-2, method: 'cg' });
    expect(cg32.w.dtype).toBe('float32');
    expectClose(cg32.w, x64.w, 2e-2);
    expectClose(F32.diagonal().w, F.diagonal().w, 1e-5);
    expect(F32.dense().dtype).toBe('float32');
  });

  /** log det of a symmetric positive definite matrix by a host float64 Cholesky. */
  const hostLogdet = (a: number[][]): number => {
    const n = a.length, l = a.map((r) => r.map(() => 0));
    let ld = 0;
    for (let j = 0; j < n; j++) {
      let d = a[j]![j]!;
      for (let k = 0; k < j; k++) d -= l[j]![k]! ** 2;
      l[j]![j] = Math.sqrt(d);
      ld += Math.log(d);
      for (let i = j + 1; i < n; i++) {
        let v = a[i]![j]!;
        for (let k = 0; k < j; k++) v -= l[i]![k]! * l[j]![k]!;
        l[i]![j] = v / l[j]![j]!;
      }
    }
    return ld;
  };

  it('logdet(damping) = log det(Xᵀ diag(p(1−p)) X / N + λI), and Σ log eigh().values', () => {
    for (const damping of [0, 1e-3]) {
      const closed = hostLogdet(fisherClosed.map((r, i) => r.map((v, j) => v + (i === j ? damping : 0))));
      expect(F.logdet({ damping }).item()).toBeCloseTo(closed, 8);
    }
    const { values, vectors } = F.eigh();
    const w = Array.from(values.toTypedArray() as Float64Array);
    for (let i = 1; i < w.length; i++) expect(w[i]!).toBeGreaterThanOrEqual(w[i - 1]!);
    expect(w.reduce((a, v) => a + Math.log(v), 0)).toBeCloseTo(hostLogdet(fisherClosed), 7);
    // C V = V diag(w) against the closed-form Fisher
    expectClose(f64(fisherClosed).matmul(vectors), vectors.mul(values), 1e-11);
  });

  it('logdet is differentiable in the parameters (grad matches central differences) and jits to the same value', () => {
    const ld = (q: P): Tensor => fisher({ model, likelihood: lik }, q, batch).logdet({ damping: 1e-3 });
    const gw = Array.from(grad(ld)(params).w.toTypedArray() as Float64Array);
    const dir = w.map((_, i) => Math.cos(2 * i + 0.3));
    const h = 1e-5;
    const at = (t: number) => ld({ w: f64(w.map((v, i) => v + t * dir[i]!)) }).item();
    const fd = (at(h) - at(-h)) / (2 * h);
    expect(gw.reduce((a, g, i) => a + g * dir[i]!, 0)).toBeCloseTo(fd, 6);
    expect(jit(ld)(params).item()).toBeCloseTo(ld(params).item(), 12);
  });

  it('logdet of a singular operator is a typed error that asks for damping', () => {
    const rank1 = fisher({ model, likelihood: lik }, params, { x: f64(X.slice(0, 1)), y: f64(y.slice(0, 1)) });
    expect(() => rank1.logdet()).toThrow(/CurvatureOperator\.logdet: .*damping/);
    expect(() => F.logdet({ damping: -1 })).toThrow(/damping must be a non-negative/);
  });
});
