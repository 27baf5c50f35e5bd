/**
 * Comparison and logical primitives: `eq ne lt le gt ge` (bool output) and `and or` on bools.
 * Their derivatives are zero.
 * @module
 */
import { binaryPrimitive } from './_binary.js';

/** @internal */
export const [eqP, eq] = binaryPrimitive('eq', { outBool: true });
/** @internal */
export const [neP, ne] = binaryPrimitive('ne', { outBool: true });
/** @internal */
export const [ltP, lt] = binaryPrimitive('lt', { outBool: true });
/** @internal */
export const [leP, le] = binaryPrimitive('le', { outBool: true });
/** @internal */
export const [gtP, gt] = binaryPrimitive('gt', { outBool: true });
/** @internal */
export const [geP, ge] = binaryPrimitive('ge', { outBool: true });
/** @internal */
export const [andP, and] = binaryPrimitive('and', { outBool: true, boolOnly: true });
/** @internal */
export const [orP, or] = binaryPrimitive('or', { outBool: true, boolOnly: true });
