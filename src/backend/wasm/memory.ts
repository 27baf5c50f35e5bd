/**
 * One `WebAssembly.Memory` for every tensor of the wasm backend, with a small allocator.
 *
 * - The memory is shared (backed by a `SharedArrayBuffer`, usable by worker threads) when the
 *   platform allows it, else an ordinary memory.
 * - Tensors are `(offset, length)` pairs, never views: growing a non-shared memory detaches every
 *   existing view (length 0, silent). Views are cached per growth *epoch* and rebuilt lazily.
 * - The allocator is first-fit over an address-sorted free list with coalescing, over a bump
 *   region that grows the memory on demand. Offset 0..63 is reserved, so 0 is never a valid block.
 * @module
 */

import { CurvaxError } from '../../errors.js';

const PAGE = 65536;
const RESERVED = 64;

/**
 * A wasm memory allocation that cannot be satisfied: past the memory's maximum (4 GiB for 32-bit
 * WebAssembly, less where the platform reserved less) or refused by the system. `op` names the
 * allocation (e.g. `dotGeneral: result f32[128,784,128]`), `received` the bytes requested.
 * @example
 * ```ts
 * try { new WasmMemory({ maximumPages: 4 }).alloc(2 ** 20, 16, 'demo'); }
 * catch (e) { if (e instanceof WasmMemoryLimitError) console.log(e.message); }
 * ```
 */
export class WasmMemoryLimitError extends CurvaxError {}

/**
 * Options for {@link WasmMemory}.
 * @example
 * ```ts
 * new WasmMemory({ initialPages: 64, shared: false });
 * ```
 */
export interface WasmMemoryOptions {
  /** Initial size in 64 KiB pages (default 16 = 1 MiB). */
  readonly initialPages?: number | undefined;
  /** Maximum size in pages (default 65536 = 4 GiB, lowered when the platform refuses). */
  readonly maximumPages?: number | undefined;
  /** `true` forces shared, `false` forces non-shared, `undefined` picks shared when available. */
  readonly shared?: boolean | undefined;
}

/**
 * Whether a shared `WebAssembly.Memory` can be created here (needs `SharedArrayBuffer`, i.e. Node
 * or a cross-origin-isolated page).
 * @returns true when shared memories work
 * @example
 * ```ts
 * if (sharedMemorySupported()) console.log('threads possible');
 * ```
 */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

// Copies go through byte views: on V8 11 (Node 20) `Uint8Array.prototype.set` between a shared
// wasm memory and an ordinary buffer is a memmove, while the Float32Array/Float64Array `set` and
// `slice` take an element-wise path about 10× slower (measured: 16 Ki floats 0.098 ms by slice vs
// 0.0087 ms by bytes; 12.8 Mi floats into a reused array 28.8 ms vs 2.8 ms).
function copyBytes(mem: Uint8Array, offset: number, data: ArrayBufferView): void {
  mem.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
}

function readBytes<T extends ArrayBufferView>(mem: Uint8Array, offset: number, out: T): T {
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(mem.subarray(offset, offset + out.byteLength));
  return out;
}

/** Largest block kept on the quick lists, and the most bytes they hold (beyond: the free list). */
const QUICK_MAX_BLOCK = 1 << 20, QUICK_MAX_BYTES = 16 << 20;

/**
 * A growable wasm memory with an allocator and cached typed-array views.
 * @example
 * ```ts
 * const mem = new WasmMemory();
 * const off = mem.allocF32(new Float32Array([1, 2, 3]));
 * mem.readF32(off, 3); // Float32Array [1, 2, 3]
 * mem.free(off);
 * ```
 */
export class WasmMemory {
  /** The underlying memory, to import into generated modules. */
  readonly memory: WebAssembly.Memory;
  /** Whether {@link WasmMemory.memory} is shared. */
  readonly shared: boolean;
  /** The declared maximum, in pages (what imports must declare for a shared memory). */
  readonly maximumPages: number;
  /** Incremented each time the memory grows; views from an older epoch must not be used. */
  epoch = 0;

  private top = RESERVED;
  /** Size of each block ever handed out by offset; 0 once freed (entries are overwritten, never deleted). */
  private sizes = new Map<number, number>();
  /** Entries of {@link sizes} that are 0; past a bound the map is rebuilt without them. */
  private freedEntries = 0;
  /**
   * Recently freed blocks by exact size (LIFO), handed out again in O(1) to a request of the same
   * size: a program that allocates and frees the same sizes every call (a jitted step's staging
   * blocks) never scans the free list, which the alignment gaps of other work fragment (measured:
   * a tiny-MLP step took 50–65 µs instead of 35 after a natural-gradient run had left the free list
   * long, nearly all of it in `alloc`). Bounded; flushed into the free list (coalescing) only when a
   * request would otherwise grow the memory.
   */
  private readonly quick = new Map<number, number[]>();
  private quickBytes = 0;
  /** Free blocks as parallel arrays sorted by offset. */
  private freeOff: number[] = [];
  private freeLen: number[] = [];
  private viewEpoch = -1;
  private u8View = new Uint8Array(0);
  private f32View = new Float32Array(0);
  private f64View = new Float64Array(0);
  private i32View = new Int32Array(0);

  /**
   * Creates the memory.
   * @param options - sizes and sharing, see {@link WasmMemoryOptions}
   */
  constructor(options: WasmMemoryOptions = {}) {
    const initial = options.initialPages ?? 16;
    const wantShared = options.shared ?? sharedMemorySupported();
    let maximum = Math.max(initial, options.maximumPages ?? 65536);
    let memory: WebAssembly.Memory | undefined;
    while (memory === undefined) {
      try {
        memory = new WebAssembly.Memory({ initial, maximum, shared: wantShared });
      } catch (e) {
        // Some platforms refuse to reserve 4 GiB: retry with a smaller maximum.
        if (maximum <= initial * 4) throw e;
        maximum = Math.floor(maximum / 4);
      }
    }
    this.memory = memory;
    this.maximumPages = maximum;
    this.shared = wantShared;
  }

  /** Current size in bytes. */
  get byteLength(): number { return this.memory.buffer.byteLength; }

  /** Bytes handed out and not yet freed. */
  get bytesInUse(): number {
    let s = 0;
    for (const v of this.sizes.values()) s += v;
    return s;
  }

  /**
   * Allocates a block.
   * @param bytes - requested size (0 is rounded up to 1)
   * @param align - alignment, a power of two ≥ 16 recommended for SIMD (default 16)
   * @param what - what the block is for, named in a {@link WasmMemoryLimitError}
   * @returns the block's byte offset (never 0)
   * @throws {WasmMemoryLimitError} when the memory cannot grow enough
   */
  alloc(bytes: number, align = 16, what = 'wasm memory block'): number {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`alloc: bad size ${bytes}`);
    if (align <= 0 || (align & (align - 1)) !== 0) throw new RangeError(`alloc: align must be a power of two, got ${align}`);
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const quick = this.quick.get(size);
    if (quick !== undefined && quick.length > 0 && quick[quick.length - 1]! % align === 0) {
      const off = quick.pop()!;
      this.quickBytes -= size;
      this.sizes.set(off, size);
      return off;
    }
    const fit = this.firstFit(size, align);
    if (fit >= 0) return fit;
    if (this.quickBytes > 0 && Math.ceil(this.top / align) * align + size > this.byteLength) {
      // before growing: the recently freed blocks back into the free list, coalesced, and retry
      this.flushQuick();
      const again = this.firstFit(size, align);
      if (again >= 0) return again;
    }
    const start = Math.ceil(this.top / align) * align;
    this.ensure(start + size, what, bytes);
    if (start > this.top) this.insertFree(this.top, start - this.top);
    this.top = start + size;
    this.sizes.set(start, size);
    return start;
  }

  /** First fit in the free list (splitting the block), or −1. */
  private firstFit(size: number, align: number): number {
    for (let i = 0; i < this.freeOff.length; i++) {
      const off = this.freeOff[i] as number;
      const len = this.freeLen[i] as number;
      if (len < size) continue;
      const start = Math.ceil(off / align) * align;
      const end = start + size;
      if (end > off + len) continue;
      // Split: keep the head (alignment gap) and the tail as free blocks.
      this.freeOff.splice(i, 1);
      this.freeLen.splice(i, 1);
      if (end < off + len) this.insertFree(end, off + len - end);
      if (start > off) this.insertFree(off, start - off);
      this.sizes.set(start, size);
      return start;
    }
    return -1;
  }

  /** Moves every block of the quick lists into the free list (coalescing). */
  private flushQuick(): void {
    for (const [size, list] of this.quick) for (const off of list) this.insertFree(off, size);
    this.quick.clear();
    this.quickBytes = 0;
  }

  /**
   * Frees a block returned by {@link WasmMemory.alloc}.
   * @param offset - the block's offset
   */
  free(offset: number): void {
    const size = this.sizes.get(offset);
    if (size === undefined || size === 0) throw new Error(`free: ${offset} is not an allocated block`);
    this.sizes.set(offset, 0); // 0 = free: a delete per free makes V8 rehash a large Map (~2.8 µs per set + delete at 2 K entries, 0.02 µs this way)
    if (++this.freedEntries > 65_536) {
      const live = new Map<number, number>();
      for (const [o, n] of this.sizes) if (n > 0) live.set(o, n);
      this.sizes = live;
      this.freedEntries = 0;
    }
    if (size <= QUICK_MAX_BLOCK && this.quickBytes + size <= QUICK_MAX_BYTES) {
      let list = this.quick.get(size);
      if (list === undefined) this.quick.set(size, (list = []));
      list.push(offset);
      this.quickBytes += size;
      return;
    }
    this.insertFree(offset, size);
  }

  /**
   * Size of an allocated block (rounded up to 16 bytes).
   * @param offset - the block's offset
   * @returns its size in bytes, or undefined when not allocated
   */
  sizeOf(offset: number): number | undefined { return this.sizes.get(offset) || undefined; }

  /**
   * Grows the memory so that `[0, end)` is addressable. Bumps {@link WasmMemory.epoch} on growth.
   * Nothing changes when it throws.
   * @param end - byte address that must be in bounds
   * @param what - what needs the room, named in the error
   * @param bytes - the size of that request, named in the error
   * @throws {WasmMemoryLimitError} past the maximum, or when the system refuses to grow
   */
  ensure(end: number, what = 'wasm memory', bytes = end): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const need = Math.ceil((end - have) / PAGE);
    const pages = Math.max(need, Math.ceil(have / PAGE / 2)); // grow by ≥ 1.5x to amortise
    const max = this.maximumPages - have / PAGE;
    const fail = (why: string): WasmMemoryLimitError => new WasmMemoryLimitError(
      `${what}: cannot allocate ${bytes} bytes of wasm memory (${have} in use of at most ${this.maximumPages * PAGE}): ${why}. Split the work into smaller batches, or use the 'js' backend for arrays this large.`,
      { op: what, argument: 'bytes', expected: `at most ${this.maximumPages * PAGE - have} more bytes`, received: `${bytes} bytes` },
    );
    if (need > max) throw fail('past the memory maximum (4 GiB for 32-bit WebAssembly, or what the platform reserved)');
    try {
      this.memory.grow(Math.min(pages, max));
    } catch (e) {
      if (pages <= need) throw fail(`the system refused to grow the memory (${String(e)})`);
      try { this.memory.grow(need); } catch (e2) { throw fail(`the system refused to grow the memory (${String(e2)})`); }
    }
    this.epoch++;
  }

  private insertFree(off: number, len: number): void {
    // Binary search for the insertion point, then coalesce with neighbours.
    let lo = 0;
    let hi = this.freeOff.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.freeOff[mid] as number) < off) lo = mid + 1; else hi = mid;
    }
    let start = off;
    let end = off + len;
    let from = lo;
    let to = lo;
    if (lo > 0 && (this.freeOff[lo - 1] as number) + (this.freeLen[lo - 1] as number) === start) {
      from = lo - 1;
      start = this.freeOff[lo - 1] as number;
    }
    if (lo < this.freeOff.length && this.freeOff[lo] === end) {
      end += this.freeLen[lo] as number;
      to = lo + 1;
    }
    if (end === this.top) { // give the last block back to the bump region
      this.top = start;
      this.freeOff.splice(from, to - from);
      this.freeLen.splice(from, to - from);
      return;
    }
    this.freeOff.splice(from, to - from, start);
    this.freeLen.splice(from, to - from, end - start);
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    this.u8View = new Uint8Array(buf);
    this.f32View = new Float32Array(buf);
    this.f64View = new Float64Array(buf);
    this.i32View = new Int32Array(buf);
    this.viewEpoch = this.epoch;
  }

  /** Whole-memory byte view for the current epoch. */
  get u8(): Uint8Array { if (this.viewEpoch !== this.epoch) this.refresh(); return this.u8View; }
  /** Whole-memory float32 view for the current epoch (index = byte offset / 4). */
  get f32(): Float32Array { if (this.viewEpoch !== this.epoch) this.refresh(); return this.f32View; }
  /** Whole-memory float64 view for the current epoch (index = byte offset / 8). */
  get f64(): Float64Array { if (this.viewEpoch !== this.epoch) this.refresh(); return this.f64View; }
  /** Whole-memory int32 view for the current epoch (index = byte offset / 4). */
  get i32(): Int32Array { if (this.viewEpoch !== this.epoch) this.refresh(); return this.i32View; }

  /**
   * Forces the cached views to be rebuilt (needed only if something else grew the memory).
   */
  sync(): void { this.viewEpoch = -1; this.refresh(); }

  /**
   * Copies float32 data into memory at `offset`.
   * @param offset - destination byte offset (4-byte aligned)
   * @param data - the values
   */
  writeF32(offset: number, data: ArrayLike<number>): void {
    const v = this.f32;
    if (data instanceof Float32Array) copyBytes(this.u8, offset, data);
    else for (let i = 0; i < data.length; i++) v[(offset >> 2) + i] = data[i] as number;
  }

  /**
   * Copies float64 data into memory at `offset`.
   * @param offset - destination byte offset (8-byte aligned)
   * @param data - the values
   */
  writeF64(offset: number, data: ArrayLike<number>): void {
    const v = this.f64;
    if (data instanceof Float64Array) copyBytes(this.u8, offset, data);
    else for (let i = 0; i < data.length; i++) v[(offset >> 3) + i] = data[i] as number;
  }

  /**
   * Copies the bytes of any typed array into memory at `offset` (a pure byte move).
   * @param offset - destination byte offset
   * @param data - the array (its view only, honouring `byteOffset`)
   */
  writeBytes(offset: number, data: ArrayBufferView): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + data.byteLength > this.byteLength) throw new RangeError(`writeBytes: [${offset}, +${data.byteLength}) outside memory`);
    copyBytes(this.u8, offset, data);
  }

  /**
   * Fills a typed array with the bytes at `offset` (a pure byte move).
   * @param offset - source byte offset
   * @param out - the destination array
   * @returns `out`
   */
  readBytes<T extends ArrayBufferView>(offset: number, out: T): T {
    if (!Number.isInteger(offset) || offset < 0 || offset + out.byteLength > this.byteLength) throw new RangeError(`readBytes: [${offset}, +${out.byteLength}) outside memory`);
    return readBytes(this.u8, offset, out);
  }

  /**
   * Copies `length` float32 values out of memory.
   * @param offset - source byte offset
   * @param length - number of elements
   * @returns a fresh Float32Array (not a view)
   */
  readF32(offset: number, length: number): Float32Array { return readBytes(this.u8, offset, new Float32Array(length)); }

  /**
   * Copies `length` float64 values out of memory.
   * @param offset - source byte offset
   * @param length - number of elements
   * @returns a fresh Float64Array (not a view)
   */
  readF64(offset: number, length: number): Float64Array { return readBytes(this.u8, offset, new Float64Array(length)); }

  /**
   * Allocates a block and copies float32 data into it.
   * @param data - the values
   * @returns the block's offset
   */
  allocF32(data: ArrayLike<number>): number {
    const off = this.alloc(data.length * 4);
    this.writeF32(off, data);
    return off;
  }

  /**
   * Allocates a block and copies float64 data into it.
   * @param data - the values
   * @returns the block's offset
   */
  allocF64(data: ArrayLike<number>): number {
    const off = this.alloc(data.length * 8);
    this.writeF64(off, data);
    return off;
  }
}
