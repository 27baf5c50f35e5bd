/**
 * FAdam (Hwang 2024, "Adam is a natural gradient optimizer using diagonal empirical Fisher
 * information"), implemented exactly as the pseudocode of seed 001 §5.
 *
 * ```text
 * m ← β₁m + (1−β₁)g                  s ← β₂s + (1−β₂)f,  f = g⊙g  (or extra.fisherDiagonal)
 * t ← t + 1;  m̂ = m/(1−β₁ᵗ);  ŝ = s/(1−β₂ᵗ);  εₜ = ε₀/(1 + λ_ε·t)
 * Δ = m̂/(√ŝ + εₜ);  Δ ← Δ·κ/‖Δ‖₂ if ‖Δ‖₂ > κ         (‖·‖₂ over all leaves)
 * u = Δ + λ_WD·θ/(√ŝ + εₜ)                              (then scaleByLearningRate(α): θ ← θ − αu)
 * ```
 * Step order, and why: (1) both moments absorb gₜ before anything is read, so step t uses
 * information from step t; (2) the count increments before bias correction and εₜ, so the
 * first step uses t = 1 (1 − β⁰ = 0 would divide by zero); (3) Δ is preconditioned before it
 * is clipped, so κ bounds the natural-gradient step, not the Euclidean gradient; (4) the
 * weight-decay term is added after clipping and shares Δ's denominator: it is the natural
 * gradient of λ/2·‖θ‖² evaluated at θₜ (the params before the step), and clipping it would
 * let large gradients switch regularisation off.
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { add, cast, div, mul, sqrt } from '../ops/arithmetic.js';
import { map, type Tree } from '../tree/tree.js';
import { zerosLike } from '../tree/math.js';
import type { GradientTransformation, Scalar, SecondMomentSource } from './base.js';
import { clipTreeByNorm } from './clipping.js';
import { chain } from './combine.js';
import { scaleByLearningRate } from './transform.js';
import { asLeaf, biasCorrect, checkScalar, ema, increment, requireParams, updateSecondMoment, zeroCount } from './internal.js';
import { checkUpdatesMatchState } from './dtypes.js';

/** State of {@link scaleByFAdam}. */
export type ScaleByFAdamState = {
  /** Steps taken (int32). */
  readonly count: Tensor;
  /** First moment m. */
  readonly m: Tree<Tensor>;
  /** Fisher (second-moment) estimate s. */
  readonly s: Tree<Tensor>;
};

/** Options of {@link scaleByFAdam}. */
export interface ScaleByFAdamOptions {
  /** Decay β₁ of the first moment. @defaultValue 0.9 */
  readonly b1?: Scalar;
  /** Decay β₂ of the Fisher estimate. @defaultValue 0.999 */
  readonly b2?: Scalar;
  /** Initial epsilon ε₀. @defaultValue 1e-8 */
  readonly eps?: Scalar;
  /** Epsilon decay λ_ε in εₜ = ε₀/(1 + λ_ε·t); 0 keeps ε constant. @defaultValue 0 */
  readonly epsDecay?: Scalar;
  /** Clipping threshold κ on the global 2-norm of Δ; `Infinity` disables clipping. @defaultValue 1 */
  readonly clipThreshold?: Scalar;
  /** Riemannian weight decay λ_WD (needs `params` in `update`). @defaultValue 0 */
  readonly weightDecay?: Scalar;
  /**
   * What the second moment averages: `'squaredGradient'` uses gₜ⊙gₜ (the seed's pseudocode);
   * `'fisherDiagonal'` uses `extra.fisherDiagonal`, a pytree like the params holding a Fisher
   * diagonal, e.g. the per-example empirical Fisher (1/N)Σᵢ sᵢ⊙sᵢ.
   * @defaultValue 'squaredGradient'
   */
  readonly secondMoment?: SecondMomentSource;
}

/**
 * The FAdam direction (seed 001 §5), before the learning rate; see the module header for the step order.
 *
 * ```text
 * u = clip_κ(m̂/(√ŝ + εₜ)) + λ_WD·θ/(√ŝ + εₜ)
 * ```
 * @param options - see {@link ScaleByFAdamOptions}.
 * @returns a transformation with state `{ count, m, s }`.
 * @throws {ValueError} for decays outside `[0, 1)` or negative ε, κ, λ.
 * @throws {TransformError} (from `update`) when `extra.fisherDiagonal` or `params` is needed and missing.
 * @throws {TreeMismatchError} (from `update`) when `extra.fisherDiagonal` has another structure.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByFAdam({ weightDecay: 0.1 }), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByFAdam(options: ScaleByFAdamOptions = {}): GradientTransformation<ScaleByFAdamState> {
  const op = 'scaleByFAdam';
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsDecay = 0, clipThreshold = 1, weightDecay = 0, secondMoment = 'squaredGradient' } = options;
  checkScalar(op, 'b1', b1, 'unit');
  checkScalar(op, 'b2', b2, 'unit');
  checkScalar(op, 'eps', eps, 'nonneg');
  checkScalar(op, 'epsDecay', epsDecay, 'nonneg');
  if (clipThreshold !== Infinity) checkScalar(op, 'clipThreshold', clipThreshold, 'nonneg');
  checkScalar(op, 'weightDecay', weightDecay, 'nonneg');
  const useWd = typeof weightDecay !== 'number' || weightDecay !== 0;
  return {
    init: (params) => ({ count: zeroCount(), m: zerosLike(params), s: zerosLike(params) }),
    update: (updates, state, params, extra) => {
      checkUpdatesMatchState(op, updates, state.m);
      const m = map((g: Tensor, x: Tensor) => ema(g, x, b1, 1), updates, state.m);
      const s = updateSecondMoment(op, secondMoment, updates, state.s, b2, extra);
      const count = increment(state.count);
      // Shared denominator √ŝ + εₜ, εₜ = ε₀/(1 + λ_ε·t).
      const den = map((x: Tensor) => {
        const tf = cast(count, x.dtype);
        const epsT = div(asLeaf(eps, x), add(mul(tf, asLeaf(epsDecay, x)), 1));
        return add(sqrt(biasCorrect(x, b2, count)), epsT);
      }, s);
      let delta = map((x: Tensor, d: Tensor) => div(biasCorrect(x, b1, count), d), m, den);
      if (clipThreshold !== Infinity) delta = clipTreeByNorm(delta, clipThreshold);
      if (useWd) {
        const p = requireParams(op, params);
        delta = map((dl: Tensor, x: Tensor, d: Tensor) => add(dl, div(mul(x, asLeaf(weightDecay, x)), d)), delta, p, den);
      }
      return [delta, { count, m, s }];
    },
  };
}

/** Options of {@link fadam}: {@link ScaleByFAdamOptions} plus the learning rate. */
export interface FAdamOptions extends ScaleByFAdamOptions {
  /** Learning rate α (a constant or a schedule). */
  readonly learningRate: number | Tensor | ((count: Tensor) => Tensor | number);
}

/**
 * The FAdam optimizer: `chain(scaleByFAdam(options), scaleByLearningRate(α))`.
 *
 * ```text
 * θ ← θ − α·clip_κ(m̂/(√ŝ + εₜ)) − α·λ_WD·θ/(√ŝ + εₜ)
 * ```
 * @param options - see {@link FAdamOptions}.
 * @returns the optimizer.
 * @throws {ValueError} for invalid hyperparameters (see {@link scaleByFAdam}).
 * @example
 * ```ts
 * const opt = optim.fadam({ learningRate: 1e-3, weightDecay: 0.1, clipThreshold: 1 });
 * ```
 */
export function fadam(options: FAdamOptions) {
  const { learningRate, ...rest } = options;
  return chain(scaleByFAdam(rest), scaleByLearningRate(learningRate));
}
