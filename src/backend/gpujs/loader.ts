/**
 * Lazy loading of the optional `gpu.js` package and creation of the one `GPU` instance per mode.
 *
 * The import specifier is not a literal, so neither TypeScript nor a bundler ever requires
 * gpu.js: installing, building and testing curvax works without it. In a browser bundle, pass
 * the module in (`import GPU from 'gpu.js/dist/gpu-browser.js'`) or load that script so that
 * `globalThis.GPU` exists.
 * @module
 */
import { BackendUnavailableError } from '../../errors.js';
import type { GpuConstructor, GpuInstance, GpujsModule } from './gpu-types.js';

/**
 * Where gpu.js kernels run.
 * - `'gpu'`: the best GL context (WebGL2, WebGL or headless-gl); fails when there is none
 *   (gpu.js itself would silently fall back to `webasm`).
 * - `'webgl2'`, `'webgl'`, `'headlessgl'`: that context only.
 * - `'webasm'`: gpu.js's WebAssembly backend (float32, no GL needed).
 * - `'cpu'`: gpu.js's JavaScript backend (no GL needed; curvax rounds its accumulators to float32).
 * @example
 * ```ts
 * const mode: GpujsMode = typeof document === 'undefined' ? 'webasm' : 'webgl2';
 * ```
 */
export type GpujsMode = 'gpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';

/**
 * Every accepted mode.
 * @example
 * ```ts
 * GPUJS_MODES.includes('webgl2'); // true
 * ```
 */
export const GPUJS_MODES: readonly GpujsMode[] = ['gpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];

/**
 * Resolved kernel modes whose pipeline outputs are GL textures.
 * @example
 * ```ts
 * const textures = GL_KERNEL_MODES.includes(kernelMode);
 * ```
 */
export const GL_KERNEL_MODES: readonly string[] = ['webgl2', 'webgl', 'headlessgl'];

const INSTALL_HINT =
  'Install it with `npm install gpu.js@2.24.1` (an optional dependency of curvax). ' +
  "In a browser bundle pass the module: `initGpujs({ mode: 'webgl2', gpujs: GPU })` with `import GPU from 'gpu.js/dist/gpu-browser.js'`.";

const GL_HINT =
  "In Node a GL context needs the optional `gl` package (headless-gl), which builds from source: on Debian `apt-get install -y build-essential python3 python-is-python3 pkg-config libxi-dev libgl-dev xvfb xauth`, then `npm install gl` and run under `xvfb-run`. Without a GL context use mode 'webasm' or 'cpu'.";

const KERNEL_CLASSES: readonly [string, string][] = [
  ['WebGL2Kernel', 'webgl2'], ['WebGLKernel', 'webgl'], ['HeadlessGLKernel', 'headlessgl'], ['WebAssemblyKernel', 'webasm'], ['CPUKernel', 'cpu'],
];

function normalizeModule(m: unknown): GpujsModule | undefined {
  const cands: unknown[] = [m, (m as { default?: unknown } | null)?.default];
  for (const c of cands) {
    if (c === null || c === undefined) continue;
    let g = (c as { GPU?: unknown }).GPU;
    if (typeof g !== 'function' && typeof c === 'function' && typeof (c as { prototype?: { createKernel?: unknown } }).prototype?.createKernel === 'function') g = c;
    if (typeof g !== 'function') continue;
    // Kernel classes, to tell which one a GPU instance chose (class names do not survive
    // minifiers and `Kernel.mode` is 'gpu' for every GL class): the Node module exports them,
    // the browser bundle hangs them on GPU.
    const kinds = new Map<unknown, string>();
    for (const [name, mode] of KERNEL_CLASSES) {
      const k = (c as Record<string, unknown>)[name] ?? (g as unknown as Record<string, unknown>)[name];
      if (k !== undefined) kinds.set(k, mode);
    }
    return { GPU: g as GpuConstructor, kinds };
  }
  return undefined;
}

/**
 * Resolves the gpu.js module: the one given, else `globalThis.GPU` (browser script tag), else
 * `await import('gpu.js')`.
 * @param given - a module object (or the `GPU` class) supplied by the caller, if any.
 * @param specifier - the package to import (tests point it at a missing package).
 * @returns the module, normalised to `{ GPU, kinds }`.
 * @throws {BackendUnavailableError} when gpu.js cannot be found.
 * @example
 * ```ts
 * const mod = await loadGpujs(); // Node: imports gpu.js
 * ```
 */
export async function loadGpujs(given?: unknown, specifier = ['gpu', 'js'].join('.')): Promise<GpujsModule> {
  if (given !== undefined) {
    const m = normalizeModule(given);
    if (m === undefined) {
      throw new BackendUnavailableError('initGpujs: the `gpujs` option must be the gpu.js module or its GPU class.', {
        op: 'initGpujs', argument: 'gpujs', expected: 'the gpu.js module', received: typeof given,
      });
    }
    return m;
  }
  const glob = normalizeModule((globalThis as { GPU?: unknown }).GPU);
  if (glob !== undefined) return glob;
  let mod: unknown;
  try {
    mod = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    throw new BackendUnavailableError(`initGpujs: the optional package '${specifier}' could not be loaded (${(e as Error).message.split('\n')[0]}). ${INSTALL_HINT}`, {
      op: 'initGpujs', argument: 'gpu.js', expected: 'gpu.js 2.24 installed', received: 'not installed',
    });
  }
  const m = normalizeModule(mod);
  if (m === undefined) {
    throw new BackendUnavailableError(`initGpujs: 'gpu.js' loaded but exports no GPU class. ${INSTALL_HINT}`, {
      op: 'initGpujs', argument: 'gpu.js', expected: 'a GPU class', received: 'none',
    });
  }
  return m;
}

function modeSupported(GPU: GpuConstructor, mode: GpujsMode): boolean {
  switch (mode) {
    case 'cpu': return true;
    case 'webasm': return GPU.isWebAssemblySupported !== false;
    case 'webgl2': return GPU.isWebGL2Supported === true;
    case 'webgl': return GPU.isWebGLSupported === true;
    case 'headlessgl': return GPU.isHeadlessGLSupported === true;
    case 'gpu': return GPU.isWebGL2Supported === true || GPU.isWebGLSupported === true || GPU.isHeadlessGLSupported === true;
  }
}

/**
 * Creates the `GPU` instance for a mode, refusing silent fallbacks.
 * @param mod - the loaded gpu.js module.
 * @param mode - the requested mode.
 * @returns the instance and the mode its kernel class implements (`cpu`, `webasm`, `webgl2`, ...).
 * @throws {BackendUnavailableError} when the mode is unknown or not supported here.
 * @example
 * ```ts
 * const { gpu, kernelMode } = createGpu(await loadGpujs(), 'webasm');
 * ```
 */
export function createGpu(mod: GpujsModule, mode: GpujsMode): { gpu: GpuInstance; kernelMode: string } {
  if (!GPUJS_MODES.includes(mode)) {
    throw new BackendUnavailableError(`initGpujs: mode must be one of ${GPUJS_MODES.join(', ')}, got '${String(mode)}'.`, {
      op: 'initGpujs', argument: 'mode', expected: GPUJS_MODES.join(' | '), received: String(mode),
    });
  }
  const gl = mode !== 'cpu' && mode !== 'webasm';
  if (!modeSupported(mod.GPU, mode)) {
    throw new BackendUnavailableError(`initGpujs: gpu.js mode '${mode}' is not available here. ${gl ? GL_HINT : ''}`.trim(), {
      op: 'initGpujs', argument: 'mode', expected: `a platform supporting '${mode}'`, received: mode,
    });
  }
  let gpu: GpuInstance;
  try {
    gpu = new mod.GPU({ mode });
  } catch (e) {
    throw new BackendUnavailableError(`initGpujs: gpu.js could not start mode '${mode}': ${(e as Error).message}. ${gl ? GL_HINT : ''}`.trim(), {
      op: 'initGpujs', argument: 'mode', expected: `a platform supporting '${mode}'`, received: mode,
    });
  }
  const K = gpu.Kernel;
  const kernelMode = mod.kinds.get(K) ?? KERNEL_CLASSES.find(([n]) => n === K?.name)?.[1] ?? 'unknown';
  if (gl && !GL_KERNEL_MODES.includes(kernelMode)) {
    void gpu.destroy();
    throw new BackendUnavailableError(`initGpujs: mode '${mode}' resolved to '${kernelMode}', not a GL context. ${GL_HINT}`, {
      op: 'initGpujs', argument: 'mode', expected: 'a GL kernel', received: kernelMode,
    });
  }
  return { gpu, kernelMode };
}
