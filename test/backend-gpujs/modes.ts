// The gpu.js modes the Node gpujs suites run in: `CURVAX_GPUJS_MODES` (comma-separated), else
// the modes that need no GL. scripts/headless-gl.sh sets it to `headlessgl` under xvfb-run.
import type { GpujsMode } from '../../src/backend/gpujs/loader.js';
import { initGpujs, type GpujsBackendHandle } from '../../src/backend/gpujs/index.js';

export function nodeModes(fallback: readonly GpujsMode[]): GpujsMode[] {
  const env = typeof process !== 'undefined' ? process.env['CURVAX_GPUJS_MODES'] : undefined;
  return env ? (env.split(',').map((m) => m.trim()).filter((m) => m.length > 0) as GpujsMode[]) : [...fallback];
}

/** Initialises gpujs in `mode`, or logs why `what` is skipped and returns undefined. */
export async function initOrSkip(mode: GpujsMode, what: string): Promise<GpujsBackendHandle | undefined> {
  try {
    return await initGpujs({ mode });
  } catch (e) {
    console.warn(`[gpujs] ${mode} ${what} skipped: ${(e as Error).message}`);
    return undefined;
  }
}
