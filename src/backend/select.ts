/**
 * Choosing the active backend.
 * @module
 */
import { BackendUnavailableError, ValueError } from '../errors.js';
import { backendFactory, getBackend, registeredBackends, setActiveBackend, type Backend } from './backend.js';
import type { GpujsMode } from './gpujs/loader.js';

/**
 * Options of {@link setBackend}. They apply to the optional `gpujs` backend only; `js` and
 * `wasm` take none.
 * @example
 * ```ts
 * const opts: SetBackendOptions = { mode: 'webasm' };
 * setBackend('gpujs', opts);
 * ```
 */
export interface SetBackendOptions {
  /**
   * `gpujs` only: where kernels run (see `GpujsMode`). A backend for this mode is created on
   * the spot when gpu.js can be loaded synchronously (Node ≥ 20.16, `globalThis.GPU`, the
   * `gpujs` option, or after any `initGpujs` call); otherwise `await initGpujs({ mode })` first.
   */
  readonly mode?: GpujsMode | undefined;
  /** `gpujs` only: the gpu.js module or its `GPU` class (browser bundles), as in `initGpujs`. */
  readonly gpujs?: unknown;
}

/** Creates a backend of a family (`gpujs`, `gpujs:<mode>`) on demand, synchronously or with an error. */
type BackendInitializer = (name: string, options: SetBackendOptions) => Backend;
const initializers = new Map<string, BackendInitializer>();

/**
 * @internal Lets an optional backend family be created by `setBackend` on demand: `name` and
 * `name:<variant>` go to `init` when options are given or the name is not registered yet.
 */
export function registerBackendInitializer(family: string, init: BackendInitializer): void {
  initializers.set(family, init);
}

/**
 * Makes `name` the backend new tensors and kernels run on. Tensors already created stay on
 * their backend and are moved over when used.
 *
 * `'js'` and `'wasm'` are always there. `'gpujs'` (optional, needs the `gpu.js` package) is
 * created on demand: `setBackend('gpujs', { mode: 'webasm' })` is a one-line switch in Node
 * (gpu.js is loaded with `require`) and wherever gpu.js is already loaded (after
 * `await initGpujs(...)`, or with `{ gpujs: GPU }` or `globalThis.GPU` in a browser).
 * Where it cannot be loaded synchronously, the `BackendUnavailableError` says to call
 * `await initGpujs({ mode })` first.
 * @param name - `'js'`, `'wasm'`, `'gpujs'` (the latest gpujs backend, or mode `options.mode`)
 *   or `'gpujs:<mode>'`.
 * @param options - `gpujs` only: the mode and, for bundles, the gpu.js module.
 * @returns the backend, now active.
 * @throws {BackendUnavailableError} when no backend of that name is available here (for
 *   `gpujs`: gpu.js missing, or the mode not supported; the message says how to fix it).
 * @throws {ValueError} when options are given for a backend that takes none.
 * @example
 * ```ts
 * setBackend('js');
 * setBackend('gpujs', { mode: 'webasm' }); // Node with gpu.js installed
 * ```
 */
export function setBackend(name: string, options?: SetBackendOptions): Backend {
  const init = initializers.get(name.split(':')[0]!);
  const f = backendFactory(name);
  let b: Backend;
  if (init !== undefined && (options !== undefined || f === undefined)) {
    b = init(name, options ?? {});
  } else {
    if (options !== undefined && (options.mode !== undefined || options.gpujs !== undefined)) {
      throw new ValueError(`setBackend: options mode/gpujs apply to the 'gpujs' backend only; '${name}' takes none.`, {
        op: 'setBackend', argument: 'options', expected: 'no options', received: JSON.stringify(Object.keys(options)),
      });
    }
    if (f === undefined) {
      const optional = [...initializers.keys()].filter((k) => backendFactory(k) === undefined);
      const hint = optional.length > 0 ? ` Optional: ${optional.map((k) => `'${k}' (setBackend('${k}', { mode }))`).join(', ')}.` : '';
      throw new BackendUnavailableError(`setBackend: backend '${name}' is not available; registered backends: ${registeredBackends().join(', ')}.${hint}`, {
        op: 'setBackend', argument: 'name', received: name,
      });
    }
    b = f();
  }
  setActiveBackend(b);
  return b;
}

/**
 * The name of the active backend.
 * @example
 * ```ts
 * backendName(); // 'js'
 * ```
 */
export function backendName(): string {
  return getBackend().name;
}
