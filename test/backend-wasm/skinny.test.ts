/**
 * The matrix-vector and small `Aᵀ·B` kernels (`skinny.ts`) must give, bit for bit, what the GEMM
 * gives for the same product: every shape class (edges of lanes, tiles and depth slices; one row
 * or column; long and short contracted axes), float32 and float64, with and without relaxed SIMD's
 * fused multiply-add where the engine has it, and the symmetric Gram path. A float64 reference
 * checks that both are right, not just equal.
 */
import { describe, expect, it } from 'vitest';
import { WasmRuntime } from '../../src/backend/wasm/index.js';
import { configureWasmBuffers, wasmBackend } from '../../src/backend/wasm/adapter.js';
import { Aval } from '../../src/tensor/aval.js';
import { ConcreteTensor, dotGeneral, jit, random, type Tensor } from '../../src/index.js';
import { randoms, refGemm } from './helpers.js';

const runtimes = [new WasmRuntime({ threads: 'off', relaxedSimd: 'off' }), new WasmRuntime({ threads: 'off', relaxedSimd: 'auto' })];

type Dt = 'f32' | 'f64';

/** Puts values in the runtime's memory as `dtype`, with `pad` spare elements after them. */
function put(rt: WasmRuntime, dt: Dt, x: ArrayLike<number>): number {
  return dt === 'f32' ? rt.memory.allocF32(x) : rt.memory.allocF64(x);
}
function read(rt: WasmRuntime, dt: Dt, off: number, n: number): Float64Array {
  return Float64Array.from(dt === 'f32' ? rt.memory.readF32(off, n) : rt.memory.readF64(off, n));
}
/** Values with some signed zeros and exact products, so that -0 handling shows. */
function vals(n: number, seed: number, dt: Dt): Float64Array {
  const x = randoms(n, seed);
  for (let i = 0; i < n; i += 7) x[i] = i % 14 === 0 ? -0 : 0.5;
  return dt === 'f32' ? x.map(Math.fround) : x;
}
function expectSameBits(got: Float64Array, want: Float64Array, what: object): void {
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect({ ...what, i, got: got[i] }).toEqual({ ...what, i, got: want[i] });
}
function expectClose(got: Float64Array, a: Float64Array, b: Float64Array, m: number, k: number, n: number, transA: boolean, dt: Dt): void {
  const { c, mag } = refGemm(a, b, m, k, n, transA, false);
  const eps = dt === 'f32' ? 2 ** -23 : 2 ** -52;
  c.forEach((r, i) => expect(Math.abs(got[i]! - r)).toBeLessThanOrEqual(2 * k * eps * mag[i]! + 1e-300));
}

describe.each(runtimes.map((rt) => [rt.relaxed ? 'relaxed' : 'plain', rt] as const))('skinny kernels (%s SIMD)', (_, rt) => {
  const gemm = (dt: Dt, m: number, n: number, k: number, a: number, b: number, transA: boolean, transB = false): Float64Array => {
    const c = put(rt, dt, new Float64Array(m * n));
    rt.gemm(dt, { m, n, k, aOff: a, bOff: b, cOff: c, transA, transB });
    const out = read(rt, dt, c, m * n);
    rt.memory.free(c);
    return out;
  };

  it.each(['f32', 'f64'] as const)('%s rowvec: v·B equals the GEMM (m = 1)', (dt) => {
    for (const [k, n] of [[1, 1], [3, 5], [569, 31], [256, 32], [257, 33], [600, 100], [513, 7], [40, 4], [9, 2]] as const) {
      const v = vals(k, k, dt), bm = vals(k * n, n + 1, dt);
      const vo = put(rt, dt, v), bo = put(rt, dt, bm), co = put(rt, dt, new Float64Array(n));
      expect(rt.rowvec(dt, k, n, vo, bo, n * (dt === 'f32' ? 4 : 8), co)).toBe(true);
      const got = read(rt, dt, co, n);
      expectSameBits(got, gemm(dt, 1, n, k, vo, bo, false), { k, n });
      expectClose(got, v, bm, 1, k, n, false, dt);
      for (const o of [vo, bo, co]) rt.memory.free(o);
    }
  });

  it.each(['f32', 'f64'] as const)('%s matvec: A·v equals the GEMM (n = 1)', (dt) => {
    for (const [m, k] of [[1, 1], [569, 31], [31, 569], [8, 256], [9, 257], [5, 4000], [2049, 9], [3, 3], [17, 600]] as const) {
      const am = vals(m * k, m + k, dt), v = vals(k, 3 * k, dt);
      const ao = put(rt, dt, am), vo = put(rt, dt, v), co = put(rt, dt, new Float64Array(m));
      expect(rt.matvec(dt, m, k, ao, k * (dt === 'f32' ? 4 : 8), vo, co)).toBe(true);
      const got = read(rt, dt, co, m);
      expectSameBits(got, gemm(dt, m, 1, k, ao, vo, false), { m, k });
      expectClose(got, am, v, m, k, 1, false, dt);
      for (const o of [ao, vo, co]) rt.memory.free(o);
    }
  });

  it.each(['f32', 'f64'] as const)('%s gramT: Aᵀ·B equals the GEMM, and AᵀA by the symmetric path too', (dt) => {
    const E = dt === 'f32' ? 4 : 8;
    for (const [m, n, k] of [[31, 31, 569], [1, 1, 1], [5, 9, 3], [13, 13, 257], [32, 32, 512], [64, 17, 100], [3, 40, 700], [33, 33, 1]] as const) {
      const am = vals(k * m, m + 2 * k, dt), bm = vals(k * n, n + 5, dt);
      const ao = put(rt, dt, am), bo = put(rt, dt, bm), co = put(rt, dt, new Float64Array(m * n));
      expect(rt.gramT(dt, m, n, k, ao, m * E, bo, n * E, co, n * E, false)).toBe(true);
      const got = read(rt, dt, co, m * n);
      expectSameBits(got, gemm(dt, m, n, k, ao, bo, true), { m, n, k });
      expectClose(got, am, bm, m, k, n, true, dt);
      if (m === n) {
        const so = put(rt, dt, new Float64Array(m * m).fill(NaN));
        expect(rt.gramT(dt, m, m, k, ao, m * E, ao, m * E, so, m * E, true)).toBe(true);
        const sym = read(rt, dt, so, m * m);
        expectSameBits(sym, gemm(dt, m, m, k, ao, ao, true), { m, k, sym: true });
        rt.memory.free(so);
      }
      for (const o of [ao, bo, co]) rt.memory.free(o);
    }
  });

  it('reject bad arguments with a RangeError naming the kernel', () => {
    const o = rt.memory.alloc(4096, 64);
    expect(() => rt.rowvec('f32', 0, 3, o, o, 12, o)).toThrow(/rowvec: sizes/);
    expect(() => rt.matvec('f32', 3, 4, o, 8, o, o)).toThrow(/matvec: row stride/);
    expect(() => rt.gramT('f32', 3, 3, 4, o, 12, o + 64, 12, o, 12, true)).toThrow(/gramT: sym/);
    expect(() => rt.matvec('f32', 3, 4, o + 2, 16, o, o)).toThrow(RangeError);
    rt.memory.free(o);
  });

  it('decline (return false) where an operand ends too close to the end of memory', () => {
    const size = rt.memory.byteLength;
    expect(rt.rowvec('f32', 4, 4, 0, size - 64, 16, 64)).toBe(false);
  });
});

describe('dotGeneral on wasm through the skinny kernels', () => {
  const rt = new WasmRuntime({ threads: 'off' });
  /** The product by the GEMM itself: op(A) [M, K] · op(B) [K, N]. */
  const byGemm = (dt: Dt, a: Float64Array, b: Float64Array, M: number, N: number, K: number, transA: boolean, transB: boolean): Float64Array => {
    const ao = put(rt, dt, a), bo = put(rt, dt, b), co = put(rt, dt, new Float64Array(M * N));
    rt.gemm(dt, { m: M, n: N, k: K, aOff: ao, bOff: bo, cOff: co, transA, transB });
    const c = read(rt, dt, co, M * N);
    for (const o of [ao, bo, co]) rt.memory.free(o);
    return c;
  };
  const typed = (dt: Dt, x: Float64Array) => (dt === 'f64' ? Float64Array.from(x) : Float32Array.from(x));

  it.each(['float32', 'float64'] as const)('%s: a Gram product x·x (contracting axes 0, 1) and XᵀY equal the GEMM, resident or not, one array or two', (dtype) => {
    const dt: Dt = dtype === 'float32' ? 'f32' : 'f64';
    for (const resident of [true, false]) {
      configureWasmBuffers({ resident });
      for (const [K, M] of [[569, 31], [300, 8], [300, 64], [40, 96]] as const) {
        const ax = new Aval([K, 1, M], dtype), out = new Aval([M, M], dtype);
        const dims = { lhsContract: [0, 1], rhsContract: [0, 1], lhsBatch: [], rhsBatch: [] };
        const xv = vals(K * M, K + M, dt), yv = vals(K * M, K + 2 * M, dt);
        const x = wasmBackend.fromTyped(typed(dt, xv), ax), x2 = wasmBackend.fromTyped(typed(dt, xv), ax), y = wasmBackend.fromTyped(typed(dt, yv), ax);
        const want = byGemm(dt, xv, xv, M, M, K, true, false);
        expectSameBits(Float64Array.from(wasmBackend.kernels.dotGeneral(x, x, ax, ax, dims, out)), want, { K, M, resident, sym: true });
        expectSameBits(Float64Array.from(wasmBackend.kernels.dotGeneral(x, x2, ax, ax, dims, out)), want, { K, M, resident, sym: false });
        expectSameBits(Float64Array.from(wasmBackend.kernels.dotGeneral(x, y, ax, ax, dims, out)), byGemm(dt, xv, yv, M, M, K, true, false), { K, M, resident, xy: true });
      }
    }
    configureWasmBuffers({ resident: true });
  });

  it.each(['float32', 'float64'] as const)('%s: narrow weight gradients hᵀ·δ (one side ≤ 16) equal the GEMM', (dtype) => {
    const dt: Dt = dtype === 'float32' ? 'f32' : 'f64';
    for (const [K, M, N] of [[128, 128, 10], [128, 10, 128], [128, 784, 10], [1000, 64, 16], [200, 300, 3]] as const) {
      const ax = new Aval([K, 1, M], dtype), ay = new Aval([K, 1, N], dtype), out = new Aval([M, N], dtype);
      const xv = vals(K * M, K + M, dt), yv = vals(K * N, N, dt);
      const dims = { lhsContract: [0, 1], rhsContract: [0, 1], lhsBatch: [], rhsBatch: [] };
      const got = wasmBackend.kernels.dotGeneral(wasmBackend.fromTyped(typed(dt, xv), ax), wasmBackend.fromTyped(typed(dt, yv), ay), ax, ay, dims, out);
      expectSameBits(Float64Array.from(got), byGemm(dt, xv, yv, M, N, K, true, false), { K, M, N });
    }
  });

  it.each(['float32', 'float64'] as const)('%s: a row vector times a matrix (M = 1) equals the GEMM, the matrix stored either way', (dtype) => {
    const dt: Dt = dtype === 'float32' ? 'f32' : 'f64';
    for (const [K, N] of [[569, 31], [31, 569], [1000, 40]] as const) {
      for (const transB of [false, true]) {
        const av = new Aval([1, K], dtype), ay = new Aval(transB ? [N, K] : [K, N], dtype), out = new Aval([1, N], dtype);
        const vv = vals(K, K, dt), bv = vals(K * N, N, dt);
        const dims = { lhsContract: [1], rhsContract: [transB ? 1 : 0], lhsBatch: [], rhsBatch: [] };
        const got = wasmBackend.kernels.dotGeneral(wasmBackend.fromTyped(typed(dt, vv), av), wasmBackend.fromTyped(typed(dt, bv), ay), av, ay, dims, out);
        expectSameBits(Float64Array.from(got), byGemm(dt, vv, bv, 1, N, K, false, transB), { K, N, transB });
      }
    }
  });

  it('jit equals eager for the W6 products (Gram, X·w, Xᵀr)', () => {
    const X = random.normal(random.key(4), [569, 1, 31]);
    const f = (x: Tensor, w: Tensor, r: Tensor): Tensor[] => [
      dotGeneral(x, x, { contract: [[0, 1], [0, 1]] }),
      dotGeneral(x, w, { contract: [[2], [0]] }),
      dotGeneral(x, r, { contract: [[0, 1], [0, 1]] }),
    ];
    const jf = jit(f);
    const w = random.normal(random.key(5), [31, 1]), r = random.normal(random.key(6), [569, 1, 1]);
    const bytes = (t: Tensor): Buffer => Buffer.from((t as ConcreteTensor).toTypedArray().buffer);
    for (let i = 0; i < 2; i++) {
      const e = f(X, w, r), j = jf(X, w, r);
      e.forEach((t, q) => expect(Buffer.compare(bytes(j[q]!), bytes(t))).toBe(0));
    }
  });
});
