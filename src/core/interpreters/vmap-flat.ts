/**
 * The flat core of `vmap`: map a function of flat tensor lists over given axes. Defined in
 * `batch.ts` with the batching interpreter (which calls it for custom rules), so that the two
 * modules do not import each other.
 * @module
 */
export { vmapFlat } from './batch.js';
