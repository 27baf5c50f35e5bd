/**
 * Host-side bit generation for curvax's JAX-style functional PRNG: the Threefry-2x32-20 block
 * function, key handling (seed, split, fold-in, raw bits) and conversions of bits to samples.
 *
 * Everything here is a pure function of its arguments and bit-identical on every platform.
 * @example
 * ```ts
 * import { keyFromSeed, splitKey, randomBits, bitsToNormal } from './random/bits/index.js';
 * const keys = splitKey(keyFromSeed(0), 2);
 * const z = bitsToNormal(randomBits(keys.subarray(2, 4), 8), 'float64'); // 4 normal samples
 * ```
 * @module
 */
export { threefry2x32, threefry2x32Block } from './threefry.js';
export { keyFromSeed, splitKey, foldIn, randomBits, bitStream } from './keys.js';
export {
  bitsToUniform,
  uniformToNormal,
  bitsToNormal,
  bitsToBernoulli,
  categoricalFromLogits,
  permutationFromBits,
  erfinv,
} from './convert.js';
export type { FloatDType } from './convert.js';
export { erf, erfc, portableExp, portableLog } from './special.js';
