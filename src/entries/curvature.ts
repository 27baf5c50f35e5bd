/**
 * `curvax/curvature`: curvature operators (Fisher, empirical Fisher, GGN, Hessian, K-FAC) and Fisher statistics.
 *
 * The same exports as the `curvature` namespace of the main entry; importing this entry also
 * initialises curvax (backends, tensor methods), so it can be used on its own.
 * ```ts
 * import { fisher } from 'curvax/curvature';
 * const F = fisher({ model, likelihood }, params, { x, y });
 * ```
 * @module
 */
import '../index.js';
export * from '../curvature/index.js';
