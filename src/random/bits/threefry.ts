/**
 * Threefry-2x32 block function (20 rounds), the counter-based bit generator behind curvax's
 * functional PRNG (Salmon, Moraes, Dror & Shaw, "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11).
 *
 * Only exact 32-bit integer operations are used (`(a + b) >>> 0`, shifts, xor), so the output is
 * bit-identical on every JavaScript engine and platform.
 * @module
 */
import { ValueError } from '../../errors.js';

/** Rotation constants R_{2,r} of Threefry-2x32, one per round modulo 8 (Table 4 of the paper). */
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;
/** Skein key-schedule parity constant for 32-bit words. */
const KS_PARITY = 0x1bd11bda;

/**
 * Checks that `value` is an integer representable as an int32 or uint32 and returns it as uint32.
 *
 * Algorithm: accepts integers in `[-2^31, 2^32)` and returns `value >>> 0` (two's-complement
 * reinterpretation of negative int32 values).
 *
 * @param op - name of the calling operation, used in error messages.
 * @param argument - name of the checked argument, used in error messages.
 * @param value - the number to check.
 * @returns `value` as a uint32 number.
 * @throws {@link ValueError} if `value` is not an integer in `[-2^31, 2^32)`.
 * @example
 * ```ts
 * toUint32('threefry2x32', 'k0', -1); // 4294967295
 * ```
 * @internal
 */
export function toUint32(op: string, argument: string, value: number): number {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new ValueError(
      `${op}: ${argument} must be an integer in [-2^31, 2^32), got ${String(value)}.`,
      { op, argument, expected: 'an int32 or uint32 integer', received: String(value) },
    );
  }
  return value >>> 0;
}

/**
 * Encrypts counter pairs `(x0[i], x1[i])` with the 64-bit key `(k0, k1)` using Threefry-2x32-20.
 *
 * Algorithm (per counter pair, all arithmetic modulo 2^32): the key schedule is
 * `ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]`; start with `x0 += ks[0]`, `x1 += ks[1]`; then run
 * 20 rounds `x0 += x1; x1 = rotl(x1, R[r % 8]); x1 ^= x0` with `R = [13,15,26,6,17,29,16,24]`,
 * and after every 4th round (s = 1..5) inject the key `x0 += ks[s % 3]`, `x1 += ks[(s + 1) % 3] + s`.
 * This reproduces Random123's `threefry2x32_R(20, ...)` and JAX's `threefry2x32_p`.
 *
 * @param k0 - first key word (uint32, or an int32 reinterpreted as uint32).
 * @param k1 - second key word (uint32, or an int32 reinterpreted as uint32).
 * @param x0 - first counter word of every block.
 * @param x1 - second counter word of every block; must have the same length as `x0`.
 * @returns The two output words of every block, `[y0, y1]`, as fresh arrays of `x0.length` words.
 * @example
 * ```ts
 * const [y0, y1] = threefry2x32(0, 0, new Uint32Array([0]), new Uint32Array([0]));
 * // y0[0] === 0x6b200159, y1[0] === 0x99ba4efe (Random123 known-answer vector)
 * ```
 */
export function threefry2x32(
  k0: number,
  k1: number,
  x0: Uint32Array,
  x1: Uint32Array,
): [Uint32Array, Uint32Array] {
  const op = 'threefry2x32';
  const key0 = toUint32(op, 'k0', k0);
  const key1 = toUint32(op, 'k1', k1);
  if (x0.length !== x1.length) {
    throw new ValueError(
      `${op}: counter arrays must have equal length, got ${x0.length} and ${x1.length}.`,
      { op, argument: 'x1', expected: `length ${x0.length}`, received: `length ${x1.length}` },
    );
  }
  const ks = [key0, key1, (key0 ^ key1 ^ KS_PARITY) >>> 0] as const;
  const n = x0.length;
  const y0 = new Uint32Array(n);
  const y1 = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let a = ((x0[i] as number) + ks[0]) >>> 0;
    let b = ((x1[i] as number) + ks[1]) >>> 0;
    for (let s = 1; s <= 5; s++) {
      const base = (s - 1) & 1 ? 4 : 0;
      for (let r = 0; r < 4; r++) {
        const rot = ROTATIONS[base + r] as number;
        a = (a + b) >>> 0;
        b = ((b << rot) | (b >>> (32 - rot))) >>> 0;
        b = (b ^ a) >>> 0;
      }
      a = (a + (ks[s % 3] as number)) >>> 0;
      b = (b + (ks[(s + 1) % 3] as number) + s) >>> 0;
    }
    y0[i] = a;
    y1[i] = b;
  }
  return [y0, y1];
}

/**
 * Encrypts a single counter pair with Threefry-2x32-20; a scalar convenience form of {@link threefry2x32}.
 *
 * Algorithm: exactly {@link threefry2x32} applied to the one-element counters `[c0]`, `[c1]`.
 *
 * @param k0 - first key word (uint32 or int32).
 * @param k1 - second key word (uint32 or int32).
 * @param c0 - first counter word (uint32 or int32).
 * @param c1 - second counter word (uint32 or int32).
 * @returns The output pair `[y0, y1]` as uint32 numbers.
 * @example
 * ```ts
 * threefry2x32Block(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3); // [0xc4923a9c, 0x483df7a0]
 * ```
 */
export function threefry2x32Block(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const op = 'threefry2x32Block';
  const x0 = new Uint32Array([toUint32(op, 'c0', c0)]);
  const x1 = new Uint32Array([toUint32(op, 'c1', c1)]);
  const [y0, y1] = threefry2x32(k0, k1, x0, x1);
  return [y0[0] as number, y1[0] as number];
}
