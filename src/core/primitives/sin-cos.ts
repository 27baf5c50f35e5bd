/**
 * `sin` and `cos` primitives: each one's derivative is the other.
 *
 * `sin` primitive: elementwise sine.
 *
 * ```text
 * d sin(x) = cos(x)·dx
 * ```
 * A primitive because it maps to a single kernel.
 *
 * `cos` primitive: elementwise cosine.
 *
 * ```text
 * d cos(x) = −sin(x)·dx
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { mul } from './mul.js';
import { neg } from './neg.js';

/** @internal */
export const [sinP, sinRaw] = unaryPrimitive('sin', { jvp: (x, _y, t) => mul(t, cos(x)), floatOnly: true });
/** @internal Elementwise sin without dtype promotion. */
export const sin = (x: Tensor): Tensor => sinRaw(x);

/** @internal */
export const [cosP, cosRaw] = unaryPrimitive('cos', { jvp: (x, _y, t) => neg(mul(t, sin(x))), floatOnly: true });
/** @internal Elementwise cos without dtype promotion. */
export const cos = (x: Tensor): Tensor => cosRaw(x);
