/**
 * `tanh` primitive: elementwise hyperbolic tangent.
 *
 * ```text
 * d tanh(x) = (1 − tanh²(x))·dx
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { constLike } from './_consts.js';

/** @internal */
export const [tanhP, tanhRaw] = unaryPrimitive('tanh', { jvp: (_x, y, t) => mul(t, sub(constLike(1, y), mul(y, y))), floatOnly: true });
/** @internal Elementwise tanh without dtype promotion. */
export const tanh = (x: Tensor): Tensor => tanhRaw(x);
