import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, tensor, tree, zeros, type Tensor } from '../../src/index.js';
import { batchedArgs, broadcastablePair, pytreeOf, shape, tensorArb } from '../../src/testing/index.js';

const sampleOf = <T>(arb: fc.Arbitrary<T>, n = 300): T[] => fc.sample(arb, { seed: 7, numRuns: n });

describe('shape', () => {
  it('respects the bounds', () => {
    fc.assert(fc.property(shape({ maxRank: 2, maxDim: 3, minDim: 1 }), (s) => s.length <= 2 && s.every((d) => d >= 1 && d <= 3)));
    fc.assert(fc.property(shape({ minRank: 2, maxRank: 2 }), (s) => s.length === 2));
  });
  it('produces scalars and 0- and 1-sized axes', () => {
    const ss = sampleOf(shape());
    expect(ss.some((s) => s.length === 0)).toBe(true);
    expect(ss.some((s) => s.includes(0))).toBe(true);
    expect(ss.some((s) => s.includes(1))).toBe(true);
    expect(ss.some((s) => s.length === 3)).toBe(true);
  });
});

describe('broadcastablePair', () => {
  it('yields shapes that broadcast', () => {
    fc.assert(
      fc.property(broadcastablePair(), ([a, b]) => {
        const out = add(zeros(a, 'float64'), zeros(b, 'float64')).shape;
        expect(out.length).toBe(Math.max(a.length, b.length));
      }),
    );
  });
  it('exercises broadcasting (size-1 axes and rank differences)', () => {
    const ps = sampleOf(broadcastablePair());
    expect(ps.some(([a, b]) => a.length !== b.length)).toBe(true);
    expect(ps.some(([a, b]) => a.some((d, i) => d === 1 && b[b.length - a.length + i] !== undefined && b[b.length - a.length + i]! > 1))).toBe(true);
  });
});

describe('tensorArb', () => {
  const values = (t: Tensor) => Array.from(t.toTypedArray());
  it('respects shape, dtype and domain', () => {
    fc.assert(fc.property(tensorArb({ shape: [2, 3], domain: 'positive' }), (t) => t.dtype === 'float64' && t.shape.join() === '2,3' && values(t).every((v) => v >= 0.25 && v <= 4)));
    fc.assert(fc.property(tensorArb({ domain: 'unit' }), (t) => values(t).every((v) => v >= -0.9 && v <= 0.9)));
    fc.assert(fc.property(tensorArb({ domain: [2, 5], dtype: 'int32' }), (t) => t.dtype === 'int32' && values(t).every((v) => Number.isInteger(v) && v >= 2 && v <= 5)));
    fc.assert(fc.property(tensorArb({ dtype: 'bool', shape: [4] }), (t) => t.dtype === 'bool' && values(t).every((v) => v === 0 || v === 1)));
    fc.assert(fc.property(tensorArb({ dtype: 'float32', shape: shape({ maxRank: 1 }) }), (t) => t.dtype === 'float32' && values(t).every((v) => Math.fround(v) === v)));
  });
  it('distinct values are pairwise separated', () => {
    fc.assert(
      fc.property(tensorArb({ shape: [3, 4], distinct: true }), (t) => {
        const v = values(t).sort((a, b) => a - b);
        return v.every((x, i) => i === 0 || x - v[i - 1]! >= 6 / 1000 - 1e-12);
      }),
    );
  });
});

describe('pytreeOf', () => {
  it('builds nested arrays and objects of leaves', () => {
    const trees = sampleOf(pytreeOf(tensorArb({ shape: [1] })), 200);
    expect(trees.some((t) => Array.isArray(t))).toBe(true);
    expect(trees.some((t) => t !== null && typeof t === 'object' && !Array.isArray(t) && !('aval' in t))).toBe(true);
    for (const t of trees) expect(tree.leaves(t).every((l) => l.shape.join() === '1')).toBe(true);
  });
});

describe('batchedArgs', () => {
  it('stacks permuted copies along the mapped axis and leaves unmapped arguments alone', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    fc.assert(
      fc.property(batchedArgs([x, x], { maxSize: 4 }), (b) => {
        b.args.forEach((a, i) => {
          const ax = b.inAxes[i];
          if (ax === null || ax === undefined) return void expect(a).toBe(x);
          const pos = ax < 0 ? ax + 3 : ax;
          expect(a.shape[pos]).toBe(b.size);
          expect(a.size).toBe(6 * b.size);
          // every copy is a permutation of the original data
          const sorted = Array.from(a.toTypedArray()).sort((p, q) => p - q);
          expect(sorted).toEqual([1, 2, 3, 4, 5, 6].flatMap((v) => Array<number>(b.size).fill(v)));
        });
      }),
    );
  });
  it('covers unmapped, negative and positive axes', () => {
    const bs = sampleOf(batchedArgs([zeros([2], 'float64')]), 100);
    expect(bs.some((b) => b.inAxes[0] === null)).toBe(true);
    expect(bs.some((b) => (b.inAxes[0] ?? 0) < 0)).toBe(true);
    expect(bs.some((b) => (b.inAxes[0] ?? -1) > 0)).toBe(true);
  });
});
