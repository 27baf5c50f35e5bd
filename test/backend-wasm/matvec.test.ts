/**
 * Outer products (`k = 1`) on `wasm` go to the GEMM from 1 Ki outputs and must equal the `js`
 * kernel bit for bit (signed zeros, subnormals, infinities included).
 * Matrix-vector products on `wasm` (`A·v` with one output column) run as the row product `vᵀ·Aᵀ`
 * (adapter `runWasmDot`). The result must equal, bit for bit, the GEMM run in the product's own
 * orientation (`m = M, n = 1`), for A stored either way, float32 and float64, resident or copied
 * operands, and K past the GEMM's depth blocking; and jit must equal eager.
 */
import { describe, expect, it } from 'vitest';
import { configureWasmBuffers, wasmBackend } from '../../src/backend/wasm/adapter.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { WasmRuntime } from '../../src/backend/wasm/index.js';
import { Aval } from '../../src/tensor/aval.js';
import { ConcreteTensor, jit, matmul, random, type Tensor } from '../../src/index.js';
import { randoms } from './helpers.js';

const rt = new WasmRuntime({ threads: 'off' });
const mem = rt.memory;

/** C = A·v by the GEMM in the product's own orientation: A [M, K] (or stored [K, M] when transA). */
function packedMatvec(f64: boolean, a: ArrayLike<number>, v: ArrayLike<number>, M: number, K: number, transA: boolean): Float64Array {
  const put = (x: ArrayLike<number>) => (f64 ? mem.allocF64(x) : mem.allocF32(x));
  const ao = put(a), vo = put(v), co = put(new Float64Array(M));
  rt.gemm(f64 ? 'f64' : 'f32', { m: M, n: 1, k: K, aOff: ao, bOff: vo, cOff: co, transA, transB: false, batch: 1 });
  const c = Float64Array.from(f64 ? mem.readF64(co, M) : mem.readF32(co, M));
  mem.free(ao); mem.free(vo); mem.free(co);
  return c;
}

describe('wasm matrix-vector products', () => {
  const shapes: [number, number][] = [[569, 31], [31, 569], [5, 4000], [37, 1000], [600, 28], [13, 1300], [2049, 9]];
  it.each(['float32', 'float64'] as const)('%s: equal the GEMM in their own orientation, A stored either way, resident or not', (dtype) => {
    const f64 = dtype === 'float64';
    for (const resident of [true, false]) {
      configureWasmBuffers({ resident });
      for (const [M, K] of shapes) {
        for (const transA of [false, true]) {
          const a = randoms(M * K, M + K).map((x) => (f64 ? x : Math.fround(x)));
          const v = randoms(K, 7 * K).map((x) => (f64 ? x : Math.fround(x)));
          const ax = new Aval(transA ? [K, M] : [M, K], dtype), av = new Aval([K, 1], dtype), out = new Aval([M, 1], dtype);
          const typed = (x: Float64Array) => (f64 ? Float64Array.from(x) : Float32Array.from(x));
          const xb = wasmBackend.fromTyped(typed(a), ax), vb = wasmBackend.fromTyped(typed(v), av);
          const dims = { lhsContract: [transA ? 0 : 1], rhsContract: [0], lhsBatch: [], rhsBatch: [] };
          const got = Float64Array.from(wasmBackend.kernels.dotGeneral(xb, vb, ax, av, dims, out));
          const want = packedMatvec(f64, a, v, M, K, transA);
          for (let i = 0; i < M; i++) if (!Object.is(got[i], want[i])) expect({ M, K, transA, resident, i, got: got[i] }).toEqual({ M, K, transA, resident, i, got: want[i] });
          // and not just equal to itself: the float64 reference agrees to rounding
          const ref = Array.from({ length: M }, (_, i) => { let s = 0; for (let k = 0; k < K; k++) s += a[transA ? k * M + i : i * K + k]! * v[k]!; return s; });
          ref.forEach((r, i) => expect(Math.abs(got[i]! - r)).toBeLessThanOrEqual((f64 ? 1e-12 : 1e-4) * K));
        }
      }
    }
    configureWasmBuffers({ resident: true });
  });

  it('jit equals eager for X·w and Xᵀr', () => {
    const X = random.normal(random.key(1), [569, 31]);
    const f = (w: Tensor, r: Tensor): Tensor[] => [matmul(X, w), matmul(X.transpose(), r), X.dot(w.reshape([31]))];
    const jf = jit(f);
    const w = random.normal(random.key(2), [31, 1]), r = random.normal(random.key(3), [569, 1]);
    const bytes = (t: Tensor): Buffer => Buffer.from((t as ConcreteTensor).toTypedArray().buffer);
    for (let i = 0; i < 2; i++) {
      const e = f(w, r), j = jf(w, r);
      e.forEach((t, q) => expect(Buffer.compare(bytes(j[q]!), bytes(t))).toBe(0));
    }
  });
});

describe('wasm outer products', () => {
  it.each(['float32', 'float64'] as const)('%s: equal the js kernel bit for bit, either operand order, batched, resident or not', (dtype) => {
    const f64 = dtype === 'float64';
    const special = [0, -0, 1e-40, -1e-310, Infinity, -Infinity, NaN, 3e38, -1];
    const vals = (n: number, seed: number): Float64Array => {
      const x = randoms(n, seed).map((v) => v * 8);
      for (let i = 0; i < n; i += 5) x[i] = special[(i / 5 + seed) % special.length]!;
      return f64 ? x : x.map(Math.fround);
    };
    for (const resident of [true, false]) {
      configureWasmBuffers({ resident });
      for (const [B, M, N] of [[1, 64, 32], [1, 32, 33], [1, 1000, 9], [1, 7, 300], [3, 40, 41], [1, 200, 200]] as const) {
        const ax = new Aval(B === 1 ? [M, 1] : [B, M, 1], dtype), ay = new Aval(B === 1 ? [1, N] : [B, 1, N], dtype);
        const out = new Aval(B === 1 ? [M, N] : [B, M, N], dtype);
        const b = B === 1 ? 0 : 1;
        const dims = { lhsContract: [b + 1], rhsContract: [b], lhsBatch: B === 1 ? [] : [0], rhsBatch: B === 1 ? [] : [0] };
        const typed = (x: Float64Array) => (f64 ? Float64Array.from(x) : Float32Array.from(x));
        const xv = typed(vals(ax.size, M)), yv = typed(vals(ay.size, N + 1));
        const got = wasmBackend.kernels.dotGeneral(wasmBackend.fromTyped(xv, ax), wasmBackend.fromTyped(yv, ay), ax, ay, dims, out);
        const want = jsBackend.kernels.dotGeneral(xv, yv, ax, ay, dims, out);
        for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect({ B, M, N, resident, i, got: got[i] }).toEqual({ B, M, N, resident, i, got: want[i] });
        expect(got.some((v) => Object.is(v, 0))).toBe(true); // +0 from -0 products: 0 + x·y, as js stores
      }
    }
    configureWasmBuffers({ resident: true });
  });
});
