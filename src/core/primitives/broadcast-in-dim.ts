/**
 * `broadcast_in_dim` primitive: operand axis `i` becomes output axis `dims[i]` (its size must
 * equal the output's or be 1); the other output axes are new. Linear.
 *
 * ```text
 * transpose: sum the cotangent over the new and the stretched axes, reshape to the operand
 * ```
 * Defined in `broadcast-reduce-sum.ts` together with the primitive whose rules it uses (and that uses its
 * rules), so that the two modules do not import each other.
 * @module
 */
export { broadcastInDimP, broadcastInDim } from './broadcast-reduce-sum.js';
export type { BroadcastParams } from './broadcast-reduce-sum.js';
