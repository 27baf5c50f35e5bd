/**
 * `sin` primitive: elementwise sine.
 *
 * ```text
 * d sin(x) = cos(x)·dx
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { mul } from './mul.js';
import { cos } from './cos.js';

/** @internal */
export const [sinP, sinRaw] = unaryPrimitive('sin', { jvp: (x, _y, t) => mul(t, cos(x)), floatOnly: true });
/** @internal Elementwise sin without dtype promotion. */
export const sin = (x: Tensor): Tensor => sinRaw(x);
