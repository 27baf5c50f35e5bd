/**
 * `curvax/tree`: pytree utilities (`map`, `flatten`, `ravel`, `vdot`, `norm`).
 *
 * The same exports as the `tree` namespace of the main entry; importing this entry also
 * initialises curvax (backends, tensor methods), so it can be used on its own.
 * ```ts
 * import { map } from 'curvax/tree';
 * ```
 * @module
 */
import '../index.js';
export * from '../tree/index.js';
