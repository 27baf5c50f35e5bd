// Influence functions on L2-regularized logistic regression (strongly convex): against the
// leave-one-out Newton step, actual retraining, jit, and K-FAC where K-FAC is exact.
import { describe, expect, it } from 'vitest';
import { TreeMismatchError, ValueError, grad, jit, linalg, random, tensor, vmap, type Tensor } from '../../src/index.js';
import { bernoulli } from '../../src/likelihoods/index.js';
import { hessianOperator, kfac, type DenseFn } from '../../src/curvature/index.js';
import { influence, perExampleGradMatrix } from '../../src/curvature/index.js';
import { expectClose } from './helpers.js';

const arr = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>, Number);
const lik = bernoulli();
type W = { w: Tensor };
const loss = (p: W, x: Tensor, y: Tensor): Tensor => lik.logProb(x.dot(p.w), y).neg();

const N = 80, D = 3, lambda = 1;
const X = random.normal(random.key(51), [N, D], { dtype: 'float64' });
const Y = random.bernoulli(random.key(52), X.matmul(tensor([1.5, -1, 0.5], { dtype: 'float64' })).sigmoid()).cast('float64');
const Xt = random.normal(random.key(53), [4, D], { dtype: 'float64' });
const Yt = f64Labels([1, 0, 1, 0]);
function f64Labels(v: number[]): Tensor { return tensor(v, { dtype: 'float64' }); }

/** argmin Σ_{n ∈ keep} ℓₙ + λ/2 ‖θ‖² by Newton's method (dense float64 on the host). */
function fit(keep: number[], start: number[] = new Array<number>(D).fill(0)): number[] {
  const x = X.toArray() as number[][], y = arr(Y);
  let w = start.slice();
  for (let it = 0; it < 50; it++) {
    const g = w.map((wi) => lambda * wi);
    const h = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? lambda : 0)));
    for (const n of keep) {
      const p = 1 / (1 + Math.exp(-x[n]!.reduce((s, v, i) => s + v * w[i]!, 0)));
      for (let i = 0; i < D; i++) {
        g[i]! += (p - y[n]!) * x[n]![i]!;
        for (let j = 0; j < D; j++) h[i]![j]! += p * (1 - p) * x[n]![i]! * x[n]![j]!;
      }
    }
    const step = linalg.solveSpd(Float64Array.from(h.flat()), Float64Array.from(g), D);
    w = w.map((wi, i) => wi - step[i]!);
    if (Math.max(...Array.from(step, Math.abs)) < 1e-15) break;
  }
  return w;
}

const testLoss = (w: number[]): number[] => arr(vmap((x: Tensor, y: Tensor) => loss({ w: tensor(w, { dtype: 'float64' }) }, x, y))(Xt, Yt));

describe('influence functions', () => {
  const all = Array.from({ length: N }, (_, i) => i);
  const wStar = fit(all);
  const params: W = { w: tensor(wStar, { dtype: 'float64' }) };
  const train = { x: X, y: Y }, test = { x: Xt, y: Yt };
  const I = influence(loss, params, train, test, { damping: lambda });

  it('equals the test-loss change of the leave-one-out Newton step θ* + (H + λI)⁻¹∇ℓⱼ, with the sign convention', () => {
    expect(I.shape).toEqual([4, N]);
    const H = hessianOperator(loss, params, train, { reduction: 'sum' }).dense();
    const h = Float64Array.from(arr(H));
    for (let i = 0; i < D; i++) h[i * D + i]! += lambda;
    const gTest = Xt.toArray() as number[][];
    const gt = gTest.map((_, i) => arr(grad(loss)(params, Xt.slice([i, 0], [1, D]).reshape([D]), Yt.slice([i], [1]).reshape([])).w));
    const base = testLoss(wStar);
    const Ia = I.toArray() as number[][];
    for (const j of [0, 7, 33, 79]) {
      const gj = arr(grad(loss)(params, X.slice([j, 0], [1, D]).reshape([D]), Y.slice([j], [1]).reshape([])).w);
      const dtheta = Array.from(linalg.solveSpd(h, Float64Array.from(gj), D));
      gt.forEach((g, i) => expect(-Ia[i]![j]!).toBeCloseTo(g.reduce((s, v, k) => s + v * dtheta[k]!, 0), 12));
      // ... and is close to the change of the actual test loss after retraining without j
      const retrained = testLoss(fit(all.filter((n) => n !== j), wStar));
      retrained.forEach((l, i) => expect(Math.abs(l - base[i]! - -Ia[i]![j]!)).toBeLessThan(0.15 * Math.abs(Ia[i]![j]!) + 1e-4));
    }
  });

  it('CG, Cholesky and the jitted program agree; jit(influence) equals eager bit for bit', () => {
    const chol = influence(loss, params, train, test, { damping: lambda, method: 'cholesky' });
    expectClose(chol, I, 1e-9);
    const noJit = influence(loss, params, train, test, { damping: lambda, method: 'cholesky', jit: false });
    expectClose(noJit, chol, 1e-13);
    const f = jit((w: Tensor, x: Tensor, y: Tensor, xt: Tensor, yt: Tensor) => influence(loss, { w }, { x, y }, { x: xt, y: yt }, { damping: lambda, method: 'cholesky', jit: false }));
    expect(arr(f(params.w, X, Y, Xt, Yt))).toEqual(arr(noJit));
    // per-example gradient rows are ∇ℓₙ
    const G = perExampleGradMatrix(loss, params, train);
    expectClose(G.slice([5, 0], [1, D]).reshape([D]), grad(loss)(params, X.slice([5, 0], [1, D]).reshape([D]), Y.slice([5], [1]).reshape([])).w, 1e-14);
  });

  it('a K-FAC operator gives the exact influence where A ⊗ B is exact (one feature, |x| constant)', () => {
    const n = 20;
    const s = random.bernoulli(random.key(61), 0.5, [n]).cast('float64').mul(2).sub(1).reshape([n, 1]);
    const y = random.bernoulli(random.key(62), 0.6, [n]).cast('float64');
    type K = { out: { w: Tensor } };
    const model = (p: K, x: Tensor, dense: DenseFn): Tensor => dense('out', x).reshape([]);
    const kLoss = (p: K, x: Tensor, yy: Tensor): Tensor => lik.logProb(x.matmul(p.out.w).reshape([]), yy).neg();
    const p: K = { out: { w: tensor([[0.3]], { dtype: 'float64' }) } };
    const tr = { x: s, y }, te = { x: tensor([[1], [-1]], { dtype: 'float64' }), y: tensor([1, 1], { dtype: 'float64' }) };
    const K = kfac({ model, likelihood: lik }, p, tr, { reduction: 'sum' });
    const exact = influence(kLoss, p, tr, te, { damping: 0.5 });
    expectClose(influence(kLoss, p, tr, te, { operator: K, damping: 0.5, method: 'cholesky' }), exact, 1e-10);
    // K-FAC's default factored damping (A + π√λ)(B + √λ/π) replaces AB + λ: with one parameter, a constant ratio
    const fact = arr(influence(kLoss, p, tr, te, { operator: K, damping: 0.5 }));
    const a = K.factors.out!.A.item(), b = K.factors.out!.B.item(), pi = Math.sqrt(a / b), r = Math.sqrt(0.5);
    const ratio = (a * b + 0.5) / ((a + pi * r) * (b + r / pi));
    arr(exact).forEach((e, i) => expect(fact[i]!).toBeCloseTo(e * ratio, 12));
  });

  it('the low-rank (Lanczos) inverse is exact at rank P and approximates the influence below it', () => {
    const exact = arr(I);
    const lr = arr(influence(loss, params, train, test, { damping: lambda, lowRank: { rank: D, key: random.key(81), steps: D } }));
    expectClose(lr, exact, 1e-9);
    const noDamp = arr(influence(loss, params, train, test, { method: 'cholesky' }));
    expectClose(arr(influence(loss, params, train, test, { lowRank: { rank: D, key: random.key(82), steps: D } })), noDamp, 1e-9);
    // rank 2 of 3 with the (I − UUᵀ)/λ complement: the inverse loses exactly (1/(s₃ + λ) − 1/λ) u₃u₃ᵀ, s₃ the smallest eigenvalue
    const two = influence(loss, params, train, test, { damping: lambda, lowRank: { rank: 2, key: random.key(83), steps: D } });
    const { values, vectors } = linalg.eigh(hessianOperator(loss, params, train, { reduction: 'sum' }).dense());
    const u3 = vectors.slice([0, 0], [D, 1]);
    const c = 1 / (values.slice([0], [1]).item() + lambda) - 1 / lambda;
    const gt = perExampleGradMatrix(loss, params, test).matmul(u3), gj = perExampleGradMatrix(loss, params, train).matmul(u3);
    expectClose(two, I.add(gt.matmul(gj.T).mul(c)), 1e-9);
    expect(two.sub(I).abs().max().item()).toBeGreaterThan(1e-6); // and the dropped direction matters here
  });

  it('rejects bad arguments with typed errors', () => {
    expect(() => influence(loss, params, train, test, { damping: -1 })).toThrow(ValueError);
    const other = hessianOperator((p: { v: Tensor }, x: Tensor, y: Tensor) => loss({ w: p.v }, x, y), { v: params.w }, train);
    expect(() => influence(loss, params, train, test, { operator: other as never })).toThrow(TreeMismatchError);
    expect(() => influence(loss, params, train, { x: Xt, y: Y })).toThrow(/influence/);
  });
});
