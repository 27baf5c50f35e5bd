/**
 * PRNG keys for curvax's functional random API: seeding, splitting, folding in data and drawing raw bits.
 *
 * A key is a pair of uint32 words `[k0, k1]` (the library stores it as an int32 tensor of shape `[2]`
 * and reinterprets it as uint32). Every function is pure: the same key always yields the same bits.
 * The counter layouts of {@link splitKey}, {@link foldIn} and {@link randomBits} reproduce JAX's
 * Threefry PRNG with `jax_threefry_partitionable=False` (the layout JAX used by default before 0.5).
 * @module
 */
import { ValueError } from '../../errors.js';
import { threefry2x32, toUint32 } from './threefry.js';

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/**
 * Validates a key given as any array-like of two int32/uint32 words and returns its uint32 words.
 *
 * Algorithm: checks `key.length === 2`, then applies {@link toUint32} to each word (int32 words are
 * reinterpreted as uint32, e.g. `-1` becomes `0xffffffff`).
 *
 * @param op - name of the calling operation, used in error messages.
 * @param key - the key as `Uint32Array`, `Int32Array` or `number[]`.
 * @returns The two key words as uint32 numbers.
 * @throws {@link ValueError} if the key does not hold exactly two int32/uint32 integers.
 * @example
 * ```ts
 * keyWords('split', Int32Array.from([-1, 5])); // [4294967295, 5]
 * ```
 * @internal
 */
export function keyWords(op: string, key: ArrayLike<number>): [number, number] {
  if (key.length !== 2) {
    throw new ValueError(`${op}: key must hold exactly 2 words, got ${key.length}.`, {
      op, argument: 'key', expected: 'u32[2]', received: `length ${key.length}`,
    });
  }
  return [toUint32(op, 'key[0]', key[0] as number), toUint32(op, 'key[1]', key[1] as number)];
}

function checkCount(op: string, argument: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ValueError(`${op}: ${argument} must be a non-negative integer, got ${String(n)}.`, {
      op, argument, expected: 'a non-negative integer', received: String(n),
    });
  }
}

/**
 * Creates a key from an integer seed by splitting it into 64-bit two's-complement hi/lo words.
 *
 * Algorithm: `key = [hi, lo]` with `lo = seed mod 2^32` and `hi = floor(seed / 2^32) mod 2^32`, i.e.
 * the two 32-bit halves of the seed as a signed 64-bit integer. So `keyFromSeed(5)` is `[0, 5]` and
 * `keyFromSeed(-1)` is `[0xffffffff, 0xffffffff]`; this equals JAX's `PRNGKey(seed)` (with x64 enabled,
 * and in any mode for `0 <= seed < 2^31`). The mapping is injective on its domain.
 *
 * @param seed - an integer with `|seed| <= 2^53`.
 * @returns A fresh `Uint32Array` `[hi, lo]`.
 * @throws {@link ValueError} if `seed` is not an integer in `[-2^53, 2^53]`.
 * @example
 * ```ts
 * keyFromSeed(42);         // Uint32Array [0, 42]
 * keyFromSeed(2 ** 32 + 7); // Uint32Array [1, 7]
 * ```
 */
export function keyFromSeed(seed: number): Uint32Array {
  if (!Number.isInteger(seed) || Math.abs(seed) > TWO_53) {
    throw new ValueError(`keyFromSeed: seed must be an integer in [-2^53, 2^53], got ${String(seed)}.`, {
      op: 'keyFromSeed', argument: 'seed', expected: 'an integer with |seed| <= 2^53', received: String(seed),
    });
  }
  const hi = Math.floor(seed / TWO_32);
  const lo = seed - hi * TWO_32; // exact, in [0, 2^32)
  return new Uint32Array([hi >>> 0, lo >>> 0]);
}

/**
 * Draws `count` raw 32-bit words from a key (JAX's `random_bits` for 32-bit words).
 *
 * Algorithm: the counters `0, 1, ..., count-1` (padded with one `0` when `count` is odd) are split into
 * a first half `c[0..h)` and a second half `c[h..2h)`, `h = ceil(count / 2)`; block `i` encrypts the
 * pair `(c[i], c[h + i])` with {@link threefry2x32}, and the output is `[y0[0..h), y1[0..h)]`
 * truncated to `count` words. Note that `randomBits(key, m)` is generally not a prefix of
 * `randomBits(key, n)` for `m < n`; use {@link bitStream} for an extendable stream.
 *
 * @param key - the key `[k0, k1]` (uint32 or int32 words).
 * @param count - number of words to draw (any non-negative integer, odd counts included).
 * @returns A fresh `Uint32Array` of `count` words.
 * @example
 * ```ts
 * const words = randomBits(keyFromSeed(0), 5); // 5 uint32 words, identical on every platform
 * ```
 */
export function randomBits(key: ArrayLike<number>, count: number): Uint32Array {
  const [k0, k1] = keyWords('randomBits', key);
  checkCount('randomBits', 'count', count);
  const h = Math.ceil(count / 2);
  const x0 = new Uint32Array(h);
  const x1 = new Uint32Array(h);
  for (let i = 0; i < h; i++) {
    x0[i] = i;
    x1[i] = h + i < count ? h + i : 0;
  }
  const [y0, y1] = threefry2x32(k0, k1, x0, x1);
  const out = new Uint32Array(count);
  out.set(y0);
  out.set(y1.subarray(0, count - h), h);
  return out;
}

/**
 * Splits a key into `n` new independent keys (JAX's `random.split`).
 *
 * Algorithm: `randomBits(key, 2n)` reshaped to `[n, 2]`; key `i` is words `2i` and `2i + 1`. That is,
 * the counters `0..2n-1` are halved into `(i, n + i)` pairs, encrypted with Threefry-2x32, and the
 * concatenation `[y0, y1]` is read as consecutive key pairs.
 *
 * @param key - the parent key `[k0, k1]`.
 * @param n - number of keys to produce (non-negative integer).
 * @returns A fresh `Uint32Array` of `2n` words: keys `[out[0], out[1]]`, `[out[2], out[3]]`, ...
 * @example
 * ```ts
 * const keys = splitKey(keyFromSeed(0), 2);
 * const [a, b] = [keys.subarray(0, 2), keys.subarray(2, 4)];
 * // keys = [4146024105, 967050713, 2718843009, 1272950319], as jax.random.split(PRNGKey(0))
 * ```
 */
export function splitKey(key: ArrayLike<number>, n: number): Uint32Array {
  keyWords('splitKey', key);
  checkCount('splitKey', 'n', n);
  return randomBits(key, 2 * n);
}

/**
 * Derives a new key from a key and an integer, e.g. a step or layer index (JAX's `random.fold_in`).
 *
 * Algorithm: with `[d0, d1] = keyFromSeed(data)` (64-bit two's-complement hi/lo words of `data`),
 * the new key is `threefry2x32(k0, k1, [d0], [d1])`. For `0 <= data < 2^32` this is `[0, data]` as
 * the counter, exactly JAX's `fold_in`. Distinct `data` give distinct counters, hence distinct keys.
 *
 * @param key - the key `[k0, k1]`.
 * @param data - an integer with `|data| <= 2^53`.
 * @returns A fresh `Uint32Array` key of 2 words.
 * @example
 * ```ts
 * const stepKey = foldIn(keyFromSeed(0), 17);
 * ```
 */
export function foldIn(key: ArrayLike<number>, data: number): Uint32Array {
  const [k0, k1] = keyWords('foldIn', key);
  const ctr = keyFromSeed(data);
  const [y0, y1] = threefry2x32(k0, k1, ctr.subarray(0, 1), ctr.subarray(1, 2));
  return new Uint32Array([y0[0] as number, y1[0] as number]);
}

/**
 * Returns an endless, extendable stream of 32-bit words derived from a key (for rejection sampling).
 *
 * Algorithm: block `b = 0, 1, 2, ...` is `threefry2x32(k0, k1, [hi(b)], [lo(b)])` with `hi/lo` the
 * 32-bit halves of `b` (so block `b` equals `foldIn(key, b)`); the stream yields `y0` then `y1` of each
 * block in order. Blocks are computed in batches (4, 8, ... up to 256). Each call of the returned function yields the next
 * word; separate calls of `bitStream(key)` restart from word 0.
 *
 * @param key - the key `[k0, k1]`.
 * @returns A function returning the next uint32 word on each call.
 * @example
 * ```ts
 * const next = bitStream(keyFromSeed(3));
 * const a = next(), b = next(); // a, b === foldIn(keyFromSeed(3), 0)
 * ```
 */
export function bitStream(key: ArrayLike<number>): () => number {
  const [k0, k1] = keyWords('bitStream', key);
  let blocks = 4; // batch size doubles up to 256; the stream content does not depend on it
  let nextBlock = 0;
  let buffer = new Uint32Array(0);
  let pos = 0;
  return () => {
    if (pos >= buffer.length) {
      const x0 = new Uint32Array(blocks);
      const x1 = new Uint32Array(blocks);
      for (let i = 0; i < blocks; i++) {
        const b = nextBlock + i;
        x0[i] = Math.floor(b / TWO_32) >>> 0;
        x1[i] = b >>> 0;
      }
      nextBlock += blocks;
      const [y0, y1] = threefry2x32(k0, k1, x0, x1);
      buffer = new Uint32Array(2 * blocks);
      for (let i = 0; i < blocks; i++) {
        buffer[2 * i] = y0[i] as number;
        buffer[2 * i + 1] = y1[i] as number;
      }
      pos = 0;
      blocks = Math.min(2 * blocks, 256);
    }
    return buffer[pos++] as number;
  };
}
