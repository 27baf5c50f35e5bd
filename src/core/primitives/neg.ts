/**
 * `neg` primitive: elementwise negation, `-x`.
 *
 * ```text
 * d(-x) = -dx
 * ```
 * A primitive because it maps to a single kernel and is linear (has a transpose).
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';

/** @internal */
export const [negP, negRaw] = unaryPrimitive('neg', { jvp: (_x, _y, t) => neg(t), linear: true });
/** @internal Elementwise neg without dtype promotion. */
export const neg = (x: Tensor): Tensor => negRaw(x);
