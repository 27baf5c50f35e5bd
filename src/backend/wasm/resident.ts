/**
 * Resident tensor buffers: typed arrays that are views of the `wasm` backend's shared
 * `WebAssembly.Memory`, so wasm kernels read their operands and write their results in place.
 *
 * ```text
 * block     a 64-byte aligned range of the memory (WasmMemory's first-fit allocator), one view
 *           object per block; `reshape` and other shares hand out that same object
 * owners    counted per block: `retain` per holder, `release` per holder; a block whose count
 *           returns to zero is free (its view stays cached under its exact dtype and length and
 *           is handed to the next request of that dtype and length; a finalized block is kept
 *           by its size in bytes for the next request of that size; a request that would pass
 *           the bound first returns every free block to the allocator, which coalesces them)
 * bound     live + cached bytes ≤ maxBytes: past it a request returns undefined and the caller
 *           uses an ordinary garbage-collected array (the copy path), so a synchronous loop that
 *           never disposes runs in bounded memory
 * backstop  a FinalizationRegistry frees a block whose view became unreachable while still
 *           owned or never owned (late, and never inside a synchronous loop: only a backstop)
 * growth    views of a *shared* memory stay valid when it grows, so nothing is re-derived; a
 *           non-shared memory (a browser page without SharedArrayBuffer) detaches its views on
 *           growth, so there the heap hands out nothing and every kernel copies (the fallback)
 * ```
 * @module
 */
import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { WasmMemory } from './memory.js';
import type { ResidentStats } from './pool.js';

export type { ResidentStats } from './pool.js';

/** Owner count of a block in the free cache. */
const FREE = -1;
/** A block that went back to the allocator (its view must never be used again). */
const GONE = -2;
const ALIGN = 64;

const CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

interface Block {
  /** Byte offset in the memory. */
  readonly off: number;
  /** Bytes reserved (a multiple of 64). */
  readonly bytes: number;
  /** Exact cache key: length × 4 + dtype code. */
  readonly key: number;
  /** Owners (≥ 0), FREE or GONE. */
  n: number;
}

/**
 * Resident blocks of one {@link WasmMemory} (see the module comment).
 * @example
 * ```ts
 * const heap = new ResidentHeap(new WasmMemory(), 64 * 2 ** 20);
 * const a = heap.typed('float32', 1024, true)!; // a view of the wasm memory
 * heap.offsetOf(a);                             // its byte offset, for a kernel
 * heap.retain(a); heap.release(a);              // back to the cache
 * ```
 */
export class ResidentHeap {
  /** Most bytes of live and cached blocks together. */
  maxBytes: number;
  private readonly mem: WasmMemory;
  private readonly blocks = new WeakMap<object, Block>();
  private readonly cache = new Map<number, TypedArray[]>();
  /** Free blocks whose view is gone (finalized, or flushed from the cache), by size in bytes. */
  private readonly spare = new Map<number, number[]>();
  private readonly registry: FinalizationRegistry<Block>;
  private live = 0;
  private cached = 0;
  private reused = 0;
  private created = 0;
  private refused = 0;
  private finalized = 0;
  /** Blocks allocated since {@link ResidentHeap.track} began, or null when not tracking. */
  private tracked: TypedArray[] | null = null;

  /**
   * Creates an empty heap.
   * @param mem - the memory (the heap hands out nothing unless it is shared)
   * @param maxBytes - the bound on live + cached bytes
   */
  constructor(mem: WasmMemory, maxBytes: number) {
    this.mem = mem;
    this.maxBytes = maxBytes;
    this.registry = new FinalizationRegistry((b: Block) => this.lost(b));
  }

  /** Whether this heap can hand out blocks at all (a shared memory). */
  get usable(): boolean { return this.mem.shared; }

  /**
   * A resident array of `size` elements of `dtype`, or undefined when the bound (or the memory's
   * maximum) leaves no room, or the memory is not shared. Not yet owned (count 0).
   * @param dtype - element type
   * @param size - element count
   * @param zero - zero-fill (a reused block holds old data)
   * @returns the view, or undefined
   */
  typed(dtype: DType, size: number, zero: boolean): TypedArray | undefined {
    if (!this.mem.shared) return undefined;
    const key = size * 4 + CODE[dtype];
    const list = this.cache.get(key);
    if (list !== undefined && list.length > 0) {
      const v = list.pop()!;
      const b = this.blocks.get(v)!;
      b.n = 0;
      this.cached -= b.bytes;
      this.live += b.bytes;
      this.reused++;
      if (zero) v.fill(0);
      if (this.tracked !== null) this.tracked.push(v);
      return v;
    }
    const bytes = Math.max(ALIGN, Math.ceil((size * BYTES[dtype]) / ALIGN) * ALIGN);
    let off = this.spare.get(bytes)?.pop();
    if (off !== undefined) this.cached -= bytes;
    else {
      if (this.live + this.cached + bytes > this.maxBytes) {
        this.flush();
        if (this.live + bytes > this.maxBytes) { this.refused++; return undefined; }
      }
      off = this.allocBlock(bytes, dtype, size);
      if (off === undefined) { this.refused++; return undefined; }
    }
    const v = view(this.mem, dtype, off, size);
    if (zero) v.fill(0);
    const b: Block = { off, bytes, key, n: 0 };
    this.blocks.set(v, b);
    this.registry.register(v, b, b);
    this.live += bytes;
    this.created++;
    if (this.tracked !== null) this.tracked.push(v);
    return v;
  }

  /**
   * The byte offset of a resident array, or -1 for any other array.
   * @param v - a typed array
   * @returns the offset of its block, or -1
   */
  offsetOf(v: unknown): number {
    const b = this.blocks.get(v as object);
    return b === undefined || b.n < 0 ? -1 : b.off;
  }

  /**
   * Adds an owner (no-op for arrays that are not resident).
   * @param v - a resident array
   * @returns whether `v` is resident
   * @throws Error when the block is already free (a use after its last release)
   */
  retain(v: unknown): boolean {
    const b = this.blocks.get(v as object);
    if (b === undefined) return false;
    if (b.n < 0) throw new Error('ResidentHeap.retain: block is free (used after its last release)');
    b.n++;
    return true;
  }

  /**
   * Removes an owner; the block is free once none is left. Releasing a block with no owner is
   * a no-op, so no block is ever freed twice.
   * @param v - a resident array
   * @returns whether `v` is resident
   */
  release(v: unknown): boolean {
    const b = this.blocks.get(v as object);
    if (b === undefined) return false;
    if (b.n > 0 && --b.n === 0) this.toCache(v as TypedArray, b);
    return true;
  }

  /**
   * Frees a block no one owns (count 0: a kernel's scratch, or an intermediate no tensor holds).
   * @param v - a resident array, not used afterwards
   * @returns whether `v` is resident
   */
  discard(v: unknown): boolean {
    const b = this.blocks.get(v as object);
    if (b === undefined) return false;
    if (b.n === 0) this.toCache(v as TypedArray, b);
    return true;
  }

  /**
   * The owner count of a resident array.
   * @param v - a typed array
   * @returns the count, -1 while free, or undefined when not resident
   */
  owners(v: unknown): number | undefined {
    const b = this.blocks.get(v as object);
    return b === undefined ? undefined : b.n < 0 ? -1 : b.n;
  }

  /**
   * Runs `f` and frees every block allocated during it that is still unowned and not part of
   * what `f` returns (a kernel's temporaries): one kernel call in eager mode.
   * @param f - the kernel call
   * @returns what `f` returns
   */
  track<R>(f: () => R): R {
    const prev = this.tracked;
    const mine: TypedArray[] = [];
    this.tracked = mine;
    let res: R | undefined;
    try {
      res = f();
      return res;
    } finally {
      this.tracked = prev;
      for (const v of mine) {
        if (v === (res as unknown) || (Array.isArray(res) && res.includes(v))) { if (prev !== null) prev.push(v); continue; }
        this.discard(v);
      }
    }
  }

  /** A block from the allocator (after returning the free blocks to it, if it has no room), or undefined past the memory's maximum. */
  private allocBlock(bytes: number, dtype: DType, size: number): number | undefined {
    try {
      return this.mem.alloc(bytes, ALIGN, `resident ${dtype}[${size}]`);
    } catch {
      this.flush();
      try { return this.mem.alloc(bytes, ALIGN, `resident ${dtype}[${size}]`); } catch { return undefined; }
    }
  }

  /** Returns every free block (cached views and spare blocks) to the allocator. */
  flush(): void {
    for (const list of this.cache.values()) {
      for (const v of list) {
        const b = this.blocks.get(v)!;
        b.n = GONE;
        this.registry.unregister(b);
        this.mem.free(b.off);
      }
    }
    for (const list of this.spare.values()) for (const off of list) this.mem.free(off);
    this.cache.clear();
    this.spare.clear();
    this.cached = 0;
  }

  /** Counters (see {@link ResidentStats}). */
  get stats(): ResidentStats {
    return { reused: this.reused, created: this.created, refused: this.refused, finalized: this.finalized, liveBytes: this.live, cachedBytes: this.cached };
  }

  private toCache(v: TypedArray, b: Block): void {
    b.n = FREE;
    this.live -= b.bytes;
    this.cached += b.bytes;
    let list = this.cache.get(b.key);
    if (list === undefined) this.cache.set(b.key, (list = []));
    list.push(v);
  }

  /** The finalization backstop: `b`'s view is unreachable; free it unless it is cached or gone. */
  private lost(b: Block): void {
    if (b.n < 0) return;
    b.n = GONE;
    this.live -= b.bytes;
    this.cached += b.bytes;
    this.finalized++;
    let list = this.spare.get(b.bytes);
    if (list === undefined) this.spare.set(b.bytes, (list = []));
    list.push(b.off);
  }
}

function view(mem: WasmMemory, dtype: DType, off: number, size: number): TypedArray {
  const buf = mem.u8.buffer; // cached per growth epoch (reading memory.buffer makes a new object each time)
  switch (dtype) {
    case 'float32': return new Float32Array(buf, off, size);
    case 'float64': return new Float64Array(buf, off, size);
    case 'int32': return new Int32Array(buf, off, size);
    case 'bool': return new Uint8Array(buf, off, size);
  }
}
