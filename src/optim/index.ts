/**
 * `optim`: optax-style optimizers as pure {@link GradientTransformation}s over pytrees.
 *
 * ```text
 * opt = chain(t₁, …, tₙ);  s = opt.init(θ);  (u, s) = opt.update(g, s, θ, extra);  θ = applyUpdates(θ, u)
 * ```
 * See `docs/optimizers.md` for the guide.
 * @module
 */
export type { Params, Updates, Scalar, UpdateExtra, GradientTransformation, EmptyState, CountState, SecondMomentSource, StateOf, Schedule, ScalarOrSchedule } from './base.js';
export { identity, chain, GradientTransformationMonoid, type ChainState } from './combine.js';
export { applyUpdates, type ApplyUpdatesOptions } from './update.js';
export {
  constantSchedule, linearSchedule, exponentialDecay, cosineDecay, joinSchedules, warmupCosineDecay, piecewiseConstantSchedule,
  constantSchedule as constant, linearSchedule as linear, piecewiseConstantSchedule as piecewiseConstant,
  type ScheduleFn, type LinearScheduleOptions, type ExponentialDecayOptions, type CosineDecayOptions, type WarmupCosineDecayOptions,
} from './schedules.js';
export { scale, scaleBySchedule, scaleByLearningRate, trace, type TraceState, type TraceOptions } from './transform.js';
export {
  scaleByAdam, scaleByAmsgrad, scaleByRms,
  type ScaleByAdamState, type ScaleByAdamOptions, type ScaleByAmsgradState, type ScaleByRmsState, type ScaleByRmsOptions,
} from './adaptive.js';
export { clip, clipByGlobalNorm } from './clipping.js';
export { masked, multiTransform, setToZero, addDecayedWeights, type Mask, type MaskedState, type MultiTransformState } from './masking.js';
export { applyIfFinite, multiSteps, type ApplyIfFiniteState, type MultiStepsState } from './wrappers.js';
export { injectHyperparams, type InjectHyperparamsState } from './hyperparams.js';
export { scaleByFAdam, fadam, type ScaleByFAdamState, type ScaleByFAdamOptions, type FAdamOptions } from './fadam.js';
export { scaleByPreconditioner, diagonalPreconditioner, type Preconditioner, type ScaleByPreconditionerOptions } from './precondition.js';
export {
  scaleByFisher, scaleByEmpiricalFisher, scaleByGgn, ngd, efgd,
  type FisherKind, type CurvatureExtra, type CurvatureSolveOptions, type ScaleByFisherOptions, type ScaleByGgnOptions,
  type NgdOptions, type EfgdOptions, type PreconditionedDescentOptions,
} from './natural.js';
export { scaleByKfac, kfac, type ScaleByKfacOptions, type ScaleByKfacState, type KfacInverse, type KfacOptions } from './kfac.js';
export { addEwcPenaltyGradient } from './ewc.js';
export {
  scaleByVarianceAdaptation, msvag, svag, minibatchGradientVariance,
  type ScaleByVarianceAdaptationOptions, type ScaleByVarianceAdaptationState, type VarianceAdaptationOptions, type VarianceSource,
} from './variance-adaptation.js';
export { von, vogn, type VonOptions, type VonState, type VonCurvature, type VonExtra, type VonTransformation, type GaussianPosterior } from './von.js';
export {
  sgd, momentum, adam, adamw, amsgrad, rmsprop,
  type LearningRateOptions, type SgdOptions, type MomentumOptions, type AdamOptions, type AdamWOptions, type AmsgradOptions, type RmspropOptions,
} from './alias.js';
export { saveState, loadState } from './serialize.js';
