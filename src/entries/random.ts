/**
 * `curvax/random`: JAX-style splittable random numbers (Threefry-2x32).
 *
 * The same exports as the `random` namespace of the main entry; importing this entry also
 * initialises curvax (backends, tensor methods), so it can be used on its own.
 * ```ts
 * import { key, normal, splitList } from 'curvax/random';
 * const [k1] = splitList(key(0), 2);
 * const x = normal(k1!, [3]);
 * ```
 * @module
 */
import '../index.js';
export * from '../random/index.js';
