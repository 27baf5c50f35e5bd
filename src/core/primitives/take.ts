/**
 * `take` primitive: `out[p, j…, q] = x[p, idx[j…], q]` along `axis` (indices clamped to range).
 * Linear in `x`; the transpose is `scatter_add`.
 *
 * Batching a mapped `idx` against a mapped `x` merges the batch axis into the indexed
 * axis and offsets the indices by `b·n`, so it stays a single gather.
 * Defined in `take-scatter-add.ts` together with the primitive whose rules it uses (and that uses its
 * rules), so that the two modules do not import each other.
 * @module
 */
export { takeP, take } from './take-scatter-add.js';
export type { TakeParams } from './take-scatter-add.js';
