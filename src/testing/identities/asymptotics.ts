/**
 * Asymptotic identities, checked by simulation with fixed keys: the Cramér–Rao bound (attained
 * by the MLE), convergence of the empirical Fisher to the Fisher at a realizable optimum, and
 * the sandwich covariance (= inverse Fisher only for a well-specified model).
 *
 * ```text
 * Cramér–Rao     n · Cov[θ̂ₙ] ⪰ F(θ)⁻¹,  and → F(θ)⁻¹ for the MLE
 * EF → F         (1/N) Σ s(yᵢ; θ̂_N) s(yᵢ; θ̂_N)ᵀ − F(θ̂_N) = O(N^{-1/2}) when yᵢ ~ p(·|θ)
 * sandwich       A⁻¹ B A⁻¹ = A⁻¹,  A = −E_q[∇² log p_θ],  B = E_q[s sᵀ]   ⇔  q = p_θ (information equality)
 * ```
 * @module
 */
import { ValueError } from '../../errors.js';
import { grad } from '../../transforms/grad.js';
import { hessian } from '../../transforms/jacobian.js';
import { tensor } from '../../tensor/creation.js';
import { vmap } from '../../transforms/vmap.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as curvature from '../../curvature/index.js';
import * as linalg from '../../linalg/index.js';
import { num } from '../_util.js';
import { contextLines, normalization, readMatrix } from './bartlett.js';
import { average, combine, evaluate, flatten, keyOf, leastExact, moments, outerRows, points, toFloat64, type Flat, type Points } from './engine.js';
import { matmul, matrixScale, transpose } from './stats.js';
import type { Distribution, Family, IdentityOptions, IdentityVerdict, Theta } from './types.js';
import { makeVerdict, type RawComparison } from './verdict.js';

/** @internal Result of the batched Newton MLE. */
export interface MleFit {
  /** R×P estimates. */
  readonly estimates: Float64Array;
  /** Replications that did not converge. */
  readonly failed: number;
  readonly iterations: number;
}

/**
 * @internal Maximum likelihood for R independent samples at once (vmapped damped Newton from θ₀):
 * Δ = (−∇²ℓ)⁻¹∇ℓ with step halving until ℓ increases; gradient ascent when −∇²ℓ is not PD.
 */
export function fitMle<P extends Theta>(op: string, family: Family<P>, flat: Flat<P>, ys: Tensor, maxIter = 60): MleFit {
  const r = ys.shape[0]!, p = flat.p;
  const ll = (w: Tensor, ysr: Tensor): Tensor => vmap((y: Tensor) => family.logProb(flat.unravel(w), y).reshape([]))(ysr).mean();
  const val = vmap(ll), gr = vmap(grad(ll)), he = vmap(hessian(ll));
  const read = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray() as ArrayLike<number>);
  const w0 = read(flat.w);
  const W = new Float64Array(r * p);
  for (let i = 0; i < r; i++) W.set(w0, i * p);
  const done = new Uint8Array(r);
  let it = 0;
  const asTensor = (a: Float64Array): Tensor => tensor(a, { dtype: 'float64' }).reshape([r, p]);
  for (; it < maxIter && done.some((d) => !d); it++) {
    const Wt = asTensor(W);
    const f0 = read(val(Wt, ys) as Tensor), g = read(gr(Wt, ys) as Tensor), h = read(he(Wt, ys) as Tensor);
    const step = new Float64Array(r * p);
    for (let i = 0; i < r; i++) {
      if (done[i]) continue;
      const gi = g.subarray(i * p, (i + 1) * p);
      const gmax = Math.max(...Array.from(gi, Math.abs));
      if (!(gmax > 1e-11)) { done[i] = 1; continue; }
      const negH = Float64Array.from(h.subarray(i * p * p, (i + 1) * p * p), (v) => -v);
      let d: Float64Array;
      try { d = linalg.solveSpd(negH, Float64Array.from(gi), p); } catch { d = Float64Array.from(gi); }
      step.set(d, i * p);
    }
    // Step halving, vectorized over replications.
    let t = 1;
    const accepted = new Uint8Array(r);
    for (let ls = 0; ls < 40; ls++) {
      const trial = Float64Array.from(W, (v, k) => (done[Math.floor(k / p)] || accepted[Math.floor(k / p)] ? v : v + t * step[k]!));
      const f1 = read(val(asTensor(trial), ys) as Tensor);
      let pending = false;
      for (let i = 0; i < r; i++) {
        if (done[i] || accepted[i]) continue;
        if (f1[i]! >= f0[i]! - 1e-14 * Math.abs(f0[i]!)) {
          accepted[i] = 1;
          for (let k = 0; k < p; k++) W[i * p + k] = trial[i * p + k]!;
          const smax = Math.max(...Array.from(step.subarray(i * p, (i + 1) * p), (v) => Math.abs(t * v)));
          if (smax < 1e-13 * (1 + Math.max(...Array.from(W.subarray(i * p, (i + 1) * p), Math.abs)))) done[i] = 1;
        } else pending = true;
      }
      if (!pending) break;
      t /= 2;
    }
    for (let i = 0; i < r; i++) if (!done[i] && !accepted[i]) done[i] = 2; // no ascent step found
  }
  let failed = 0;
  const g = read(gr(asTensor(W), ys) as Tensor);
  for (let i = 0; i < r; i++) {
    const gmax = Math.max(...Array.from(g.subarray(i * p, (i + 1) * p), Math.abs));
    if (!(gmax <= 1e-7) || !W.subarray(i * p, (i + 1) * p).every(Number.isFinite)) failed++;
  }
  return { estimates: W, failed, iterations: it };
}

/** @internal Reshapes n·m draws [n·m, ...] into [m, n, ...]. */
function groups(ys: Tensor, m: number, n: number): Tensor {
  return ys.reshape([m, n, ...ys.shape.slice(1)]);
}

/**
 * Options of {@link cramerRao}.
 * @example
 * ```ts
 * const opts: CramerRaoOptions = { n: 100, replications: 2000, expect: 'attained', key: 3 };
 * ```
 */
export interface CramerRaoOptions<P extends Theta = Tensor> extends IdentityOptions {
  /** Observations per replication. */
  readonly n: number;
  /** Number of simulated data sets. @defaultValue 2000 */
  readonly replications?: number | undefined;
  /** Your estimator of θ from one data set `[n, ...]` (default: the MLE by damped Newton from the true θ). */
  readonly estimator?: ((ys: Tensor) => P) | undefined;
  /** `'attained'`: n·Cov[θ̂] = F⁻¹ (efficiency, for the MLE); `'bound'`: only n·Cov[θ̂] ⪰ F⁻¹. @defaultValue 'attained' */
  readonly expect?: 'attained' | 'bound' | undefined;
  /** Relative slack for finite-n effects (O(1/n) for the MLE), in units of √(F⁻¹ᵢᵢ F⁻¹ⱼⱼ). @defaultValue 0.05 */
  readonly asymptoticTolerance?: number | undefined;
  /** Per-observation Fisher in closed form (`[P, P]`), instead of the expectation engine. */
  readonly fisher?: Tensor | ((theta: P) => Tensor) | undefined;
}

/**
 * Checks the Cramér–Rao bound by simulation: R data sets of n observations are drawn from
 * p(·|θ) with a fixed key, θ̂ is computed on each, and n·Cov[θ̂] is compared with F(θ)⁻¹.
 *
 * ```text
 * 'attained':  n·Cov[θ̂] = F⁻¹            bound = z·SE (entries of n(θ̂ᵣ − θ̄)(θ̂ᵣ − θ̄)ᵀ over R) + tol·√(F⁻¹ᵢᵢF⁻¹ⱼⱼ)
 * 'bound':     λ_min(Lᵀ n·Cov[θ̂] L) ≥ 1,  F = L Lᵀ    bound = z·SE of vᵀLᵀ(θ̂ᵣ − θ̄) squared, + tol
 * ```
 * The efficiency eigenvalues λ(Lᵀ n·Cov L) are reported (1 = efficient, > 1 = wasteful). When F
 * is itself estimated (a family with only a sampler, or quadrature), the error of F̂⁻¹ is added
 * to both bounds (in quadrature for Monte Carlo: its draws are independent of the data sets).
 * @param family - the model, with a sampler.
 * @param theta - the true θ.
 * @param options - `n` (required), `replications`, `estimator`, `expect`, `asymptoticTolerance`, `fisher`, {@link IdentityOptions}.
 * @returns the verdict (estimate = n·Cov[θ̂] or λ_min, reference = F⁻¹ or 1).
 * @throws {ValueError} without a sampler, or when F is not positive definite.
 * @example
 * ```ts
 * cramerRao(gaussianFamily, theta, { n: 50 });                                       // the MLE attains it
 * cramerRao(gaussianMean, mu, { n: 51, estimator: median, expect: 'bound' });          // the median respects it
 * ```
 */
export function cramerRao<P extends Theta>(family: Family<P>, theta: P, options: CramerRaoOptions<P>): IdentityVerdict {
  const op = 'cramerRao';
  const th = toFloat64(theta, op);
  const n = options.n;
  const R = options.replications ?? 2000;
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`${op}: n must be a positive integer, got ${n}.`, { op, argument: 'n', received: String(n) });
  if (!Number.isInteger(R) || R < 100) throw new ValueError(`${op}: replications must be an integer ≥ 100, got ${R}.`, { op, argument: 'replications', received: String(R) });
  if (!family.sample) throw new ValueError(`${op}: the family needs a sampler.`, { op, argument: 'family' });
  const flat = flatten(th);
  const p = flat.p;
  const mo = options.fisher === undefined ? moments(op, family, th, options, false, 7) : undefined;
  const F = mo ? mo.fisher.value : readMatrix(options.fisher!, th, p, op);
  let Finv: Float64Array, L: Float64Array;
  try { Finv = linalg.inverseSpd(Float64Array.from(F), p); L = linalg.cholesky(Float64Array.from(F), p); } catch (e) {
    throw new ValueError(`${op}: the Fisher information is not positive definite (${(e as Error).message}).`, { op, argument: 'family' });
  }
  const ys = groups(family.sample(keyOf(options.key, 1), th, R * n), R, n);
  let est: Float64Array, failed = 0, how: string;
  if (options.estimator) {
    const user = options.estimator;
    est = new Float64Array(R * p);
    for (let r = 0; r < R; r++) {
      const yr = ys.slice([r, ...ys.shape.slice(1).map(() => 0)], [1, ...ys.shape.slice(1)]).reshape(ys.shape.slice(1));
      est.set(flatten(toFloat64(user(yr), op)).w.toTypedArray() as Float64Array, r * p);
    }
    how = 'your estimator';
  } else {
    const fit = fitMle(op, family, flat, ys);
    est = fit.estimates; failed = fit.failed;
    how = `MLE by damped Newton (${fit.iterations} iterations${failed ? `, ${failed} of ${R} did not converge` : ''})`;
  }
  const mean = new Float64Array(p);
  for (let r = 0; r < R; r++) for (let k = 0; k < p; k++) mean[k]! += est[r * p + k]! / R;
  const centered = Float64Array.from(est, (v, k) => (v - mean[k % p]!) * Math.sqrt(n));
  const rows = outerRows(centered, R, p);
  const mcPts = { method: 'monte-carlo' as const, ys: ys, m: R, weights: new Float64Array(0), description: '' };
  const cov = average(mcPts, rows, p * p);
  const nCov = cov.value.map((v) => (v * R) / (R - 1));
  // Efficiency: eigen-decomposition of Lᵀ (n Cov) L.
  const M = matmul(transpose(L, p, p), matmul(nCov, L, p, p, p), p, p, p);
  const { values, vectors } = linalg.eighSymmetric(M, p);
  const v0 = Float64Array.from({ length: p }, (_, i) => vectors[i * p]!);
  const lv = matmul(L, v0, p, p, 1); // L v
  const q = new Float64Array(R);
  for (let r = 0; r < R; r++) { let s = 0; for (let k = 0; k < p; k++) s += centered[r * p + k]! * lv[k]!; q[r] = s * s; }
  const qAvg = average(mcPts, q, 1);
  const tol = options.asymptoticTolerance ?? 0.05;
  const scale = matrixScale(Finv, p);
  const bias = Array.from(mean, (m, k) => (m - (flat.w.toTypedArray() as Float64Array)[k]!) / Math.sqrt(Math.max(nCov[k * p + k]! / n, 1e-300)));
  // When F itself is estimated (Monte Carlo, or quadrature), the references carry its error too, to
  // first order: F̂⁻¹ − F⁻¹ ≈ −F⁻¹(F̂ − F)F⁻¹, the error of the mean of the rows F⁻¹ s sᵀ F⁻¹; and
  // uᵀF̂⁻¹u = 1 (u = Lv) deviates from uᵀF⁻¹u like the mean of the rows (wᵀs)², w = F⁻¹u = L⁻ᵀv.
  // Those draws are independent of the simulated data sets, so standard errors add in quadrature.
  const effErr = Float64Array.from(cov.err), effSlack = scale.map((s) => s * tol);
  const lwErr = Float64Array.from(qAvg.err), lwSlack = Float64Array.of(tol);
  if (mo && mo.pts.method !== 'exact') {
    const sc = mo.ev.score, m = mo.ev.m;
    const invRows = new Float64Array(m * p * p), lwRows = new Float64Array(m);
    const w = matmul(Finv, lv, p, p, 1);
    for (let i = 0; i < m; i++) {
      const fs = matmul(Finv, sc.subarray(i * p, (i + 1) * p), p, p, 1);
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) invRows[i * p * p + a * p + b] = fs[a]! * fs[b]!;
      let t = 0;
      for (let k = 0; k < p; k++) t += w[k]! * sc[i * p + k]!;
      lwRows[i] = t * t;
    }
    const inv = average(mo.pts, invRows, p * p), lw = average(mo.pts, lwRows, 1);
    if (mo.pts.method === 'monte-carlo') {
      effErr.forEach((e, k) => { effErr[k] = Math.hypot(e, inv.err[k]!); });
      lwErr[0] = Math.hypot(lwErr[0]!, lw.err[0]!);
    } else {
      effSlack.forEach((e, k) => { effSlack[k] = e + inv.err[k]!; });
      lwSlack[0] = lwSlack[0]! + lw.err[0]!;
    }
  }
  const raws: RawComparison[] = [];
  const loewner: RawComparison = {
    label: 'Cramér–Rao bound: λ_min(Lᵀ·n·Cov[θ̂]·L) ≥ 1 (F = LLᵀ)', kind: 'atLeast', estimate: Float64Array.of(values[0]!), reference: Float64Array.of(1), shape: [],
    err: lwErr, standardError: true, slack: lwSlack, scale: Float64Array.of(Math.max(values[0]!, 1)),
  };
  if ((options.expect ?? 'attained') === 'attained') {
    raws.push({ label: 'efficiency: n·Cov[θ̂] = F⁻¹', estimate: nCov, reference: Finv, shape: [p, p], err: effErr, standardError: true, slack: effSlack, scale }, loewner);
  } else raws.push(loewner);
  if (mo) raws.push(...normalization(mo.pts));
  if (failed > 0) raws.push({ label: 'every replication converged', estimate: Float64Array.of(failed), reference: Float64Array.of(0), shape: [], scale: Float64Array.of(1), requireResolution: false });
  const ctx = contextLines(family, flat, mo?.pts ?? { ...mcPts, description: 'F in closed form' }, [
    `simulation: ${R} data sets of n = ${n} (fixed key); estimator: ${how}`,
    `efficiency eigenvalues of Lᵀ·n·Cov[θ̂]·L: ${Array.from(values, num).join(', ')} (1 = attains the bound)`,
    `bias / sd of θ̂: ${bias.map((b) => b.toFixed(3)).join(', ')}`,
  ]);
  return makeVerdict(`Cramér–Rao: n·Cov[θ̂] ${(options.expect ?? 'attained') === 'attained' ? '→' : '⪰'} F(θ)⁻¹`, 'monte-carlo', raws, options, ctx);
}

/**
 * Options of {@link empiricalFisherConvergence}.
 * @example
 * ```ts
 * const opts: EmpiricalFisherOptions = { sizes: [1000, 10000], at: 'mle' };
 * ```
 */
export interface EmpiricalFisherOptions extends IdentityOptions {
  /** Training-set sizes N. @defaultValue [500, 2000, 8000, 32000] */
  readonly sizes?: readonly number[] | undefined;
  /** Draws N training outcomes (default: the family's sampler at θ — a realizable model). */
  readonly data?: ((key: Tensor, n: number) => Tensor) | undefined;
  /** Where both matrices are evaluated: the MLE on the training set (the optimum of the training loss) or θ itself. @defaultValue 'mle' */
  readonly at?: 'mle' | 'truth' | undefined;
}

/**
 * Checks that the empirical Fisher converges to the Fisher at a realizable optimum: with
 * training data drawn from the model at θ, the EF at the training optimum θ̂_N matches F(θ̂_N)
 * within its CLT bound for every N, and the bound shrinks like N^{-1/2}.
 *
 * ```text
 * EF_N = (1/N) Σᵢ s(yᵢ; θ̂_N) s(yᵢ; θ̂_N)ᵀ,   F(θ̂_N) by the expectation engine
 * |EF_N − F(θ̂_N)|ᵢⱼ ≤ z·SE_N + …   for every N;   resolution required at the largest N
 * ```
 * At the MLE, EF(θ̂) − F(θ̂) = [EF(θ*) − F(θ*)] + O(1/N), so the first-order SE from the draws
 * is the right bound. With `data` from another distribution (misspecified), EF → B ≠ F and the
 * check fails.
 * @param family - the model, with a sampler (and a support / quadrature for F, optionally).
 * @param theta - θ (the truth, and the start of the MLE).
 * @param options - `sizes`, `data`, `at`, {@link IdentityOptions}.
 * @returns the verdict (estimate = EF at the largest N, reference = F there).
 * @throws {ValueError} without a sampler or data.
 * @example
 * ```ts
 * empiricalFisherConvergence(poissonFamily, tensor(0.5, { dtype: 'float64' }), { sizes: [1000, 10000] });
 * ```
 */
export function empiricalFisherConvergence<P extends Theta>(family: Family<P>, theta: P, options: EmpiricalFisherOptions = {}): IdentityVerdict {
  const op = 'empiricalFisherConvergence';
  const th = toFloat64(theta, op);
  const sizes = options.sizes ?? [500, 2000, 8000, 32000];
  const sample = family.sample;
  if (!options.data && !sample) throw new ValueError(`${op}: needs the family's sampler or options.data.`, { op, argument: 'family' });
  const draw = options.data ?? ((key: Tensor, n: number) => sample!(key, th, n));
  const flat0 = flatten(th);
  const p = flat0.p;
  const raws: RawComparison[] = [];
  const lines: string[] = [];
  const rel: number[] = [];
  const methods: ReturnType<typeof leastExact>[] = ['monte-carlo'];
  let ctx: string[] = [];
  const sets: Points[] = [];
  sizes.forEach((N, idx) => {
    if (!Number.isInteger(N) || N < 100) throw new ValueError(`${op}: sizes must be integers ≥ 100, got ${N}.`, { op, argument: 'sizes', received: String(N) });
    const ys = draw(keyOf(options.key, 100 + idx), N);
    let point = th, note = 'θ';
    if ((options.at ?? 'mle') === 'mle') {
      const fit = fitMle(op, family, flat0, ys.reshape([1, ...ys.shape]));
      point = flat0.unravel(tensor(fit.estimates, { dtype: 'float64' }));
      note = fit.failed ? 'MLE (did not converge)' : 'MLE';
    }
    const flat = flatten(point);
    const ev = evaluate(op, family, flat, ys, false);
    const mcPts = { method: 'monte-carlo' as const, ys, m: N, weights: new Float64Array(0), description: '' };
    const ef = average(mcPts, outerRows(ev.score, N, p), p * p);
    const mo = moments(op, family, point, options, false, 200 + idx);
    methods.push(mo.pts.method);
    sets.push(mo.pts);
    const fmc = mo.pts.method === 'monte-carlo';
    const err = ef.err.map((e, k) => (fmc ? Math.hypot(e, mo.fisher.err[k]!) : e));
    const slack = fmc ? undefined : mo.fisher.err;
    const scale = matrixScale(mo.fisher.value, p);
    raws.push({
      label: `EF(θ̂) = F(θ̂) at N = ${N}`, estimate: ef.value, reference: mo.fisher.value, shape: [p, p], err, standardError: true, slack,
      abs: combine(ef.abs, mo.fisher.abs), scale, requireResolution: idx === sizes.length - 1,
    });
    let num2 = 0, den = 0;
    ef.value.forEach((v, k) => { num2 += (v - mo.fisher.value[k]!) ** 2; den += mo.fisher.value[k]! ** 2; });
    rel.push(Math.sqrt(num2 / den));
    lines.push(`N = ${N}: ‖EF − F‖/‖F‖ = ${num(rel[idx]!)} at the ${note}`);
    if (idx === 0) ctx = contextLines(family, flat, mo.pts);
  });
  if (sizes.length >= 2) {
    const xs = sizes.map(Math.log), ys2 = rel.map(Math.log);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length, my = ys2.reduce((a, b) => a + b, 0) / ys2.length;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys2[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    lines.push(`log-log slope of the relative error vs N: ${slope.toFixed(2)} (−0.5 expected)`);
  }
  raws.push(...normalization(...sets));
  return makeVerdict('empirical Fisher → Fisher at a realizable optimum', leastExact(...methods), raws, options, [...ctx, `training data: ${options.data ? 'options.data' : 'the model at θ (realizable)'}`, ...lines]);
}

/**
 * Options of {@link sandwichIdentity}.
 * @example
 * ```ts
 * const opts: SandwichIdentityOptions = { examples: 50, method: 'monte-carlo', samples: 40000 };
 * ```
 */
export interface SandwichIdentityOptions extends IdentityOptions {
  /** N in Cov(θ̂) ≈ A⁻¹BA⁻¹/N. @defaultValue 1 */
  readonly examples?: number | undefined;
}

/**
 * Checks the sandwich identity: under the data distribution q, the Huber–White sandwich
 * A⁻¹BA⁻¹ (computed by `curvature.sandwichCovariance`) equals the inverse Fisher A⁻¹ — which
 * holds when the model is well specified (q = p_θ) and fails under misspecification.
 *
 * ```text
 * A = −E_q[∇²θ log p(y|θ)],   B = E_q[s sᵀ],   sandwich A⁻¹BA⁻¹/N  vs  A⁻¹/N
 * difference = A⁻¹ (B − A) A⁻¹ / N = E_q[A⁻¹ (s sᵀ + ∇² log p) A⁻¹] / N   (its error: same draws)
 * also: E_q[s] = 0  (θ must be the pseudo-true parameter, the optimum of E_q[log p])
 * ```
 * @param family - the model p(y | θ).
 * @param data - the data distribution q (support, quadrature or sampler).
 * @param theta - θ, the (pseudo-)true parameter.
 * @param options - `examples`, {@link IdentityOptions}.
 * @returns the verdict (estimate = sandwich, reference = A⁻¹/N).
 * @throws {ValueError} when A is not positive definite or q offers no way to take expectations.
 * @example
 * ```ts
 * sandwichIdentity(poissonFamily, negativeBinomialData, tensor(Math.log(3), { dtype: 'float64' })).holds; // false: overdispersion
 * ```
 */
export function sandwichIdentity<P extends Theta>(family: Family<P>, data: Distribution, theta: P, options: SandwichIdentityOptions = {}): IdentityVerdict {
  const op = 'sandwichIdentity';
  const th = toFloat64(theta, op);
  const N = options.examples ?? 1;
  const flat = flatten(th);
  const p = flat.p, pp = p * p;
  const pts = points(op, data, options);
  const ev = evaluate(op, family, flat, pts.ys, true);
  const outer = outerRows(ev.score, pts.m, p);
  const A = average(pts, ev.hess!.map((v) => -v), pp);
  const B = average(pts, outer, pp);
  const mean = average(pts, ev.score, p);
  const mc = pts.method === 'monte-carlo';
  const f64 = (a: Float64Array): Tensor => tensor(a, { dtype: 'float64' }).reshape([p, p]);
  let Ainv: Float64Array;
  try { Ainv = linalg.inverseSpd(Float64Array.from(A.value), p); } catch (e) {
    throw new ValueError(`${op}: A = −E_q[∇² log p] is not positive definite (${(e as Error).message}).`, { op, argument: 'theta' });
  }
  const S = Float64Array.from(curvature.sandwichCovariance(f64(A.value), f64(B.value), { examples: N }).toTypedArray() as ArrayLike<number>);
  const ref = Ainv.map((v) => v / N);
  const d = combine(outer, ev.hess!);
  const rows = new Float64Array(pts.m * pp);
  for (let i = 0; i < pts.m; i++) rows.set(matmul(Ainv, matmul(d.subarray(i * pp, (i + 1) * pp), Ainv, p, p, p), p, p, p).map((v) => v / N), i * pp);
  const diff = average(pts, rows, pp);
  const vscale = Float64Array.from({ length: p }, (_, i) => Math.sqrt(Math.abs(B.value[i * p + i]!)));
  const raws: RawComparison[] = [
    { label: 'sandwich A⁻¹BA⁻¹/N = A⁻¹/N', estimate: S, reference: ref, shape: [p, p], err: diff.err, standardError: mc, abs: diff.abs, scale: matrixScale(ref, p) },
    { label: 'E_q[score] = 0 (θ is the pseudo-true parameter)', estimate: mean.value, reference: new Float64Array(p), shape: [p], err: mean.err, standardError: mc, abs: mean.abs, scale: vscale },
    ...normalization(pts),
  ];
  return makeVerdict('sandwich = inverse Fisher (information equality under the data distribution)', pts.method, raws, options,
    contextLines(family, flat, pts, [`data: ${data.name ?? 'q'}; examples N = ${N}`]));
}
