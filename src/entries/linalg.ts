/**
 * `curvax/linalg`: dense linear algebra (Cholesky, SPD solves, eigh) and conjugate gradients.
 *
 * The same exports as the `linalg` namespace of the main entry; importing this entry also
 * initialises curvax (backends, tensor methods), so it can be used on its own.
 * ```ts
 * import { cg } from 'curvax/linalg';
 * ```
 * @module
 */
import '../index.js';
export * from '../linalg/index.js';
