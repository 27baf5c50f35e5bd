/**
 * `cos` primitive: elementwise cosine.
 *
 * ```text
 * d cos(x) = −sin(x)·dx
 * ```
 * A primitive because it maps to a single kernel.
 * Defined in `sin-cos.ts` together with the primitive whose rules it uses (and that uses its
 * rules), so that the two modules do not import each other.
 * @module
 */
export { cosP, cosRaw, cos } from './sin-cos.js';
