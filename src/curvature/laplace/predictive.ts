/**
 * Predictive distributions of a Laplace approximation: linearized (GLM) with the probit
 * approximation or closed form, and Monte Carlo over posterior samples.
 * @module
 */
import { ValueError } from '../../errors.js';
import { eye } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { softmax } from '../../ops/nn.js';
import { jacrev } from '../../transforms/jacobian.js';
import { vmap } from '../../transforms/vmap.js';
import * as random from '../../random/index.js';
import type * as tree from '../../tree/index.js';
import { psdCholesky } from '../../likelihoods/types.js';
import type { Params } from '../operator.js';
import { batchSize } from '../sandwich.js';
import type { PosteriorCovariance } from './structures.js';
import type { LaplaceCore } from './core.js';
import type { Laplace } from './laplace.js';

/** Options of `Laplace.predictive`. */
export interface PredictiveOptions {
  /** `'glm'` (linearized model, default) or `'mc'` (the network at posterior samples). */
  readonly method?: 'glm' | 'mc';
  /**
   * For `'glm'`: `'probit'` (Bernoulli/categorical; the default for them), `'mc'` (sample the
   * Gaussian of f and average the likelihood's mean; the default for likelihoods other than
   * Bernoulli, categorical and normal). Normal likelihoods are always closed form.
   */
  readonly link?: 'probit' | 'mc';
  /** Samples for Monte Carlo. @defaultValue 100 */
  readonly samples?: number;
  /** PRNG key, required for Monte Carlo. */
  readonly key?: Tensor;
}

/** A predictive distribution at M inputs. */
export interface LaplacePredictive {
  /** E[y | x, D], `[M, ...output]` (class probabilities for Bernoulli/categorical). */
  readonly mean: Tensor;
  /** For the normal likelihood: Var[y | x, D] = Var[f] + σ², `[M, ...output]`. */
  readonly variance?: Tensor;
  /** GLM: f(x; θ*); MC: the sample mean of f, `[M, ...output]`. */
  readonly functionMean: Tensor;
  /** GLM: J Λ⁻¹ Jᵀ per input, `[M, k, k]` (k = output size); MC: the sample covariance of f. */
  readonly functionCovariance: Tensor;
}

/** diag of `[M, k, k]` as `[M, k]`. */
function diagOf(v: Tensor): Tensor {
  const k = v.shape[1]!;
  return v.mul(eye(k, undefined, v.dtype)).sum(2);
}

function needKey(op: string, options: PredictiveOptions): { key: Tensor; samples: number } {
  if (!options.key) throw new ValueError(`${op}: Monte Carlo needs a PRNG key (options.key).`, { op, argument: 'key' });
  const samples = options.samples ?? 100;
  if (!Number.isInteger(samples) || samples < 1) throw new ValueError(`${op}: samples must be a positive integer, got ${samples}.`, { op, argument: 'samples', received: String(samples) });
  return { key: options.key, samples };
}

/** Per-draw likelihood means [S, M, ...out] averaged over S. */
function meanOfMeans(core: LaplaceCore<any>, f: Tensor): Tensor {
  return vmap(vmap((o: Tensor) => core.likelihood.mean(o)))(f).mean(0);
}

/**
 * The predictive at inputs `x` (used by `Laplace.predictive`).
 *
 * ```text
 * GLM:  f ~ N(f(x; θ*), V),  V = J Λ⁻¹ Jᵀ,  J = ∂f(x; θ)/∂θ at θ*
 *   bernoulli   p(y=1) ≈ σ(f / √(1 + π v/8))            categorical   p ≈ softmax(f / √(1 + π diag(V)/8))
 *   normal      E[y] = f,  Var[y] = diag(V) + σ²         other         (1/S) Σₛ E[y | f + chol(V) εₛ]
 * MC:   θₛ ~ N(θ*, Λ⁻¹),  E[y] ≈ (1/S) Σₛ E[y | f(x; θₛ)]
 * ```
 * @param core - The Laplace internals.
 * @param post - Σ at the current hyperparameters.
 * @param la - The Laplace approximation (for sampling).
 * @param x - Inputs with a leading axis M.
 * @param options - `method`, `link`, `samples`, `key`.
 * @returns A {@link LaplacePredictive}.
 * @throws {ValueError} for an unknown method/link, or a missing key for Monte Carlo.
 * @example
 * ```ts
 * const { mean } = la.predictive(xTest, { method: 'mc', key: random.key(0), samples: 1000 });
 * ```
 */
export function predictive<P extends Params>(core: LaplaceCore<P>, post: PosteriorCovariance, la: Laplace<P>, x: tree.Tree<Tensor>, options: PredictiveOptions): LaplacePredictive {
  const op = 'laplace.predictive';
  const m = batchSize(op, { x });
  const method = options.method ?? 'glm';
  const lik = core.likelihood;
  const gaussian = core.gaussian !== undefined;
  const sigma2 = gaussian ? la.sigmaNoise! ** 2 : 0;
  if (method === 'mc') {
    const { key, samples } = needKey(op, options);
    const draws = la.sample(key, samples);
    const f = vmap((p: P) => vmap((xn: any) => core.plain(p, xn))(x))(draws) as Tensor; // [S, M, ...out]
    const fm = f.mean(0);
    const k = fm.size / m;
    const c = f.sub(fm).reshape([samples, m, k]).transpose([1, 2, 0]);
    const cov = c.matmul(c.transpose([0, 2, 1])).div(Math.max(samples - 1, 1));
    if (gaussian) return { mean: fm, variance: diagOf(cov).reshape(fm.shape).add(sigma2), functionMean: fm, functionCovariance: cov };
    return { mean: meanOfMeans(core, f), functionMean: fm, functionCovariance: cov };
  }
  if (method !== 'glm') throw new ValueError(`${op}: method must be 'glm' or 'mc', got ${String(method)}.`, { op, argument: 'method', received: String(method) });
  const f = vmap((xn: any) => core.plain(core.params, xn))(x) as Tensor; // [M, ...out]
  const k = f.size / m;
  const flat = (v: Tensor, xn: any): Tensor => core.plain(core.unravel(v), xn).reshape([k]);
  const j = vmap(jacrev(flat), { inAxes: [null, 0] })(core.theta, x) as Tensor; // [M, k, P]
  const cov = post.functional(j);
  const v = diagOf(cov).reshape(f.shape);
  if (gaussian) return { mean: f, variance: v.add(sigma2), functionMean: f, functionCovariance: cov };
  const probitable = lik.name === 'bernoulli' || lik.name === 'categorical';
  const link = options.link ?? (probitable ? 'probit' : 'mc');
  if (link === 'probit') {
    if (!probitable) throw new ValueError(`${op}: the probit approximation needs a Bernoulli or categorical likelihood, got '${lik.name}'; use link: 'mc'.`, { op, argument: 'link', received: lik.name });
    const scaled = f.div(v.mul(Math.PI / 8).add(1).sqrt());
    return { mean: lik.name === 'bernoulli' ? scaled.sigmoid() : softmax(scaled, -1), functionMean: f, functionCovariance: cov };
  }
  if (link !== 'mc') throw new ValueError(`${op}: link must be 'probit' or 'mc', got ${String(link)}.`, { op, argument: 'link', received: String(link) });
  const { key, samples } = needKey(op, options);
  const l = vmap(psdCholesky)(cov); // [M, k, k]
  const eps = random.normal(key, [samples, m, k, 1], { dtype: f.dtype });
  const fs = l.matmul(eps).reshape([samples, ...f.shape]).add(f);
  return { mean: meanOfMeans(core, fs), functionMean: f, functionCovariance: cov };
}
