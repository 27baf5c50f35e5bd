/**
 * `exp` primitive: elementwise exponential.
 *
 * ```text
 * d exp(x) = exp(x)·dx
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { mul } from './mul.js';

/** @internal */
export const [expP, expRaw] = unaryPrimitive('exp', { jvp: (_x, y, t) => mul(t, y), floatOnly: true });
/** @internal Elementwise exp without dtype promotion. */
export const exp = (x: Tensor): Tensor => expRaw(x);
