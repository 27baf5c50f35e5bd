/**
 * `scatter_add` primitive: zeros of shape `pre + [size] + post`, then
 * `out[p, idx[j…], q] += upd[p, j…, q]`. Linear in `upd`; the transpose of `take`.
 * Defined in `take-scatter-add.ts` together with the primitive whose rules it uses (and that uses its
 * rules), so that the two modules do not import each other.
 * @module
 */
export { scatterAddP, scatterAdd } from './take-scatter-add.js';
export type { ScatterAddParams } from './take-scatter-add.js';
