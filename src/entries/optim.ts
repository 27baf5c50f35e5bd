/**
 * `curvax/optim`: optax-style optimizers (`chain`, `adam`, `scaleByFisher`, `kfac`, …).
 *
 * The same exports as the `optim` namespace of the main entry; importing this entry also
 * initialises curvax (backends, tensor methods), so it can be used on its own.
 * ```ts
 * import { adam, chain, clipByGlobalNorm } from 'curvax/optim';
 * const opt = chain(clipByGlobalNorm(1), adam({ learningRate: 1e-3 }));
 * ```
 * @module
 */
import '../index.js';
export * from '../optim/index.js';
