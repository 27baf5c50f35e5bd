/**
 * `sin` primitive: elementwise sine.
 *
 * ```text
 * d sin(x) = cos(x)·dx
 * ```
 * A primitive because it maps to a single kernel.
 * Defined in `sin-cos.ts` together with the primitive whose rules it uses (and that uses its
 * rules), so that the two modules do not import each other.
 * @module
 */
export { sinP, sinRaw, sin } from './sin-cos.js';
