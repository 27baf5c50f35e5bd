import { describe, expect, it } from 'vitest';
import { tensor, zeros } from '../../src/index.js';
import { allClose, loosestDType, matchers, registerMatchers, tolerance, treeAllClose } from '../../src/testing/index.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });

describe('tolerance', () => {
  it('is tight for float64 values, looser for float32 and for finite differences', () => {
    expect(tolerance('float64')).toEqual({ rtol: 1e-10, atol: 1e-12 });
    expect(tolerance('float32')).toEqual({ rtol: 1e-5, atol: 1e-6 });
    expect(tolerance('float64', 'grad').rtol).toBeGreaterThan(tolerance('float64').rtol);
    expect(tolerance('float32', 'grad').rtol).toBeGreaterThan(tolerance('float64', 'grad').rtol);
    expect(tolerance('int32')).toEqual({ rtol: 0, atol: 0 });
    expect(tolerance('bool', 'grad')).toEqual({ rtol: 0, atol: 0 });
  });
  it('loosestDType picks the least precise dtype', () => {
    expect(loosestDType(['float64', 'float32'])).toBe('float32');
    expect(loosestDType(['int32', 'float64'])).toBe('float64');
    expect(loosestDType(['int32', 'bool'])).toBe('int32');
    expect(loosestDType([])).toBe('float64');
  });
});

describe('allClose', () => {
  it('accepts equal and nearly equal values', () => {
    expect(allClose(f64([1, 2]), [1, 2])).toBe(true);
    expect(allClose(f64([1, 2]), [1, 2 + 1e-11])).toBe(true);
    expect(allClose(f64([[1, 2]]), f64([[1, 2]]))).toBe(true);
    expect(allClose(3, 3)).toBe(true);
    expect(allClose(new Float64Array([1, 2]), [1, 2])).toBe(true);
  });
  it('rejects different values, shapes and (on request) dtypes', () => {
    expect(allClose(f64([1, 2]), [1, 3])).toBe(false);
    expect(allClose(f64([1, 2]), [1, 2 + 1e-6])).toBe(false);
    expect(allClose(f64([1, 2]), [[1, 2]])).toBe(false);
    expect(allClose(f64([1, 2]), [1, 2, 3])).toBe(false);
    expect(allClose(zeros([0, 2], 'float64'), zeros([2, 0], 'float64'))).toBe(false);
    expect(allClose(tensor([1, 2], { dtype: 'float32' }), f64([1, 2]), { checkDtype: true })).toBe(false);
    expect(allClose(tensor([1, 2], { dtype: 'float32' }), f64([1, 2]))).toBe(true);
  });
  it('uses the loosest dtype tolerance by default and honours rtol/atol', () => {
    const a = tensor([1, 2], { dtype: 'float32' });
    expect(allClose(a, [1, 2 + 1e-6])).toBe(true); // float32 tolerance
    expect(allClose(f64([1, 2]), [1, 2 + 1e-6])).toBe(false); // float64 tolerance
    expect(allClose(f64([1, 2]), [1, 2 + 1e-6], { rtol: 1e-5 })).toBe(true);
    expect(allClose(f64([0]), [1e-3], { atol: 1e-2 })).toBe(true);
    expect(allClose(tensor([1, 2], { dtype: 'int32' }), [1, 2])).toBe(true);
  });
  it('treats NaN as equal to NaN unless equalNan is false, and infinities exactly', () => {
    expect(allClose(f64([NaN, 1]), [NaN, 1])).toBe(true);
    expect(allClose(f64([NaN]), [NaN], { equalNan: false })).toBe(false);
    expect(allClose(f64([NaN]), [1])).toBe(false);
    expect(allClose(f64([Infinity]), [Infinity])).toBe(true);
    expect(allClose(f64([Infinity]), [-Infinity])).toBe(false);
    expect(allClose(f64([1e308]), [Infinity])).toBe(false);
  });
  it('broadcasts an expected bare number', () => {
    expect(allClose(zeros([2, 3], 'float64'), 0)).toBe(true);
    expect(allClose(zeros([2, 3], 'float64'), 1)).toBe(false);
  });
  it('compares empty tensors by shape', () => {
    expect(allClose(zeros([0, 3], 'float64'), zeros([0, 3], 'float64'))).toBe(true);
  });
});

describe('treeAllClose', () => {
  it('compares structure and leaves', () => {
    expect(treeAllClose({ w: f64([1, 2]), b: [0.5] }, { b: [0.5], w: [1, 2] })).toBe(true);
    expect(treeAllClose({ w: f64([1, 2]) }, { v: f64([1, 2]) })).toBe(false);
    expect(treeAllClose([f64([1]), f64([2])], [f64([1])])).toBe(false);
    expect(treeAllClose({ w: f64([1, 2]), b: [0.5] }, { w: [1, 2], b: [0.6] })).toBe(false);
    expect(treeAllClose(null, null)).toBe(true);
  });
});

describe('matchers', () => {
  it('toBeAllClose passes on close values and fails with a readable report on different tensors', () => {
    expect(f64([1, 2, 3])).toBeAllClose([1, 2, 3]);
    expect(f64([1, 2, 3])).not.toBeAllClose([1, 2, 4]);
    let message = '';
    try {
      expect(f64([[1, 2], [3, 4]])).toBeAllClose(f64([[1, 2], [3, 5]]));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/1 of 4 element\(s\) differ/);
    expect(message).toMatch(/worst at \[1,1\]: actual 4, expected 5/);
    expect(() => expect(f64([1, 2])).toBeAllClose([1, 2, 3])).toThrow(/shapes differ/);
    expect(() => expect(f64([1, 2])).not.toBeAllClose([1, 2])).toThrow(/not to be all close/);
  });
  it('toBeTreeAllClose names the failing leaf', () => {
    expect({ a: f64([1]), b: [f64([2])] }).toBeTreeAllClose({ a: [1], b: [[2]] });
    expect(() => expect({ a: f64([1]), b: [f64([2])] }).toBeTreeAllClose({ a: [1], b: [[2.5]] })).toThrow(/leaf \.b\[0\]/);
    expect(() => expect({ a: f64([1]) }).toBeTreeAllClose([f64([1])])).toThrow(/structures differ/);
  });
  it('registerMatchers calls extend with both matchers', () => {
    const seen: string[] = [];
    registerMatchers({ extend: (m) => seen.push(...Object.keys(m)) });
    expect(seen.sort()).toEqual(['toBeAllClose', 'toBeTreeAllClose']);
    expect(matchers.toBeAllClose.call({ isNot: false }, f64([1]), [2]).pass).toBe(false);
  });
});
