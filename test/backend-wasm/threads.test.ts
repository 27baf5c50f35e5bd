import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultThreadCount, sharedMemorySupported, WasmRuntime } from '../../src/backend/wasm/index.js';
import { randoms, refGemm, worstRatio } from './helpers.js';

const supported = sharedMemorySupported();

describe.runIf(supported)('thread pool', () => {
  const rt = new WasmRuntime();
  rt.threadSplitWork = 0; // split every product, however small,
  rt.adaptiveThreads = false; // and never fall back to one thread by measurement
  beforeAll(async () => { expect(await rt.startThreads(2)).toBe(true); });
  afterAll(async () => { await rt.stopThreads(); });

  it('splits large GEMMs over the threads and matches the reference', () => {
    expect(rt.threads).toBe(2);
    for (const [dtype, m, k, n, transA, transB, batch] of [
      ['f32', 129, 257, 65, false, false, 1], ['f64', 129, 257, 65, true, false, 1],
      ['f32', 200, 97, 150, false, true, 1], ['f64', 61, 70, 90, true, true, 3], ['f32', 25, 130, 300, false, false, 5],
    ] as const) {
      const a0 = randoms(batch * m * k, m), b0 = randoms(batch * k * n, n);
      const a = dtype === 'f32' ? Float32Array.from(a0) : a0, b = dtype === 'f32' ? Float32Array.from(b0) : b0;
      const c = rt.matmulArrays(a, b, m, k, n, { transA, transB, batch });
      for (let t = 0; t < batch; t++) {
        const { c: want, mag } = refGemm(a.subarray(t * m * k, (t + 1) * m * k), b.subarray(t * k * n, (t + 1) * k * n), m, k, n, transA, transB);
        const tol = dtype === 'f32' ? (k + 2) * 2 ** -24 : 1e-12;
        expect(worstRatio(c.subarray(t * m * n, (t + 1) * m * n), want, mag, tol)).toBeLessThanOrEqual(1);
      }
    }
    expect(rt.workerItems, 'the worker computed part of the products').toBeGreaterThan(0);
  });

  it('keeps working across many consecutive jobs (no lost wake-ups)', () => {
    const n = 100;
    const a = Float64Array.from(randoms(n * n, 1)), b = Float64Array.from(randoms(n * n, 2));
    const first = rt.matmulArrays(a, b, n, n, n);
    for (let i = 0; i < 200; i++) {
      const c = rt.matmulArrays(a, b, n, n, n);
      expect(c.every((x, j) => x === first[j])).toBe(true);
    }
  });

  it('gives the same bits as one thread (tile edges, batches, transposes, accumulation)', () => {
    const one = new WasmRuntime({ memory: rt.memory, threads: 'off' });
    const mem = rt.memory;
    for (const [dtype, m, k, n, transA, transB, batch, accumulate] of [
      ['f32', 25, 130, 300, false, false, 5, false], ['f32', 131, 67, 45, true, false, 1, false], ['f64', 61, 70, 90, true, true, 3, false],
      ['f32', 97, 33, 1, false, true, 2, true], ['f64', 37, 1, 53, false, false, 4, true], ['f32', 300, 5, 7, false, false, 1, false],
      // one B for all items (packed once by the caller): several KC slices and NC column blocks, transposed B
      ['f32', 40, 600, 1100, false, true, 1, false], ['f64', 30, 300, 530, true, false, 1, true], ['f32', 50, 70, 30, false, true, 1, false],
      // few rows: columns split too (each item packs its own columns of B)
      ['f32', 1, 300, 700, false, false, 1, false], ['f64', 3, 130, 250, true, true, 1, true], ['f32', 16, 90, 1000, false, true, 1, true],
      ['f64', 2, 40, 130, false, false, 2, false],
    ] as const) {
      const E = dtype === 'f32' ? 4 : 8;
      const write = (x: Float64Array): number => (dtype === 'f32' ? mem.allocF32(Float32Array.from(x)) : mem.allocF64(x));
      const aOff = write(randoms(batch * m * k, m + k)), bOff = write(randoms(batch * k * n, n + 3));
      const c0 = randoms(batch * m * n, 5).map((x, i) => (i % 7 === 0 ? -0 : x)); // -0 must survive the tile edges
      const c1 = write(c0), c2 = write(c0);
      const p = { m, n, k, aOff, bOff, transA, transB, batch, accumulate };
      if (batch > 1 && m === 25) { // strideB = 0: every batch shares B_0, packed once
        rt.gemm(dtype, { ...p, strideB: 0, cOff: c1 });
        one.gemm(dtype, { ...p, strideB: 0, cOff: c2 });
      }
      rt.gemm(dtype, { ...p, cOff: c1 });
      one.gemm(dtype, { ...p, cOff: c2 });
      const got = new Uint8Array(mem.memory.buffer, c1, batch * m * n * E), want = new Uint8Array(mem.memory.buffer, c2, batch * m * n * E);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(want)), `${dtype} ${m}x${k}x${n} batch ${batch}`).toBe(0);
      for (const off of [aOff, bOff, c1, c2]) mem.free(off);
    }
  });

  it('splits the columns of products with too few rows for a row split', () => {
    const one = new WasmRuntime({ threads: 'off' });
    for (const [m, n] of [[1, 2000], [12, 600]] as const) {
      const k = 200;
      const a = Float32Array.from(randoms(m * k, 51)), b = Float32Array.from(randoms(k * n, 52));
      const want = one.matmulArrays(a, b, m, k, n);
      let shared = false; // the caller may take every item on a busy machine: repeat until the worker took one
      for (let i = 0; i < 100 && !shared; i++) {
        const items = rt.workerItems;
        const c = rt.matmulArrays(a, b, m, k, n);
        shared = rt.workerItems > items;
        expect(Buffer.compare(Buffer.from(c.buffer), Buffer.from(want.buffer))).toBe(0);
      }
      expect(shared, `the worker computed part of a ${m}×${k}×${n} product`).toBe(true);
    }
  });

  it('falls back to one thread after stopThreads and can restart', async () => {
    const rt2 = new WasmRuntime();
    expect(await rt2.startThreads(2)).toBe(true);
    await rt2.stopThreads();
    expect(rt2.threads).toBe(1);
    const c = rt2.matmulArrays(new Float32Array(150 * 150).fill(1), new Float32Array(150 * 150).fill(1), 150, 150, 150);
    expect(c[0]).toBe(150);
    expect(await rt2.startThreads(2)).toBe(true);
    await rt2.stopThreads();
  });

  it('does not keep the process alive when the pool is never stopped', () => {
    const fixture = fileURLToPath(new URL('./fixtures/exit-with-pool.ts', import.meta.url));
    const res = spawnSync(process.execPath, ['--import', 'tsx', fixture], { timeout: 15_000, encoding: 'utf8' });
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('threads=2 ok=true c0=400');
  });
});

/** Runs large products until the automatic pool is ready (it starts without blocking), at most `ms`. */
async function untilThreaded(rt: WasmRuntime, ms = 20_000): Promise<number> {
  const n = 200;
  const a = new Float32Array(n * n).fill(1);
  const t0 = performance.now();
  while (rt.threads < 2 && performance.now() - t0 < ms) {
    rt.matmulArrays(a, a, n, n, n);
    await new Promise((r) => setTimeout(r, 20));
  }
  return rt.threads;
}

describe.runIf(supported)('automatic threads', () => {
  it('start by themselves on the first large product, and match one thread bit for bit', async () => {
    const rt = new WasmRuntime();
    expect(rt.threads).toBe(1);
    rt.matmulArrays(new Float32Array(50 * 50), new Float32Array(50 * 50), 50, 50, 50); // small: no pool
    await new Promise((r) => setTimeout(r, 300));
    expect(rt.threads).toBe(1);
    expect(await untilThreaded(rt)).toBe(2);
    rt.adaptiveThreads = false;
    const one = new WasmRuntime({ threads: 'off' });
    for (const dtype of ['f32', 'f64'] as const) {
      const [m, k, n] = [257, 250, 130];
      const a0 = randoms(m * k, 9), b0 = randoms(k * n, 10);
      const a = dtype === 'f32' ? Float32Array.from(a0) : a0, b = dtype === 'f32' ? Float32Array.from(b0) : b0;
      const want = Array.from(one.matmulArrays(a, b, m, k, n, { transB: true }));
      // The caller claims work items too: on a busy machine it may take them all, so repeat
      // until the worker has computed part of one product (and compare every product).
      let shared = false;
      for (let i = 0; i < 100 && !shared; i++) {
        const items = rt.workerItems;
        const c = rt.matmulArrays(a, b, m, k, n, { transB: true });
        shared = rt.workerItems > items;
        expect(Array.from(c)).toEqual(want);
      }
      expect(shared, 'the worker computed part of a product').toBe(true);
    }
    await rt.stopThreads();
  });

  it('never oversubscribe the cores: automatic pools of several runtimes share one worker per core besides the caller', async () => {
    const cores = defaultThreadCount();
    const first = new WasmRuntime();
    expect(await untilThreaded(first)).toBe(cores);
    const second = new WasmRuntime();
    await untilThreaded(second, 500);
    expect(first.threads - 1 + (second.threads - 1), 'workers of both automatic pools').toBeLessThanOrEqual(cores - 1);
    await first.stopThreads();
    await second.stopThreads();
    const third = new WasmRuntime(); // the cores are free again
    expect(await untilThreaded(third)).toBe(cores);
    await third.stopThreads();
  });

  it("stay off with threads: 'off', after stopThreads, and without a shared memory", async () => {
    const off = new WasmRuntime({ threads: 'off' });
    expect(await untilThreaded(off, 300)).toBe(1);
    const stopped = new WasmRuntime();
    await stopped.stopThreads();
    expect(await untilThreaded(stopped, 300)).toBe(1);
    const unshared = new WasmRuntime({ memory: { shared: false } }); // a browser page without SharedArrayBuffer
    expect(await untilThreaded(unshared, 300)).toBe(1);
    expect(stopped.workerItems + off.workerItems + unshared.workerItems).toBe(0);
  });

  it('do not keep a process alive (public API, pool never stopped)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/exit-with-auto-pool.ts', import.meta.url));
    const res = spawnSync(process.execPath, ['--import', 'tsx', fixture], { timeout: 30_000, encoding: 'utf8' });
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/threads=2 workerItems=[1-9]\d* c0=512/);
  });
});

describe('thread pool unavailable', () => {
  it('returns false on a non-shared memory', async () => {
    const rt = new WasmRuntime({ memory: { shared: false } });
    expect(await rt.startThreads(2)).toBe(false);
    expect(rt.threads).toBe(1);
  });
});
