/**
 * The Bartlett identities and the KL-Hessian identity of a family p(y | θ).
 *
 * ```text
 * first Bartlett    E_θ[s] = 0,                      s = ∇θ log p(y | θ)
 * second Bartlett   Cov_θ[s] = −E_θ[∇²θ log p(y | θ)] = F(θ)
 * KL Hessian        ∇²θ′ KL(p_θ ‖ p_θ′)|θ′=θ = F(θ),  and KL = 0, ∇θ′ KL = 0 there
 * ```
 * All three follow from differentiating ∫ p(y | θ) dy = 1 under the integral, so they fail
 * when the support depends on θ (Uniform(0, θ)) — which the checkers report.
 * @module
 */
import { grad } from '../../transforms/grad.js';
import { hessian } from '../../transforms/jacobian.js';
import type { Tensor } from '../../tensor/tensor.js';
import type * as curvature from '../../curvature/index.js';
import { num } from '../_util.js';
import { average, combine, mass, moments, toFloat64, type Moments, type Flat, type Points } from './engine.js';
import { matrixScale } from './stats.js';
import type { Family, IdentityOptions, IdentityVerdict, Theta } from './types.js';
import { makeVerdict, type RawComparison } from './verdict.js';

/** @internal Report lines describing the family, θ and the expectation used. */
export function contextLines<P extends Theta>(family: Family<P> | undefined, flat: Flat<P>, pts: Points, extra: readonly string[] = []): string[] {
  const w = Array.from(flat.w.toTypedArray() as ArrayLike<number>);
  const shown = w.slice(0, 8).map(num).join(', ') + (w.length > 8 ? `, … (${w.length} parameters)` : '');
  return [`family: ${family?.name ?? 'family'} at θ = [${shown}] (tree.ravel order)`, `expectation: ${pts.description}`, ...extra];
}

/** @internal The normalization check Σ p = 1 (exact / quadrature only), one component per point set. */
export function normalization(...sets: Points[]): RawComparison[] {
  const exact = sets.filter((p) => p.method !== 'monte-carlo');
  if (exact.length === 0) return [];
  const avgs = exact.map(mass);
  const one = exact.length === 1;
  return [{
    label: `normalization: ${exact.every((p) => p.method === 'exact') ? 'Σ_y p(y|θ)' : '∫ p(y|θ) dy'} = 1${one ? '' : ` (each of ${exact.length} distributions)`}`,
    estimate: Float64Array.from(avgs, (a) => a.value[0]!), reference: new Float64Array(exact.length).fill(1), shape: one ? [] : [exact.length],
    err: Float64Array.from(avgs, (a) => a.err[0]!), abs: Float64Array.from(avgs, (a) => a.abs[0]!), scale: new Float64Array(exact.length).fill(1),
  }];
}

/** @internal √diag of a P×P matrix, as a vector scale. */
export function diagScale(a: Float64Array, p: number): Float64Array {
  return Float64Array.from({ length: p }, (_, i) => Math.sqrt(Math.abs(a[i * p + i]!)));
}

/** @internal Reads a candidate matrix (tensor, operator with dense(), or function of θ). */
export function readMatrix<P extends Theta>(c: Tensor | { dense(): Tensor } | ((theta: P) => Tensor | { dense(): Tensor }), theta: P, p: number, op: string): Float64Array {
  const v = typeof c === 'function' ? c(theta) : c;
  const t = 'dense' in v && typeof v.dense === 'function' ? v.dense() : (v as Tensor);
  if (t.size !== p * p) throw new RangeError(`${op}: the candidate matrix must have ${p}×${p} entries (tree.ravel order), got ${t.aval.toString()}.`);
  return Float64Array.from(t.toTypedArray() as ArrayLike<number>);
}

/**
 * Options of {@link secondBartlett}.
 * @example
 * ```ts
 * const opts: SecondBartlettOptions<Tensor> = { fisher: (eta) => likelihoods.poisson().outputFisher(eta) };
 * ```
 */
export interface SecondBartlettOptions<P extends Theta = Tensor> extends IdentityOptions {
  /** A candidate Fisher matrix (`[P, P]` in `tree.ravel` order): a tensor, an operator with `dense()`, or a function of θ; checked against −E[∇² log p]. */
  readonly fisher?: Tensor | Pick<curvature.CurvatureOperator, 'dense'> | ((theta: P) => Tensor | Pick<curvature.CurvatureOperator, 'dense'>) | undefined;
}

/**
 * Options of {@link klHessian}.
 * @example
 * ```ts
 * const opts: KlHessianOptions<Tensor> = { kl: (a, b) => a.log().sub(b.log()).add(b.div(a)).sub(1) }; // exponential(rate)
 * ```
 */
export interface KlHessianOptions<P extends Theta = Tensor> extends IdentityOptions {
  /** KL(p_θ ‖ p_θ′) in closed form (overrides `family.kl`). */
  readonly kl?: ((theta: P, other: P) => Tensor) | undefined;
}

function isMc(m: Moments): boolean {
  return m.pts.method === 'monte-carlo';
}

/**
 * Checks the first Bartlett identity: the score has mean zero under the model.
 *
 * ```text
 * E_{y~p(·|θ)}[∇θ log p(y | θ)] = 0          scale of component i: √E[s_i²]
 * ```
 * Also checks that p(· | θ) is normalized when the expectation is exact or by quadrature.
 * @param family - the model p(y | θ) with a support, a quadrature domain or a sampler.
 * @param theta - θ (any pytree of float tensors; promoted to float64).
 * @param options - see {@link IdentityOptions}.
 * @returns the verdict (estimate = E[score], reference = 0).
 * @throws {ValueError} when the family offers no way to take expectations or logProb is NaN.
 * @example
 * ```ts
 * const v = firstBartlett({ logProb: (eta, y) => y.mul(eta).sub(softplus(eta)), support: tensor([0, 1]) }, tensor(0.3, { dtype: 'float64' }));
 * v.holds; // true
 * ```
 */
export function firstBartlett<P extends Theta>(family: Family<P>, theta: P, options: IdentityOptions = {}): IdentityVerdict {
  const op = 'firstBartlett';
  const mo = moments(op, family, toFloat64(theta, op), options, false);
  const p = mo.ev.p;
  const raws: RawComparison[] = [
    {
      label: 'E[score] = 0', estimate: mo.mean.value, reference: new Float64Array(p), shape: [p], err: mo.mean.err, standardError: isMc(mo),
      abs: mo.mean.abs, scale: diagScale(mo.fisher.value, p),
    },
    ...normalization(mo.pts),
  ];
  return makeVerdict('first Bartlett identity: E_θ[∇θ log p(y|θ)] = 0', mo.pts.method, raws, options, contextLines(family, mo.flat, mo.pts));
}

/**
 * Checks the second Bartlett identity (information equality): the covariance of the score
 * equals the expected negative Hessian of the log-density — and, when given, that a candidate
 * Fisher matrix equals them.
 *
 * ```text
 * Cov_θ[s] = E[s sᵀ] − E[s] E[s]ᵀ  =  −E_θ[∇²θ log p(y | θ)]        scale of (i, j): √(F_ii F_jj)
 * candidate F̂ = −E_θ[∇²θ log p(y | θ)]
 * Monte Carlo: paired error of the per-draw difference s sᵀ + ∇² log p (same draws)
 * ```
 * @param family - the model.
 * @param theta - θ.
 * @param options - {@link IdentityOptions} and an optional candidate `fisher`.
 * @returns the verdict (estimate = candidate or Cov[score], reference = −E[∇² log p]).
 * @throws {ValueError} when the family offers no way to take expectations; {RangeError} for a
 *   candidate of the wrong size.
 * @example
 * ```ts
 * secondBartlett(family, theta, { fisher: curvature.fisher(spec, params, batch, { reduction: 'sum' }) });
 * ```
 */
export function secondBartlett<P extends Theta>(family: Family<P>, theta: P, options: SecondBartlettOptions<P> = {}): IdentityVerdict {
  const op = 'secondBartlett';
  const th = toFloat64(theta, op);
  const mo = moments(op, family, th, options, true);
  const { p } = mo.ev;
  const pp = p * p;
  const negH = mo.ev.hess!.map((v) => -v);
  const expNegH = average(mo.pts, negH, pp);
  const cov = Float64Array.from(mo.fisher.value, (v, k) => v - mo.mean.value[Math.floor(k / p)]! * mo.mean.value[k % p]!);
  const diff = average(mo.pts, combine(mo.outer, mo.ev.hess!), pp);
  const scale = matrixScale(expNegH.value, p);
  const mc = isMc(mo);
  const raws: RawComparison[] = [];
  if (options.fisher !== undefined) {
    const cand = readMatrix(options.fisher, th, p, op);
    raws.push({ label: 'candidate Fisher = −E[∇² log p]', estimate: cand, reference: expNegH.value, shape: [p, p], err: expNegH.err, standardError: mc, abs: expNegH.abs, scale });
  }
  raws.push(
    {
      label: 'Cov[score] = −E[∇² log p]', estimate: cov, reference: expNegH.value, shape: [p, p], err: diff.err, standardError: mc, abs: combine(mo.fisher.abs, expNegH.abs), scale,
      // Cov = E[s sᵀ] − m̂ m̂ᵀ: under the identity E[s] = 0, so m̂ m̂ᵀ is a z²·se·se term (it dominates when s sᵀ + ∇² log p has no variance, e.g. a Bernoulli at logit 0).
      quadraticErr: mc ? Float64Array.from({ length: pp }, (_, k) => mo.mean.err[Math.floor(k / p)]! * mo.mean.err[k % p]!) : undefined,
    },
    ...normalization(mo.pts),
  );
  return makeVerdict('second Bartlett identity: Cov_θ[score] = −E_θ[∇²θ log p] (= Fisher)', mo.pts.method, raws, options, contextLines(family, mo.flat, mo.pts));
}

/**
 * Checks the KL-Hessian identity: the Fisher information is the Hessian of θ′ ↦ KL(p_θ ‖ p_θ′)
 * at θ′ = θ, where the KL and its gradient vanish.
 *
 * ```text
 * ∇²θ′ KL(p_θ ‖ p_θ′)|θ′=θ = E_θ[s sᵀ],   KL(p_θ ‖ p_θ) = 0,   ∇θ′ KL|θ′=θ = 0
 * ```
 * With a closed-form `kl` (option or `family.kl`) its Hessian is taken by autodiff and compared
 * with E[s sᵀ] from the expectation engine. Without one, KL(θ‖θ′) = E_θ[log p_θ − log p_θ′] is
 * formed with the same weights, whose θ′-Hessian is −E_θ[∇² log p]: the check then coincides
 * with the Hessian form of {@link secondBartlett}.
 * @param family - the model.
 * @param theta - θ.
 * @param options - {@link IdentityOptions} and an optional closed-form `kl`.
 * @returns the verdict (estimate = ∇² KL, reference = E[s sᵀ]).
 * @throws {ValueError} when the family offers no way to take expectations.
 * @example
 * ```ts
 * klHessian(likelihoodFamily(likelihoods.categorical(), { labels: arange(0, 3, 1, 'int32') }), tensor([0.1, -0.4, 1], { dtype: 'float64' }));
 * ```
 */
export function klHessian<P extends Theta>(family: Family<P>, theta: P, options: KlHessianOptions<P> = {}): IdentityVerdict {
  const op = 'klHessian';
  const th = toFloat64(theta, op);
  const kl = options.kl ?? family.kl;
  const mo = moments(op, family, th, options, !kl);
  const { p } = mo.ev;
  const pp = p * p;
  const mc = isMc(mo);
  const scale = matrixScale(mo.fisher.value, p);
  const raws: RawComparison[] = [];
  const extra: string[] = [];
  if (kl) {
    const { w, unravel } = mo.flat;
    const K = (v: Tensor): Tensor => kl(th, unravel(v)).reshape([]);
    const h = Float64Array.from((hessian(K)(w) as Tensor).toTypedArray() as ArrayLike<number>);
    const g = Float64Array.from((grad(K)(w) as Tensor).toTypedArray() as ArrayLike<number>);
    const k0 = K(w).item() as number;
    const hAbs = Float64Array.from(h, Math.abs);
    raws.push(
      { label: '∇²θ′ KL(p_θ ‖ p_θ′)|θ′=θ = E[s sᵀ]', estimate: h, reference: mo.fisher.value, shape: [p, p], err: mo.fisher.err, standardError: mc, abs: combine(mo.fisher.abs, hAbs), scale },
      { label: 'KL(p_θ ‖ p_θ) = 0', estimate: Float64Array.of(k0), reference: Float64Array.of(0), shape: [], scale: Float64Array.of(Math.max(...diagScale(mo.fisher.value, p), 1e-300)), requireResolution: false },
      { label: '∇θ′ KL(p_θ ‖ p_θ′)|θ′=θ = 0', estimate: g, reference: new Float64Array(p), shape: [p], scale: diagScale(mo.fisher.value, p), requireResolution: false },
    );
    extra.push('KL: closed form, differentiated by autodiff');
  } else {
    const negH = mo.ev.hess!.map((v) => -v);
    const est = average(mo.pts, negH, pp);
    const diff = average(mo.pts, combine(mo.outer, mo.ev.hess!), pp);
    raws.push({ label: '∇²θ′ E_θ[log p_θ − log p_θ′]|θ′=θ = E[s sᵀ]', estimate: est.value, reference: mo.fisher.value, shape: [p, p], err: diff.err, standardError: mc, abs: combine(est.abs, mo.fisher.abs), scale });
    extra.push('KL: no closed form, so KL(θ‖θ′) = E_θ[log p_θ − log p_θ′] with the same weights (the check reduces to the Hessian form of the second identity)');
  }
  raws.push(...normalization(mo.pts));
  return makeVerdict('KL-Hessian identity: ∇²θ′ KL(p_θ ‖ p_θ′)|θ′=θ = F(θ)', mo.pts.method, raws, options, contextLines(family, mo.flat, mo.pts, extra));
}
