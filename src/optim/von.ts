/**
 * The Bayesian learning rule with a Gaussian posterior: variational online Newton (VON) and its
 * diagonal Gauss–Newton variant VOGN (Khan et al. 2018; Khan & Rue 2023).
 *
 * ```text
 * q(θ) = N(μ, Λ⁻¹),  Λ = N·(S + λ̃I),  λ̃ = λ/N        prior N(0, λ⁻¹I), N examples in the data set
 * θₛ ~ q  (S samples, or ±pairs when antithetic; θ = μ when samples = 0)
 * ĝ = meanₛ ∇ℓ̄(θₛ),   Ĥ = meanₛ C(θₛ)                 ℓ̄ = mean per-example NLL of the batch
 * S ← (1 − β)S + βĤ                                    C: Hessian, GGN, exact/MC/empirical Fisher
 * μ ← μ − α(S + λ̃I)⁻¹(ĝ + λ̃μ)                          (diagonal: elementwise; full: a P×P solve)
 * ```
 * The fixed point is the stationary point of E_q[N ℓ̄(θ)] + KL(q ‖ prior) when C is the Hessian
 * (E_q[∇ℓ̄] + λ̃μ = 0, Λ = N E_q[∇²ℓ̄] + λ). With the GGN/Fisher it is the Gauss–Newton variant; with
 * samples = 0 it is Newton's method on the MAP objective and its fixed point is the Laplace
 * approximation at the MAP. VOGN is the diagonal rule with per-example squared gradients
 * (the empirical Fisher diagonal) at a sampled weight, as in Khan et al. (2018).
 * @module
 */
import { TransformError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { eye } from '../tensor/creation.js';
import { add, cast, div, mul, sqrt, sub } from '../ops/arithmetic.js';
import * as random from '../random/index.js';
import { map, type Tree } from '../tree/tree.js';
import { ravel } from '../tree/ravel.js';
import { choleskyTensor, triangularSolve } from '../linalg/factor.js';
import { solve } from '../linalg/spd.js';
import { fisher, ggn, hessianOperator, type Batch, type CurvatureOperator, type ExampleLoss, type GgnSplit, type Params as CurvatureParams } from '../curvature/index.js';
import type { Likelihood } from '../likelihoods/index.js';
import type { GradientTransformation, Params, UpdateExtra } from './base.js';
import { checkInt, checkScalar, increment, zeroCount } from './internal.js';
import { checkUpdatesMatchState } from './dtypes.js';
import { isBatch, isFunction, isLikelihood, requirePiece } from './natural.js';

/** Which curvature VON averages: the Hessian, the GGN, or a Fisher (exact, Monte-Carlo, empirical). */
export type VonCurvature = 'hessian' | 'ggn' | 'fisher' | 'mcFisher' | 'empiricalFisher';

/** Options of {@link von}. */
export interface VonOptions {
  /** The number of examples N in the data set (scales the likelihood against the prior). */
  readonly dataSize: number;
  /** λ > 0: the prior is N(0, λ⁻¹I). */
  readonly priorPrecision: number;
  /** PRNG key for the weight samples (required when `samples > 0`). */
  readonly key?: Tensor;
  /** Step size α of the mean. @defaultValue 1 */
  readonly learningRate?: number;
  /** Step size β ∈ (0, 1] of the curvature average S. @defaultValue 1 */
  readonly beta?: number;
  /** `'diagonal'` (mean field) or `'full'` (P×P precision; small models). @defaultValue 'diagonal' */
  readonly structure?: 'diagonal' | 'full';
  /** The curvature C built at each sample from `extra`. @defaultValue 'hessian' */
  readonly curvature?: VonCurvature;
  /** Weight samples per step; 0 evaluates at the mean. @defaultValue 1 */
  readonly samples?: number;
  /** Use each draw ε twice, as μ ± δ(ε): the gradient average is exact for quadratic losses. @defaultValue false */
  readonly antithetic?: boolean;
  /** Label samples per example for `curvature: 'mcFisher'`. @defaultValue 1 */
  readonly fisherSamples?: number;
  /** Initial curvature S₀ = s₀·I (the initial precision is N·s₀ + λ). @defaultValue 0 */
  readonly initialCurvature?: number;
}

/** State of {@link von}: the posterior's mean, the curvature average S and the sampling key. */
export type VonState = {
  /** Steps taken (int32). */
  readonly count: Tensor;
  /** The posterior mean μ (like the params). */
  readonly mean: Tree<Tensor>;
  /** S: a tree like the params (diagonal) or a `[P, P]` matrix in `tree.ravel` order (full). */
  readonly curvature: Tree<Tensor>;
  /** The key the next step's samples are drawn from. */
  readonly key: Tensor;
};

/** A Gaussian posterior N(mean, precision⁻¹). */
export interface GaussianPosterior {
  /** The mean (like the params). */
  readonly mean: Tree<Tensor>;
  /** The precision Λ = N·S + λI: a tree like the params (diagonal) or `[P, P]` in `tree.ravel` order (full). */
  readonly precision: Tree<Tensor>;
}

/** The keys of `extra` that {@link von} reads to build the curvature at each sample. */
export interface VonExtra extends UpdateExtra {
  /** The batch `{ x, y }` (leading example axis). */
  readonly batch?: Batch;
  /** `'hessian'`: one example's loss ℓ(θ, x, y). */
  readonly loss?: ExampleLoss<any>;
  /** `'ggn'`: the split { inner, outer }. */
  readonly split?: GgnSplit<any>;
  /** Fisher kinds: one example's output f(θ, x). */
  readonly model?: (params: any, x: any) => Tensor;
  /** Fisher kinds: the likelihood p(y | f). */
  readonly likelihood?: Likelihood;
  /** Any kind: a ready builder θ ↦ curvature operator at θ, used instead of the pieces above. */
  readonly curvatureAt?: (params: any) => CurvatureOperator<any>;
}

/** A VON/VOGN optimizer: a gradient transformation that also samples and reports its posterior. */
export interface VonTransformation extends GradientTransformation<VonState> {
  /**
   * The weights at which the next `update` expects the gradient: its incoming updates must be the
   * mean over these of ∇ℓ̄ (the batch's mean per-example negative log-likelihood, no prior).
   * @param state - the current state.
   * @returns the sampled parameter trees (`[mean]` when `samples = 0`).
   */
  sample(state: VonState): Params[];
  /**
   * The Gaussian posterior of the state.
   * @param state - the current state.
   * @returns `{ mean, precision }`, precision = N·S + λ.
   */
  posterior(state: VonState): GaussianPosterior;
}

const OP = 'von';

function checkOptions(o: VonOptions): void {
  checkInt(OP, 'dataSize', o.dataSize, 1);
  checkScalar(OP, 'priorPrecision', o.priorPrecision, 'positive');
  checkScalar(OP, 'learningRate', o.learningRate ?? 1, 'positive');
  const beta = o.beta ?? 1;
  if (!(beta > 0 && beta <= 1)) throw new ValueError(`${OP}: 'beta' must be in (0, 1], got ${beta}.`, { op: OP, argument: 'beta', expected: '(0, 1]', received: String(beta) });
  checkInt(OP, 'samples', o.samples ?? 1, 0);
  checkInt(OP, 'fisherSamples', o.fisherSamples ?? 1, 1);
  checkScalar(OP, 'initialCurvature', o.initialCurvature ?? 0, 'nonneg');
  const s = o.structure ?? 'diagonal';
  if (s !== 'diagonal' && s !== 'full') throw new ValueError(`${OP}: 'structure' must be 'diagonal' or 'full', got ${String(s)}.`, { op: OP, argument: 'structure', expected: "'diagonal' or 'full'", received: String(s) });
  const kinds: readonly string[] = ['hessian', 'ggn', 'fisher', 'mcFisher', 'empiricalFisher'];
  const c = o.curvature ?? 'hessian';
  if (!kinds.includes(c)) throw new ValueError(`${OP}: 'curvature' must be one of ${kinds.join(', ')}, got ${String(c)}.`, { op: OP, argument: 'curvature', expected: kinds.join(' | '), received: String(c) });
  if ((o.samples ?? 1) > 0 && o.key === undefined) {
    throw new ValueError(`${OP}: sampling weights needs a PRNG key (options.key = random.key(seed)), got undefined. Pass samples: 0 to evaluate at the mean.`, { op: OP, argument: 'key', expected: 'a PRNG key', received: 'undefined' });
  }
}

/** @internal Builds the curvature at θ from `extra`. */
function curvatureAt(kind: VonCurvature, theta: Params, extra: VonExtra | undefined, key: Tensor | undefined, fisherSamples: number): CurvatureOperator<CurvatureParams> {
  if (extra?.curvatureAt !== undefined) {
    if (!isFunction(extra.curvatureAt)) throw new TransformError(`${OP}: extra.curvatureAt must be a function θ ↦ curvature operator, got ${typeof extra.curvatureAt}.`, { op: OP, argument: 'extra.curvatureAt', expected: 'a function', received: typeof extra.curvatureAt });
    return extra.curvatureAt(theta);
  }
  const alt = kind === 'hessian' ? 'extra.loss and extra.batch (or extra.curvatureAt)'
    : kind === 'ggn' ? 'extra.split and extra.batch (or extra.curvatureAt)' : 'extra.model, extra.likelihood and extra.batch (or extra.curvatureAt)';
  const batch = requirePiece(OP, extra, 'batch', 'a batch { x, y }', alt, isBatch) as Batch;
  const p = theta as CurvatureParams;
  if (kind === 'hessian') return hessianOperator(requirePiece(OP, extra, 'loss', 'a per-example loss (θ, x, y) ↦ scalar', alt, isFunction) as ExampleLoss<CurvatureParams>, p, batch);
  if (kind === 'ggn') return ggn(requirePiece(OP, extra, 'split', 'a GGN split { inner, outer }', alt, (v) => typeof v === 'object' && v !== null) as GgnSplit<CurvatureParams>, p, batch);
  const model = requirePiece(OP, extra, 'model', "a function (params, x) ↦ one example's output", alt, isFunction) as (q: CurvatureParams, x: any) => Tensor;
  const likelihood = requirePiece(OP, extra, 'likelihood', 'a Likelihood', alt, isLikelihood) as Likelihood;
  const fk = kind === 'fisher' ? 'exact' : kind === 'mcFisher' ? 'mc' : 'empirical';
  return fisher({ model, likelihood }, p, batch, { kind: fk, ...(fk === 'mc' ? { key: key!, samples: fisherSamples } : {}) });
}

/**
 * Variational online Newton (Khan et al. 2018; the Bayesian learning rule of Khan & Rue 2023): a
 * Gaussian posterior whose precision averages a curvature built at sampled weights.
 *
 * ```text
 * S ← (1 − β)S + β meanₛ C(θₛ);   μ ← μ − α(S + λ̃I)⁻¹(ĝ + λ̃μ);   Λ = N(S + λ̃I),  θₛ ~ N(μ, Λ⁻¹)
 * ```
 * Each step: call `sample(state)`, average ∇ℓ̄ over the samples, pass it to `update` with the pieces
 * that build C (`extra.loss`, `extra.split`, or `extra.model` + `extra.likelihood`, and `extra.batch`;
 * or `extra.curvatureAt`). The state holds the mean: the update is μ_new − μ, so apply it to the
 * same params. `update` ignores `params` (the mean is in the state).
 * @param options - see {@link VonOptions}.
 * @returns a {@link VonTransformation} (`init`, `update`, `sample`, `posterior`).
 * @throws {ValueError} for invalid options (non-positive prior precision, β outside (0, 1], no key when sampling, …).
 * @throws {TransformError} (from `update`) when a piece of `extra` needed for the curvature is missing.
 * @example
 * ```ts
 * const opt = optim.von({ dataSize: N, priorPrecision: 1, structure: 'full', curvature: 'ggn', key: random.key(0) });
 * let state = opt.init(params);
 * const thetas = opt.sample(state);
 * const g = tree.scale(thetas.map((t) => grad(meanNll)(t)).reduce(tree.add), 1 / thetas.length);
 * const [u, next] = opt.update(g, state, params, { split, batch });
 * const { mean, precision } = opt.posterior(next);
 * ```
 */
export function von(options: VonOptions): VonTransformation {
  checkOptions(options);
  const { dataSize: N, priorPrecision: lambda, learningRate: alpha = 1, beta = 1, structure = 'diagonal', curvature = 'hessian', samples = 1, antithetic = false, fisherSamples = 1, initialCurvature = 0 } = options;
  const lt = lambda / N;
  const full = structure === 'full';

  const draws = (state: VonState): { thetas: Params[]; mcKey: Tensor | undefined } => {
    if (samples === 0) return { thetas: [state.mean], mcKey: undefined };
    const [sampleKey, mcKey] = random.splitList(state.key, 3).slice(1) as [Tensor, Tensor];
    const [m, unravel] = ravel(state.mean);
    const eps = random.normal(sampleKey, [samples, m.shape[0]!], { dtype: m.dtype as 'float32' | 'float64' });
    let deltas: Tensor;
    if (full) {
      const prec = add(mul(state.curvature as Tensor, N), mul(eye(m.shape[0]!, undefined, m.dtype), lambda));
      // θ = μ + L⁻ᵀε with LLᵀ = Λ: Cov = L⁻ᵀL⁻¹ = Λ⁻¹. Columns of εᵀ solved at once.
      deltas = triangularSolve(choleskyTensor(prec), eps.transpose(), { lower: true, transposeA: true }).transpose();
    } else {
      const [s] = ravel(state.curvature);
      deltas = div(eps, sqrt(add(mul(s, N), lambda)));
    }
    const thetas: Params[] = [];
    for (let i = 0; i < samples; i++) {
      const d = deltas.slice([i, 0], [1, m.shape[0]!]).reshape([m.shape[0]!]);
      thetas.push(unravel(add(m, d)));
      if (antithetic) thetas.push(unravel(sub(m, d)));
    }
    return { thetas, mcKey };
  };

  return {
    init: (params) => {
      const [m] = ravel(params);
      const p = m.shape[0]!;
      const s = full ? mul(eye(p, undefined, m.dtype), initialCurvature) : map((x: Tensor) => add(mul(x, 0), initialCurvature), params);
      return { count: zeroCount(), mean: params, curvature: s, key: options.key ?? random.key(0) };
    },
    sample: (state) => draws(state).thetas,
    posterior: (state) => {
      if (full) {
        const s = state.curvature as Tensor;
        return { mean: state.mean, precision: add(mul(s, N), mul(eye(s.shape[0]!, undefined, s.dtype), lambda)) };
      }
      return { mean: state.mean, precision: map((s: Tensor) => add(mul(s, N), lambda), state.curvature) };
    },
    update: (updates, state, _params, extra) => {
      checkUpdatesMatchState(OP, updates, state.mean);
      const { thetas, mcKey } = draws(state);
      const ops = thetas.map((t) => curvatureAt(curvature, t, extra as VonExtra | undefined, mcKey, fisherSamples));
      const [mu, unravel] = ravel(state.mean);
      const [g] = ravel(map((u: Tensor, m: Tensor) => (u.dtype === m.dtype ? u : cast(u, m.dtype)), updates, state.mean));
      const rhs = add(g, mul(mu, lt));
      let S: Tree<Tensor>;
      let step: Tensor;
      if (full) {
        const h = ops.map((c) => c.dense()).reduce((a, b) => add(a, b));
        S = add(mul(state.curvature as Tensor, 1 - beta), mul(h, beta / ops.length));
        step = solve(S as Tensor, rhs, { damping: lt });
      } else {
        const h = ops.map((c) => c.diagonal() as Tree<Tensor>).reduce((a, b) => map((x: Tensor, y: Tensor) => add(x, y), a, b));
        S = map((s: Tensor, x: Tensor) => add(mul(s, 1 - beta), mul(x, beta / ops.length)), state.curvature, h);
        step = div(rhs, add(ravel(S)[0], lt));
      }
      const u = unravel(mul(step, -alpha));
      const mean = map((m: Tensor, d: Tensor) => add(m, d), state.mean, u);
      const key = samples === 0 ? state.key : random.splitList(state.key, 3)[0]!;
      return [u, { count: increment(state.count), mean, curvature: S, key }];
    },
  };
}

/**
 * VOGN (Khan et al. 2018): diagonal VON whose curvature is the per-example squared gradients at
 * a sampled weight (the empirical Fisher diagonal; pass `curvature: 'fisher'` or `'ggn'` for the
 * Gauss–Newton diagonal of Osawa et al. 2019).
 *
 * ```text
 * s ← (1 − β)s + β(1/M)Σᵢ gᵢ(θ)²,  θ ~ N(μ, 1/(N(s + λ̃)));   μ ← μ − α(ĝ(θ) + λ̃μ)/(s + λ̃)
 * ```
 * @param options - see {@link VonOptions} (`structure` is `'diagonal'`, `curvature` defaults to `'empiricalFisher'`).
 * @returns a {@link VonTransformation}.
 * @throws {ValueError} for invalid options.
 * @example
 * ```ts
 * const opt = optim.vogn({ dataSize: N, priorPrecision: 1, learningRate: 0.1, beta: 0.1, key: random.key(0) });
 * const [u, s] = opt.update(g, state, params, { model, likelihood: likelihoods.bernoulli(), batch });
 * ```
 */
export function vogn(options: Omit<VonOptions, 'structure'>): VonTransformation {
  return von({ curvature: 'empiricalFisher', ...options, structure: 'diagonal' });
}
