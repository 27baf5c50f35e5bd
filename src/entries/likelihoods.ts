/**
 * `curvax/likelihoods`: likelihoods p(y \.
 *
 * The same exports as the `likelihoods` namespace of the main entry; importing this entry also
 * initialises curvax (backends, tensor methods), so it can be used on its own.
 * ```ts
 *  f) with closed-form output-space Fisher matrices|import { categorical } from 'curvax/likelihoods';
 * const lik = categorical();
 * ```
 * @module
 */
import '../index.js';
export * from '../likelihoods/index.js';
