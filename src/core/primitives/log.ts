/**
 * `log` primitive: elementwise natural logarithm.
 *
 * ```text
 * d log(x) = dx / x
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { div } from './div.js';

/** @internal */
export const [logP, logRaw] = unaryPrimitive('log', { jvp: (x, _y, t) => div(t, x), floatOnly: true });
/** @internal Elementwise log without dtype promotion. */
export const log = (x: Tensor): Tensor => logRaw(x);
