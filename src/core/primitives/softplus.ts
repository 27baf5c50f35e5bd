/**
 * `softplus` primitive: `log(1 + exp(x))`, evaluated stably as `max(x, 0) + log1p(exp(−|x|))`.
 *
 * ```text
 * d softplus(x) = σ(x)·dx
 * ```
 * A primitive because every composition of stable pieces (max, abs) has the wrong second
 * derivative at 0 (their kinks cancel in value but not in AD): softplus''(0) must be σ'(0) = 1/4.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';
import { mul } from './mul.js';
import { logistic } from './logistic.js';

/** @internal */
export const [softplusP, softplusRaw] = unaryPrimitive('softplus', { jvp: (x, _y, t) => mul(t, logistic(x)), floatOnly: true });
/** @internal Elementwise softplus without dtype promotion. */
export const softplus = (x: Tensor): Tensor => softplusRaw(x);
