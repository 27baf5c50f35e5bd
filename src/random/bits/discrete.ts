/**
 * Discrete samplers driven by Threefry bits: Bernoulli, categorical (Gumbel-max) and permutations.
 *
 * All are pure functions of their inputs and use only exact integer operations or the portable
 * `log` from `special.ts`, so results are identical on every platform.
 * @module
 */
import { ValueError } from '../../errors.js';
import { bitStream, keyWords } from './keys.js';
import { portableLog } from './special.js';

const TWO_32 = 4294967296;
const TWO_M32 = 2.3283064365386963e-10; // 2^-32

function checkProbability(op: string, p: number, where: string): void {
  if (!(p >= 0 && p <= 1)) {
    throw new ValueError(`${op}: probability${where} must lie in [0, 1], got ${String(p)}.`, {
      op, argument: 'p', expected: 'a probability in [0, 1]', received: String(p),
    });
  }
}

/**
 * Turns 32-bit words into Bernoulli(p) samples, one word per sample.
 *
 * Algorithm: sample `i` is `1` iff `bits[i] < p_i * 2^32` (compared exactly in float64), so
 * `P(1) = ceil(p * 2^32) / 2^32`, within 2^-32 of `p`; `p = 0` never and `p = 1` always gives `1`.
 *
 * @param bits - uniformly random uint32 words, e.g. from `randomBits`.
 * @param p - one probability for all samples, or one per word (same length as `bits`).
 * @returns A fresh `Uint8Array` of 0/1 values, `bits.length` long.
 * @throws {@link ValueError} if a probability is outside [0, 1] (or `NaN`) or the lengths differ.
 * @example
 * ```ts
 * const coins = bitsToBernoulli(randomBits(keyFromSeed(0), 10), 0.5); // ten fair coin flips
 * ```
 */
export function bitsToBernoulli(bits: Uint32Array, p: number | ArrayLike<number>): Uint8Array {
  const op = 'bitsToBernoulli';
  const n = bits.length;
  const out = new Uint8Array(n);
  if (typeof p === 'number') {
    checkProbability(op, p, '');
    const threshold = p * TWO_32;
    for (let i = 0; i < n; i++) out[i] = (bits[i] as number) < threshold ? 1 : 0;
    return out;
  }
  if (p.length !== n) {
    throw new ValueError(`${op}: p must have one probability per word, got ${p.length} for ${n} words.`, {
      op, argument: 'p', expected: `length ${n}`, received: `length ${p.length}`,
    });
  }
  for (let i = 0; i < n; i++) {
    const pi = p[i] as number;
    checkProbability(op, pi, ` p[${i}]`);
    out[i] = (bits[i] as number) < pi * TWO_32 ? 1 : 0;
  }
  return out;
}

/**
 * Samples class indices from unnormalized log-probabilities with the Gumbel-max trick.
 *
 * Algorithm: `logits` is a row-major `[rows, numClasses]` array with one word of `bits` per entry.
 * Each word `w` becomes `u = (w + 1/2) * 2^-32` in (0, 1) (exact) and Gumbel noise
 * `g = -log(-log(u))` (portable log); the sample of each row is `argmax_c (logits[c] + g[c])`,
 * ties going to the lowest index. `-Infinity` logits are never chosen unless a whole row is
 * `-Infinity` (then index 0 is returned).
 *
 * @param logits - flat row-major logits; `NaN` is rejected.
 * @param bits - uniformly random uint32 words, exactly one per logit.
 * @param numClasses - classes per row (positive integer dividing `logits.length`); default `logits.length`.
 * @returns A fresh `Int32Array` holding one class index per row.
 * @throws {@link ValueError} on shape mismatches or `NaN` logits.
 * @example
 * ```ts
 * const logits = [Math.log(0.2), Math.log(0.8)];
 * const [c] = categoricalFromLogits(logits, randomBits(keyFromSeed(1), 2)); // 1 with probability 0.8
 * ```
 */
export function categoricalFromLogits(
  logits: ArrayLike<number>,
  bits: Uint32Array,
  numClasses: number = logits.length,
): Int32Array {
  const op = 'categoricalFromLogits';
  const total = logits.length;
  if (!Number.isSafeInteger(numClasses) || numClasses < 1 || total % numClasses !== 0) {
    throw new ValueError(`${op}: numClasses must be a positive divisor of ${total}, got ${String(numClasses)}.`, {
      op, argument: 'numClasses', expected: `a positive divisor of ${total}`, received: String(numClasses),
    });
  }
  if (bits.length !== total) {
    throw new ValueError(`${op}: need one random word per logit, got ${bits.length} words for ${total} logits.`, {
      op, argument: 'bits', expected: `length ${total}`, received: `length ${bits.length}`,
    });
  }
  const rows = total / numClasses;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity;
    let index = 0;
    for (let c = 0; c < numClasses; c++) {
      const i = r * numClasses + c;
      const logit = logits[i] as number;
      if (Number.isNaN(logit)) {
        throw new ValueError(`${op}: logits must not be NaN, got NaN at index ${i}.`, {
          op, argument: 'logits', expected: 'non-NaN logits', received: `NaN at index ${i}`,
        });
      }
      const u = ((bits[i] as number) + 0.5) * TWO_M32;
      const score = logit - portableLog(-portableLog(u));
      if (score > best) {
        best = score;
        index = c;
      }
    }
    out[r] = index;
  }
  return out;
}

/**
 * Returns a uniformly random permutation of `0..n-1` determined by a key (Fisher–Yates).
 *
 * Algorithm: start from the identity; for `i = n-1` down to `1` draw `j` uniform in `[0, i]` and swap
 * entries `i` and `j`. Each `j` is drawn exactly without bias from the word stream `bitStream(key)`
 * by rejection: with `b = i + 1`, words `w >= 2^32 - (2^32 mod b)` are skipped, then `j = w mod b`.
 *
 * @param n - length of the permutation (integer in [0, 2^31 - 1]).
 * @param key - the key `[k0, k1]` (uint32 or int32 words).
 * @returns A fresh `Int32Array` containing each of `0..n-1` exactly once.
 * @throws {@link ValueError} if `n` is not a valid length or `key` is malformed.
 * @example
 * ```ts
 * const order = permutationFromBits(5, keyFromSeed(0)); // Int32Array [0, 3, 1, 2, 4]
 * ```
 */
export function permutationFromBits(n: number, key: ArrayLike<number>): Int32Array {
  const op = 'permutationFromBits';
  keyWords(op, key);
  if (!Number.isSafeInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new ValueError(`${op}: n must be an integer in [0, 2^31 - 1], got ${String(n)}.`, {
      op, argument: 'n', expected: 'an integer in [0, 2^31 - 1]', received: String(n),
    });
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const next = bitStream(key);
  for (let i = n - 1; i >= 1; i--) {
    const b = i + 1;
    const limit = TWO_32 - (TWO_32 % b);
    let w = next();
    while (w >= limit) w = next();
    const j = w % b;
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return perm;
}
