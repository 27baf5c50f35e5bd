/**
 * `pad` primitive: zero padding with `lo[i]` zeros before and `hi[i]` after axis `i`. Linear.
 *
 * ```text
 * transpose: slice the cotangent back to the operand's window
 * ```
 * Defined in `slice-pad.ts` together with the primitive whose rules it uses (and that uses its
 * rules), so that the two modules do not import each other.
 * @module
 */
export { padP, pad } from './slice-pad.js';
export type { PadParams } from './slice-pad.js';
