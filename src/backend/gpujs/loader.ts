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

/** @internal Tells how to install gpu.js (npm, or a browser bundle). */
export const INSTALL_HINT =
  'Install it with `npm install gpu.js@2.24.1` (an optional peer dependency of curvax). ' +
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
export async function loadGpujs(given?: unknown, specifier = DEFAULT_SPECIFIER): Promise<GpujsModule> {
  const early = givenOrKnown(given, specifier, 'initGpujs');
  if (early !== undefined) return early;
  let mod: unknown;
  try {
    mod = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    throw notInstalled('initGpujs', specifier, e);
  }
  return remember(mod, specifier, 'initGpujs');
}

const DEFAULT_SPECIFIER = ['gpu', 'js'].join('.');
/** The module loaded from the default specifier by {@link loadGpujs} or {@link loadGpujsSync}. */
let loaded: GpujsModule | undefined;

function givenOrKnown(given: unknown, specifier: string, op: string): GpujsModule | undefined {
  if (given !== undefined) {
    const m = normalizeModule(given);
    if (m === undefined) {
      throw new BackendUnavailableError(`${op}: the \`gpujs\` option must be the gpu.js module or its GPU class.`, {
        op, argument: 'gpujs', expected: 'the gpu.js module', received: typeof given,
      });
    }
    return m;
  }
  const glob = normalizeModule((globalThis as { GPU?: unknown }).GPU);
  if (glob !== undefined) return glob;
  return specifier === DEFAULT_SPECIFIER ? loaded : undefined;
}

function notInstalled(op: string, specifier: string, e: unknown): BackendUnavailableError {
  return new BackendUnavailableError(`${op}: the optional package '${specifier}' could not be loaded (${String((e as Error)?.message ?? e).split('\n')[0]}). ${INSTALL_HINT}`, {
    op, argument: 'gpu.js', expected: 'gpu.js 2.24 installed', received: 'not installed',
  });
}

function remember(mod: unknown, specifier: string, op: string): GpujsModule {
  const m = normalizeModule(mod);
  if (m === undefined) {
    throw new BackendUnavailableError(`${op}: '${specifier}' loaded but exports no GPU class. ${INSTALL_HINT}`, {
      op, argument: 'gpu.js', expected: 'a GPU class', received: 'none',
    });
  }
  if (specifier === DEFAULT_SPECIFIER) loaded = m;
  return m;
}

/** Node's `require`, resolved next to this file, when the runtime offers one synchronously. */
function nodeRequire(): ((id: string) => unknown) | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  // `process.getBuiltinModule` (Node >= 20.16) reaches `module.createRequire` without a static
  // import of a Node builtin, so browser bundles stay clean.
  const mod = typeof proc?.getBuiltinModule === 'function' ? (proc.getBuiltinModule('node:module') as { createRequire?: (url: string) => (id: string) => unknown } | undefined) : undefined;
  if (typeof mod?.createRequire !== 'function') return undefined;
  let url: string | undefined;
  try {
    url = import.meta.url;
  } catch {
    url = undefined;
  }
  return typeof url === 'string' && url.length > 0 ? mod.createRequire(url) : undefined;
}

/**
 * Resolves gpu.js *synchronously*, for `setBackend('gpujs', { mode })`: the module given, else
 * `globalThis.GPU`, else a module already loaded by {@link loadGpujs}, else, in Node >= 20.16,
 * `require('gpu.js')` (gpu.js is CommonJS; reached through `process.getBuiltinModule`).
 * @param given - a module object (or the `GPU` class) supplied by the caller, if any.
 * @param specifier - the package to require (tests point it at a missing package).
 * @param op - the operation named in errors.
 * @returns the module, or `undefined` when this runtime has no synchronous way to load it
 *   (browsers without `globalThis.GPU`, Node < 20.16): then `await initGpujs()` is needed.
 * @throws {BackendUnavailableError} when `require` runs but gpu.js is not installed.
 * @example
 * ```ts
 * const mod = loadGpujsSync(); // Node: require('gpu.js'); undefined in a browser without GPU
 * ```
 */
export function loadGpujsSync(given?: unknown, specifier = DEFAULT_SPECIFIER, op = 'setBackend'): GpujsModule | undefined {
  const early = givenOrKnown(given, specifier, op);
  if (early !== undefined) return early;
  const req = nodeRequire();
  if (req === undefined) return undefined;
  let mod: unknown;
  try {
    mod = req(specifier);
  } catch (e) {
    throw notInstalled(op, specifier, e);
  }
  return remember(mod, specifier, op);
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
 * @param op - the operation named in errors.
 * @returns the instance and the mode its kernel class implements (`cpu`, `webasm`, `webgl2`, ...).
 * @throws {BackendUnavailableError} when the mode is unknown or not supported here.
 * @example
 * ```ts
 * const { gpu, kernelMode } = createGpu(await loadGpujs(), 'webasm');
 * ```
 */
export function createGpu(mod: GpujsModule, mode: GpujsMode, op = 'initGpujs'): { gpu: GpuInstance; kernelMode: string } {
  if (!GPUJS_MODES.includes(mode)) {
    throw new BackendUnavailableError(`${op}: mode must be one of ${GPUJS_MODES.join(', ')}, got '${String(mode)}'.`, {
      op, argument: 'mode', expected: GPUJS_MODES.join(' | '), received: String(mode),
    });
  }
  const gl = mode !== 'cpu' && mode !== 'webasm';
  if (!modeSupported(mod.GPU, mode)) {
    throw new BackendUnavailableError(`${op}: gpu.js mode '${mode}' is not available here. ${gl ? GL_HINT : ''}`.trim(), {
      op, argument: 'mode', expected: `a platform supporting '${mode}'`, received: mode,
    });
  }
  let gpu: GpuInstance;
  try {
    gpu = new mod.GPU({ mode });
  } catch (e) {
    throw new BackendUnavailableError(`${op}: gpu.js could not start mode '${mode}': ${(e as Error).message}. ${gl ? GL_HINT : ''}`.trim(), {
      op, argument: 'mode', expected: `a platform supporting '${mode}'`, received: mode,
    });
  }
  const K = gpu.Kernel;
  const kernelMode = mod.kinds.get(K) ?? KERNEL_CLASSES.find(([n]) => n === K?.name)?.[1] ?? 'unknown';
  if (gl && !GL_KERNEL_MODES.includes(kernelMode)) {
    void gpu.destroy();
    throw new BackendUnavailableError(`${op}: mode '${mode}' resolved to '${kernelMode}', not a GL context. ${GL_HINT}`, {
      op, argument: 'mode', expected: 'a GL kernel', received: kernelMode,
    });
  }
  return { gpu, kernelMode };
}
