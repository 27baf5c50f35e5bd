/**
 * `slice` primitive: the contiguous window `x[starts : starts + sizes]`. Linear.
 *
 * ```text
 * transpose: zero-pad the cotangent back to the operand's shape
 * ```
 * Defined in `slice-pad.ts` together with the primitive whose rules it uses (and that uses its
 * rules), so that the two modules do not import each other.
 * @module
 */
export { sliceP, slice } from './slice-pad.js';
export type { SliceParams } from './slice-pad.js';
