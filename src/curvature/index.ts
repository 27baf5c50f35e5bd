/**
 * The `curvature` namespace: matrix-free curvature operators (GGN, Fisher, empirical Fisher,
 * Hessian, K-FAC) over parameter pytrees, per-example gradients, and Fisher statistics.
 *
 * ```text
 * GGN  G = Σₙ Jₙᵀ ∇²a Jₙ      Fisher F = Σₙ Jₙᵀ F(fₙ) Jₙ      EF F̃ = Σₙ gₙgₙᵀ      K-FAC F ≈ A ⊗ B per layer
 * ```
 * @module
 */
export { type CurvatureOperator, type OperatorSpec, type Params, type SolveOptions, checkSameTree, linearOperator } from './operator.js';
export { type Batch, type Reduction, type OutputCurvature, batchSize, jacobianSandwich, reductionScale } from './sandwich.js';
export {
  type ExampleLoss, type FisherModel, type FisherOptions, type GgnSplit, type ReductionOptions,
  fisher, ggn, hessianOperator, outputCurvature, perExampleGrads,
} from './builders.js';
export { type ConvFn, type DenseFn, type DenseLayerParams, type KfacFactorOptions, type KfacFactors, type KfacModel, type KfacOperator, type KfacParams, applyDense, kfac } from './kfac.js';
export { type ConvWindow, type ConvWindowOptions, convWindow, patches } from './patches.js';
export { type AccumulateOptions, type FisherState, type SandwichOptions, accumulateFisher, ewcPenalty, klDivergence, sandwichCovariance } from './stats.js';
export {
  type CramerRaoBoundOptions, type SequentialOptions, type SequentialState,
  cramerRaoBound, observedInformation, sequentialNaturalUpdate,
} from './information.js';
export { type Estimate, type HutchinsonOptions, type HutchPlusPlusOptions, diagonalHutchinson, traceHutchinson, traceHutchPlusPlus } from './estimators.js';
export { type McFisherEstimate, type McFisherEstimateOptions, mcFisherEstimate } from './mc-fisher.js';
export { type LanczosOptions, type LanczosResult, type PowerIterationOptions, type PowerIterationResult, lanczos, powerIteration } from './lanczos.js';
export { type SpectralDensity, type SpectralDensityOptions, spectralDensity } from './spectral-density.js';
export {
  type HyperparameterOptions, type HyperparameterResult, type Laplace, type LaplaceHessian, type LaplaceHyperparameters, type LaplaceModel,
  type LaplaceOptions, type LaplacePredictive, type LaplaceStructure, type PredictiveOptions, type PriorPrecision, laplace,
} from './laplace/index.js';
export { type InfluenceLowRank, type InfluenceOptions, influence, perExampleGradMatrix } from './influence.js';
