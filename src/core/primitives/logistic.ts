/**
 * `logistic` primitive: elementwise logistic sigmoid `1 / (1 + exp(-x))`, stable for large |x|.
 *
 * ```text
 * d σ(x) = σ(x)(1 − σ(x))·dx
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
export const [logisticP, logisticRaw] = unaryPrimitive('logistic', { jvp: (_x, y, t) => mul(t, mul(y, sub(constLike(1, y), y))), floatOnly: true });
/** @internal Elementwise logistic without dtype promotion. */
export const logistic = (x: Tensor): Tensor => logisticRaw(x);
