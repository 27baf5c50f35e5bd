/**
 * `mul` primitive: elementwise `x * y` with broadcasting. Bilinear, so it has a transpose in
 * whichever argument is linear.
 *
 * ```text
 * d(x·y) = dx·y + x·dy      transpose: x̄ = unbroadcast(ct·y), ȳ = unbroadcast(x·ct)
 * ```
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { UndefPrimal, Zero } from '../zero.js';
import { binaryPrimitive } from './_binary.js';
import { broadcastTo, unbroadcast } from './_rules.js';
import { add } from './add.js';

/** @internal */
export const [mulP, mul] = binaryPrimitive('mul', {
  jvp: (x, y, z, tx, ty) => {
    const a = tx instanceof Zero ? null : mul(tx, y);
    const b = ty instanceof Zero ? null : mul(x, ty);
    return broadcastTo(a && b ? add(a, b) : (a ?? b)!, z.shape);
  },
  transpose: (ct, x, y) => [
    x instanceof UndefPrimal ? unbroadcast(mul(ct, y as Tensor), x.aval) : null,
    y instanceof UndefPrimal ? unbroadcast(mul(x as Tensor, ct), y.aval) : null,
  ],
});
