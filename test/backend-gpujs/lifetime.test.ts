// Buffer lifetime (dispose, shared stores, FinalizationRegistry), transfers, cache eviction,
// asynchronous teardown, and the errors of initGpujs. Skips when gpu.js is not installed.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, setBackend } from '../../src/index.js';
import { Aval } from '../../src/tensor/aval.js';
import { disposeGpujs, initGpujs, type GpujsBackendHandle } from '../../src/backend/gpujs/index.js';
import { loadGpujs } from '../../src/backend/gpujs/loader.js';

let cpu: GpujsBackendHandle | undefined;
try {
  cpu = await initGpujs({ mode: 'cpu', maxKernels: 4 });
} catch (e) {
  console.warn(`[gpujs] lifetime tests skipped: ${(e as Error).message}`);
}
const f32 = (shape: number[]): Aval => new Aval(shape, 'float32');

afterAll(async () => {
  setBackend('js');
  await disposeGpujs();
});

describe.skipIf(cpu === undefined)('gpujs buffer lifetime', () => {
  it('dispose frees a store once every handle sharing it is disposed (idempotent)', () => {
    const be = cpu!;
    const base = be.stats().liveStores;
    const x = be.fromTyped(new Float32Array(6).fill(2), f32([6]));
    const y = be.kernels.unary('exp', x, f32([6]), f32([6]));
    const r = be.kernels.reshape(y, f32([6]), f32([2, 3]));
    expect(be.stats().liveStores).toBe(base + 2);
    be.dispose(y);
    be.dispose(y);
    expect(be.stats().liveStores).toBe(base + 2);
    expect(be.read(r, f32([2, 3]))[0]).toBeCloseTo(Math.exp(2), 5);
    be.dispose(r);
    be.dispose(x);
    expect(be.stats().liveStores).toBe(base);
  });

  it('the FinalizationRegistry releases buffers dropped without dispose', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const be = cpu!;
    const before = be.stats();
    (() => {
      for (let i = 0; i < 50; i++) be.kernels.unary('neg', be.fromTyped(new Float32Array(1000), f32([1000])), f32([1000]), f32([1000]));
    })();
    expect(be.stats().liveStores).toBe(before.liveStores + 100);
    for (let i = 0; i < 50 && be.stats().liveStores > before.liveStores; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(be.stats().finalized).toBeGreaterThanOrEqual(before.finalized + 100);
    expect(be.stats().liveStores).toBe(before.liveStores);
  });

  it('uploads host data once and downloads a result once', () => {
    const be = cpu!;
    const s0 = be.stats();
    const x = be.fromTyped(new Float32Array([1, 2, 3]), f32([3]));
    const a = be.kernels.unary('neg', x, f32([3]), f32([3]));
    const b = be.kernels.binary('mul', x, a, f32([3]), f32([3]), f32([3]));
    be.read(b, f32([3]));
    be.read(b, f32([3]));
    const s1 = be.stats();
    expect(s1.uploads - s0.uploads).toBe(1);
    expect(s1.downloads - s0.downloads).toBe(1);
    expect(Array.from(be.read(b, f32([3])))).toEqual([-1, -4, -9]);
    for (const t of [x, a, b]) be.dispose(t);
  });

  it('evicts least recently used kernels beyond maxKernels and recompiles on demand', () => {
    const be = cpu!;
    const x = be.fromTyped(new Float32Array([0.5, 1.5]), f32([2]));
    for (const op of ['exp', 'log', 'tanh', 'sqrt', 'abs', 'sin', 'cos', 'exp'] as const) {
      const y = be.kernels.unary(op, x, f32([2]), f32([2]));
      expect(be.read(y, f32([2]))[1]).toBeCloseTo(Math[op](1.5), 6);
      be.dispose(y);
    }
    expect(be.stats().kernels).toBeLessThanOrEqual(4);
    expect(be.stats().evictions).toBeGreaterThan(0);
    be.dispose(x);
  });

  it('float64 and int32 kernels run on the host and stay exact', () => {
    const be = cpu!;
    const a64 = new Aval([3], 'float64');
    const x = be.fromTyped(new Float64Array([1e-20, 1, 1 + 2 ** -40]), a64);
    const y = be.kernels.binary('sub', x, be.fromTyped(new Float64Array([0, 1, 1]), a64), a64, a64, a64);
    expect(Array.from(be.read(y, a64))).toEqual([1e-20, 0, 2 ** -40]);
    const ai = new Aval([2], 'int32');
    const i = be.fromTyped(new Int32Array([2 ** 30 + 1, -7]), ai);
    expect(Array.from(be.read(be.kernels.binary('add', i, i, ai, ai, ai), ai))).toEqual([2 ** 31 + 2 - 2 ** 32, -14]);
  });
});

describe.skipIf(cpu === undefined)('initGpujs and teardown', () => {
  it('returns the same backend for the same mode and registers gpujs and gpujs:<mode>', async () => {
    expect(await initGpujs({ mode: 'cpu' })).toBe(cpu);
    expect(setBackend('gpujs:cpu')).toBe(cpu);
    expect(setBackend('gpujs')).toBe(cpu);
    setBackend('js');
  });

  it('throws BackendUnavailableError with instructions for a missing mode or package', async () => {
    await expect(initGpujs({ mode: 'webgl2' })).rejects.toThrow(BackendUnavailableError);
    await expect(initGpujs({ mode: 'webgl2' })).rejects.toThrow(/webgl2.*not available/);
    const gl = 'gl';
    const glPresent = await import(/* @vite-ignore */ gl).then(() => true, () => false);
    if (!glPresent) await expect(initGpujs({ mode: 'gpu' })).rejects.toThrow(/npm install gl/);
    await expect(initGpujs({ mode: 'metal' as 'cpu' })).rejects.toThrow(/mode must be one of/);
    await expect(initGpujs({ mode: 'webgl', gpujs: { nothing: true } })).rejects.toThrow(/must be the gpu.js module/);
    await expect(loadGpujs(undefined, 'gpu.js-not-installed-for-this-test')).rejects.toThrow(/npm install gpu\.js@2\.24\.1/);
  });

  it('destroy is asynchronous; a destroyed backend refuses work and setBackend says why', async () => {
    const be = await initGpujs({ mode: 'webasm' });
    const x = be.fromTyped(new Float32Array([1]), f32([1]));
    const p = disposeGpujs('webasm');
    expect(p).toBeInstanceOf(Promise);
    await p;
    expect(be.destroyed).toBe(true);
    expect(() => be.kernels.unary('neg', x, f32([1]), f32([1]))).toThrow(/destroyed/);
    expect(() => setBackend('gpujs:webasm')).toThrow(BackendUnavailableError);
    const again = await initGpujs({ mode: 'webasm' });
    expect(again).not.toBe(be);
    expect(again.destroyed).toBe(false);
  });
});
