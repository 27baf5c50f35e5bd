/**
 * `max` and `min` primitives: elementwise maximum / minimum with broadcasting (NaN propagates).
 *
 * ```text
 * d max(x, y) = dx·[x > y] + dy·[x < y] + ½(dx + dy)·[x = y]     (ties split evenly, as in JAX)
 * ```
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Zero, type Tangent } from '../zero.js';
import { binaryPrimitive } from './_binary.js';
import { broadcastTo } from './_rules.js';
import { constLike } from './_consts.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { cast } from './cast.js';
import { eq, gt, lt } from './compare.js';

function tieJvp(pick: (x: Tensor, y: Tensor) => Tensor) {
  return (x: Tensor, y: Tensor, z: Tensor, tx: Tangent, ty: Tangent): Tensor => {
    const half = mul(cast(eq(x, y), z.dtype), constLike(0.5, z));
    const wx = add(cast(pick(x, y), z.dtype), half);
    const wy = add(cast(pick(y, x), z.dtype), half);
    const a = tx instanceof Zero ? null : mul(tx, wx);
    const b = ty instanceof Zero ? null : mul(ty, wy);
    return broadcastTo(a && b ? add(a, b) : (a ?? b)!, z.shape);
  };
}

/** @internal */
export const [maxP, max] = binaryPrimitive('max', { jvp: tieJvp(gt) });
/** @internal */
export const [minP, min] = binaryPrimitive('min', { jvp: tieJvp(lt) });
