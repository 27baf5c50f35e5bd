import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import {
  bitStream, bitsToBernoulli, bitsToUniform, categoricalFromLogits, foldIn, keyFromSeed,
  permutationFromBits, randomBits, splitKey, threefry2x32, threefry2x32Block,
} from '../../src/random/bits/index.js';

const pair = (a: ArrayLike<number>, i = 0): string => `${a[2 * i]},${a[2 * i + 1]}`;
const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
const min = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.min(m, v), Infinity);
const max = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, v), -Infinity);
const variance = (a: ArrayLike<number>): number => {
  const m = mean(a);
  return Array.from(a).reduce((s, v) => s + (v - m) ** 2, 0) / a.length;
};

describe('threefry2x32 (Random123 known-answer vectors)', () => {
  it.each([
    [0, 0, 0, 0, 0x6b200159, 0x99ba4efe],
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x1cb996fc, 0xbb002be7],
    [0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3, 0xc4923a9c, 0x483df7a0],
  ])('key (%d,%d) ctr (%d,%d)', (k0, k1, c0, c1, e0, e1) => {
    expect(threefry2x32Block(k0, k1, c0, c1)).toEqual([e0, e1]);
    const [y0, y1] = threefry2x32(k0, k1, new Uint32Array([c0, 1, c0]), new Uint32Array([c1, 2, c1]));
    expect([y0[0], y1[0], y0[2], y1[2]]).toEqual([e0, e1, e0, e1]);
  });
  it('accepts int32-reinterpreted words and rejects bad input', () => {
    expect(threefry2x32Block(-1, -1, -1, -1)).toEqual([0x1cb996fc, 0xbb002be7]);
    expect(() => threefry2x32(0, 0, new Uint32Array(2), new Uint32Array(3))).toThrow(ValueError);
    expect(() => threefry2x32Block(0.5, 0, 0, 0)).toThrow(ValueError);
    expect(() => threefry2x32Block(2 ** 32, 0, 0, 0)).toThrow(ValueError);
  });
  it('vectorized form equals the block form', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 8 }), fc.nat(), fc.nat(), (ctrs, k0, k1) => {
      const [y0, y1] = threefry2x32(k0, k1, Uint32Array.from(ctrs, (c) => c[0]), Uint32Array.from(ctrs, (c) => c[1]));
      ctrs.forEach(([c0, c1], i) => expect(threefry2x32Block(k0, k1, c0, c1)).toEqual([y0[i], y1[i]]));
    }));
  });
});

describe('keys', () => {
  it('keyFromSeed splits a signed 64-bit seed into hi/lo words', () => {
    expect(Array.from(keyFromSeed(42))).toEqual([0, 42]);
    expect(Array.from(keyFromSeed(2 ** 32 + 7))).toEqual([1, 7]);
    expect(Array.from(keyFromSeed(-1))).toEqual([0xffffffff, 0xffffffff]);
    expect(Array.from(keyFromSeed(-(2 ** 53)))).toEqual([0xffe00000, 0]);
    fc.assert(fc.property(fc.maxSafeInteger(), (seed) => {
      const [hi, lo] = keyFromSeed(seed) as unknown as [number, number];
      expect((hi >= 2 ** 31 ? hi - 2 ** 32 : hi) * 2 ** 32 + lo).toBe(seed);
    }));
    for (const bad of [0.5, NaN, Infinity, 2 ** 53 + 2]) expect(() => keyFromSeed(bad)).toThrow(ValueError);
  });
  it('splitKey reproduces jax.random.split and equals randomBits(key, 2n)', () => {
    expect(Array.from(splitKey(keyFromSeed(0), 2))).toEqual([4146024105, 967050713, 2718843009, 1272950319]);
    expect(Array.from(splitKey(keyFromSeed(42), 2))).toEqual([2465931498, 3679230171, 255383827, 267815257]);
    const k = keyFromSeed(7);
    expect(splitKey(k, 5)).toEqual(randomBits(k, 10));
    expect(splitKey(k, 0).length).toBe(0);
  });
  it('split keys differ from each other and from the parent', () => {
    for (const seed of [0, 1, -1, 123456789]) {
      const parent = keyFromSeed(seed);
      const keys = splitKey(parent, 200);
      const seen = new Set([pair(parent)]);
      for (let i = 0; i < 200; i++) seen.add(pair(keys, i));
      expect(seen.size).toBe(201);
    }
  });
  it('foldIn matches the JAX counter layout and differs for different data', () => {
    const k = keyFromSeed(3);
    expect(Array.from(foldIn(k, 17))).toEqual(threefry2x32Block(0, 3, 0, 17));
    expect(Array.from(foldIn(k, -1))).toEqual(threefry2x32Block(0, 3, 0xffffffff, 0xffffffff));
    const seen = new Set<string>([pair(k)]);
    for (let d = -500; d < 1500; d++) seen.add(pair(foldIn(k, d)));
    seen.add(pair(foldIn(k, 2 ** 32)));
    expect(seen.size).toBe(2002);
    expect(foldIn(keyFromSeed(4), 17)).not.toEqual(foldIn(k, 17));
  });
  it('randomBits is deterministic, handles odd counts and uses the documented layout', () => {
    const k = keyFromSeed(11);
    expect(randomBits(k, 1001)).toEqual(randomBits(Uint32Array.from(k), 1001));
    expect(randomBits(k, 0).length).toBe(0);
    const [a0, a1] = threefry2x32Block(0, 11, 0, 2);
    const [b0] = threefry2x32Block(0, 11, 1, 0);
    expect(Array.from(randomBits(k, 3))).toEqual([a0, b0, a1]);
    expect(randomBits(Int32Array.from([-1, -2]), 9)).toEqual(randomBits([0xffffffff, 0xfffffffe], 9));
    expect(() => randomBits(k, -1)).toThrow(ValueError);
    expect(() => randomBits(k, 1.5)).toThrow(ValueError);
    expect(() => randomBits([1, 2, 3], 4)).toThrow(ValueError);
  });
  it('bitStream yields foldIn(key, b) block by block, across buffer refills', () => {
    const k = keyFromSeed(5);
    const next = bitStream(k);
    const words = Array.from({ length: 2000 }, () => next());
    for (const b of [0, 1, 3, 4, 11, 12, 255, 256, 514, 999]) expect([words[2 * b], words[2 * b + 1]]).toEqual(Array.from(foldIn(k, b)));
  });
});

describe('bitsToUniform', () => {
  const bits = randomBits(keyFromSeed(0), 200_000);
  it('float32: 23 mantissa bits, [1, 2) - 1 construction, moments within 6 sigma', () => {
    const u = bitsToUniform(bits.subarray(0, 100_000), 'float32');
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < 1000; i++) {
      view.setUint32(0, ((bits[i] as number) >>> 9) | 0x3f800000);
      expect(u[i]).toBe(view.getFloat32(0) - 1);
    }
    const n = u.length;
    expect(min(u)).toBeGreaterThanOrEqual(0);
    expect(max(u)).toBeLessThan(1);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(6 * Math.sqrt(1 / 180 / n));
  });
  it('float64: 52 bits from two words, moments within 6 sigma, custom range', () => {
    const u = bitsToUniform(bits, 'float64');
    const n = u.length;
    expect(n).toBe(100_000);
    expect(u[0]).toBe(((bits[0] as number) * 2 ** 20 + ((bits[1] as number) >>> 12)) * 2 ** -52);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(6 * Math.sqrt(1 / 180 / n));
    const v = bitsToUniform(bits, 'float64', -3, 5);
    expect(min(v)).toBeGreaterThanOrEqual(-3);
    expect(max(v)).toBeLessThan(5);
  });
  it('never returns hi, even when rounding would reach it', () => {
    const ones = new Uint32Array(64).fill(0xffffffff);
    expect(bitsToUniform(ones, 'float32')[0]).toBe(1 - 2 ** -23);
    expect(bitsToUniform(ones, 'float64')[0]).toBe(1 - 2 ** -52);
    expect(max(bitsToUniform(ones, 'float32', 1e7, 1e7 + 1))).toBe(1e7);
    expect(max(bitsToUniform(ones, 'float64', 1e16, 1e16 + 2))).toBe(1e16);
    expect(max(bitsToUniform(ones, 'float64', -Number.MAX_VALUE, Number.MAX_VALUE))).toBeLessThan(Number.MAX_VALUE);
    expect(bitsToUniform(new Uint32Array(2), 'float32', -2, -1)[0]).toBe(-2);
    expect(() => bitsToUniform(ones, 'float32', 1, 1)).toThrow(ValueError);
    expect(() => bitsToUniform(ones.subarray(0, 3), 'float64')).toThrow(ValueError);
  });
});

describe('discrete samplers', () => {
  it('bitsToBernoulli: exact threshold, frequency within 6 sigma, validation', () => {
    const n = 100_000;
    const b = bitsToBernoulli(randomBits(keyFromSeed(1), n), 0.3);
    expect(Math.abs(mean(b) - 0.3)).toBeLessThan(6 * Math.sqrt(0.21 / n));
    expect(Array.from(bitsToBernoulli(new Uint32Array([0, 1]), 2 ** -32))).toEqual([1, 0]);
    const ones = new Uint32Array(10).fill(0xffffffff);
    expect(Array.from(bitsToBernoulli(ones, 1))).toEqual(new Array(10).fill(1));
    expect(Array.from(bitsToBernoulli(new Uint32Array(10), 0))).toEqual(new Array(10).fill(0));
    expect(Array.from(bitsToBernoulli(new Uint32Array(2), [0, 1]))).toEqual([0, 1]);
    expect(() => bitsToBernoulli(ones, 1.5)).toThrow(ValueError);
    expect(() => bitsToBernoulli(ones, NaN)).toThrow(ValueError);
    expect(() => bitsToBernoulli(ones, [0.5])).toThrow(ValueError);
  });
  it('categoricalFromLogits: Gumbel-max frequencies within 6 sigma', () => {
    const probs = [0.1, 0.2, 0.3, 0.4];
    const rows = 100_000;
    const logits = new Float64Array(rows * 4).map((_, i) => Math.log(probs[i % 4] as number) + 5);
    const draws = categoricalFromLogits(logits, randomBits(keyFromSeed(2), rows * 4), 4);
    const counts = [0, 0, 0, 0];
    for (const c of draws) counts[c] = (counts[c] as number) + 1;
    probs.forEach((p, c) => expect(Math.abs((counts[c] as number) / rows - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / rows)));
  });
  it('categoricalFromLogits: -Infinity never chosen, validation', () => {
    const bits = randomBits(keyFromSeed(3), 3000);
    const logits = new Float64Array(3000).map((_, i) => (i % 3 === 1 ? -Infinity : 0));
    const draws = categoricalFromLogits(logits, bits, 3);
    expect(draws.length).toBe(1000);
    expect(draws.includes(1)).toBe(false);
    expect(Array.from(categoricalFromLogits([-Infinity, -Infinity], new Uint32Array(2)))).toEqual([0]);
    expect(() => categoricalFromLogits([0, 0, 0], new Uint32Array(3), 2)).toThrow(ValueError);
    expect(() => categoricalFromLogits([0, 0], new Uint32Array(3))).toThrow(ValueError);
    expect(() => categoricalFromLogits([0, NaN], new Uint32Array(2))).toThrow(ValueError);
  });
  it('permutationFromBits returns a deterministic permutation', () => {
    for (const n of [0, 1, 2, 10, 1000]) {
      const p = permutationFromBits(n, keyFromSeed(n));
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(permutationFromBits(n, keyFromSeed(n))).toEqual(p);
    }
    expect(permutationFromBits(1000, keyFromSeed(1))).not.toEqual(permutationFromBits(1000, keyFromSeed(2)));
    expect(() => permutationFromBits(-1, keyFromSeed(0))).toThrow(ValueError);
    expect(() => permutationFromBits(2.5, keyFromSeed(0))).toThrow(ValueError);
  });
  it('permutationFromBits is uniform over the 6 permutations of 3 (6 sigma)', () => {
    const trials = 60_000;
    const counts = new Map<string, number>();
    const base = keyFromSeed(9);
    for (let t = 0; t < trials; t++) {
      const s = Array.from(permutationFromBits(3, foldIn(base, t))).join('');
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const sigma = Math.sqrt(trials * (1 / 6) * (5 / 6));
    for (const c of counts.values()) expect(Math.abs(c - trials / 6)).toBeLessThan(6 * sigma);
  });
});
