/**
 * A recycling pool of `ArrayBuffer`s for the `wasm` backend's tensor buffers.
 *
 * Why: on Linux, glibc returns freed large blocks to the OS, so every fresh megabyte a kernel
 * writes costs page faults (~2.7 ms/MB measured on the project VMs, against ~0.05 ms/MB to
 * rewrite memory already faulted in). The pool keeps the `ArrayBuffer`s of disposed tensors and
 * hands them to the next kernel output of a similar size.
 *
 * Ownership is counted per `ArrayBuffer` (views such as `reshape` share one): every holder
 * calls {@link BufferPool.retain} once and {@link BufferPool.release} once; a buffer whose count
 * returns to zero goes back to the free lists. A buffer taken from the pool and never retained
 * (a kernel's scratch array, a tensor that is never disposed) is simply garbage-collected: the
 * pool holds strong references to *free* buffers only, so a loop that never disposes runs in
 * memory bounded by the garbage collector, exactly as without a pool. No finalizers are needed
 * (and none would help inside a synchronous loop, where they never run).
 *
 * Free buffers are kept per size class (8 classes per power of two, so at most 12.5 % slack) up
 * to {@link PoolOptions.maxFreeBytes}; buffers released beyond it are dropped to the GC.
 * @module
 */
import { swapAllocator, type DType, type TypedArray } from '../../tensor/dtype.js';

/**
 * Settings of a {@link BufferPool}.
 * @example
 * ```ts
 * const pool = new BufferPool({ maxFreeBytes: 64 * 2 ** 20 });
 * ```
 */
export interface PoolOptions {
  /** Buffers smaller than this many bytes are not pooled (ordinary allocations). Default 16 KiB. */
  readonly minBytes?: number | undefined;
  /** Most bytes kept in free lists; releases beyond it are dropped to the GC. Default 256 MiB. */
  readonly maxFreeBytes?: number | undefined;
}

/** Counters of a {@link BufferPool}, for tests and benchmarks. */
export interface PoolStats {
  /** Buffers served from a free list. */
  readonly reused: number;
  /** Buffers created because no free one fitted. */
  readonly created: number;
  /** Buffers returned to a free list. */
  readonly recycled: number;
  /** Buffers released while the free lists were full (left to the GC). */
  readonly dropped: number;
  /** Bytes currently held in free lists. */
  readonly freeBytes: number;
}

/**
 * Counters of the `wasm` backend's resident heap (`resident.ts`), for tests and benchmarks. Declared here, with
 * {@link PoolStats}, so that the backend's public types never reference `WebAssembly` types.
 * @example
 * ```ts
 * const s: ResidentStats = heap.stats; s.liveBytes;
 * ```
 */
export interface ResidentStats {
  /** Blocks handed out from the exact-size cache. */
  readonly reused: number;
  /** Blocks taken from the allocator. */
  readonly created: number;
  /** Requests refused because of the bound (the caller used an ordinary array). */
  readonly refused: number;
  /** Blocks freed by the finalization backstop. */
  readonly finalized: number;
  /** Bytes of blocks handed out and not free. */
  readonly liveBytes: number;
  /** Bytes of free blocks kept in the cache. */
  readonly cachedBytes: number;
}

/** State of a pooled buffer: `FREE` in a free list, else its number of owners (≥ 0). */
const FREE = -1;

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * The byte size of the class `bytes` falls in: rounded up to 1/8 of its power of two.
 * @param bytes - a requested size (> 0)
 * @returns the class size, ≥ bytes and < 1.125 × bytes + 8
 * @example
 * ```ts
 * sizeClass(100_000); // 106496
 * ```
 */
export function sizeClass(bytes: number): number {
  const step = 2 ** Math.max(3, Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

/**
 * A pool of reusable `ArrayBuffer`s with per-buffer owner counts.
 * @example
 * ```ts
 * const pool = new BufferPool();
 * const a = pool.typed('float32', 1 << 16, true); // zeroed, from a fresh buffer
 * pool.retain(a);
 * pool.release(a);                                // back to the free list
 * const b = pool.typed('float32', 1 << 16, true); // same memory, zeroed again
 * ```
 */
export class BufferPool {
  /** Buffers smaller than this are not pooled. */
  readonly minBytes: number;
  /** Most bytes kept in free lists. */
  maxFreeBytes: number;
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly state = new WeakMap<ArrayBuffer, number>();
  private freeBytes = 0;
  private reused = 0;
  private created = 0;
  private recycled = 0;
  private dropped = 0;

  /**
   * Creates an empty pool.
   * @param options - see {@link PoolOptions}
   */
  constructor(options: PoolOptions = {}) {
    this.minBytes = options.minBytes ?? 16_384;
    this.maxFreeBytes = options.maxFreeBytes ?? 256 * 2 ** 20;
  }

  /**
   * A typed array of `size` elements of `dtype`, on a recycled buffer when one of its class is
   * free, else on a new pooled buffer; below {@link BufferPool.minBytes}, an ordinary array.
   * @param dtype - the element type
   * @param size - number of elements
   * @param zero - whether a recycled buffer must be zero-filled (new buffers always are)
   * @returns the array (not yet owned: call {@link BufferPool.retain} to keep it past a release cycle)
   */
  typed(dtype: DType, size: number, zero: boolean): TypedArray {
    const bytes = size * BYTES[dtype];
    const C = CTORS[dtype];
    if (bytes < this.minBytes) return small !== null ? small(dtype, size, zero) : new C(size);
    const cls = sizeClass(bytes);
    const list = this.free.get(cls);
    const ab = list?.pop();
    if (ab !== undefined) {
      this.freeBytes -= cls;
      this.state.set(ab, 0);
      this.reused++;
      const out = new C(ab, 0, size);
      if (zero) out.fill(0);
      return out;
    }
    const fresh = new ArrayBuffer(cls);
    this.state.set(fresh, 0);
    this.created++;
    return new C(fresh, 0, size);
  }

  /**
   * Adds an owner to the buffer behind `view` (no-op for buffers the pool did not create).
   * @param view - a typed array on a pooled buffer
   */
  retain(view: ArrayBufferView): void {
    // A pooled buffer's views span at least minBytes (typed() makes them so; reshape shares the
    // view): smaller views are not the pool's, and reading `.buffer` of a small on-heap array
    // would make V8 allocate one.
    if (view.byteLength < this.minBytes) return;
    const ab = view.buffer;
    if (ab.byteLength < this.minBytes) return;
    const s = this.state.get(ab as ArrayBuffer);
    if (s === undefined) return;
    if (s === FREE) throw new Error('BufferPool.retain: buffer is in the free list (used after its last release)');
    this.state.set(ab as ArrayBuffer, s + 1);
  }

  /**
   * Removes an owner from the buffer behind `view`; with no owner left, the buffer returns to
   * its free list (or to the GC when the lists are full). Releasing a buffer that has no owner
   * is a no-op, so a buffer can never enter a free list twice.
   * @param view - a typed array on a pooled buffer
   */
  release(view: ArrayBufferView): void {
    if (view.byteLength < this.minBytes) return; // see retain
    const ab = view.buffer as ArrayBuffer;
    if (ab.byteLength < this.minBytes) return;
    const s = this.state.get(ab);
    if (s === undefined || s <= 0) return;
    if (s > 1) {
      this.state.set(ab, s - 1);
      return;
    }
    const cls = ab.byteLength;
    if (this.freeBytes + cls > this.maxFreeBytes) {
      this.state.delete(ab);
      this.dropped++;
      return;
    }
    this.state.set(ab, FREE);
    let list = this.free.get(cls);
    if (list === undefined) this.free.set(cls, (list = []));
    list.push(ab);
    this.freeBytes += cls;
    this.recycled++;
  }

  /** `typed(dtype, size, true)` as a bound function (the allocator installed by {@link withPool}). */
  readonly zeroed = (dtype: DType, size: number): TypedArray => this.typed(dtype, size, true);

  /**
   * Returns a buffer that no one owns (taken by {@link BufferPool.typed} and never retained, or
   * retained and released down to zero) to its free list; a no-op otherwise.
   * @param view - a typed array on that buffer, not used afterwards
   */
  discard(view: ArrayBufferView): void {
    if (view.byteLength < this.minBytes) return; // see retain
    const ab = view.buffer as ArrayBuffer;
    if (ab.byteLength < this.minBytes || this.state.get(ab) !== 0) return;
    this.state.set(ab, 1);
    this.release(view);
  }

  /**
   * The owner count of the buffer behind `view`.
   * @param view - a typed array
   * @returns the count, `-1` while in a free list, or undefined when the pool does not know the buffer
   */
  owners(view: ArrayBufferView): number | undefined {
    return this.state.get(view.buffer as ArrayBuffer);
  }

  /** Drops every free buffer (to the GC). */
  clear(): void {
    for (const list of this.free.values()) for (const ab of list) this.state.delete(ab);
    this.free.clear();
    this.freeBytes = 0;
  }

  /** Counters since creation. */
  get stats(): PoolStats {
    return { reused: this.reused, created: this.created, recycled: this.recycled, dropped: this.dropped, freeBytes: this.freeBytes };
  }
}

/**
 * Where kernel outputs come from during one kernel call: a {@link BufferPool}, or the `wasm`
 * backend's resident heap (with the pool behind it).
 * @example
 * ```ts
 * const src: OutputSource = new BufferPool();
 * ```
 */
export interface OutputSource {
  /** An array of `size` elements of `dtype`, zero-filled when `zero`. */
  typed(dtype: DType, size: number, zero: boolean): TypedArray;
  /** Gives back an array that no one owns (a kernel's scratch). */
  discard(view: ArrayBufferView): void;
  /** `typed(dtype, size, true)` as a bound function (the `allocTyped` allocator while installed). */
  readonly zeroed: (dtype: DType, size: number) => TypedArray;
}

/** The source serving kernel outputs during the current kernel call, if any. */
let active: OutputSource | null = null;

/** Where arrays below a pool's minimum (and {@link outputArray}s outside a pooled call) come from, if set. */
let small: ((dtype: DType, size: number, zero: boolean) => TypedArray) | null = null;

/**
 * @internal Installs the allocator for small arrays (below a pool's minimum size) and for
 * {@link outputArray}s requested outside a pooled kernel call (`jit`'s executables install their
 * arena while they run); null restores plain allocation. Returns the previous one.
 * @param a - `(dtype, size, zero) => array`, zero-filled when `zero`
 * @returns the previous allocator
 */
export function swapSmallAllocator(a: ((dtype: DType, size: number, zero: boolean) => TypedArray) | null): ((dtype: DType, size: number, zero: boolean) => TypedArray) | null {
  const prev = small;
  small = a;
  return prev;
}

/** @internal Whether an allocator for small arrays is installed (a `jit` executable's arena is running). */
export function hasSmallAllocator(): boolean {
  return small !== null;
}

/**
 * @internal Runs `f` with `pool` (a {@link BufferPool} or another {@link OutputSource}) serving every kernel output: `allocTyped` (zeroed arrays, used
 * by the reference kernels) and {@link outputArray} (arrays the caller overwrites entirely).
 * @param pool - the pool
 * @param f - the kernel call
 * @returns what `f` returns
 */
export function withPool<R>(pool: OutputSource, f: () => R): R {
  const prevPool = active;
  const prevAlloc = swapAllocator(pool.zeroed);
  active = pool;
  try {
    return f();
  } finally {
    active = prevPool;
    swapAllocator(prevAlloc);
  }
}

/**
 * A typed array the caller will overwrite entirely (a result read out of wasm memory): from the
 * active pool without zero-filling during a pooled kernel call, else a new array.
 * @param dtype - the element type
 * @param size - number of elements
 * @returns the array
 * @example
 * ```ts
 * const out = outputArray('float32', n); // then fill every element
 * ```
 */
export function outputArray(dtype: DType, size: number): TypedArray {
  return active !== null ? active.typed(dtype, size, false) : small !== null ? small(dtype, size, false) : new CTORS[dtype](size);
}

/**
 * Gives back a scratch array taken from the active pool that no tensor owns (e.g. an operand
 * re-laid out for a kernel): its buffer returns to the free lists at once.
 * @param view - the scratch array, not used afterwards
 * @example
 * ```ts
 * const tmp = outputArray('float32', n); // ... copy into wasm memory ...
 * discardScratch(tmp);
 * ```
 */
export function discardScratch(view: ArrayBufferView): void {
  active?.discard(view);
}
