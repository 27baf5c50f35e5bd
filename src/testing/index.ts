/**
 * `curvax/testing`: the test kit used by curvax's own suite, for users' rules and models.
 *
 * - {@link tolerance}: the single source of truth for numerical tolerances.
 * - {@link allClose}, {@link treeAllClose} and the vitest matchers `toBeAllClose` /
 *   `toBeTreeAllClose` ({@link registerMatchers}).
 * - fast-check arbitraries: {@link shape}, {@link broadcastablePair}, {@link tensorArb},
 *   {@link pytreeOf}, {@link batchedArgs}.
 * - {@link checkGrads} (JAX's `check_grads`) and {@link checkBatching} (`vmap` vs a loop);
 *   {@link assertProperty} (`fc.assert` whose message carries the failing report).
 *
 * fast-check is a peer dependency of this entry point.
 * ```ts
 * import { checkGrads, tensorArb } from 'curvax/testing';
 * fc.assert(fc.property(tensorArb({ domain: 'positive' }), (x) => checkGrads(log, [x], { order: 2 })));
 * ```
 * @module
 */
export { tolerance, loosestDType, type Tolerance, type ToleranceKind } from './tolerance.js';
export {
  allClose, treeAllClose, matchers, registerMatchers,
  type AllCloseOptions, type Closeable, type CurvaxMatchers, type Extendable, type MatcherContext, type MatcherResult,
} from './assertions.js';
export {
  shape, broadcastablePair, tensorArb, pytreeOf, batchedArgs,
  type ShapeOptions, type Domain, type TensorArbOptions, type PytreeOptions, type BatchedArgs, type BatchedArgsOptions,
} from './arbitraries.js';
export { checkGrads, type CheckGradsOptions, type GradMode } from './check-grads.js';
export { checkBatching, type CheckBatchingOptions } from './check-batching.js';
export { CheckError, type CheckKind } from './errors.js';
export { assertProperty } from './property.js';
export {
  firstBartlett, secondBartlett, klHessian, fisherGgn, fisherAdditivity, reparameterizationCovariance, naturalGradientInvariance,
  cramerRao, empiricalFisherConvergence, sandwichIdentity, assertIdentity, identityProperty, IdentityCase, IdentityError,
  likelihoodFamily, conditionalFamily, exampleFamilies, iid, reparameterize, productSupport, distributionAt, normalQuantile, zValue,
  type Family, type Distribution, type QuadratureDomain, type Theta, type Method, type IdentityOptions, type IdentityVerdict, type Comparison,
  type SecondBartlettOptions, type KlHessianOptions, type ReparameterizationOptions, type NaturalGradientOptions, type FisherGgnOptions,
  type LabelledBatch, type CramerRaoOptions, type EmpiricalFisherOptions, type SandwichIdentityOptions, type ConditionalSpec, type FamilyOptions,
} from './identities/index.js';
