/**
 * GEMM kernels against a float64 JS reference.
 * Tolerances, relative to S_ij = Σ_p |a_ip·b_pj|: float32 |c − ref| ≤ (k + 2)·2^-24·S_ij (the
 * worst-case bound of any summation order, plus the final rounding), float64 ≤ 1e-12·S_ij.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WasmRuntime, type Dtype } from '../../src/backend/wasm/index.js';
import { buildGemmModule, defaultGemmConfig, gemmWarmBytes, gemmWorkspace, packedBBytes, type GemmConfig } from '../../src/backend/wasm/gemm.js';
import { detectRelaxedSimd } from '../../src/backend/wasm/features.js';
import { randoms, refGemm, worstRatio } from './helpers.js';

// [m, k, n]: tiles, edges (none of 37/53/29 is a multiple of any tile), k = 1, m = 1 and n = 1 with
// the other sizes above a tile, several KC (256) and MC (96) blocks of the default configuration.
const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [37, 53, 29], [129, 257, 65], [4, 0, 3], [0, 5, 3], [5, 3, 0], [1, 300, 1], [2, 1, 33],
  [37, 1, 53], [1, 300, 70], [70, 300, 1], [97, 520, 130]];
const tol = (dtype: Dtype, k: number): number => (dtype === 'f32' ? (k + 2) * 2 ** -24 : 1e-12);
const arr = (dtype: Dtype, x: Float64Array): Float32Array | Float64Array => (dtype === 'f32' ? Float32Array.from(x) : x);

const runtimes: [string, WasmRuntime][] = [
  ['default', new WasmRuntime()],
  ['no relaxed SIMD, non-shared memory', new WasmRuntime({ relaxedSimd: 'off', memory: { shared: false } })],
  // FMA tiles: relaxed SIMD as the engine has it, or through V8's flag in Node 20 (created last: the flag is process-wide)
  ['relaxed SIMD (V8 flag where needed)', new WasmRuntime({ relaxedSimd: 'flag' })],
];

describe.each(runtimes)('gemm (%s)', (_name, rt) => {
  describe.each(['f32', 'f64'] as const)('%s', (dtype) => {
    it.each(SHAPES)('matches the reference for m=%i k=%i n=%i, every transpose', (m, k, n) => {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = arr(dtype, randoms(m * k, m * 7 + k));
          const b = arr(dtype, randoms(k * n, n * 13 + k));
          const c = rt.matmulArrays(a, b, m, k, n, { transA, transB });
          const { c: want, mag } = refGemm(a, b, m, k, n, transA, transB);
          expect(c.length).toBe(m * n);
          expect(worstRatio(c, want, mag, tol(dtype, k))).toBeLessThanOrEqual(1);
          if (k === 0) expect(Array.from(c).every((x) => x === 0)).toBe(true);
        }
      }
    });

    it('runs batched matmuls with per-batch strides, broadcast B and accumulation', () => {
      const [batch, m, k, n] = [3, 7, 11, 5];
      const E = dtype === 'f32' ? 4 : 8;
      const mem = rt.memory;
      const a = arr(dtype, randoms(batch * m * k, 3));
      const b = arr(dtype, randoms(batch * k * n, 4));
      const write = (x: Float32Array | Float64Array): number => (dtype === 'f32' ? mem.allocF32(x) : mem.allocF64(x));
      const read = (off: number, len: number): Float32Array | Float64Array => (dtype === 'f32' ? mem.readF32(off, len) : mem.readF64(off, len));
      const aOff = write(a), bOff = write(b), cOff = mem.alloc(batch * m * n * E);
      rt.gemm(dtype, { m, n, k, aOff, bOff, cOff, batch });
      const c = read(cOff, batch * m * n);
      for (let t = 0; t < batch; t++) {
        const { c: want, mag } = refGemm(a.subarray(t * m * k, (t + 1) * m * k), b.subarray(t * k * n, (t + 1) * k * n), m, k, n);
        expect(worstRatio(c.subarray(t * m * n, (t + 1) * m * n), want, mag, tol(dtype, k))).toBeLessThanOrEqual(1);
      }
      // strideB = 0: every batch uses B_0; accumulate: C += A·B on top of the previous result
      rt.gemm(dtype, { m, n, k, aOff, bOff, cOff, batch, strideB: 0, accumulate: true });
      const c2 = read(cOff, batch * m * n);
      for (let t = 0; t < batch; t++) {
        const r1 = refGemm(a.subarray(t * m * k, (t + 1) * m * k), b.subarray(t * k * n, (t + 1) * k * n), m, k, n);
        const r2 = refGemm(a.subarray(t * m * k, (t + 1) * m * k), b.subarray(0, k * n), m, k, n);
        const want = r1.c.map((x, i) => x + (r2.c[i] as number));
        const mag = r1.mag.map((x, i) => x + (r2.mag[i] as number));
        expect(worstRatio(c2.subarray(t * m * n, (t + 1) * m * n), want, mag, 2 * tol(dtype, k))).toBeLessThanOrEqual(1);
      }
      // k = 0: overwrite gives zeros, accumulate leaves C unchanged
      rt.gemm(dtype, { m, n, k: 0, aOff, bOff, cOff, batch, accumulate: true });
      expect(read(cOff, batch * m * n)).toEqual(c2);
      rt.gemm(dtype, { m, n, k: 0, aOff, bOff, cOff, batch });
      expect(Array.from(read(cOff, batch * m * n)).every((x) => x === 0)).toBe(true);
      mem.free(aOff); mem.free(bOff); mem.free(cOff);
    });

    it('runs batched products with transposed operands', () => {
      const [batch, m, k, n] = [3, 13, 9, 17];
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = arr(dtype, randoms(batch * m * k, 21)), b = arr(dtype, randoms(batch * k * n, 22));
          const c = rt.matmulArrays(a, b, m, k, n, { transA, transB, batch });
          for (let t = 0; t < batch; t++) {
            const { c: want, mag } = refGemm(a.subarray(t * m * k, (t + 1) * m * k), b.subarray(t * k * n, (t + 1) * k * n), m, k, n, transA, transB);
            expect(worstRatio(c.subarray(t * m * n, (t + 1) * m * n), want, mag, tol(dtype, k))).toBeLessThanOrEqual(1);
          }
        }
      }
    });

    it('honours leading dimensions (sub-matrix views) and leaves the padding alone', () => {
      const [m, k, n, lda, ldb, ldc] = [9, 6, 10, 8, 13, 12];
      const E = dtype === 'f32' ? 4 : 8;
      const mem = rt.memory;
      const A = arr(dtype, randoms(m * lda, 5)), B = arr(dtype, randoms(k * ldb, 6));
      const aOff = dtype === 'f32' ? mem.allocF32(A) : mem.allocF64(A);
      const bOff = dtype === 'f32' ? mem.allocF32(B) : mem.allocF64(B);
      const cOff = mem.alloc(m * ldc * E);
      const fill = new Float64Array(m * ldc).fill(42);
      if (dtype === 'f32') mem.writeF32(cOff, fill); else mem.writeF64(cOff, fill);
      rt.gemm(dtype, { m, n, k, aOff, bOff, cOff, lda, ldb, ldc });
      const C = dtype === 'f32' ? mem.readF32(cOff, m * ldc) : mem.readF64(cOff, m * ldc);
      const a = new Float64Array(m * k), b = new Float64Array(k * n);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) a[i * k + p] = A[i * lda + p] as number;
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) b[p * n + j] = B[p * ldb + j] as number;
      const { c: want, mag } = refGemm(a, b, m, k, n);
      const got = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < ldc; j++) {
          if (j < n) got[i * n + j] = C[i * ldc + j] as number;
          else expect(C[i * ldc + j]).toBe(42);
        }
      }
      expect(worstRatio(got, want, mag, tol(dtype, k))).toBeLessThanOrEqual(1);
      mem.free(aOff); mem.free(bOff); mem.free(cOff);
    });
  });

  it('rejects unaligned, negative and out-of-bounds arguments before running', () => {
    const big = rt.memory.byteLength;
    expect(() => rt.gemm('f32', { m: 2, n: 2, k: 2, aOff: 66, bOff: 128, cOff: 256 })).toThrow(RangeError);
    expect(() => rt.gemm('f64', { m: 2, n: 2, k: 2, aOff: 64, bOff: 132, cOff: 256 })).toThrow(RangeError);
    expect(() => rt.gemm('f32', { m: -1, n: 2, k: 2, aOff: 64, bOff: 128, cOff: 256 })).toThrow(RangeError);
    expect(() => rt.gemm('f32', { m: 2, n: 2, k: 2, aOff: 64, bOff: 128, cOff: big - 8 })).toThrow(RangeError);
    expect(() => rt.gemm('f32', { m: 2, n: 2, k: 2, aOff: 64, bOff: 128, cOff: 256, ldc: 1 })).toThrow(RangeError);
    expect(() => rt.matmulArrays(new Float32Array(3), new Float32Array(4), 2, 2, 1)).toThrow(RangeError);
  });
});

describe('relaxed SIMD policy', () => {
  it('a default runtime uses FMA only where the engine has it, and switches no V8 flag on', () => {
    const fixture = fileURLToPath(new URL('./fixtures/relaxed-default.ts', import.meta.url));
    const res = spawnSync(process.execPath, ['--import', 'tsx', fixture], { timeout: 30_000, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const m = /before=(true|false) after=(true|false) runtime=(true|false)/.exec(res.stdout);
    expect(m, res.stdout).not.toBeNull();
    expect(m![2]).toBe(m![1]); // nothing switched on
    expect(m![3]).toBe(m![1]); // FMA exactly where it validates as it is
  });
});

describe('gemm blocking paths (tiny KC/MC/NC so every loop of the GotoBLAS nest runs several times)', () => {
  const memory = new WebAssembly.Memory({ initial: 64 });
  const configs: GemmConfig[] = [
    { dtype: 'f32', mr: 3, nr: 12, kc: 8, mc: 5, nc: 13, relaxed: false },
    { dtype: 'f32', mr: 4, nr: 8, kc: 7, mc: 9, nc: 16, relaxed: false },
    { dtype: 'f64', mr: 3, nr: 6, kc: 5, mc: 7, nc: 11, relaxed: false },
    { dtype: 'f64', mr: 2, nr: 8, kc: 9, mc: 4, nc: 8, relaxed: false },
    { dtype: 'f64', mr: 4, nr: 4, kc: 6, mc: 10, nc: 9, relaxed: false },
  ];
  it.each(configs)('$dtype $mr×$nr kc=$kc mc=$mc nc=$nc', (cfg) => {
    const E = cfg.dtype === 'f32' ? 4 : 8;
    const exp = new WebAssembly.Instance(new WebAssembly.Module(buildGemmModule(cfg, { shared: false, maximum: undefined })),
      { env: { memory } }).exports as Record<string, (...args: number[]) => void>;
    const gemm = exp['gemm']!, packB = exp['packB']!;
    const ws = 1024;
    const base = ws + gemmWorkspace(cfg).bytes + 64;
    for (const [m, k, n] of [[37, 53, 29], [13, 8, 12], [1, 17, 50]] as const) {
      for (const [transA, transB, add] of [[false, false, 0], [true, true, 1], [false, true, 0], [true, false, 1]] as const) {
        const a = arr(cfg.dtype, randoms(m * k, 11)), b = arr(cfg.dtype, randoms(k * n, 12)), c0 = arr(cfg.dtype, randoms(m * n, 13));
        const view = cfg.dtype === 'f32' ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer);
        const [ao, bo, co] = [base, base + m * k * E, base + (m * k + k * n) * E];
        view.set(a, ao / E); view.set(b, bo / E); view.set(c0, co / E);
        gemm(m, n, k, ao, (transA ? 1 : k) * E, (transA ? m : 1) * E, bo, (transB ? 1 : n) * E, (transB ? k : 1) * E,
          co, n * E, add, ws, 1, 0, 0, 0);
        const { c: want, mag } = refGemm(a, b, m, k, n, transA, transB);
        if (add) for (let i = 0; i < want.length; i++) { want[i] = (want[i] as number) + (c0[i] as number); mag[i] = (mag[i] as number) + Math.abs(c0[i] as number); }
        const got = view.slice(co / E, co / E + m * n);
        expect(worstRatio(got, want, mag, tol(cfg.dtype, k))).toBeLessThanOrEqual(1);
        // B packed whole first (bPre, what threads share): the same bits
        const pre = co + Math.ceil((m * n * E) / 64) * 64 + 64;
        expect(pre + packedBBytes(cfg, k, n)).toBeLessThan(memory.buffer.byteLength);
        view.set(c0, co / E);
        packB(bo, (transB ? 1 : n) * E, (transB ? k : 1) * E, k, n, pre);
        gemm(m, n, k, ao, (transA ? 1 : k) * E, (transA ? m : 1) * E, 0, 0, 0, co, n * E, add, ws, 1, 0, 0, 0, pre);
        expect(Array.from(view.subarray(co / E, co / E + m * n))).toEqual(Array.from(got));
      }
    }
  });
});

describe('gemm edge tiles and warm-up', () => {
  const configs: GemmConfig[] = [
    defaultGemmConfig('f32', false), defaultGemmConfig('f64', false), defaultGemmConfig('f32', true), defaultGemmConfig('f64', true),
    { dtype: 'f32', mr: 2, nr: 16, kc: 256, mc: 96, nc: 1024, relaxed: false },
  ];
  const instance = (cfg: GemmConfig, memory: WebAssembly.Memory): Record<string, (...args: number[]) => void> =>
    new WebAssembly.Instance(new WebAssembly.Module(buildGemmModule(cfg, { shared: false, maximum: undefined })), { env: { memory } })
      .exports as Record<string, (...args: number[]) => void>;
  const name = (c: GemmConfig): string => `${c.dtype} ${c.mr}×${c.nr}${c.relaxed ? ' fma' : ''}`;

  // Every edge tile size (rows 1..mr, columns 1..nr: whole vectors and partial ones) gives the bits
  // the same elements get inside a larger product with full tiles, and matches the reference.
  it.each(configs.map((c) => [name(c), c] as const))('every edge tile size gives the full-tile bits (%s)', (_n, cfg) => {
    if (cfg.relaxed) expect(detectRelaxedSimd(true), 'FMA kernels: relaxed SIMD (through the V8 flag in Node 20)').toBe(true);
    const E = cfg.dtype === 'f32' ? 4 : 8;
    const memory = new WebAssembly.Memory({ initial: 64 });
    const gemm = instance(cfg, memory)['gemm']!;
    const ws = 1024, base = ws + gemmWorkspace(cfg).bytes + 64;
    const [M, N, k] = [2 * cfg.mr, 2 * cfg.nr, 19];
    const view = cfg.dtype === 'f32' ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer);
    const a = arr(cfg.dtype, randoms(M * k, 31)), b = arr(cfg.dtype, randoms(k * N, 32));
    const [ao, bo, big, co] = [base, base + M * k * E, base + (M * k + k * N) * E, base + (M * k + k * N + M * N) * E];
    view.set(a, ao / E); view.set(b, bo / E);
    for (const add of [0, 1]) {
      const c0 = arr(cfg.dtype, randoms(M * N, 33 + add)).map((x, i) => (i % 5 === 0 ? -0 : x));
      view.set(c0, big / E);
      gemm(M, N, k, ao, k * E, E, bo, N * E, E, big, N * E, add, ws, 1, 0, 0, 0, 0); // full tiles only
      const full = view.slice(big / E, big / E + M * N);
      for (let m = 1; m <= cfg.mr; m++) {
        for (let n = 1; n <= cfg.nr; n++) {
          view.set(c0, co / E); // same C (row stride N), same A and B rows: a product with one edge tile
          gemm(m, n, k, ao, k * E, E, bo, N * E, E, co, N * E, add, ws, 1, 0, 0, 0, 0);
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < N; j++) {
              const got = view[co / E + i * N + j] as number;
              const want = i < m && j < n ? (full[i * N + j] as number) : (c0[i * N + j] as number); // outside: untouched
              if (!Object.is(got, want)) expect(`${m}×${n} add=${add} C[${i},${j}] = ${got}`).toBe(`${want}`);
            }
          }
        }
      }
      const { c: want, mag } = refGemm(a, b, M, k, N);
      if (add) for (let i = 0; i < want.length; i++) { want[i] = (want[i] as number) + (c0[i] as number); mag[i] = (mag[i] as number) + Math.abs(c0[i] as number); }
      expect(worstRatio(full, want, mag, tol(cfg.dtype, k))).toBeLessThanOrEqual(1);
    }
  });

  it.each(configs.map((c) => [name(c), c] as const))('k = 1 (outer products, B not packed) gives the packed path\'s bits (%s)', (_n, cfg) => {
    if (cfg.relaxed) expect(detectRelaxedSimd(true)).toBe(true);
    const E = cfg.dtype === 'f32' ? 4 : 8;
    const memory = new WebAssembly.Memory({ initial: 64 });
    const gemm = instance(cfg, memory)['gemm']!;
    const ws = 1024, base = ws + gemmWorkspace(cfg).bytes + 64;
    const view = cfg.dtype === 'f32' ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer);
    for (const [m, n, batch] of [[1, 1, 1], [5, 3, 2], [37, 53, 3], [9, 2 * cfg.nr + 1, 1]] as const) {
      // products that are −0 (the micro-kernel's +0 start turns them into +0), zeros, signs
      const a = arr(cfg.dtype, randoms(batch * m, m).map((x, i) => (i % 4 === 0 ? -0 : i % 4 === 1 ? 0 : x)));
      const b = arr(cfg.dtype, randoms(batch * n, n + 1).map((x, i) => (i % 3 === 0 ? -x : x)));
      const [ao, bo, bs, c1, c2] = [base, base + 512 * E, base + 1024 * E, base + 2048 * E, base + 10240 * E];
      view.set(a, ao / E); view.set(b, bo / E);
      for (let i = 0; i < batch * n; i++) view[bs / E + 2 * i] = b[i] as number; // the same B with a column stride of 2
      for (const add of [0, 1]) {
        const c0 = arr(cfg.dtype, randoms(batch * m * n, 7)).map((x, i) => (i % 5 === 0 ? -0 : x));
        view.set(c0, c1 / E); view.set(c0, c2 / E);
        gemm(m, n, 1, ao, E, E, bo, n * E, E, c1, n * E, add, ws, batch, m * E, n * E, m * n * E, 0); // contiguous B row: outer path
        gemm(m, n, 1, ao, E, E, bs, 2 * n * E, 2 * E, c2, n * E, add, ws, batch, m * E, 2 * n * E, m * n * E, 0); // strided: packed path
        const got = Array.from(view.subarray(c1 / E, c1 / E + batch * m * n)), want = Array.from(view.subarray(c2 / E, c2 / E + batch * m * n));
        expect(got.every((x, i) => Object.is(x, want[i])), `${m}×${n} batch ${batch} add=${add}`).toBe(true);
        const { c: ref, mag } = refGemm(a.subarray(0, m), b.subarray(0, n), m, 1, n);
        if (add) for (let i = 0; i < ref.length; i++) { ref[i] = (ref[i] as number) + (c0[i] as number); mag[i] = (mag[i] as number) + Math.abs(c0[i] as number); }
        expect(worstRatio(got.slice(0, m * n), ref, mag, tol(cfg.dtype, 1))).toBeLessThanOrEqual(1);
      }
    }
  });

  it.each(configs.slice(0, 2).map((c) => [name(c), c] as const))('warm runs every path and writes only its scratch and workspace (%s)', (_n, cfg) => {
    const memory = new WebAssembly.Memory({ initial: 64 });
    const { warm, gemm } = instance(cfg, memory);
    const ws = 4096, wsEnd = ws + gemmWorkspace(cfg).bytes;
    const scratch = wsEnd + 4096, scratchEnd = scratch + gemmWarmBytes(cfg);
    const bytes = new Uint8Array(memory.buffer);
    bytes.fill(0xa5);
    warm!(scratch, ws);
    const outside = [[0, ws], [wsEnd, scratch], [scratchEnd, bytes.length]] as const;
    for (const [lo, hi] of outside) expect(bytes.subarray(lo, hi).every((x) => x === 0xa5), `bytes ${lo}..${hi} untouched`).toBe(true);
    expect(bytes.subarray(scratch, scratch + 64).every((x) => x === 0), 'scratch zeroed first').toBe(true);
    // the module still computes correct products afterwards
    const E = cfg.dtype === 'f32' ? 4 : 8, [m, k, n] = [37, 53, 29];
    const view = cfg.dtype === 'f32' ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer);
    const a = arr(cfg.dtype, randoms(m * k, 41)), b = arr(cfg.dtype, randoms(k * n, 42));
    const ao = scratchEnd + 64, bo = ao + m * k * E, co = bo + k * n * E;
    view.set(a, ao / E); view.set(b, bo / E);
    gemm!(m, n, k, ao, k * E, E, bo, n * E, E, co, n * E, 0, ws, 1, 0, 0, 0, 0);
    const { c: want, mag } = refGemm(a, b, m, k, n);
    expect(worstRatio(view.slice(co / E, co / E + m * n), want, mag, tol(cfg.dtype, k))).toBeLessThanOrEqual(1);
  });
});
