/**
 * Elementwise and reduction kernels against float64 JS references.
 * Elementwise SIMD ops are exact (one IEEE operation each): float32 results must equal the float64
 * reference rounded to float32, float64 results must be identical; exp, log, tanh and logistic are tested in
 * transcendental.test.ts. Float32 sums: |got − ref| ≤ (cols + 4)·2^-24·Σ|a|; float64 ≤ 1e-12·Σ|a|.
 */
import { describe, expect, it } from 'vitest';
import { WasmRuntime, type BinaryOp, type Dtype, type UnaryOp } from '../../src/backend/wasm/index.js';
import { randoms } from './helpers.js';

const rt = new WasmRuntime();
const mem = rt.memory;
const E = (d: Dtype): number => (d === 'f32' ? 4 : 8);
const put = (d: Dtype, x: ArrayLike<number>): number => (d === 'f32' ? mem.allocF32(x) : mem.allocF64(x));
const get = (d: Dtype, off: number, n: number): Float64Array => Float64Array.from(d === 'f32' ? mem.readF32(off, n) : mem.readF64(off, n));
const round = (d: Dtype, x: number): number => (d === 'f32' ? Math.fround(x) : x);

const BIN: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y, max: Math.max, min: Math.min,
};
const UN: Record<Exclude<UnaryOp, 'exp' | 'log' | 'tanh' | 'logistic'>, (x: number) => number> = {
  neg: (x) => -x, abs: Math.abs, sqrt: Math.sqrt,
};
const SIZES = [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 1000];
/** Inputs with special values sprinkled in: ±0, NaN, ±Infinity. */
const data = (n: number, seed: number): Float64Array => {
  const x = randoms(n, seed).map((v) => v * 10);
  const special = [0, -0, NaN, Infinity, -Infinity, 1, -1];
  for (let i = 0; i < n; i += 5) x[i] = special[(i / 5 + seed) % special.length] as number;
  return x;
};
const same = (got: ArrayLike<number>, want: ArrayLike<number>): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect({ i, got: got[i] }).toEqual({ i, got: want[i] });
  }
};

describe.each(['f32', 'f64'] as const)('elementwise %s', (d) => {
  it.each(Object.keys(BIN) as BinaryOp[])('%s: vector·vector, vector·scalar, scalar·vector', (op) => {
    for (const n of SIZES) {
      const x = data(n, 1).map((v) => round(d, v)), y = data(n, 2).map((v) => round(d, v));
      const s = round(d, -2.5);
      const xo = put(d, x), yo = put(d, y), so = put(d, [s]), out = mem.alloc(n * E(d));
      const f = BIN[op];
      rt.binary(d, op, xo, yo, out, n);
      same(get(d, out, n), x.map((v, i) => round(d, f(v, y[i] as number))));
      rt.binaryScalar(d, op, xo, so, out, n);
      same(get(d, out, n), x.map((v) => round(d, f(v, s))));
      rt.binaryScalar(d, op, yo, so, out, n, true);
      same(get(d, out, n), y.map((v) => round(d, f(s, v))));
      rt.binary(d, op, xo, yo, xo, n); // in place
      same(get(d, xo, n), x.map((v, i) => round(d, f(v, y[i] as number))));
      for (const o of [xo, yo, so, out]) mem.free(o);
    }
  });

  it('max/min propagate NaN and order -0 < +0 like Math.max/Math.min', () => {
    const x = [NaN, 1, -0, 0, -0, 0, 2, NaN, 3];
    const y = [1, NaN, 0, -0, -0, 0, NaN, 2, 3];
    const xo = put(d, x), yo = put(d, y), out = mem.alloc(9 * E(d));
    rt.binary(d, 'max', xo, yo, out, 9);
    same(get(d, out, 9), x.map((v, i) => Math.max(v, y[i] as number)));
    rt.binary(d, 'min', xo, yo, out, 9);
    same(get(d, out, 9), x.map((v, i) => Math.min(v, y[i] as number)));
  });

  it.each(Object.keys(UN) as (keyof typeof UN)[])('%s', (op) => {
    for (const n of SIZES) {
      const x = data(n, 3).map((v) => round(d, v));
      const xo = put(d, x), out = mem.alloc(n * E(d));
      rt.unary(d, op, xo, out, n);
      same(get(d, out, n), x.map((v) => round(d, UN[op](v))));
      rt.unary(d, op, xo, xo, n);
      same(get(d, xo, n), x.map((v) => round(d, UN[op](v))));
      mem.free(xo); mem.free(out);
    }
  });

  it('rejects unaligned or out-of-range offsets', () => {
    expect(() => rt.binary(d, 'add', 64 + E(d) / 2, 128, 256, 4)).toThrow(RangeError);
    expect(() => rt.unary(d, 'neg', 64, mem.byteLength - 8, 4)).toThrow(RangeError);
    expect(() => rt.reduceRows(d, 'sum', 64, 128, 2, -1)).toThrow(RangeError);
  });
});

describe.each(['f32', 'f64'] as const)('reduce %s (last axis of [rows, cols])', (d) => {
  const shapes: [number, number][] = [[1, 1], [3, 5], [4, 16], [2, 17], [37, 53], [5, 1000], [7, 0], [0, 9], [1, 65], [3, 64]];
  it.each(shapes)('sum and max, rows=%i cols=%i', (rows, cols) => {
    const x = randoms(rows * cols, rows + cols).map((v) => round(d, v));
    const xo = put(d, x), out = mem.alloc(Math.max(rows, 1) * E(d));
    rt.reduceRows(d, 'sum', xo, out, rows, cols);
    const sums = get(d, out, rows);
    rt.reduceRows(d, 'max', xo, out, rows, cols);
    const maxes = get(d, out, rows);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * cols, (r + 1) * cols);
      const want = row.reduce((s, v) => s + v, 0);
      const mag = row.reduce((s, v) => s + Math.abs(v), 0);
      const bound = (d === 'f32' ? (cols + 4) * 2 ** -24 : 1e-12) * mag;
      expect(Math.abs((sums[r] as number) - want)).toBeLessThanOrEqual(bound);
      expect(maxes[r]).toBe(row.reduce((m, v) => Math.max(m, v), -Infinity));
    }
    mem.free(xo); mem.free(out);
  });

  it('max propagates NaN and sum of an empty row is 0', () => {
    const x = [1, 2, NaN, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
    const xo = put(d, x), out = mem.alloc(16);
    rt.reduceRows(d, 'max', xo, out, 2, 9);
    same(get(d, out, 2), [NaN, 18]);
    rt.reduceRows(d, 'sum', xo, out, 1, 0);
    same(get(d, out, 1), [0]);
    mem.free(xo); mem.free(out);
  });
});

describe('kernels on a non-shared memory', () => {
  it('declare the memory import to match and still compute', () => {
    const rt2 = new WasmRuntime({ memory: { shared: false } });
    expect(rt2.memory.shared).toBe(false);
    const m2 = rt2.memory;
    const x = m2.allocF64([1, 2, 3, 4, 5]), y = m2.allocF64([5, 4, 3, 2, 1]), out = m2.alloc(40);
    rt2.binary('f64', 'sub', x, y, out, 5);
    expect(Array.from(m2.readF64(out, 5))).toEqual([-4, -2, 0, 2, 4]);
    rt2.reduceRows('f64', 'max', x, out, 1, 5);
    expect(m2.readF64(out, 1)[0]).toBe(5);
    rt2.unary('f64', 'exp', x, out, 1);
    expect(Math.abs((m2.readF64(out, 1)[0] as number) - Math.E)).toBeLessThan(1e-15);
  });
});
