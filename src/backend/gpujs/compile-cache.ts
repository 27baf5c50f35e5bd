/**
 * The compiled-kernel cache: one gpu.js kernel per `source|output size|constants|argument sizes`.
 *
 * Every kernel is created with a 1-D `output` (gpu.js silently drops a 4th output dimension;
 * N-d tensors use index arithmetic from constants), `pipeline: true` (results stay on the
 * device), `immutable: true` (otherwise the next call overwrites the previous result),
 * `precision: 'single'` and an explicit `loopMaxIterations` at least the largest loop bound
 * (gpu.js stops a loop whose bound is not a compile-time constant at `loopMaxIterations`,
 * 1000 by default, without any error). Constants are part of the key because
 * `setConstants()` after the first call is silently ignored; this cache never calls it.
 * Argument sizes are part of the key because gpu.js fixes them at the first call (its `webasm`
 * kernels throw "argument changed size" on the next call with a different length, e.g. the same
 * slice window of a longer array).
 * @module
 */
import type { GpuInstance, GpuKernel, KernelArg, DeviceValue } from './gpu-types.js';
import type { Owner } from './texture-pool.js';

/**
 * The most array (texture) arguments one kernel may take. More than 32 gave wrong results on
 * headless-gl and WebGL guarantees only 16 texture units per fragment shader, so callers split
 * larger operations (see `concat`).
 * @example
 * ```ts
 * if (inputs.length > MAX_ARRAY_ARGS) splitIntoGroups(inputs);
 * ```
 */
export const MAX_ARRAY_ARGS = 16;

/**
 * What to compile: generated source plus the numbers it reads from `this.constants`.
 * @example
 * ```ts
 * const spec: KernelSpec = { source: 'function (a) { return a[this.thread.x]; }', size: 4, constants: {}, maxLoop: 0, arrayArgs: 1 };
 * ```
 */
export interface KernelSpec {
  /** A `function (a, b, ...) { ... }` source string using `this.thread.x` and `this.constants`. */
  readonly source: string;
  /** Number of output elements (the kernel's 1-D output). */
  readonly size: number;
  /** Integer constants (shapes, strides, loop bounds). */
  readonly constants: Readonly<Record<string, number>>;
  /** The largest loop bound in the source (0 when it has no loop). */
  readonly maxLoop: number;
  /** How many array arguments the kernel takes. */
  readonly arrayArgs: number;
}

/**
 * A cached kernel; `live` counts its outputs still alive (GL textures need their kernel).
 * @example
 * ```ts
 * const { value, owner } = cache.run(spec, [x]); // owner: CacheEntry
 * ```
 */
export interface CacheEntry extends Owner {
  readonly kernel: GpuKernel;
  readonly key: string;
}

/**
 * Counters of the compiled-kernel cache.
 * @example
 * ```ts
 * cache.stats().compiles;
 * ```
 */
export interface CacheStats {
  /** Kernels currently compiled. */
  readonly kernels: number;
  /** Kernels compiled so far. */
  readonly compiles: number;
  /** Calls served by an already compiled kernel. */
  readonly hits: number;
  /** Kernels destroyed by eviction. */
  readonly evictions: number;
}

/**
 * The cache key of a spec: source, output size and sorted constants.
 * @param spec - the kernel spec.
 * @returns the key.
 * @example
 * ```ts
 * specKey(gatherSpec([3], [1], 2)) !== specKey(gatherSpec([3], [1], 5)); // true: constants differ
 * ```
 */
export function specKey(spec: KernelSpec): string {
  const c = Object.keys(spec.constants).sort().map((k) => `${k}=${spec.constants[k]!}`).join(',');
  return `${spec.source}|${spec.size}|${c}`;
}

/**
 * Compiles, memoises and runs gpu.js kernels for one `GPU` instance.
 * @example
 * ```ts
 * const cache = new KernelCache(new GPU({ mode: 'cpu' }), 64);
 * const { value } = cache.run(spec, [new Float32Array([1, 2, 3, 4])]);
 * ```
 */
export class KernelCache {
  readonly #gpu: GpuInstance;
  readonly #max: number;
  readonly #entries = new Map<string, CacheEntry>();
  #compiles = 0;
  #hits = 0;
  #evictions = 0;

  /**
   * @param gpu - the instance kernels are created on.
   * @param maxKernels - soft bound on cached kernels; least recently used ones without live outputs are destroyed.
   */
  constructor(gpu: GpuInstance, maxKernels: number) {
    this.#gpu = gpu;
    this.#max = maxKernels;
  }

  /** Runs `spec` on `args`, compiling it on first use. Returns the device value and its owner. */
  run(spec: KernelSpec, args: readonly KernelArg[]): { value: DeviceValue; owner: CacheEntry } {
    if (spec.arrayArgs > MAX_ARRAY_ARGS) {
      throw new Error(`gpujs: internal error: a kernel with ${spec.arrayArgs} array arguments (at most ${MAX_ARRAY_ARGS}).`);
    }
    if (!Number.isInteger(spec.size) || spec.size < 1) throw new Error(`gpujs: internal error: kernel output size ${spec.size}.`);
    const key = `${specKey(spec)}|${argSizes(args)}`;
    let e = this.#entries.get(key);
    if (e === undefined) {
      e = this.#compile(spec, key);
    } else {
      this.#hits++;
      this.#entries.delete(key);
      this.#entries.set(key, e);
    }
    const out = e.kernel(...args);
    const value = out instanceof Float32Array ? out : (out as DeviceValue);
    if (!(value instanceof Float32Array) && typeof (value as { toArray?: unknown }).toArray !== 'function') {
      throw new Error(`gpujs: internal error: kernel returned ${Object.prototype.toString.call(out)}.`);
    }
    return { value, owner: e };
  }

  /** Counters. */
  stats(): CacheStats {
    return { kernels: this.#entries.size, compiles: this.#compiles, hits: this.#hits, evictions: this.#evictions };
  }

  /** Destroys every kernel with no live outputs (all of them when `force`). */
  clear(force = false): void {
    for (const [k, e] of this.#entries) {
      if (force || e.live === 0) {
        e.kernel.destroy();
        this.#entries.delete(k);
      }
    }
  }

  #compile(spec: KernelSpec, key: string): CacheEntry {
    this.#evict();
    const settings = {
      output: [spec.size],
      constants: spec.constants,
      pipeline: true,
      immutable: true,
      precision: 'single' as const,
      tactic: 'precision' as const,
      loopMaxIterations: Math.max(1000, spec.maxLoop + 1),
    };
    const kernel = this.#gpu.createKernel(spec.source, settings);
    this.#compiles++;
    const e: CacheEntry = { kernel, key, live: 0 };
    this.#entries.set(key, e);
    return e;
  }

  #evict(): void {
    if (this.#entries.size < this.#max) return;
    for (const [k, e] of this.#entries) {
      if (this.#entries.size < this.#max) return;
      if (e.live > 0) continue;
      e.kernel.destroy();
      this.#entries.delete(k);
      this.#evictions++;
    }
  }
}

/** The lengths of the array arguments (`n` for numbers), part of the cache key. */
function argSizes(args: readonly KernelArg[]): string {
  let out = '';
  for (const a of args) {
    if (typeof a === 'number') out += 'n,';
    else if (a instanceof Float32Array) out += `${a.length},`;
    else out += `${(a.output ?? []).join('x')},`;
  }
  return out;
}
