// scope(fn) on the gpujs backend: intermediates' device buffers (GL textures in GL modes) are
// freed when the scope ends, not at garbage collection. Modes: CURVAX_GPUJS_MODES, else cpu.
import { afterAll, describe, expect, it } from 'vitest';
import { DisposedTensorError, grad, matmul, random, scope, setBackend, type Tensor } from '../../src/index.js';
import { disposeGpujs } from '../../src/backend/gpujs/index.js';
import { initOrSkip, nodeModes } from './modes.js';

afterAll(async () => {
  setBackend('js');
  await disposeGpujs();
});

for (const mode of nodeModes(['cpu'])) {
  const be = await initOrSkip(mode, 'scope tests');
  describe.skipIf(be === undefined)(`scope on gpujs ${mode}`, () => {
    it('frees every intermediate buffer of a training step; the result survives', () => {
      setBackend(`gpujs:${mode}`);
      try {
        const w = random.normal(random.key(0), [16, 8]);
        const x = random.normal(random.key(1), [32, 16]);
        const loss = (w: Tensor) => matmul(x, w).tanh().square().mean();
        // warm up: uploads w and x to the device and compiles the kernels
        scope(() => grad(loss)(w).mul(0.1));
        const s0 = be!.stats();
        let tmp!: Tensor;
        const next = scope(() => {
          tmp = matmul(x, w).exp();
          return w.sub(grad(loss)(w).mul(0.1));
        });
        const s1 = be!.stats();
        // only `next` is left: one store, one device value (a texture in GL modes)
        expect(s1.liveStores - s0.liveStores).toBe(1);
        expect(s1.liveDevice - s0.liveDevice).toBe(1);
        expect(s1.liveTextures - s0.liveTextures).toBe(be!.kernelMode === 'cpu' || be!.kernelMode === 'webasm' ? 0 : 1);
        expect(() => tmp.toArray()).toThrow(DisposedTensorError);
        expect(next.shape).toEqual([16, 8]);
        next.dispose();
        const s2 = be!.stats();
        expect(s2.liveStores).toBe(s0.liveStores);
        expect(s2.liveDevice).toBe(s0.liveDevice);
        expect(s2.liveTextures).toBe(s0.liveTextures);
      } finally {
        setBackend('js');
      }
    });

    it('without a scope the same step leaves its intermediates alive (until GC)', () => {
      setBackend(`gpujs:${mode}`);
      try {
        const w = random.normal(random.key(0), [16, 8]);
        w.toTypedArray();
        const s0 = be!.stats();
        const y = w.exp().mul(2).sum();
        expect(be!.stats().liveStores - s0.liveStores).toBeGreaterThan(1);
        const s1 = be!.stats();
        const z = scope(() => w.exp().mul(2).sum());
        expect(be!.stats().liveStores - s1.liveStores).toBe(1);
        expect(z.item()).toBeCloseTo(y.item(), 4);
      } finally {
        setBackend('js');
      }
    });
  });
}
