/**
 * `laplace`: the Laplace approximation p(θ | D) ≈ N(θ*, Λ⁻¹) at a MAP estimate θ*, with
 * Λ = curvature of −log p(D | θ) + prior precision, in a full, diagonal, K-FAC or low-rank structure.
 * Formulas and sign conventions: docs/laplace.md.
 * @module
 */
import { ValueError } from '../../errors.js';
import { tensor, zeros } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { vmap } from '../../transforms/vmap.js';
import * as random from '../../random/index.js';
import * as tree from '../../tree/index.js';
import * as linalg from '../../linalg/index.js';
import type { Likelihood } from '../../likelihoods/types.js';
import { checkParams } from '../check-params.js';
import { fisher, ggn, hessianOperator } from '../builders.js';
import { applyDense, kfac, type DenseFn, type KfacParams } from '../kfac.js';
import { lanczos } from '../lanczos.js';
import type { CurvatureOperator, Params } from '../operator.js';
import { batchSize, reductionScale, type Batch, type Reduction } from '../sandwich.js';
import { leafIndex, type PriorPrecision } from './prior.js';
import { diagStructure, fullStructure, lowRankStructure, type CurvatureStructure } from './structures.js';
import { kfacStructure } from './kfac-structure.js';
import { predictive, type LaplacePredictive, type PredictiveOptions } from './predictive.js';
import { checkSigma, deltaOf, logMarginal, noiseScale, type LaplaceCore } from './core.js';
import { optimizeHyperparameters, type HyperparameterOptions, type HyperparameterResult } from './hyperparameters.js';

/** The structure of the posterior precision. */
export type LaplaceStructure = 'full' | 'diag' | 'kfac' | 'lowrank';
/** The curvature of −log p(D | θ) used for the posterior precision. */
export type LaplaceHessian = 'ggn' | 'fisher' | 'empirical' | 'hessian';

/** A model with a likelihood; for `structure: 'kfac'` the model applies its dense layers through `dense` (as for `kfac`). */
export interface LaplaceModel<P extends Params> {
  /** (params, x, dense, …) ↦ one example's output f(x; θ), as for `kfac`; models that are not K-FAC models ignore `dense`. */
  readonly model: (params: P, x: any, dense: DenseFn, ...layers: any[]) => Tensor;
  /** p(y | f): any `Likelihood`, including `likelihoods.exponentialFamily` and user-defined ones. */
  readonly likelihood: Likelihood;
}

/** Options of {@link laplace}. */
export interface LaplaceOptions {
  /** The posterior structure: dense, diagonal, per-layer Kronecker, or top-r eigenpairs. @defaultValue `'full'` */
  readonly structure?: LaplaceStructure;
  /** The curvature of the negative log-likelihood. @defaultValue `'ggn'` */
  readonly hessian?: LaplaceHessian;
  /** δ of the prior N(0, diag(δ)⁻¹). @defaultValue 1 */
  readonly priorPrecision?: PriorPrecision;
  /** For `likelihoods.normal`: the noise scale σ (default: the likelihood's own σ). */
  readonly sigmaNoise?: number;
  /** `'sum'` (default, the posterior of the whole data set) or `'mean'` (likelihood tempered by 1/N). */
  readonly reduction?: Reduction;
  /** For `'lowrank'`: the number r of top eigenpairs kept. @defaultValue min(P, 20) */
  readonly rank?: number;
  /** For `'lowrank'`: find the eigenpairs matrix-free by Lanczos from this PRNG key (default: `eigh` of the dense curvature). */
  readonly key?: Tensor;
  /** For `'lowrank'` with `key`: the Lanczos steps (matvecs), rank ≤ steps ≤ P. @defaultValue min(P, max(3r, r + 20)) */
  readonly steps?: number;
}

/** The hyperparameters (δ, σ) of a Laplace approximation. */
export interface LaplaceHyperparameters {
  /** The prior precision δ. */
  readonly priorPrecision?: PriorPrecision;
  /** The Gaussian noise scale σ (normal likelihood only). */
  readonly sigmaNoise?: number;
}

/** A fitted Laplace approximation. */
export interface Laplace<P extends Params> {
  /** θ*, the expansion point (a MAP estimate). */
  readonly params: P;
  /** The posterior structure. */
  readonly structure: LaplaceStructure;
  /** The curvature kind. */
  readonly hessian: LaplaceHessian;
  /** P, the number of parameters. */
  readonly size: number;
  /** The prior precision δ. */
  readonly priorPrecision: PriorPrecision;
  /** The noise scale σ (normal likelihood only). */
  readonly sigmaNoise: number | undefined;
  /** The curvature operator H of −s Σ log p(yₙ | fₙ) (absent for K-FAC, whose factors are in `kfacFactors`). */
  readonly curvature: CurvatureOperator<P> | undefined;
  /**
   * log p(D | δ, σ) ≈ s log p(D | θ*) − ½ Σ δᵢ θ*ᵢ² + ½ Σ log δᵢ − ½ log det(c H + diag δ), c = (σ₀/σ)^e.
   * Differentiable in δ and σ (pass tensors to `grad`); defaults to the fitted values.
   */
  logMarginalLikelihood(priorPrecision?: PriorPrecision, sigmaNoise?: number | Tensor): Tensor;
  /** diag(Λ⁻¹) as a tree shaped like the parameters. */
  posteriorVariance(): P;
  /** n samples θ ~ N(θ*, Λ⁻¹): a tree whose leaves have a leading axis n. */
  sample(key: Tensor, n: number): P;
  /** The predictive distribution at inputs `x` (leading axis M): linearized (GLM) or Monte Carlo. */
  predictive(x: tree.Tree<Tensor>, options?: PredictiveOptions): LaplacePredictive;
  /** The same curvature with other hyperparameters (no recomputation of H). */
  withHyperparameters(h: LaplaceHyperparameters): Laplace<P>;
  /** Maximizes the log marginal likelihood over δ (and σ) by MacKay's fixed point or gradient ascent. */
  optimizeHyperparameters(options?: HyperparameterOptions): HyperparameterResult<P>;
}

const STRUCTURES = ['full', 'diag', 'kfac', 'lowrank'];
const HESSIANS = ['ggn', 'fisher', 'empirical', 'hessian'];

function checkChoice(op: string, name: string, value: string, allowed: string[]): void {
  if (!allowed.includes(value)) throw new ValueError(`${op}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}.`, { op, argument: name, expected: allowed.join(' | '), received: String(value) });
}

function curvatureStructure<P extends Params>(op: string, spec: LaplaceModel<P>, plain: (p: P, x: any) => Tensor, params: P, batch: Batch, o: Required<Pick<LaplaceOptions, 'structure' | 'hessian' | 'reduction'>> & LaplaceOptions): [CurvatureStructure, CurvatureOperator<P> | undefined] {
  const lik = spec.likelihood;
  const reduction = o.reduction;
  if (o.structure === 'kfac') {
    if (o.hessian === 'hessian') throw new ValueError(`${op}: structure 'kfac' supports hessian 'ggn', 'fisher' or 'empirical', not 'hessian'.`, { op, argument: 'hessian', received: 'hessian' });
    const K = kfac({ model: spec.model as never, likelihood: lik }, params as unknown as KfacParams, batch, { kind: o.hessian === 'empirical' ? 'empirical' : 'exact', reduction });
    return [kfacStructure(params as unknown as KfacParams, K.factors), undefined];
  }
  const H: CurvatureOperator<P> = o.hessian === 'ggn' ? ggn({ inner: plain, outer: (z, y) => lik.logProb(z, y).neg() }, params, batch, { reduction })
    : o.hessian === 'fisher' ? fisher({ model: plain, likelihood: lik }, params, batch, { reduction })
      : o.hessian === 'empirical' ? fisher({ model: plain, likelihood: lik }, params, batch, { kind: 'empirical', reduction })
        : hessianOperator((p: P, x: any, y: Tensor) => lik.logProb(plain(p, x), y).neg(), params, batch, { reduction });
  if (o.structure === 'diag') return [diagStructure(tree.ravel(H.diagonal())[0]), H];
  if (o.structure === 'full') return [fullStructure(H.dense()), H];
  const rank = o.rank ?? Math.min(H.size, 20);
  if (!Number.isInteger(rank) || rank < 1 || rank > H.size) throw new ValueError(`${op}: rank must be an integer in [1, ${H.size}], got ${rank}.`, { op, argument: 'rank', expected: `[1, ${H.size}]`, received: String(rank) });
  if (o.key) {
    const lz = lanczos(H, { k: rank, key: o.key, ...(o.steps !== undefined ? { steps: o.steps } : {}) });
    return [lowRankStructure(lz.vectors, tensor(lz.values, { dtype: lz.vectors.dtype }).maximum(0)), H];
  }
  const { values, vectors } = linalg.eigh(H.dense());
  const p = H.size;
  return [lowRankStructure(vectors.slice([0, p - rank], [p, rank]), values.slice([p - rank], [rank]).maximum(0)), H];
}

/**
 * The Laplace approximation of the posterior at a MAP estimate θ* (MacKay 1992; Ritter et al. 2018;
 * Daxberger et al. 2021; Immer et al. 2021).
 *
 * ```text
 * p(θ | D) ≈ N(θ*, Λ⁻¹),   Λ = c·H + diag(δ),   H = ∇²θ[−s Σₙ log p(yₙ | f(xₙ; θ))] or its GGN / Fisher / EF
 * log p(D) ≈ s Σₙ log p(yₙ | f(xₙ; θ*)) − ½ Σ δᵢθ*ᵢ² + ½ Σ log δᵢ − ½ log det Λ
 * GLM predictive: f(x) ~ N(f(x; θ*), J Λ⁻¹ Jᵀ);  p(y=1|x) ≈ σ(f/√(1 + π v/8))
 * ```
 * c = 1, except for `likelihoods.normal` with a noise scale σ other than its own σ₀: c = (σ₀/σ)² ((σ₀/σ)⁴ for the empirical Fisher).
 * The curvature is computed once; the log marginal likelihood, samples and predictives for other
 * hyperparameters reuse it.
 * @param spec - `model(params, x, dense)` and `likelihood`.
 * @param params - θ*, a MAP estimate of −s Σ log p(yₙ | fₙ) + ½ Σ δᵢ θᵢ².
 * @param batch - The training data `{ x, y }`.
 * @param options - `structure`, `hessian`, `priorPrecision`, `sigmaNoise`, `reduction`, `rank` (and `key`, `steps` for Lanczos).
 * @returns A {@link Laplace}.
 * @throws {ValueError} for unknown options, missing labels, a non-positive prior precision or noise,
 *   `sigmaNoise` with a non-Gaussian likelihood, a non-scalar prior with `'kfac'`/`'lowrank'`, or a
 *   posterior precision that is not positive definite; {ShapeError}/{TreeMismatchError} for a malformed prior.
 * @example
 * ```ts
 * const la = curvature.laplace({ model, likelihood: likelihoods.bernoulli() }, thetaMap, { x, y }, { priorPrecision: 1 });
 * const lml = la.logMarginalLikelihood();
 * const { mean } = la.predictive(xTest);            // probit-GLM probabilities
 * ```
 */
export function laplace<P extends Params>(spec: LaplaceModel<P>, params: P, batch: Batch, options: LaplaceOptions = {}): Laplace<P> {
  const op = 'laplace';
  checkParams(op, params);
  const o = { ...options, structure: options.structure ?? 'full', hessian: options.hessian ?? 'ggn', reduction: options.reduction ?? 'sum' } as const;
  checkChoice(op, 'structure', o.structure, STRUCTURES);
  checkChoice(op, 'hessian', o.hessian, HESSIANS);
  const n = batchSize(op, batch);
  const s = reductionScale(op, o.reduction, n);
  if (!batch.y) throw new ValueError(`${op}: batch.y (the labels) is required.`, { op, argument: 'batch.y' });
  const lik = spec.likelihood;
  const plain = (p: P, x: any): Tensor => applyDense(spec.model as never, p as never, x);
  const [theta, unravel] = tree.ravel(params);
  const z = vmap(plain, { inAxes: [null, 0] })(params, batch.x) as Tensor;
  lik.checkLabels?.(batch.y, z.shape.slice(1), 1);
  let gaussian: LaplaceCore<P>['gaussian'];
  let logLik = 0;
  if (lik.name === 'normal') {
    const f0 = lik.outputFisher(zeros(z.shape.slice(1), z.dtype));
    const sigma0 = 1 / Math.sqrt(f0.reshape([f0.size]).slice([0], [1]).item());
    const rss = batch.y.cast(z.dtype).sub(z).square().sum().item();
    gaussian = { sigma0, rss, count: z.size, exponent: o.hessian === 'empirical' ? 4 : 2 };
  } else {
    if (options.sigmaNoise !== undefined) throw new ValueError(`${op}: sigmaNoise applies to likelihoods.normal only, got likelihood '${lik.name}'.`, { op, argument: 'sigmaNoise', received: lik.name });
    logLik = vmap((zz: Tensor, yy: Tensor) => lik.logProb(zz, yy), { inAxes: [0, 0] })(z, batch.y).sum().item() * s;
  }
  if (options.sigmaNoise !== undefined) checkSigma(op, options.sigmaNoise);
  const [structure, curvature] = curvatureStructure(op, spec, plain, params, batch, o);
  const core: LaplaceCore<P> = {
    op, params, plain, likelihood: lik, theta, unravel, size: theta.size, structure, curvature, s, gaussian, logLik,
    leafOf: leafIndex(params), options: o,
  };
  return makeLaplace(core, { priorPrecision: options.priorPrecision ?? 1, sigmaNoise: gaussian ? (options.sigmaNoise ?? gaussian.sigma0) : undefined });
}

function makeLaplace<P extends Params>(core: LaplaceCore<P>, h: { priorPrecision: PriorPrecision; sigmaNoise: number | undefined }): Laplace<P> {
  deltaOf(core, h.priorPrecision);
  let post: ReturnType<CurvatureStructure['posterior']> | undefined;
  const posterior = () => (post ??= core.structure.posterior(deltaOf(core, h.priorPrecision).delta, noiseScale(core, h.sigmaNoise)));
  const la: Laplace<P> = {
    params: core.params,
    structure: core.structure.name,
    hessian: (core.options.hessian ?? 'ggn'),
    size: core.size,
    priorPrecision: h.priorPrecision,
    sigmaNoise: h.sigmaNoise,
    curvature: core.curvature,
    logMarginalLikelihood: (prior, sigma) => logMarginal(core, prior ?? h.priorPrecision, sigma ?? h.sigmaNoise),
    posteriorVariance: () => core.unravel(posterior().variance()),
    sample(key, n) {
      if (!Number.isInteger(n) || n < 1) throw new ValueError(`laplace.sample: n must be a positive integer, got ${n}.`, { op: 'laplace.sample', argument: 'n', received: String(n) });
      const eps = random.normal(key, [n, core.size], { dtype: core.theta.dtype });
      const draws = posterior().sample(eps).add(core.theta);
      return vmap((v: Tensor) => core.unravel(v))(draws) as P;
    },
    predictive: (x, options = {}) => predictive(core, posterior(), la, x, options),
    withHyperparameters: (nh) => {
      if (nh.sigmaNoise !== undefined) {
        checkSigma(core.op, nh.sigmaNoise);
        if (!core.gaussian) throw new ValueError(`${core.op}: sigmaNoise applies to likelihoods.normal only, got '${core.likelihood.name}'.`, { op: core.op, argument: 'sigmaNoise', received: core.likelihood.name });
      }
      return makeLaplace(core, { priorPrecision: nh.priorPrecision ?? h.priorPrecision, sigmaNoise: nh.sigmaNoise ?? h.sigmaNoise });
    },
    optimizeHyperparameters: (options = {}) => optimizeHyperparameters(core, la, options, (nh) => makeLaplace(core, nh)),
  };
  return la;
}
