/**
 * `abs` primitive: elementwise absolute value.
 *
 * ```text
 * d |x| = sign(x)·dx  (0 at x = 0)
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { mul } from './mul.js';
import { sign } from './sign.js';

/** @internal */
export const [absP, absRaw] = unaryPrimitive('abs', { jvp: (x, _y, t) => mul(t, sign(x)) });
/** @internal Elementwise abs without dtype promotion. */
export const abs = (x: Tensor): Tensor => absRaw(x);
