/**
 * `reduce_sum` primitive: sum over `axes` (removed). Linear.
 *
 * ```text
 * d Σx = Σdx        transpose: x̄ = broadcast(ct) back over the summed axes
 * ```
 * Defined in `broadcast-reduce-sum.ts` together with the primitive whose rules it uses (and that uses its
 * rules), so that the two modules do not import each other.
 * @module
 */
export { reduceSumP, reduceSum } from './broadcast-reduce-sum.js';
