/**
 * `div` primitive: elementwise `x / y` with broadcasting (integer division truncates).
 * Linear in `x`.
 *
 * ```text
 * d(x / y) = dx / y − dy · (x / y) / y      transpose in x: x̄ = unbroadcast(ct / y)
 * ```
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { UndefPrimal, Zero } from '../zero.js';
import { binaryPrimitive } from './_binary.js';
import { broadcastTo, unbroadcast } from './_rules.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { neg } from './neg.js';

/** @internal */
export const [divP, div] = binaryPrimitive('div', {
  jvp: (_x, y, z, tx, ty) => {
    const a = tx instanceof Zero ? null : div(tx, y);
    const b = ty instanceof Zero ? null : mul(ty, div(z, y));
    return broadcastTo(a && b ? sub(a, b) : a ?? neg(b!), z.shape);
  },
  transpose: (ct, x, y) => {
    if (y instanceof UndefPrimal) throw new Error('div: not linear in the divisor');
    return [x instanceof UndefPrimal ? unbroadcast(div(ct, y), x.aval) : null, null];
  },
});
