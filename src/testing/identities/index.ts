/**
 * Identity checkers: Bartlett identities, KL-Hessian, Fisher = GGN, additivity,
 * reparameterization, natural-gradient invariance, Cramér–Rao, empirical-Fisher convergence
 * and the sandwich, each returning a structured {@link IdentityVerdict}.
 * @module
 */
export * from './types.js';
export { normalQuantile, zValue } from './stats.js';
export { firstBartlett, secondBartlett, klHessian, type SecondBartlettOptions, type KlHessianOptions } from './bartlett.js';
export { reparameterizationCovariance, naturalGradientInvariance, type ReparameterizationOptions, type NaturalGradientOptions } from './reparam.js';
export { fisherGgn, fisherAdditivity, type FisherGgnOptions, type LabelledBatch } from './structure.js';
export {
  cramerRao, empiricalFisherConvergence, sandwichIdentity,
  type CramerRaoOptions, type EmpiricalFisherOptions, type SandwichIdentityOptions,
} from './asymptotics.js';
export { likelihoodFamily, conditionalFamily, exampleFamilies, iid, reparameterize, productSupport, distributionAt, type ConditionalSpec, type FamilyOptions } from './families.js';
export { IdentityCase, IdentityError, assertIdentity, identityProperty } from './verdict.js';
