/**
 * Conversions from raw Threefry words to floating-point samples: uniform, normal (inverse-erf),
 * plus re-exports of `erfinv` and of the discrete samplers (Bernoulli, categorical, permutation).
 *
 * Uniforms use only exact integer/bit operations and correctly rounded float arithmetic; normals
 * use the portable `erfinv`, so every result is bit-identical on every platform.
 * @module
 */
import { ValueError } from '../../errors.js';
import { erfinv } from './special.js';

export { erfinv } from './special.js';
export { bitsToBernoulli, categoricalFromLogits, permutationFromBits } from './discrete.js';

/**
 * Floating dtypes the samplers can produce: `'float32'` (23 random bits, one word per sample) or
 * `'float64'` (52 random bits, two words per sample).
 * @example
 * ```ts
 * const dtype: FloatDType = 'float32';
 * ```
 */
export type FloatDType = 'float32' | 'float64';

const TWO_M23 = 1.1920928955078125e-7; // 2^-23
const TWO_M52 = 2.220446049250313e-16; // 2^-52
const TWO_20 = 1048576;
const SQRT2 = 1.4142135623730951;
const LOWEST_ERF_ARG = -1 + 1.1102230246251565e-16; // the float64 just above -1

/** The largest float32 strictly below the float32 `h` (bit-level, endianness fixed). */
function nextDown32(h: number): number {
  if (h === 0) return -1.401298464324817e-45;
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, h);
  v.setUint32(0, h > 0 ? v.getUint32(0) - 1 : v.getUint32(0) + 1);
  return v.getFloat32(0);
}

/** The largest float64 strictly below `h` (bit-level, endianness fixed). */
function nextDown64(h: number): number {
  if (h === 0) return -Number.MIN_VALUE;
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, h);
  const b = v.getBigUint64(0);
  v.setBigUint64(0, h > 0 ? b - 1n : b + 1n);
  return v.getFloat64(0);
}

function checkRange(op: string, lo: number, hi: number): void {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new ValueError(`${op}: need finite lo < hi in the target dtype, got lo=${lo}, hi=${hi}.`, {
      op, argument: 'hi', expected: 'finite lo < hi', received: `lo=${lo}, hi=${hi}`,
    });
  }
}

/**
 * Converts uniformly random 32-bit words into floats uniform on `[lo, hi)`, never returning `hi`.
 *
 * Algorithm: `float32` uses one word per sample: its top 23 bits `m = w >>> 9` give
 * `f = m * 2^-23` in [0, 1) (bit-identical to building the float in [1, 2) with mantissa `m` and
 * subtracting 1, as JAX does). `float64` uses two consecutive words `(w0, w1)` per sample: the top 52
 * bits of the 64-bit `w0 * 2^32 + w1`, `m = w0 * 2^20 + (w1 >>> 12)`, give `f = m * 2^-52`. Then
 * `x = f * (hi - lo) + lo`, rounded in the target dtype after each operation (float32 arithmetic is
 * emulated with `Math.fround`; `lo * (1 - f) + hi * f` is used if `hi - lo` overflows), clamped to
 * `[lo, nextDown(hi)]`. For float32, `lo` and `hi` are first rounded to float32.
 *
 * @param bits - uniformly random uint32 words (e.g. from `randomBits`); float64 needs an even count.
 * @param dtype - `'float32'` (one word per sample) or `'float64'` (two words per sample).
 * @param lo - inclusive lower bound (default 0).
 * @param hi - exclusive upper bound (default 1); must exceed `lo`.
 * @returns A fresh `Float32Array` or `Float64Array` of `bits.length` (float32) or `bits.length / 2` samples.
 * @throws {@link ValueError} for a bad dtype, non-finite or empty range, or an odd word count for float64.
 * @example
 * ```ts
 * const u = bitsToUniform(randomBits(keyFromSeed(0), 4), 'float32');        // 4 samples in [0, 1)
 * const v = bitsToUniform(randomBits(keyFromSeed(0), 4), 'float64', -1, 1); // 2 samples in [-1, 1)
 * ```
 */
export function bitsToUniform(bits: Uint32Array, dtype: 'float32', lo?: number, hi?: number): Float32Array;
export function bitsToUniform(bits: Uint32Array, dtype: 'float64', lo?: number, hi?: number): Float64Array;
export function bitsToUniform(bits: Uint32Array, dtype: FloatDType, lo?: number, hi?: number): Float32Array | Float64Array;
export function bitsToUniform(bits: Uint32Array, dtype: FloatDType, lo = 0, hi = 1): Float32Array | Float64Array {
  const op = 'bitsToUniform';
  if (dtype === 'float32') {
    const l = Math.fround(lo);
    const h = Math.fround(hi);
    checkRange(op, l, h);
    const span = Math.fround(h - l);
    const top = nextDown32(h);
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) {
      const f = ((bits[i] as number) >>> 9) * TWO_M23;
      const x = Number.isFinite(span) ? Math.fround(Math.fround(f * span) + l) : Math.fround(l * (1 - f) + h * f);
      out[i] = x < l ? l : x > top ? top : x;
    }
    return out;
  }
  if (dtype !== 'float64') {
    throw new ValueError(`${op}: dtype must be 'float32' or 'float64', got ${String(dtype)}.`, {
      op, argument: 'dtype', expected: "'float32' | 'float64'", received: String(dtype),
    });
  }
  checkRange(op, lo, hi);
  if (bits.length % 2 !== 0) {
    throw new ValueError(`${op}: float64 needs two words per sample, got an odd count ${bits.length}.`, {
      op, argument: 'bits', expected: 'an even number of words', received: `length ${bits.length}`,
    });
  }
  const span = hi - lo;
  const top = nextDown64(hi);
  const out = new Float64Array(bits.length / 2);
  for (let i = 0; i < out.length; i++) {
    const m = (bits[2 * i] as number) * TWO_20 + ((bits[2 * i + 1] as number) >>> 12);
    const f = m * TWO_M52;
    const x = Number.isFinite(span) ? f * span + lo : lo * (1 - f) + hi * f;
    out[i] = x < lo ? lo : x > top ? top : x;
  }
  return out;
}

/**
 * Maps uniform samples on [0, 1) to standard normal samples by the inverse CDF (inverse error function).
 *
 * Algorithm: `z = sqrt(2) * erfinv(max(2u - 1, -1 + 2^-53))` with the portable, ~1-ulp {@link erfinv}
 * (the clamp only affects `u < 2^-54`, e.g. `u = 0`, giving z ≈ -8.29 instead of -Infinity). This is
 * the inverse-CDF method (not Box–Muller): sample `i` depends only on `u[i]`, monotonically.
 *
 * @param u - samples in [0, 1); a `Float32Array` yields a `Float32Array`, anything else a `Float64Array`.
 * @returns A fresh array of standard normal samples, one per input.
 * @throws {@link ValueError} if some `u[i]` is outside [0, 1) or `NaN`.
 * @example
 * ```ts
 * uniformToNormal(new Float64Array([0.5, 0.975])); // Float64Array [0, 1.9599639845400538]
 * ```
 */
export function uniformToNormal(u: Float32Array): Float32Array;
export function uniformToNormal(u: Float64Array | readonly number[]): Float64Array;
export function uniformToNormal(u: ArrayLike<number>): Float32Array | Float64Array;
export function uniformToNormal(u: ArrayLike<number>): Float32Array | Float64Array {
  const n = u.length;
  const out = u instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = u[i] as number;
    if (!(v >= 0 && v < 1)) {
      throw new ValueError(`uniformToNormal: samples must lie in [0, 1), got ${String(v)} at index ${i}.`, {
        op: 'uniformToNormal', argument: 'u', expected: 'values in [0, 1)', received: `${String(v)} at index ${i}`,
      });
    }
    const x = 2 * v - 1;
    out[i] = SQRT2 * erfinv(x < LOWEST_ERF_ARG ? LOWEST_ERF_ARG : x);
  }
  return out;
}

/**
 * Converts uniformly random 32-bit words straight into standard normal samples.
 *
 * Algorithm: `uniformToNormal(bitsToUniform(bits, dtype, 0, 1))`, i.e. 23 bits (float32, one word)
 * or 52 bits (float64, two words) of uniform mantissa, then `sqrt(2) * erfinv(2u - 1)`.
 *
 * @param bits - uniformly random uint32 words; float64 needs an even count.
 * @param dtype - `'float32'` or `'float64'`.
 * @returns A fresh `Float32Array` or `Float64Array` of normal samples.
 * @throws {@link ValueError} as {@link bitsToUniform}.
 * @example
 * ```ts
 * const z = bitsToNormal(randomBits(keyFromSeed(0), 1000), 'float32'); // 1000 N(0, 1) samples
 * ```
 */
export function bitsToNormal(bits: Uint32Array, dtype: 'float32'): Float32Array;
export function bitsToNormal(bits: Uint32Array, dtype: 'float64'): Float64Array;
export function bitsToNormal(bits: Uint32Array, dtype: FloatDType): Float32Array | Float64Array;
export function bitsToNormal(bits: Uint32Array, dtype: FloatDType): Float32Array | Float64Array {
  return uniformToNormal(bitsToUniform(bits, dtype, 0, 1));
}
