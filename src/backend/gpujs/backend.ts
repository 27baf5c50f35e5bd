/**
 * The gpujs backend object: buffers (upload, download, lifetime) and kernel execution.
 *
 * Data stays on the device between kernels: a kernel's output is a pipeline texture (GL) or a
 * `Float32Array` (`cpu`/`webasm`) that the next kernel takes as an argument, and nothing is
 * read back until {@link GpujsBackend.read}. Host data (`fromTyped`, host-fallback results) is
 * uploaded once, on first use by a device kernel, with an identity kernel in GL modes.
 * @module
 */
import type { Backend, Kernels } from '../backend.js';
import type { Aval } from '../../tensor/aval.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { KernelCache, type KernelSpec } from './compile-cache.js';
import type { Flavor } from './codegen.js';
import type { DeviceOps } from './device.js';
import { isTexture, type DeviceValue, type GpuInstance } from './gpu-types.js';
import { makeKernels } from './kernels.js';
import type { GpujsMode } from './loader.js';
import { gatherSpec } from './movement.js';
import { TexturePool, type GpuBuf, type Store } from './texture-pool.js';

/**
 * Counters of one gpujs backend: buffers, textures, compiled kernels and transfers.
 * @example
 * ```ts
 * const be = await initGpujs({ mode: 'cpu' });
 * be.stats().liveTextures; // 0 in cpu mode
 * ```
 */
export interface GpujsStats {
  /** Buffers (stores) not yet released. */
  readonly liveStores: number;
  /** Live device values (GL textures, or device `Float32Array`s in `cpu`/`webasm`). */
  readonly liveDevice: number;
  /** Live GL textures (always 0 in `cpu`/`webasm`). */
  readonly liveTextures: number;
  /** Buffers released by the `FinalizationRegistry` safety net (dropped without `dispose`). */
  readonly finalized: number;
  /** GL textures deleted so far. */
  readonly texturesDeleted: number;
  /** Kernels currently compiled. */
  readonly kernels: number;
  /** Kernels compiled so far. */
  readonly compiles: number;
  /** Kernel calls served by an already compiled kernel. */
  readonly hits: number;
  /** Kernels destroyed by cache eviction. */
  readonly evictions: number;
  /** Host → device uploads so far. */
  readonly uploads: number;
  /** Device → host downloads so far. */
  readonly downloads: number;
}

const IDENTITY: Omit<KernelSpec, 'size'> = { source: 'function (a) {\nreturn a[this.thread.x];\n}', constants: {}, maxLoop: 0, arrayArgs: 1 };

function convert(src: ArrayLike<number>, dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return src instanceof Float32Array && src.length === n ? src : Float32Array.from({ length: n }, (_, i) => src[i]!);
    case 'float64': return Float64Array.from({ length: n }, (_, i) => src[i]!);
    case 'int32': return Int32Array.from({ length: n }, (_, i) => src[i]!);
    case 'bool': return Uint8Array.from({ length: n }, (_, i) => (src[i]! !== 0 && src[i] === src[i] ? 1 : 0));
  }
}

/**
 * A gpujs backend bound to one `GPU` instance (created by `initGpujs`).
 * @example
 * ```ts
 * const be = new GpujsBackend(new GPU({ mode: 'cpu' }), 'cpu', 'cpu', 512);
 * const x = be.fromTyped(new Float32Array([1, 2]), new Aval([2], 'float32'));
 * be.read(be.kernels.unary('exp', x, new Aval([2], 'float32'), new Aval([2], 'float32')), new Aval([2], 'float32'));
 * ```
 */
export class GpujsBackend implements Backend<GpuBuf>, DeviceOps {
  /** Backend name. */
  readonly name = 'gpujs';
  /** The requested mode. */
  readonly mode: GpujsMode;
  /** The mode gpu.js resolved to (`cpu`, `webasm`, `webgl2`, ...). */
  readonly kernelMode: string;
  /** Source flavour for the generated kernels. */
  readonly flavor: Flavor;
  /** True when device values are GL textures. */
  readonly textures: boolean;
  /** The kernel table. */
  readonly kernels: Kernels<GpuBuf>;
  readonly #pool = new TexturePool();
  readonly #cache: KernelCache;
  readonly #gpu: GpuInstance;
  #specials: GpuBuf | undefined;
  #uploads = 0;
  #downloads = 0;
  #destroyed = false;

  /**
   * @param gpu - the `GPU` instance (owned by this backend from now on).
   * @param mode - the requested mode.
   * @param kernelMode - the mode gpu.js resolved to.
   * @param maxKernels - soft bound of the compiled-kernel cache.
   */
  constructor(gpu: GpuInstance, mode: GpujsMode, kernelMode: string, maxKernels: number) {
    this.#gpu = gpu;
    this.mode = mode;
    this.kernelMode = kernelMode;
    this.textures = kernelMode !== 'cpu' && kernelMode !== 'webasm';
    this.flavor = kernelMode === 'cpu' ? 'cpu' : kernelMode === 'webasm' ? 'wasm' : 'gl';
    this.#cache = new KernelCache(gpu, maxKernels);
    this.kernels = makeKernels(this);
  }

  /** Wraps host data (uploaded lazily, on first use by a device kernel). */
  fromTyped(data: TypedArray, aval: Aval): GpuBuf {
    return this.#pool.fromHost(data, aval.dtype);
  }

  /** Reads a buffer as a typed array of `aval.dtype` (downloads once, then caches). */
  read(buf: GpuBuf, aval: Aval): TypedArray {
    const s = buf.store;
    if (s.released) throw new Error('gpujs: read of a released buffer.');
    if (s.host !== undefined && s.hostDtype === aval.dtype) return s.host;
    const n = aval.size;
    let src: ArrayLike<number>;
    if (s.host !== undefined) src = s.host;
    else if (s.device !== undefined) src = this.#download(s.device, n);
    else throw new Error('gpujs: internal error: a buffer with no data.');
    const out = convert(src, aval.dtype, n);
    if (s.host === undefined) {
      s.host = out;
      s.hostDtype = aval.dtype;
    }
    return out;
  }

  /** Releases a buffer (idempotent). */
  dispose(buf: GpuBuf): void {
    this.#pool.dispose(buf);
  }

  /** @internal Frees an intermediate buffer. */
  release(buf: GpuBuf): void {
    this.#pool.dispose(buf);
  }

  /** @internal A host buffer holding `data`. */
  host(data: TypedArray, dtype: DType): GpuBuf {
    return this.#pool.fromHost(data, dtype);
  }

  /** @internal Another handle on the same data. */
  share(buf: GpuBuf): GpuBuf {
    return this.#pool.share(buf);
  }

  /** @internal Runs a generated kernel; array arguments are uploaded first when needed. */
  run(spec: KernelSpec, args: readonly GpuBuf[], specials = false): GpuBuf {
    if (this.#destroyed) throw new Error('gpujs: the backend was destroyed (disposeGpujs); call initGpujs again.');
    const vals: DeviceValue[] = args.map((a) => this.#device(a));
    if (specials) vals.push(this.#device(this.#specialsBuf()));
    const { value, owner } = this.#cache.run(spec, vals);
    return this.#pool.fromDevice(value, spec.size, this.textures ? owner : undefined);
  }

  /** @internal `out[i] = x[base + Σ idx_d·strides_d]`. */
  gather(x: GpuBuf, outShape: readonly number[], strides: readonly number[], base: number): GpuBuf {
    return this.run(gatherSpec(outShape, strides, base), [x]);
  }

  /** @internal True when the buffer currently has a device copy. */
  resident(buf: GpuBuf): boolean {
    return buf.store.device !== undefined;
  }

  /** Counters: live stores and textures, finalizer releases, compiles, cache hits, transfers. */
  stats(): GpujsStats {
    return { ...this.#pool.stats(), ...this.#cache.stats(), uploads: this.#uploads, downloads: this.#downloads };
  }

  /** Destroys compiled kernels that have no live outputs. */
  clearKernelCache(): void {
    this.#cache.clear(false);
  }

  /** Destroys every kernel and the `GPU` instance (gpu.js 2.x destroys asynchronously). */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#specials !== undefined) this.#pool.dispose(this.#specials);
    this.#cache.clear(true);
    await this.#gpu.destroy();
  }

  /** True once {@link GpujsBackend.destroy} was called. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  #specialsBuf(): GpuBuf {
    this.#specials ??= this.#pool.fromHost(new Float32Array([Infinity, NaN]), 'float32');
    return this.#specials;
  }

  #device(buf: GpuBuf): DeviceValue {
    const s: Store = buf.store;
    if (s.released) throw new Error('gpujs: use of a released buffer.');
    if (s.device !== undefined) return s.device;
    const h = s.host;
    if (h === undefined) throw new Error('gpujs: internal error: a buffer with no data.');
    const f32 = h instanceof Float32Array ? h : Float32Array.from(h);
    this.#uploads++;
    if (!this.textures) {
      this.#pool.setDevice(s, f32, undefined);
    } else {
      const { value, owner } = this.#cache.run({ ...IDENTITY, size: s.size }, [f32]);
      this.#pool.setDevice(s, value, owner);
    }
    return s.device!;
  }

  #download(v: DeviceValue, n: number): Float32Array {
    this.#downloads++;
    if (!isTexture(v)) return v;
    const a = v.toArray();
    if (!(a instanceof Float32Array)) return Float32Array.from(a as ArrayLike<number>).subarray(0, n);
    return a.length === n ? a : a.subarray(0, n);
  }
}
