/**
 * `pow` primitive: elementwise `x ** y` with broadcasting (float only).
 *
 * ```text
 * d(xʸ) = y·xʸ⁻¹·dx + log(x)·xʸ·dy     (the dx term is 0 where x = y = 0; the dy term 0 where x = 0)
 * ```
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Zero } from '../zero.js';
import { binaryPrimitive } from './_binary.js';
import { broadcastTo } from './_rules.js';
import { constLike } from './_consts.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { log } from './log.js';
import { select } from './select.js';
import { and, eq } from './compare.js';

/** @internal */
export const [powP, pow] = binaryPrimitive('pow', {
  floatOnly: true,
  jvp: (x, y, z, tx, ty) => {
    const zero = constLike(0, z);
    const a = tx instanceof Zero ? null : mul(tx, select(and(eq(y, zero), eq(x, zero)), zero, mul(y, pow(x, sub(y, constLike(1, y))))));
    const b = ty instanceof Zero ? null : mul(ty, mul(z, log(select(eq(x, zero), constLike(1, x), x))));
    return broadcastTo(a && b ? add(a, b) : (a ?? b)!, z.shape);
  },
});
