/**
 * The `gpujs` backend: kernels compiled by gpu.js (WebGL2/WebGL in browsers, headless-gl in
 * Node, or gpu.js's `webasm`/`cpu` modes without GL).
 *
 * gpu.js is an optional dependency, loaded only when {@link initGpujs} runs or
 * `setBackend('gpujs', { mode })` asks for it; nothing else in curvax needs it. float32 and bool kernels run on the device; float64 (and int32 arithmetic)
 * run on the host with the js reference kernels, so they stay exact; see `docs/backends.md`.
 * @module
 */
import { registerBackend, type Backend } from '../backend.js';
import { registerBackendInitializer, setBackend, type SetBackendOptions } from '../select.js';
import { BackendUnavailableError, ValueError } from '../../errors.js';
import { GpujsBackend, type GpujsStats } from './backend.js';
import { createGpu, GPUJS_MODES, INSTALL_HINT, loadGpujs, loadGpujsSync, type GpujsMode } from './loader.js';

export type { GpujsMode } from './loader.js';
export type { GpujsStats } from './backend.js';

/**
 * Options of {@link initGpujs}.
 * @example
 * ```ts
 * const opts: GpujsOptions = { mode: 'webgl2', gpujs: GPU };
 * ```
 */
export interface GpujsOptions {
  /** Where kernels run (default `'gpu'`: the best GL context, an error when there is none). */
  readonly mode?: GpujsMode | undefined;
  /**
   * The gpu.js module or its `GPU` class, for bundles (`import GPU from 'gpu.js/dist/gpu-browser.js'`).
   * Default: `globalThis.GPU` if a script tag defined it, else `await import('gpu.js')`.
   */
  readonly gpujs?: unknown;
  /** Soft bound on compiled kernels kept (default 512); unused ones are destroyed first. */
  readonly maxKernels?: number | undefined;
  /** Also make it the active backend, like `setBackend('gpujs')` (default `false`). */
  readonly activate?: boolean | undefined;
}

/**
 * A live gpujs backend: a {@link Backend} plus diagnostics and an explicit teardown.
 * @example
 * ```ts
 * const be = await initGpujs({ mode: 'cpu' });
 * console.log(be.kernelMode, be.stats().compiles);
 * await disposeGpujs();
 * ```
 */
export interface GpujsBackendHandle extends Backend {
  /** The requested mode. */
  readonly mode: GpujsMode;
  /** The mode gpu.js resolved to: `'webgl2'`, `'webgl'`, `'headlessgl'`, `'webasm'` or `'cpu'`. */
  readonly kernelMode: string;
  /** True once destroyed. */
  readonly destroyed: boolean;
  /**
   * Counters of live buffers and textures, compiled kernels and transfers.
   * @returns a snapshot of the counters.
   */
  stats(): GpujsStats;
  /** Destroys compiled kernels that have no live outputs (they recompile on next use). */
  clearKernelCache(): void;
  /**
   * Destroys all kernels and the gpu.js context.
   * @returns a promise settled once gpu.js has released the context.
   */
  destroy(): Promise<void>;
}

const backends = new Map<GpujsMode, Promise<GpujsBackend>>();
/** Backends whose initialisation finished (what `setBackend` can reach synchronously). */
const ready = new Map<GpujsMode, GpujsBackend>();
let latest: GpujsBackend | undefined;

function factory(get: () => GpujsBackend | undefined): () => Backend {
  return () => {
    const b = get();
    if (b === undefined || b.destroyed) {
      throw new BackendUnavailableError("setBackend: the gpujs backend was disposed; call `await initGpujs({ mode })` again, or `setBackend('gpujs', { mode })`.", {
        op: 'setBackend', argument: 'name', received: 'gpujs',
      });
    }
    return b as Backend;
  };
}

/**
 * Loads gpu.js, creates one `GPU` instance for `mode` and registers the backend as `'gpujs'`
 * (the latest initialised) and `'gpujs:<mode>'`. Calling it again with the same mode returns
 * the same backend. Chromium keeps at most 16 WebGL contexts, so reuse it rather than
 * creating more.
 * @param options - mode, module and cache options (see {@link GpujsOptions}).
 * @returns the backend, also reachable with `setBackend('gpujs')`.
 * @throws {BackendUnavailableError} when gpu.js is not installed, or the mode is not available
 *   here (for example `'gpu'` in Node without the optional `gl` package); the message says how
 *   to install what is missing.
 * @example
 * ```ts
 * import { initGpujs, setBackend, tensor } from 'curvax';
 * await initGpujs({ mode: 'webgl2' });
 * setBackend('gpujs');
 * tensor([1, 2, 3]).mul(2).toArray(); // [2, 4, 6], computed by a WebGL2 kernel
 * ```
 */
export async function initGpujs(options: GpujsOptions = {}): Promise<GpujsBackendHandle> {
  const mode: GpujsMode = options.mode ?? 'gpu';
  let p = backends.get(mode);
  const existing = p === undefined ? undefined : await p.catch(() => undefined);
  if (existing === undefined || existing.destroyed) {
    p = (async () => {
      const mod = await loadGpujs(options.gpujs);
      const { gpu, kernelMode } = createGpu(mod, mode);
      return new GpujsBackend(gpu, mode, kernelMode, options.maxKernels ?? 512);
    })();
    backends.set(mode, p);
    ready.delete(mode);
    p.catch(() => backends.delete(mode));
  }
  const be = await p!;
  adopt(mode, be);
  if (options.activate === true) {
    setBackend('gpujs');
  }
  return be;
}

/**
 * Destroys gpujs backends (one mode, or all) and their gpu.js contexts. Tensors still on them
 * become unreadable; `setBackend('gpujs')` throws until {@link initGpujs} (or
 * `setBackend('gpujs', { mode })`) creates a new one. If a
 * destroyed backend is active, switch with `setBackend('js')` first.
 * @param mode - the mode to destroy; all modes when omitted.
 * @returns a promise settled once every context is released (gpu.js destroys asynchronously).
 * @example
 * ```ts
 * await initGpujs({ mode: 'cpu' });
 * await disposeGpujs('cpu');
 * ```
 */
export async function disposeGpujs(mode?: GpujsMode): Promise<void> {
  const modes = mode === undefined ? [...backends.keys()] : [mode];
  for (const m of modes) {
    const p = backends.get(m);
    backends.delete(m);
    ready.delete(m);
    const be = p === undefined ? undefined : await p.catch(() => undefined);
    if (be !== undefined) await be.destroy();
  }
}

/** Makes `be` the backend of `mode` and the latest one, under `gpujs:<mode>` and `gpujs`. */
function adopt(mode: GpujsMode, be: GpujsBackend): void {
  backends.set(mode, Promise.resolve(be));
  ready.set(mode, be);
  latest = be;
  registerBackend(`gpujs:${mode}`, factory(() => be));
  registerBackend('gpujs', factory(() => latest));
}

/**
 * `setBackend('gpujs' | 'gpujs:<mode>', options)`, synchronously: a backend already initialised
 * for the mode, else a new one when gpu.js can be loaded synchronously (given in
 * `options.gpujs`, `globalThis.GPU`, already imported by `initGpujs`, or `require` in Node).
 * Otherwise it throws a `BackendUnavailableError` saying to `await initGpujs({ mode })`.
 */
function selectGpujs(name: string, options: SetBackendOptions): Backend {
  const colon = name.indexOf(':');
  const suffix = colon < 0 ? undefined : name.slice(colon + 1);
  if (suffix !== undefined && options.mode !== undefined && suffix !== options.mode) {
    throw new ValueError(`setBackend: backend '${name}' and option mode '${options.mode}' disagree; pass one of them.`, {
      op: 'setBackend', argument: 'mode', expected: suffix, received: options.mode,
    });
  }
  const mode = (options.mode ?? suffix ?? (latest !== undefined && !latest.destroyed ? latest.mode : 'gpu')) as GpujsMode;
  if (!GPUJS_MODES.includes(mode)) {
    throw new BackendUnavailableError(`setBackend: gpujs mode must be one of ${GPUJS_MODES.join(', ')}, got '${String(mode)}'.`, {
      op: 'setBackend', argument: 'mode', expected: GPUJS_MODES.join(' | '), received: String(mode),
    });
  }
  const call = `await initGpujs({ mode: '${mode}' })`;
  const have = ready.get(mode);
  if (have !== undefined && !have.destroyed) {
    adopt(mode, have);
    return have;
  }
  if (backends.has(mode) && !ready.has(mode)) {
    throw new BackendUnavailableError(`setBackend: gpujs mode '${mode}' is still initialising; \`${call}\` before setBackend.`, {
      op: 'setBackend', argument: 'mode', expected: 'an initialised gpujs backend', received: `'${mode}' initialising`,
    });
  }
  const mod = loadGpujsSync(options.gpujs, undefined, 'setBackend');
  if (mod === undefined) {
    throw new BackendUnavailableError(
      `setBackend: gpu.js is not loaded and this runtime cannot load it synchronously. Call \`${call}\` first ` +
        `(it imports gpu.js and makes 'gpujs' available to setBackend), or pass the module: setBackend('gpujs', { mode: '${mode}', gpujs: GPU }). ${INSTALL_HINT}`,
      { op: 'setBackend', argument: 'gpu.js', expected: 'gpu.js loaded', received: 'not loaded' },
    );
  }
  const { gpu, kernelMode } = createGpu(mod, mode, 'setBackend');
  const be = new GpujsBackend(gpu, mode, kernelMode, 512);
  adopt(mode, be);
  return be;
}

registerBackendInitializer('gpujs', selectGpujs);
