/**
 * `not` primitive: elementwise logical not of a bool tensor.
 *
 * ```text
 * not differentiable (zero tangent)
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';

/** @internal */
export const [notP, notRaw] = unaryPrimitive('not', {  });
/** @internal Elementwise not without dtype promotion. */
export const not = (x: Tensor): Tensor => notRaw(x);
