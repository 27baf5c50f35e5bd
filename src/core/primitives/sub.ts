/**
 * `sub` primitive: elementwise `x - y` with broadcasting. Linear in both arguments.
 *
 * ```text
 * d(x − y) = dx − dy        transpose: x̄ = unbroadcast(ct), ȳ = −unbroadcast(ct)
 * ```
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { UndefPrimal, Zero } from '../zero.js';
import { binaryPrimitive } from './_binary.js';
import { broadcastTo, unbroadcast } from './_rules.js';
import { neg } from './neg.js';

/** @internal */
export const [subP, sub] = binaryPrimitive('sub', {
  jvp: (_x, _y, z, tx, ty) =>
    tx instanceof Zero ? broadcastTo(neg(ty as Tensor), z.shape) : ty instanceof Zero ? broadcastTo(tx, z.shape) : sub(tx, ty),
  transpose: (ct, x, y) => [x instanceof UndefPrimal ? unbroadcast(ct, x.aval) : null, y instanceof UndefPrimal ? unbroadcast(neg(ct), y.aval) : null],
});
