/**
 * `sign` primitive: elementwise sign (−1, 0, 1).
 *
 * ```text
 * derivative 0 almost everywhere
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';

/** @internal */
export const [signP, signRaw] = unaryPrimitive('sign', {  });
/** @internal Elementwise sign without dtype promotion. */
export const sign = (x: Tensor): Tensor => signRaw(x);
