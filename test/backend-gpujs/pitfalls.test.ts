// The silent-wrong pitfalls of gpu.js 2.24: each is first shown on raw gpu.js (so a future
// gpu.js that fixes one shows up here), then the curvax guard is checked. Node modes only
// (cpu, webasm); the GL ones run in test/browser. Skips when gpu.js is not installed.
import { describe, expect, it } from 'vitest';
import '../../src/index.js';
import { Aval } from '../../src/tensor/aval.js';
import { GpujsBackend } from '../../src/backend/gpujs/backend.js';
import { KernelCache, MAX_ARRAY_ARGS, specKey } from '../../src/backend/gpujs/compile-cache.js';
import type { GpuInstance, GpuKernelSettings } from '../../src/backend/gpujs/gpu-types.js';
import { gatherSpec } from '../../src/backend/gpujs/movement.js';

type Raw = { GPU: new (s: { mode: string }) => GpuInstance & { createKernel(src: unknown, s?: object): any } };
const raw = (await import(/* @vite-ignore */ 'gpu.js').catch((e: Error) => {
  console.warn(`[gpujs] pitfall tests skipped: gpu.js not installed (${e.message.split('\n')[0]})`);
  return undefined;
})) as { default?: Raw } | Raw | undefined;
const GPU = raw === undefined ? undefined : ((raw as { default?: Raw }).default ?? (raw as Raw)).GPU;

/** A backend whose GPU records every createKernel settings object. */
function spied(mode: 'cpu' | 'webasm'): { be: GpujsBackend; seen: GpuKernelSettings[] } {
  const real = new GPU!({ mode });
  const seen: GpuKernelSettings[] = [];
  const spy: GpuInstance = {
    mode: real.mode, Kernel: real.Kernel,
    createKernel: (src, s) => { seen.push(s); return real.createKernel(src, s); },
    destroy: () => real.destroy(),
  };
  return { be: new GpujsBackend(spy, mode, mode, 64), seen };
}

const f32 = (shape: number[]): Aval => new Aval(shape, 'float32');
const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (i % 7) - 3);

describe.skipIf(GPU === undefined)('gpu.js pitfalls and their guards', () => {
  for (const mode of ['cpu', 'webasm'] as const) {
    describe(mode, () => {
      it('a loop bounded by an argument stops at loopMaxIterations (1000) without error; curvax bounds are constants and loopMaxIterations ≥ bound', async () => {
        const gpu = new GPU!({ mode });
        const k = gpu.createKernel(function (this: unknown, a: Float32Array, n: number) { let s = 0; for (let i = 0; i < n; i++) s += a[i]!; return s; }, { output: [1] });
        expect(k(new Float32Array(3000).fill(1), 3000)[0]).toBe(1000);
        await gpu.destroy();
        const { be, seen } = spied(mode);
        const x = be.fromTyped(new Float32Array(3000).fill(1), f32([3000]));
        expect(be.read(be.kernels.reduce('sum', x, f32([3000]), [0], f32([])), f32([]))[0]).toBe(3000);
        const y = be.fromTyped(new Float32Array(1001).fill(1), f32([1001]));
        const d = be.kernels.dotGeneral(y, y, f32([1001]), f32([1001]), { lhsContract: [0], rhsContract: [0], lhsBatch: [], rhsBatch: [] }, f32([]));
        expect(be.read(d, f32([]))[0]).toBe(1001);
        expect(seen.some((s) => s.loopMaxIterations > 1000)).toBe(true);
        await be.destroy();
      });

      it('4-D outputs are mishandled by gpu.js; every curvax kernel has a 1-D output', async () => {
        const gpu = new GPU!({ mode });
        const k = () => gpu.createKernel(function (this: { thread: { x: number; y: number; z: number } }) { return this.thread.x + 10 * this.thread.y + 100 * this.thread.z; }, { output: [2, 2, 2, 2] })();
        let ok = false;
        try { const r = k() as unknown as number[][][][]; ok = r.length === 2 && r[1]?.[1]?.[1]?.[1] === 111; } catch { ok = false; }
        expect(ok).toBe(false);
        await gpu.destroy();
        const { be, seen } = spied(mode);
        const shape = [2, 3, 2, 2, 3];
        const x = be.fromTyped(ramp(72), f32(shape));
        const t = be.kernels.transpose(x, f32(shape), [4, 3, 2, 1, 0], f32([3, 2, 2, 3, 2]));
        const b = be.kernels.broadcastInDim(x, f32(shape), [0, 1, 2, 3, 4], f32(shape));
        expect(be.read(b, f32(shape))).toEqual(ramp(72));
        expect(be.read(t, f32([3, 2, 2, 3, 2]))[1]).toBe(ramp(72)[36]);
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.every((s) => s.output.length === 1)).toBe(true);
        await be.destroy();
      });

      it('setConstants after the first call is ignored; the cache key includes the constants', async () => {
        const gpu = new GPU!({ mode });
        const k = gpu.createKernel(function (this: { constants: { c: number } }) { return this.constants.c; }, { output: [1], constants: { c: 1 } });
        expect(k()[0]).toBe(1);
        k.setConstants({ c: 2 });
        expect(k()[0]).toBe(1);
        await gpu.destroy();
        const s1 = gatherSpec([3], [1], 2), s2 = gatherSpec([3], [1], 5);
        expect(s1.source).toBe(s2.source);
        expect(specKey(s1)).not.toBe(specKey(s2));
        const { be } = spied(mode);
        const x = be.fromTyped(ramp(10), f32([10]));
        const a = be.kernels.slice(x, f32([10]), [2], f32([3])), c = be.kernels.slice(x, f32([10]), [5], f32([3]));
        expect(Array.from(be.read(a, f32([3])))).toEqual(Array.from(ramp(10).slice(2, 5)));
        expect(Array.from(be.read(c, f32([3])))).toEqual(Array.from(ramp(10).slice(5, 8)));
        expect(be.stats().compiles).toBeGreaterThanOrEqual(2);
        await be.destroy();
      });

      it('argument sizes are fixed at the first call (webasm throws on a new length); the cache key includes them', async () => {
        const gpu = new GPU!({ mode });
        const k = gpu.createKernel(function (this: { thread: { x: number } }, a: Float32Array) { return a[this.thread.x]! * 2; }, { output: [2] });
        expect(Array.from(k(new Float32Array([1, 2, 3])) as Float32Array)).toEqual([2, 4]);
        let again: number[] | string;
        try { again = Array.from(k(new Float32Array([1, 2, 3, 4, 5])) as Float32Array); } catch (e) { again = (e as Error).message; }
        if (mode === 'webasm') expect(again).toMatch(/changed size/);
        await gpu.destroy();
        // the same slice window (same source, output size and constants) of arrays of two lengths
        const { be } = spied(mode);
        const x = be.fromTyped(ramp(4), f32([4])), y = be.fromTyped(ramp(9), f32([9]));
        const a = be.kernels.slice(x, f32([4]), [1], f32([2])), b = be.kernels.slice(y, f32([9]), [1], f32([2]));
        expect(Array.from(be.read(a, f32([2])))).toEqual(Array.from(ramp(4).slice(1, 3)));
        expect(Array.from(be.read(b, f32([2])))).toEqual(Array.from(ramp(9).slice(1, 3)));
        expect(be.stats().compiles).toBe(2);
        await be.destroy();
      });

      it('pipeline outputs are reused by the next call unless immutable; curvax results survive later calls', async () => {
        const gpu = new GPU!({ mode });
        const k = gpu.createKernel(function (this: { thread: { x: number } }, a: Float32Array) { return a[this.thread.x]! + 1; }, { output: [2], pipeline: true });
        const r1 = k(new Float32Array([0, 0])), r2 = k(new Float32Array([5, 5]));
        if (mode === 'cpu') expect(r1).toBe(r2); // same array: the first result was overwritten
        await gpu.destroy();
        const { be, seen } = spied(mode);
        const a = be.fromTyped(new Float32Array([1, 2]), f32([2])), b = be.fromTyped(new Float32Array([10, 20]), f32([2]));
        const ra = be.kernels.unary('neg', a, f32([2]), f32([2]));
        const rb = be.kernels.unary('neg', b, f32([2]), f32([2]));
        expect(Array.from(be.read(ra, f32([2])))).toEqual([-1, -2]);
        expect(Array.from(be.read(rb, f32([2])))).toEqual([-10, -20]);
        expect(seen.every((s) => s.pipeline && s.immutable && s.precision === 'single')).toBe(true);
        await be.destroy();
      });

      it('cpu mode accumulates in double, others in float32; curvax rounds cpu accumulators to float32', async () => {
        const gpu = new GPU!({ mode });
        const k = gpu.createKernel(function (a: Float32Array) { let s = 0; for (let i = 0; i < 4; i++) s += a[i]!; return s; }, { output: [1], precision: 'single' });
        const big = new Float32Array([16777216, 1, 1, 1]);
        expect(k(big)[0]).toBe(mode === 'cpu' ? 16777220 : 16777216);
        await gpu.destroy();
        const { be } = spied(mode);
        const x = be.fromTyped(big, f32([4]));
        expect(be.read(be.kernels.reduce('sum', x, f32([4]), [0], f32([])), f32([]))[0]).toBe(16777216);
        await be.destroy();
      });

      it(`kernels take at most ${MAX_ARRAY_ARGS} array arguments; concat of 40 inputs is split`, async () => {
        const { be, seen } = spied(mode);
        const cache = new KernelCache(new GPU!({ mode }), 8);
        expect(() => cache.run({ source: 'function () { return 0; }', size: 1, constants: {}, maxLoop: 0, arrayArgs: MAX_ARRAY_ARGS + 1 }, [])).toThrow(/array arguments/);
        const parts = Array.from({ length: 40 }, (_, i) => be.fromTyped(new Float32Array([i, i + 0.5]), f32([1, 2])));
        const out = be.kernels.concat(parts, parts.map(() => f32([1, 2])), 0, f32([40, 2]));
        const got = be.read(out, f32([40, 2]));
        expect(Array.from(got.slice(0, 4))).toEqual([0, 0.5, 1, 1.5]);
        expect(got[78]).toBe(39);
        expect(seen.every((s) => s.output.length === 1)).toBe(true);
        await be.destroy();
      });
    });
  }
});
