/**
 * `sqrt` primitive: elementwise square root.
 *
 * ```text
 * d √x = dx / (2√x)
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { mul } from './mul.js';
import { div } from './div.js';
import { constLike } from './_consts.js';

/** @internal */
export const [sqrtP, sqrtRaw] = unaryPrimitive('sqrt', { jvp: (_x, y, t) => div(t, mul(y, constLike(2, y))), floatOnly: true });
/** @internal Elementwise sqrt without dtype promotion. */
export const sqrt = (x: Tensor): Tensor => sqrtRaw(x);
