/**
 * Reductions and transposes of the wasm backend against the `js` reference kernels.
 *
 * Exactness contract (src/backend/wasm/README.md): transposes, max/min and column sums (reduced
 * axes followed by kept axes) are bit-identical to `js`; row sums (reduced axes trailing) differ
 * only by float64 reassociation: |Δ| ≤ n·2^-52·Σ|x| in float64, plus one float32 rounding for
 * float32 outputs. The runtime kernels are also tested directly on tiny and odd shapes.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WasmRuntime, type Dtype } from '../../src/backend/wasm/index.js';
import { wasmBackend } from '../../src/backend/wasm/adapter.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { Aval } from '../../src/tensor/aval.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';
import { sizeOf } from '../../src/tensor/shape.js';
import { randoms } from './helpers.js';

const wk = wasmBackend.kernels;
const jk = jsBackend.kernels;
const SPECIAL = [0, -0, NaN, Infinity, -Infinity];

/** Random data with ±0, NaN and ±Infinity sprinkled in at rate `rate` (0 = finite only). */
function data(dtype: DType, n: number, seed: number, rate = 0.01): TypedArray {
  const r = randoms(n, seed);
  const x = dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r[i] as number;
    if (dtype === 'int32') x[i] = Math.floor(u * 2 ** 31);
    else if (Math.abs(u) < rate) x[i] = SPECIAL[i % SPECIAL.length] as number;
    else x[i] = u * 100;
  }
  return x;
}

/** Bit-level equality up to the NaN payload. */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect({ i, got: got[i] }).toEqual({ i, got: want[i] });
}

function bytesOf(a: TypedArray): Uint8Array { return new Uint8Array(a.buffer, a.byteOffset, a.byteLength); }

function reduced(shape: readonly number[], axes: readonly number[]): number[] { return shape.filter((_, d) => !axes.includes(d)); }

function runReduce(op: 'sum' | 'max' | 'min', x: TypedArray, shape: readonly number[], axes: readonly number[], dtype: DType): { got: TypedArray; want: TypedArray } {
  const ax = new Aval(shape, dtype);
  const out = new Aval(reduced(shape, axes), dtype);
  return { got: wk.reduce(op, x, ax, axes, out), want: jk.reduce(op, x, ax, axes, out) };
}

/** Row sums: within float64 reassociation of the reference (and one float32 rounding). */
function expectSumClose(got: TypedArray, want: TypedArray, x: TypedArray, shape: readonly number[], axes: readonly number[], f32: boolean): void {
  const n = sizeOf(axes.map((d) => shape[d] as number));
  const rows = got.length;
  for (let i = 0; i < rows; i++) {
    const g = got[i] as number, w = want[i] as number;
    if (Number.isNaN(w) || !Number.isFinite(w)) { expect(Object.is(g, w)).toBe(true); continue; }
    let mag = 0;
    for (let k = 0; k < n; k++) mag += Math.abs(x[i * n + k] as number);
    const tol = n * 2 ** -52 * mag + (f32 ? 2 ** -23 * Math.abs(w) : 0);
    if (!(Math.abs(g - w) <= tol)) expect({ i, g }).toEqual({ i, g: w });
  }
}

/** Whether the reduced axes are trailing once size-1 axes are ignored (row sums: reassociated). */
function isRowCase(shape: readonly number[], axes: readonly number[]): boolean {
  const lastRed = Math.max(...axes.filter((d) => shape[d] !== 1), -1);
  return lastRed >= 0 && shape.every((n, d) => d <= lastRed || n === 1);
}

afterEach(() => { vi.restoreAllMocks(); });

describe('runtime kernels on small and odd shapes', () => {
  const rt = new WasmRuntime();
  const mem = rt.memory;
  const put = (d: Dtype, x: ArrayLike<number>): number => (d === 'f32' ? mem.allocF32(x) : mem.allocF64(x));
  const get = (d: Dtype, off: number, n: number): Float32Array | Float64Array => (d === 'f32' ? mem.readF32(off, n) : mem.readF64(off, n));
  const dims = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 1000 }));

  it.each(['f32', 'f64'] as const)('reduceCols %s equals the reference bit for bit', (d) => {
    fc.assert(fc.property(dims, ([B, R, C, seed]) => {
      const x = data(d === 'f32' ? 'float32' : 'float64', B * R * C, seed, 0.15) as Float32Array | Float64Array;
      for (const op of ['sum', 'max', 'min'] as const) {
        const xo = put(d, x), oo = mem.alloc(Math.max(1, B * C) * 8);
        rt.reduceCols(d, op, xo, oo, B, R, C);
        const got = get(d, oo, B * C);
        mem.free(xo); mem.free(oo);
        const want = jk.reduce(op, x, new Aval([B, R, C], d === 'f32' ? 'float32' : 'float64'), [1], new Aval([B, C], d === 'f32' ? 'float32' : 'float64'));
        expectSame(got, want);
      }
    }));
  });

  it.each(['f32', 'f64'] as const)('reduceRows %s: max/min equal up to the sign of zero, sums within reassociation', (d) => {
    fc.assert(fc.property(dims, ([, R, C, seed]) => {
      const dt = d === 'f32' ? 'float32' : 'float64';
      const x = data(dt, R * C, seed, 0.15) as Float32Array | Float64Array;
      for (const op of ['sum', 'max', 'min'] as const) {
        const xo = put(d, x), oo = mem.alloc(Math.max(1, R) * 8);
        rt.reduceRows(d, op, xo, oo, R, C);
        const got = get(d, oo, R);
        mem.free(xo); mem.free(oo);
        const want = jk.reduce(op, x, new Aval([R, C], dt), [1], new Aval([R], dt));
        if (op === 'sum') expectSumClose(got, want, x, [R, C], [1], d === 'f32');
        else expectSame(Array.from(got, (v) => (v === 0 ? 0 : v)), Array.from(want, (v) => (v === 0 ? 0 : v)));
      }
    }));
  });

  it.each([4, 8] as const)('transpose of %i-byte elements moves bits exactly', (E) => {
    fc.assert(fc.property(dims, ([B, M, N, seed]) => {
      const n = B * M * N;
      const x = new Int32Array(n * (E / 4));
      const r = randoms(x.length, seed);
      for (let i = 0; i < x.length; i++) x[i] = Math.floor((r[i] as number) * 2 ** 31);
      const xo = mem.alloc(n * E + 1), oo = mem.alloc(n * E + 1);
      mem.writeBytes(xo, x);
      rt.transpose(E, xo, oo, B, M, N);
      const got = mem.readBytes(oo, new Int32Array(x.length));
      mem.free(xo); mem.free(oo);
      const w = E / 4;
      for (let b = 0; b < B; b++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < w; k++) {
        const g = got[((b * N + j) * M + i) * w + k], want = x[((b * M + i) * N + j) * w + k];
        if (g !== want) expect({ b, i, j, g }).toEqual({ b, i, j, g: want });
      }
    }));
  });

  it('rejects bad arguments', () => {
    const a = mem.alloc(64), o = mem.alloc(64);
    expect(() => rt.transpose(4, a, a, 1, 4, 4)).toThrow(RangeError);
    expect(() => rt.transpose(2 as 4, a, o, 1, 2, 2)).toThrow(RangeError);
    expect(() => rt.reduceCols('f64', 'sum', a, o, 1, 1e9, 8)).toThrow(RangeError);
    mem.free(a); mem.free(o);
  });
});

describe('wasm backend reduce vs js', () => {
  const SHAPES: [number[], number[]][] = [
    [[128, 300], [1]], [[3, 7, 1001], [2]], [[131, 129], [1]], [[4, 5, 999], [1, 2]], // rows
    [[300, 128], [0]], [[1001, 17], [0]], [[7, 999, 5], [1]], [[40, 30, 33], [0, 1]], [[2, 1, 4096, 3], [0, 2]], // columns
    [[64, 1, 300], [0, 1]], [[17, 1025], [0, 1]], // size-1 axes, full reduction (rows of one)
  ];
  it.each(['float32', 'float64'] as const)('%s: max/min bit-identical, column sums bit-identical, row sums within reassociation', (dtype) => {
    SHAPES.forEach(([shape, axes], k) => {
      const x = data(dtype, sizeOf(shape), 17 + k, 0.02);
      for (const op of ['sum', 'max', 'min'] as const) {
        const { got, want } = runReduce(op, x, shape, axes, dtype);
        if (op === 'sum' && isRowCase(shape, axes)) expectSumClose(got, want, x, shape, axes, dtype === 'float32');
        else expectSame(got, want);
      }
    });
  });

  it.each(['float32', 'float64'] as const)('%s: ±0 ties and NaN follow the reference (first zero wins, NaN propagates)', (dtype) => {
    const R = 64, C = 512;
    const x = dtype === 'float32' ? new Float32Array(R * C) : new Float64Array(R * C);
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) {
      // rows of non-positive values with both zeros (max = ±0), some rows with a NaN
      const i = r * C + c;
      x[i] = c % 7 === (r % 5) ? ((r + c) % 2 ? -0 : 0) : -(1 + ((r * 31 + c) % 13));
      if (r % 8 === 3 && c === (r * 13) % C) x[i] = NaN;
    }
    for (const op of ['max', 'min'] as const) for (const axes of [[1], [0]]) {
      const xs = op === 'min' ? x.map((v) => -v) : x;
      const { got, want } = runReduce(op, xs, [R, C], axes, dtype);
      expectSame(got, want);
    }
  });

  it('property: random shapes and axis runs (float32, float64)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat(), fc.boolean(), fc.integer({ min: 1, max: 1e6 }),
      (shape0, a, b, f64, seed) => {
        const shape = [...shape0];
        while (sizeOf(shape) < 20_000) shape.push(3 + (seed % 97));
        const lo = a % shape.length, hi = lo + (b % (shape.length - lo));
        const axes = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
        const dtype = f64 ? 'float64' : 'float32';
        const x = data(dtype, sizeOf(shape), seed, 0.005);
        for (const op of ['sum', 'max', 'min'] as const) {
          const { got, want } = runReduce(op, x, shape, axes, dtype);
          if (op === 'sum' && isRowCase(shape, axes)) expectSumClose(got, want, x, shape, axes, !f64);
          else expectSame(got, want);
        }
      },
    ), { numRuns: 15 });
  });

  it('routes large float reductions over one run of axes to wasm, and nothing else', () => {
    const rows = vi.spyOn(WasmRuntime.prototype, 'reduceRows');
    const cols = vi.spyOn(WasmRuntime.prototype, 'reduceCols');
    const big = data('float32', 256 * 256, 3);
    runReduce('sum', big, [256, 256], [1], 'float32');
    runReduce('max', big, [256, 256], [0], 'float32');
    expect(rows).toHaveBeenCalledTimes(1);
    expect(cols).toHaveBeenCalledTimes(1);
    // below the size threshold, short rows, non-contiguous axes, argmax, int32: all js
    runReduce('sum', data('float32', 32 * 32, 3), [32, 32], [1], 'float32');
    runReduce('sum', big, [8192, 8], [1], 'float32');
    runReduce('sum', big, [64, 32, 32], [0, 2], 'float32');
    runReduce('sum', data('int32', 256 * 256, 3), [256, 256], [1], 'int32');
    wk.reduce('argmax', big, new Aval([256, 256], 'float32'), [1], new Aval([256], 'int32'));
    expect(rows).toHaveBeenCalledTimes(1);
    expect(cols).toHaveBeenCalledTimes(1);
  });
});

describe('wasm backend transpose vs js', () => {
  const CASES: [number[], number[]][] = [
    [[130, 67], [1, 0]], [[3, 65, 129], [0, 2, 1]], [[5, 6, 7, 41], [2, 3, 0, 1]], [[2, 50, 1, 77], [0, 3, 2, 1]],
    [[64, 64, 2], [2, 0, 1]], [[4, 4, 4, 100], [0, 1, 3, 2]],
  ];
  it.each(['float32', 'float64', 'int32'] as const)('%s: bit-identical (NaN payloads too)', (dtype) => {
    for (const [shape, perm] of CASES) {
      const x = data(dtype, sizeOf(shape), 5, 0.05);
      // a quiet NaN with a payload (a signalling NaN is quietened by the js kernel, which goes through a JS number; wasm moves it as is)
      if (dtype === 'float32') new Int32Array(x.buffer)[7] = 0x7fc01234;
      const ax = new Aval(shape, dtype);
      const out = new Aval(perm.map((p) => shape[p] as number), dtype);
      const got = wk.transpose(x, ax, perm, out), want = jk.transpose(x, ax, perm, out);
      expect(got.constructor).toBe(want.constructor);
      expect(bytesOf(got)).toEqual(bytesOf(want));
    }
  });

  it('property: random 2-axis-swap permutations', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 2, maxLength: 4 }), fc.nat(), fc.constantFrom<DType>('float32', 'float64', 'int32'), (shape, s, dtype) => {
      const n = shape.length;
      const perm = shape.map((_, i) => i);
      const i = s % n, j = (i + 1 + (s >> 3) % (n - 1)) % n;
      [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
      const x = data(dtype, sizeOf(shape), s + 1, 0.05);
      const ax = new Aval(shape, dtype);
      const out = new Aval(perm.map((p) => shape[p] as number), dtype);
      expect(bytesOf(wk.transpose(x, ax, perm, out))).toEqual(bytesOf(jk.transpose(x, ax, perm, out)));
    }), { numRuns: 40 });
  });

  it('routes large swaps of the last two (merged) axes to wasm, and nothing else', () => {
    const spy = vi.spyOn(WasmRuntime.prototype, 'transpose');
    const tr = (shape: number[], perm: number[], dtype: DType = 'float32'): void => {
      wk.transpose(data(dtype, sizeOf(shape), 1), new Aval(shape, dtype), perm, new Aval(perm.map((p) => shape[p] as number), dtype));
    };
    tr([256, 256], [1, 0]);
    tr([4, 64, 64], [0, 2, 1], 'int32');
    tr([8, 16, 128], [2, 0, 1], 'float64'); // [128·16... merged] = [8·16, 128] -> [128, 8·16]
    expect(spy).toHaveBeenCalledTimes(3);
    tr([32, 32], [1, 0]); // below the size threshold
    tr([8192, 2], [1, 0]); // a side shorter than 4
    tr([16, 16, 64], [1, 0, 2]); // leading swap: not a last-two-axes transpose
    tr([256, 256], [1, 0], 'bool');
    expect(spy).toHaveBeenCalledTimes(3);
  });
});
