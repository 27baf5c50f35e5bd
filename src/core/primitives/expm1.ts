/**
 * `expm1` primitive: elementwise `exp(x) - 1`, accurate near 0.
 *
 * ```text
 * d expm1(x) = (expm1(x) + 1)·dx
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { mul } from './mul.js';
import { add } from './add.js';
import { constLike } from './_consts.js';

/** @internal */
export const [expm1P, expm1Raw] = unaryPrimitive('expm1', { jvp: (_x, y, t) => mul(t, add(y, constLike(1, y))), floatOnly: true });
/** @internal Elementwise expm1 without dtype promotion. */
export const expm1 = (x: Tensor): Tensor => expm1Raw(x);
