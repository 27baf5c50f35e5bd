/**
 * The Laplace approximation (`laplace`) and its pieces: prior precisions, posterior structures,
 * predictives and hyperparameter optimization. See docs/laplace.md.
 * @module
 */
export { laplace, type Laplace, type LaplaceHessian, type LaplaceHyperparameters, type LaplaceModel, type LaplaceOptions, type LaplaceStructure } from './laplace.js';
export type { PriorPrecision } from './prior.js';
export type { LaplacePredictive, PredictiveOptions } from './predictive.js';
export type { HyperparameterOptions, HyperparameterResult } from './hyperparameters.js';
