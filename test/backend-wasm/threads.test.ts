import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedMemorySupported, WasmRuntime } from '../../src/backend/wasm/index.js';
import { randoms, refGemm, worstRatio } from './helpers.js';

const supported = sharedMemorySupported();

describe.runIf(supported)('thread pool', () => {
  const rt = new WasmRuntime();
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

describe('thread pool unavailable', () => {
  it('returns false on a non-shared memory', async () => {
    const rt = new WasmRuntime({ memory: { shared: false } });
    expect(await rt.startThreads(2)).toBe(false);
    expect(rt.threads).toBe(1);
  });
});
