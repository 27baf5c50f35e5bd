/**
 * The `likelihoods` namespace: conditional distributions p(y | f) of a model output f, with
 * closed-form output-space Fisher matrices and their factors, for the curvature builders.
 *
 * ```text
 * bernoulli (logits)   F = diag(p(1−p))        categorical (logits)   F = diag(p) − ppᵀ
 * normal (fixed σ)     F = I/σ²                poisson (log-rate)     F = diag(exp η)
 * normalWithScale      F = diag(e^{−2s}, 2)    exponentialFamily      F = ∇²A(η)
 * ```
 * @module
 */
export { type Likelihood, type LabelRule, checkLabelTensor, checkOutput, diagMatrix, psdCholesky, logFactorial } from './types.js';
export { bernoulli, categorical, poisson } from './discrete.js';
export { normal, normalWithScale, type NormalOptions } from './gaussian.js';
export { exponentialFamily, type ExponentialFamilySpec } from './exponential-family.js';
