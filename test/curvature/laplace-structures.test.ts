// Laplace approximation for classification and other likelihoods: full vs diagonal vs K-FAC where
// they must agree, the K-FAC structure against the dense Kronecker operator, probit-GLM vs Monte
// Carlo predictives, user-defined exponential families, and input validation.
import { describe, expect, it } from 'vitest';
import { ShapeError, TreeMismatchError, ValueError, grad, jacrev, linalg, random, tensor, tree, vmap, type Tensor } from '../../src/index.js';
import { bernoulli, categorical, exponentialFamily, logFactorial, normal, normalWithScale, poisson } from '../../src/likelihoods/index.js';
import { applyDense, fisher, kfac, type ConvFn, type DenseFn, type Params } from '../../src/curvature/index.js';
import { laplace } from '../../src/curvature/index.js';
import { expectClose, f64 } from './helpers.js';

const arr = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>, Number);

/** A few damped Newton steps on −Σ log p + δ/2 ‖θ‖² with the exact Fisher (= Hessian for canonical links). */
function fitMap<P extends Params>(model: (p: P, x: Tensor) => Tensor, lik: ReturnType<typeof bernoulli>, p0: P, batch: { x: Tensor; y: Tensor }, delta: number, steps = 25): P {
  const loss = (p: P): Tensor => {
    const zs = batch.x.shape[0]!;
    let total = tensor(0, { dtype: 'float64' });
    for (let n = 0; n < zs; n++) total = total.sub(lik.logProb(model(p, batch.x.slice([n, 0], [1, batch.x.shape[1]!]).reshape([batch.x.shape[1]!])), batch.y.slice([n], [1]).reshape(batch.y.shape.slice(1))));
    return total;
  };
  let p = p0;
  for (let i = 0; i < steps; i++) {
    const g = grad(loss)(p) as P;
    const F = fisher({ model, likelihood: lik }, p, batch, { reduction: 'sum' });
    const gr = Object.fromEntries(Object.entries(g as Record<string, Tensor>).map(([k, v]) => [k, v.add((p as Record<string, Tensor>)[k]!.mul(delta))])) as unknown as P;
    const step = F.solve(gr, { damping: delta, method: 'cholesky' }) as Record<string, Tensor>;
    p = Object.fromEntries(Object.entries(p as Record<string, Tensor>).map(([k, v]) => [k, v.sub(step[k]!)])) as unknown as P;
  }
  return p;
}

describe('laplace: logistic regression with one feature', () => {
  const N = 30;
  const signs = random.bernoulli(random.key(11), 0.5, [N]).cast('float64').mul(2).sub(1); // x ∈ {−1, +1}
  const xs = signs.mul(1.5).reshape([N, 1]);
  const ys = random.bernoulli(random.key(12), 0.7, [N]).cast('float64').mul(signs.add(1).mul(0.5)); // correlated with x
  const batch = { x: xs, y: ys };
  type L = { out: { w: Tensor } };
  const model = (p: L, x: Tensor, dense: DenseFn): Tensor => dense('out', x).reshape([]);
  const plain = (p: L, x: Tensor): Tensor => x.matmul(p.out.w).reshape([]);
  const lik = bernoulli();
  const delta = 0.5;
  const theta = fitMap((p: { w: Tensor }, x: Tensor) => x.dot(p.w), lik, { w: f64([0]) }, batch, delta);
  const params: L = { out: { w: theta.w.reshape([1, 1]) } };

  it('full, diagonal and K-FAC agree (one parameter; |x| constant makes A ⊗ B exact)', () => {
    const las = (['full', 'diag', 'kfac', 'lowrank'] as const).map((structure) => laplace({ model, likelihood: lik }, params, batch, { structure, priorPrecision: delta, rank: 1 }));
    const lml = las.map((la) => la.logMarginalLikelihood().item());
    const v = las.map((la) => la.posteriorVariance().out.w.item());
    const xt = f64([[-2], [0.3], [1]]);
    const pred = las.map((la) => arr(la.predictive(xt).mean));
    for (let i = 1; i < las.length; i++) {
      expect(lml[i]).toBeCloseTo(lml[0]!, 11);
      expect(v[i]).toBeCloseTo(v[0]!, 13);
      expectClose(pred[i], pred[0], 1e-12);
    }
    // by hand: Λ = Σ xₙ² pₙ(1 − pₙ) + δ
    const p = arr(xs.reshape([N]).mul(theta.w.item()).sigmoid());
    const lam = arr(xs.reshape([N])).reduce((s, x, n) => s + x * x * p[n]! * (1 - p[n]!), 0) + delta;
    expect(v[0]).toBeCloseTo(1 / lam, 13);
    // and the probit predictive: σ(μ / √(1 + π v / 8)), μ = x θ, v = x²/Λ
    expectClose(pred[0], arr(xt).map((x) => 1 / (1 + Math.exp(-(x * theta.w.item()) / Math.sqrt(1 + (Math.PI * x * x) / (8 * lam))))), 1e-12);
    // its gradient in δ vs central differences
    const la = las[0]!;
    const g = grad((d: Tensor) => la.logMarginalLikelihood(d))(f64(delta)) as Tensor;
    const h = 1e-5;
    expect(g.item()).toBeCloseTo((la.logMarginalLikelihood(delta + h).item() - la.logMarginalLikelihood(delta - h).item()) / (2 * h), 8);
    // hessian: 'hessian' equals the GGN for a linear model with a canonical link
    expect(laplace({ model: plain, likelihood: lik }, params, batch, { hessian: 'hessian', priorPrecision: delta }).logMarginalLikelihood().item()).toBeCloseTo(lml[0]!, 11);
  });

  it('GLM: the probit approximation is close to the exact Gaussian integral; MC over θ agrees with MC over f (linear model)', () => {
    const la = laplace({ model: plain, likelihood: lik }, params, batch, { priorPrecision: 0.05 });
    const xt = f64([[-3], [0.5], [2.5]]);
    const S = 20000;
    const probit = arr(la.predictive(xt).mean);
    const glmMc = arr(la.predictive(xt, { link: 'mc', key: random.key(3), samples: S }).mean);
    const mc = arr(la.predictive(xt, { method: 'mc', key: random.key(4), samples: S }).mean);
    probit.forEach((p, i) => expect(Math.abs(p - glmMc[i]!)).toBeLessThan(0.01));
    glmMc.forEach((p, i) => expect(Math.abs(p - mc[i]!)).toBeLessThan(6 * Math.sqrt(0.25 / S) * Math.SQRT2));
  });
});

describe('laplace: K-FAC structure of an MLP', () => {
  type M = { h: { w: Tensor; b: Tensor }; out: { w: Tensor; b: Tensor } };
  const model = (p: M, x: Tensor, dense: DenseFn): Tensor => dense('out', dense('h', x).tanh());
  const N = 12, K = 3;
  const x = random.normal(random.key(21), [N, 2], { dtype: 'float64' });
  const y = random.categorical(random.key(22), random.normal(random.key(20), [N, K], { dtype: 'float64' })).cast('int32');
  const params: M = {
    h: { w: random.normal(random.key(23), [2, 4], { dtype: 'float64' }).mul(0.7), b: random.normal(random.key(24), [4], { dtype: 'float64' }).mul(0.1) },
    out: { w: random.normal(random.key(25), [4, K], { dtype: 'float64' }).mul(0.7), b: random.normal(random.key(26), [K], { dtype: 'float64' }).mul(0.1) },
  };
  const lik = categorical();

  it('log det, posterior variance, J Σ Jᵀ and samples equal the dense Kronecker operator + δI', () => {
    const delta = 0.8;
    const la = laplace({ model, likelihood: lik }, params, { x, y }, { structure: 'kfac', priorPrecision: delta });
    const full = laplace({ model, likelihood: lik }, params, { x, y }, { priorPrecision: delta });
    const Kd = kfac({ model, likelihood: lik }, params, { x, y }, { reduction: 'sum' }).dense();
    const P = Kd.shape[0]!;
    const lam = Float64Array.from(arr(Kd));
    for (let i = 0; i < P; i++) lam[i * P + i]! += delta;
    const inv = linalg.inverseSpd(lam, P);
    // the two evidences differ only in −½ log det Λ (same fit and prior terms)
    const gap = la.logMarginalLikelihood().item() - full.logMarginalLikelihood().item();
    expect(gap).toBeCloseTo(-0.5 * linalg.logDetSpd(lam, P) + 0.5 * full.curvature!.logdet({ damping: delta }).item(), 9);
    const pv = la.posteriorVariance();
    expectClose([pv.h.b, pv.h.w, pv.out.b, pv.out.w].flatMap(arr), Array.from({ length: P }, (_, i) => inv[i * P + i]!), 1e-10);
    // J Λ⁻¹ Jᵀ with J by jacrev (tree.ravel order) and the host inverse
    const xt = random.normal(random.key(27), [2, 2], { dtype: 'float64' });
    const cov = la.predictive(xt).functionCovariance; // [2, K, K]
    const [theta, unravel] = tree.ravel(params);
    const plain = (v: Tensor, xn: Tensor): Tensor => applyDense(model, unravel(v), xn);
    for (let m = 0; m < 2; m++) {
      const J = (jacrev(plain)(theta, xt.slice([m, 0], [1, 2]).reshape([2])) as Tensor).toArray() as number[][];
      const want = J.map((ri) => J.map((rj) => ri.reduce((s, a, i) => s + a * rj.reduce((t, b, j) => t + inv[i * P + j]! * b, 0), 0)));
      expectClose(cov.slice([m, 0, 0], [1, K, K]).reshape([K, K]), want, 1e-10);
    }
    const S = 4000;
    const samples = la.sample(random.key(28), S);
    const emp = arr(samples.out.w.sub(params.out.w).square().mean(0));
    const want = arr(pv.out.w);
    emp.forEach((e, i) => expect(Math.abs(e - want[i]!)).toBeLessThan(5 * want[i]! * Math.sqrt(2 / S)));
  });

  it('a conv layer: the K-FAC posterior equals the dense Kronecker operator + δI (kernel reshaped to [k·k·Cin, Cout])', () => {
    type CM = { c: { w: Tensor; b: Tensor }; o: { w: Tensor } };
    const cnn = (_p: CM, xn: Tensor, dense: DenseFn, conv: ConvFn): Tensor => dense('o', conv('c', xn).tanh().reshape([8])).reshape([]);
    const imgs = random.normal(random.key(95), [6, 3, 3, 1], { dtype: 'float64' });
    const lab = random.bernoulli(random.key(96), 0.5, [6]).cast('float64');
    const cp: CM = { c: { w: random.normal(random.key(97), [2, 2, 1, 2], { dtype: 'float64' }), b: f64([0.1, -0.1]) }, o: { w: random.normal(random.key(98), [8, 1], { dtype: 'float64' }).mul(0.5) } };
    const la = laplace({ model: cnn, likelihood: bernoulli() }, cp, { x: imgs, y: lab }, { structure: 'kfac', priorPrecision: 0.3 });
    const Kd = kfac({ model: cnn, likelihood: bernoulli() }, cp, { x: imgs, y: lab }, { reduction: 'sum' }).dense();
    const P = Kd.shape[0]!;
    const lam = Float64Array.from(arr(Kd));
    for (let i = 0; i < P; i++) lam[i * P + i]! += 0.3;
    const inv = linalg.inverseSpd(lam, P);
    const pv = la.posteriorVariance();
    expectClose([pv.c.b, pv.c.w, pv.o.w].flatMap(arr), Array.from({ length: P }, (_, i) => inv[i * P + i]!), 1e-10);
    const full = laplace({ model: cnn, likelihood: bernoulli() }, cp, { x: imgs, y: lab }, { priorPrecision: 0.3 });
    expect(la.logMarginalLikelihood().item() - full.logMarginalLikelihood().item()).toBeCloseTo(-0.5 * linalg.logDetSpd(lam, P) + 0.5 * full.curvature!.logdet({ damping: 0.3 }).item(), 9);
    expect(la.sample(random.key(99), 3).c.w.shape).toEqual([3, 2, 2, 1, 2]);
  });

  it('categorical GLM: the probit predictive is a distribution close to the Gaussian integral of the softmax', () => {
    const la = laplace({ model, likelihood: lik }, params, { x, y }, { priorPrecision: 2 });
    const xt = random.normal(random.key(29), [3, 2], { dtype: 'float64' });
    const probit = arr(la.predictive(xt).mean);
    const glmMc = arr(la.predictive(xt, { link: 'mc', key: random.key(30), samples: 20000 }).mean);
    probit.forEach((p, i) => expect(Math.abs(p - glmMc[i]!)).toBeLessThan(0.03));
    const sums = [0, 1, 2].map((m) => probit.slice(m * K, (m + 1) * K).reduce((a, b) => a + b, 0));
    sums.forEach((s) => expect(s).toBeCloseTo(1, 12));
  });
});

describe('laplace: any likelihood', () => {
  const N = 25;
  const x = random.normal(random.key(41), [N, 2], { dtype: 'float64' });
  const rate = x.matmul(f64([0.5, -0.3])).add(1).exp();
  const counts = arr(rate).map((r, i) => Math.round(r + 0.5 * Math.sin(i))); // deterministic count labels
  const y = f64(counts);
  type W = { w: Tensor; b: Tensor };
  const model = (p: W, xn: Tensor): Tensor => xn.dot(p.w).add(p.b);
  const params: W = { w: f64([0.45, -0.25]), b: f64(0.95) };

  it('a user-defined exponential family gives the same Laplace as the built-in Poisson', () => {
    const ef = exponentialFamily({ name: 'myPoisson', sufficientStats: (t) => t, logPartition: (eta) => eta.exp().sum(), baseMeasure: (t) => logFactorial(t).neg().sum() });
    for (const hessian of ['ggn', 'fisher', 'empirical'] as const) {
      const a = laplace({ model, likelihood: poisson() }, params, { x, y }, { hessian, priorPrecision: { b: 0.1, w: 1 } });
      const b = laplace({ model, likelihood: ef }, params, { x, y }, { hessian, priorPrecision: { b: 0.1, w: 1 } });
      expect(b.logMarginalLikelihood().item()).toBeCloseTo(a.logMarginalLikelihood().item(), 10);
    }
    // GLM predictive by Monte Carlo in function space: E[exp f] = exp(μ + v/2) for f ~ N(μ, v)
    const la = laplace({ model, likelihood: ef }, params, { x, y }, { priorPrecision: 1 });
    const xt = f64([[0.3, -0.2], [1, 1]]);
    const S = 40000;
    const pr = la.predictive(xt, { key: random.key(42), samples: S });
    const mu = arr(pr.functionMean), v = arr(pr.functionCovariance.reshape([2]));
    arr(pr.mean).forEach((m, i) => {
      const exact = Math.exp(mu[i]! + v[i]! / 2);
      const sd = Math.sqrt((Math.exp(v[i]!) - 1) * Math.exp(2 * mu[i]! + v[i]!));
      expect(Math.abs(m - exact)).toBeLessThan(5 * sd / Math.sqrt(S));
    });
  });

  it('the evidence is differentiable in δ for every structure, and in σ for the empirical Fisher (c = (σ₀/σ)⁴)', () => {
    type L = { out: { w: Tensor; b: Tensor } };
    const dmodel = (p: L, xn: Tensor, dense: DenseFn): Tensor => dense('out', xn).reshape([]);
    const lp: L = { out: { w: params.w.reshape([2, 1]), b: params.b.reshape([1]) } };
    const h = 1e-5;
    for (const structure of ['full', 'diag', 'kfac', 'lowrank'] as const) {
      const la = laplace({ model: dmodel, likelihood: poisson() }, lp, { x, y }, { structure, rank: 2 });
      const g = (grad((d: Tensor) => la.logMarginalLikelihood(d))(f64(0.7)) as Tensor).item();
      expect(g).toBeCloseTo((la.logMarginalLikelihood(0.7 + h).item() - la.logMarginalLikelihood(0.7 - h).item()) / (2 * h), 7);
    }
    const yr = x.matmul(f64([0.5, -0.3])).add(0.2);
    const la = laplace({ model, likelihood: normal({ sigma: 0.5 }) }, params, { x, y: yr }, { hessian: 'empirical', priorPrecision: 1 });
    const gs = grad((s: Tensor) => la.logMarginalLikelihood(undefined, s))(f64(0.8)) as Tensor;
    expect(gs.item()).toBeCloseTo((la.logMarginalLikelihood(undefined, 0.8 + h).item() - la.logMarginalLikelihood(undefined, 0.8 - h).item()) / (2 * h), 6);
    // c = (σ₀/σ)⁴: the curvature of σ = 1 is the σ₀ = 0.5 one times 0.5⁴
    const la1 = laplace({ model, likelihood: normal({ sigma: 1 }) }, params, { x, y: yr }, { hessian: 'empirical', priorPrecision: 1 });
    expect(la.logMarginalLikelihood(1, 1).item()).toBeCloseTo(la1.logMarginalLikelihood().item(), 10);
    // a single-tensor parameter takes a per-parameter prior tensor of its shape
    const lin = (w: Tensor, xn: Tensor): Tensor => xn.dot(w);
    const la2 = laplace({ model: lin, likelihood: poisson() }, params.w, { x, y }, { priorPrecision: f64([1, 3]) });
    const la3 = laplace({ model: (p: { w: Tensor }, xn: Tensor) => xn.dot(p.w), likelihood: poisson() }, { w: params.w }, { x, y }, { priorPrecision: { w: f64([1, 3]) } });
    expect(la2.logMarginalLikelihood().item()).toBeCloseTo(la3.logMarginalLikelihood().item(), 12);
  });

  it('low rank from Lanczos (matrix-free) equals low rank from eigh of the dense curvature', () => {
    type M = { h: { w: Tensor; b: Tensor }; out: { w: Tensor; b: Tensor } };
    const mlp = (p: M, xn: Tensor, dense: DenseFn): Tensor => dense('out', dense('h', xn).tanh()).reshape([]);
    const p: M = {
      h: { w: random.normal(random.key(71), [2, 3], { dtype: 'float64' }), b: f64([0.1, -0.2, 0.3]) },
      out: { w: random.normal(random.key(72), [3, 1], { dtype: 'float64' }).mul(0.3), b: f64([0.9]) },
    };
    const spec = { model: mlp, likelihood: poisson() };
    const P = 13;
    for (const rank of [3, P]) {
      const viaEigh = laplace(spec, p, { x, y }, { structure: 'lowrank', rank, priorPrecision: 0.5 });
      const viaLanczos = laplace(spec, p, { x, y }, { structure: 'lowrank', rank, priorPrecision: 0.5, key: random.key(73), steps: P });
      expect(viaLanczos.logMarginalLikelihood().item()).toBeCloseTo(viaEigh.logMarginalLikelihood().item(), 8);
      const va = viaLanczos.posteriorVariance(), vb = viaEigh.posteriorVariance();
      expectClose([va.h.w, va.out.w].flatMap(arr), [vb.h.w, vb.out.w].flatMap(arr), 1e-8);
    }
    const full = laplace(spec, p, { x, y }, { priorPrecision: 0.5 });
    expect(laplace(spec, p, { x, y }, { structure: 'lowrank', rank: P, priorPrecision: 0.5, key: random.key(74), steps: P }).logMarginalLikelihood().item()).toBeCloseTo(full.logMarginalLikelihood().item(), 8);
  });

  it('a non-canonical likelihood (normalWithScale): Fisher posterior, Monte Carlo GLM predictive of E[y]', () => {
    type H = { w: Tensor; b: Tensor };
    const het = (p: H, xn: Tensor): Tensor => xn.matmul(p.w).add(p.b); // [μ, log σ]
    const p: H = { w: f64([[0.5, 0.1], [-0.3, 0.05]]), b: f64([0.2, -0.5]) };
    const yr = x.matmul(f64([0.5, -0.3])).add(0.2);
    const la = laplace({ model: het, likelihood: normalWithScale() }, p, { x, y: yr }, { hessian: 'fisher', priorPrecision: 2 });
    const H = fisher({ model: het, likelihood: normalWithScale() }, p, { x, y: yr }, { reduction: 'sum' }).dense();
    const P = 6;
    const lam = Float64Array.from(arr(H));
    for (let i = 0; i < P; i++) lam[i * P + i]! += 2;
    const logLik = arr(vmap((xn: Tensor, yn: Tensor) => normalWithScale().logProb(het(p, xn), yn), { inAxes: [0, 0] })(x, yr)).reduce((a, b) => a + b, 0);
    const sq = [...arr(p.b), ...arr(p.w)].reduce((a, v) => a + v * v, 0);
    expect(la.logMarginalLikelihood().item()).toBeCloseTo(logLik - sq + 0.5 * P * Math.log(2) - 0.5 * linalg.logDetSpd(lam, P), 10);
    const pr = la.predictive(f64([[0.1, 0.2]]), { key: random.key(91), samples: 20000 });
    expect(pr.mean.shape).toEqual([1]);
    expect(Math.abs(pr.mean.item() - pr.functionMean.reshape([2]).slice([0], [1]).item())).toBeLessThan(5 * Math.sqrt(pr.functionCovariance.reshape([4]).slice([0], [1]).item() / 20000) + 1e-12);
  });

  it('rejects bad options with typed errors', () => {
    const spec = { model, likelihood: poisson() };
    const b = { x, y };
    expect(() => laplace(spec, params, b, { structure: 'banded' as never })).toThrow(ValueError);
    expect(() => laplace(spec, params, b, { hessian: 'gauss' as never })).toThrow(ValueError);
    expect(() => laplace(spec, params, b, { priorPrecision: -1 })).toThrow(/prior precision/);
    expect(() => laplace(spec, params, b, { priorPrecision: { w: 1 } as never })).toThrow(TreeMismatchError);
    expect(() => laplace(spec, params, b, { priorPrecision: { b: 1, w: f64([1, 2, 3]) } })).toThrow(ShapeError);
    expect(() => laplace(spec, params, b, { sigmaNoise: 2 })).toThrow(/normal only/);
    expect(() => laplace(spec, params, b, { structure: 'lowrank', priorPrecision: { b: 1, w: 2 } })).toThrow(/isotropic/);
    expect(() => laplace(spec, params, b, { structure: 'lowrank', rank: 9 })).toThrow(/rank/);
    expect(() => laplace(spec, params, { x })).toThrow(/batch.y/);
    const la = laplace(spec, params, b);
    expect(() => la.predictive(x, { method: 'mc' })).toThrow(/key/);
    expect(() => la.predictive(x, { link: 'probit' })).toThrow(/probit/);
    expect(() => la.sample(random.key(0), 0)).toThrow(ValueError);
    expect(() => la.optimizeHyperparameters({ noise: true })).toThrow(/normal/);
  });
});
