/**
 * Buffer lifetime for the gpujs backend: reference-counted stores, explicit `dispose`,
 * texture deletion and a `FinalizationRegistry` safety net.
 *
 * A {@link GpuBuf} is the handle a tensor holds. Several handles may share one {@link Store}
 * (a `reshape` or a bool→float32 `cast` is a new handle on the same data), so the store counts
 * its handles and frees its texture when the last one goes. A store holds the data on the
 * device (a gpu.js texture in GL modes, a `Float32Array` in `cpu`/`webasm`), on the host (a
 * typed array of the tensor's dtype), or both (a read caches the host copy; tensors are
 * immutable, so the copies never diverge). In GL modes a dropped texture leaks about 16 MiB per
 * million floats until it is deleted, hence the registry: a handle garbage-collected without
 * `dispose` still releases its store, and {@link TexturePool.stats} counts those as
 * `finalized` so tests can tell.
 * @module
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { isTexture, type DeviceValue } from './gpu-types.js';

/**
 * Anything that produced a device value and must outlive it (a compiled kernel in GL modes).
 * @example
 * ```ts
 * const owner: Owner = { live: 0 };
 * ```
 */
export interface Owner {
  /** Device values of this owner still alive. */
  live: number;
}

/**
 * The data behind one or more handles: a device copy, a host copy, or both.
 * @example
 * ```ts
 * const s = new Store(6); s.host = new Float32Array(6);
 * ```
 */
export class Store {
  /** Handles sharing this store. */
  refs = 0;
  /** Device copy (float32 values), if any. */
  device: DeviceValue | undefined;
  /** Host copy, if any, with its dtype. */
  host: TypedArray | undefined;
  /** The dtype of {@link Store.host}. */
  hostDtype: DType | undefined;
  /** The compiled kernel whose texture this is (GL modes: kernels are kept alive while it lives). */
  owner: Owner | undefined;
  /** True once freed. */
  released = false;
  /** Number of elements. */
  readonly size: number;
  constructor(size: number) {
    this.size = size;
  }
}

/**
 * The buffer handle of the gpujs backend (what a tensor holds).
 * @example
 * ```ts
 * const b: GpuBuf = pool.fromHost(new Float32Array([1, 2]), 'float32');
 * ```
 */
export class GpuBuf {
  /** The shared data. */
  readonly store: Store;
  /** True after `dispose`. */
  disposed = false;
  constructor(store: Store) {
    this.store = store;
  }
}

/**
 * Counters for leak tests and diagnostics.
 * @example
 * ```ts
 * pool.stats().liveTextures; // 0 after every buffer is disposed
 * ```
 */
export interface PoolStats {
  /** Stores not yet released. */
  readonly liveStores: number;
  /** Live device values (GL textures or device `Float32Array`s). */
  readonly liveDevice: number;
  /** Live GL textures (0 in `cpu`/`webasm`). */
  readonly liveTextures: number;
  /** Stores released by the `FinalizationRegistry` (a handle was dropped without `dispose`). */
  readonly finalized: number;
  /** Textures deleted so far. */
  readonly texturesDeleted: number;
}

type Registry = { register(target: object, held: Store, token: object): void; unregister(token: object): void };

/**
 * Owns every store of one backend instance and frees their device memory.
 * @example
 * ```ts
 * const pool = new TexturePool();
 * const b = pool.fromHost(new Float32Array([1]), 'float32');
 * pool.dispose(b);
 * ```
 */
export class TexturePool {
  #liveStores = 0;
  #liveDevice = 0;
  #liveTextures = 0;
  #finalized = 0;
  #deleted = 0;
  readonly #registry: Registry | undefined;

  constructor() {
    const FR = (globalThis as { FinalizationRegistry?: new (cb: (s: Store) => void) => Registry }).FinalizationRegistry;
    this.#registry = FR === undefined ? undefined : new FR((s: Store) => {
      this.#finalized++;
      this.#unref(s);
    });
  }

  /** A new store with a host copy. */
  fromHost(data: TypedArray, dtype: DType): GpuBuf {
    const s = new Store(data.length);
    s.host = data;
    s.hostDtype = dtype;
    return this.#adopt(s);
  }

  /** A new store with a device value produced by `owner`. */
  fromDevice(value: DeviceValue, size: number, owner: Owner | undefined): GpuBuf {
    const s = new Store(size);
    this.setDevice(s, value, owner);
    return this.#adopt(s);
  }

  /** Another handle on the same store (reshape, bit-identical casts). */
  share(buf: GpuBuf): GpuBuf {
    return this.#handle(buf.store);
  }

  /** Attaches a device value to a store (after an upload). */
  setDevice(s: Store, value: DeviceValue, owner: Owner | undefined): void {
    s.device = value;
    s.owner = owner;
    if (owner !== undefined) owner.live++;
    this.#liveDevice++;
    if (isTexture(value)) this.#liveTextures++;
  }

  /** Releases a handle (idempotent); the store is freed with its last handle. */
  dispose(buf: GpuBuf): void {
    if (buf.disposed) return;
    buf.disposed = true;
    this.#registry?.unregister(buf);
    this.#unref(buf.store);
  }

  /** Current counters. */
  stats(): PoolStats {
    return {
      liveStores: this.#liveStores, liveDevice: this.#liveDevice, liveTextures: this.#liveTextures,
      finalized: this.#finalized, texturesDeleted: this.#deleted,
    };
  }

  #adopt(s: Store): GpuBuf {
    this.#liveStores++;
    return this.#handle(s);
  }

  #handle(s: Store): GpuBuf {
    s.refs++;
    const b = new GpuBuf(s);
    this.#registry?.register(b, s, b);
    return b;
  }

  #unref(s: Store): void {
    if (s.released || --s.refs > 0) return;
    s.released = true;
    this.#liveStores--;
    const d = s.device;
    if (d !== undefined) {
      this.#liveDevice--;
      if (isTexture(d)) {
        this.#liveTextures--;
        this.#deleted++;
        d.delete();
      }
      if (s.owner !== undefined) s.owner.live--;
    }
    s.device = undefined;
    s.host = undefined;
    s.owner = undefined;
  }
}
