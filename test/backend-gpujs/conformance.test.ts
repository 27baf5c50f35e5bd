// Every kernel of the gpujs backend against the js oracle, in the gpu.js modes that run in
// Node without a GPU (cpu, webasm; or CURVAX_GPUJS_MODES, e.g. headlessgl from
// scripts/headless-gl.sh). Skips, with the reason logged, when gpu.js is not installed.
import { afterAll, describe, expect, it } from 'vitest';
import '../../src/index.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { disposeGpujs, initGpujs, type GpujsBackendHandle } from '../../src/backend/gpujs/index.js';
import { ALL_CASES } from './cases-movement.js';
import { runCase } from './cases.js';
import { nodeModes } from './modes.js';

for (const mode of nodeModes(['cpu', 'webasm'])) {
  let be: GpujsBackendHandle | undefined;
  try {
    be = await initGpujs({ mode });
  } catch (e) {
    console.warn(`[gpujs] ${mode} conformance skipped: ${(e as Error).message}`);
  }
  describe.skipIf(be === undefined)(`gpujs ${mode}: conformance against the js oracle`, () => {
    for (const c of ALL_CASES) {
      it(c.name, () => {
        const r = runCase(be!, jsBackend, c);
        expect(r.bad, `${c.name}: tolerance rtol=${c.tol.rtol} atol=${c.tol.atol}`).toEqual([]);
      });
    }
    it('frees every buffer it made (no leaked stores or textures)', () => {
      const before = be!.stats();
      for (const c of ALL_CASES.slice(0, 20)) runCase(be!, jsBackend, c, 2);
      const after = be!.stats();
      expect(after.liveStores).toBe(before.liveStores);
      expect(after.liveTextures).toBe(before.liveTextures);
    });
  });
}

afterAll(async () => {
  await disposeGpujs();
});
