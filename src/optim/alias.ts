/**
 * Ready-made optimizers; each is one `chain(...)` of the transformations in this module.
 *
 * ```text
 * sgd      = chain(trace(β)?, scaleByLearningRate(α))
 * momentum = chain(trace(β), scaleByLearningRate(α))
 * adam     = chain(scaleByAdam, scaleByLearningRate(α))
 * adamw    = chain(scaleByAdam, addDecayedWeights(λ, mask), scaleByLearningRate(α))
 * amsgrad  = chain(scaleByAmsgrad, scaleByLearningRate(α))
 * rmsprop  = chain(scaleByRms, scaleByLearningRate(α), trace(β)?)
 * ```
 * @module
 */
import type { ScalarOrSchedule } from './base.js';
import { chain, identity } from './combine.js';
import { scaleByLearningRate, trace } from './transform.js';
import { scaleByAdam, scaleByAmsgrad, scaleByRms, type ScaleByAdamOptions, type ScaleByRmsOptions } from './adaptive.js';
import { addDecayedWeights, type Mask } from './masking.js';

/** Options shared by every alias. */
export interface LearningRateOptions {
  /** The learning rate α: a non-negative constant or a schedule. */
  readonly learningRate: ScalarOrSchedule;
}

/** Options of {@link sgd}. */
export interface SgdOptions extends LearningRateOptions {
  /** Momentum decay β; `undefined` means plain SGD. @defaultValue undefined */
  readonly momentum?: number;
  /** Nesterov momentum. @defaultValue false */
  readonly nesterov?: boolean;
}

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum.
 *
 * ```text
 * m ← g + βm;  θ ← θ − α·m      (nesterov: θ ← θ − α(g + βm));   no momentum: θ ← θ − αg
 * ```
 * @param options - see {@link SgdOptions}.
 * @returns `chain(momentum ? trace : identity, scaleByLearningRate(α))`.
 * @throws {ValueError} for a negative learning rate or momentum.
 * @example
 * ```ts
 * const opt = optim.sgd({ learningRate: 0.1, momentum: 0.9 });
 * ```
 */
export function sgd(options: SgdOptions) {
  const { learningRate, momentum: beta, nesterov = false } = options;
  return chain(beta === undefined ? identity() : trace({ decay: beta, nesterov }), scaleByLearningRate(learningRate));
}

/** Options of {@link momentum}. */
export interface MomentumOptions extends LearningRateOptions {
  /** Momentum decay β. @defaultValue 0.9 */
  readonly decay?: number;
  /** Nesterov momentum. @defaultValue false */
  readonly nesterov?: boolean;
}

/**
 * Heavy-ball (Polyak) momentum, or Nesterov momentum.
 *
 * ```text
 * m ← g + βm;  θ ← θ − α·m
 * ```
 * @param options - see {@link MomentumOptions}.
 * @returns `chain(trace({ decay, nesterov }), scaleByLearningRate(α))`.
 * @throws {ValueError} for a negative learning rate or decay.
 * @example
 * ```ts
 * const opt = optim.momentum({ learningRate: 0.1, decay: 0.9 });
 * ```
 */
export function momentum(options: MomentumOptions) {
  const { learningRate, decay = 0.9, nesterov = false } = options;
  return chain(trace({ decay, nesterov }), scaleByLearningRate(learningRate));
}

/** Options of {@link adam}. */
export interface AdamOptions extends LearningRateOptions, ScaleByAdamOptions {}

/**
 * Adam (Kingma & Ba 2015).
 *
 * ```text
 * θ ← θ − α·μ̂/(√(ν̂ + ε_root) + ε)
 * ```
 * @param options - see {@link AdamOptions} (defaults `b1 = 0.9`, `b2 = 0.999`, `eps = 1e-8`).
 * @returns `chain(scaleByAdam(options), scaleByLearningRate(α))`.
 * @throws {ValueError} for invalid hyperparameters.
 * @example
 * ```ts
 * const opt = optim.adam({ learningRate: 1e-3 });
 * ```
 */
export function adam(options: AdamOptions) {
  const { learningRate, ...rest } = options;
  return chain(scaleByAdam(rest), scaleByLearningRate(learningRate));
}

/** Options of {@link adamw}. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ. @defaultValue 1e-4 */
  readonly weightDecay?: number;
  /** Which leaves to decay. @defaultValue all */
  readonly mask?: Mask;
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019).
 *
 * ```text
 * θ ← θ − α·(μ̂/(√ν̂ + ε) + λθ)
 * ```
 * @param options - see {@link AdamWOptions}.
 * @returns `chain(scaleByAdam, addDecayedWeights(λ, mask), scaleByLearningRate(α))`.
 * @throws {ValueError} for invalid hyperparameters.
 * @example
 * ```ts
 * const opt = optim.adamw({ learningRate: 1e-3, weightDecay: 1e-2 });
 * ```
 */
export function adamw(options: AdamWOptions) {
  const { learningRate, weightDecay = 1e-4, mask, ...rest } = options;
  return chain(scaleByAdam(rest), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}

/** Options of {@link amsgrad}: the learning rate plus `b1`, `b2`, `eps`, `epsRoot` of {@link scaleByAdam}. */
export interface AmsgradOptions extends LearningRateOptions, Pick<ScaleByAdamOptions, 'b1' | 'b2' | 'eps' | 'epsRoot'> {}

/**
 * AMSGrad (Reddi et al. 2018).
 *
 * ```text
 * θ ← θ − α·μ̂/(√max_{s≤t} ν̂ₛ + ε)
 * ```
 * @param options - see {@link AmsgradOptions}.
 * @returns `chain(scaleByAmsgrad(options), scaleByLearningRate(α))`.
 * @throws {ValueError} for invalid hyperparameters.
 * @example
 * ```ts
 * const opt = optim.amsgrad({ learningRate: 1e-3 });
 * ```
 */
export function amsgrad(options: AmsgradOptions) {
  const { learningRate, ...rest } = options;
  return chain(scaleByAmsgrad(rest), scaleByLearningRate(learningRate));
}

/** Options of {@link rmsprop}. */
export interface RmspropOptions extends LearningRateOptions, ScaleByRmsOptions {
  /** Momentum decay applied after scaling; `undefined` for none. @defaultValue undefined */
  readonly momentum?: number;
  /** Nesterov momentum. @defaultValue false */
  readonly nesterov?: boolean;
}

/**
 * RMSProp (Tieleman & Hinton 2012), optionally with momentum.
 *
 * ```text
 * ν ← dν + (1−d)g²;  u = −α·g/√(ν + ε);  with momentum: m ← u + βm, θ ← θ + m
 * ```
 * @param options - see {@link RmspropOptions}.
 * @returns `chain(scaleByRms, scaleByLearningRate(α), momentum ? trace : identity)`.
 * @throws {ValueError} for invalid hyperparameters.
 * @example
 * ```ts
 * const opt = optim.rmsprop({ learningRate: 1e-3, decay: 0.9 });
 * ```
 */
export function rmsprop(options: RmspropOptions) {
  const { learningRate, momentum: beta, nesterov = false, ...rest } = options;
  return chain(scaleByRms(rest), scaleByLearningRate(learningRate), beta === undefined ? identity() : trace({ decay: beta, nesterov }));
}
