/**
 * `log1p` primitive: elementwise `log(1 + x)`, accurate near 0.
 *
 * ```text
 * d log1p(x) = dx / (1 + x)
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { div } from './div.js';
import { add } from './add.js';
import { constLike } from './_consts.js';

/** @internal */
export const [log1pP, log1pRaw] = unaryPrimitive('log1p', { jvp: (x, _y, t) => div(t, add(x, constLike(1, x))), floatOnly: true });
/** @internal Elementwise log1p without dtype promotion. */
export const log1p = (x: Tensor): Tensor => log1pRaw(x);
