/**
 * Recycled small buffers for `jit`'s executables.
 *
 * ```text
 * why      a fresh typed array costs an off-heap allocation (~0.5–1 µs) plus garbage-collection
 *          work; a small jitted step makes dozens per call (its kernels' results)
 * what     while an executable runs, kernel allocations below 16 KiB come from this arena's
 *          free lists (exact dtype and length); an intermediate whose last reader has run goes
 *          back to them, and is handed to a later step of this call or of the next call
 * owners   counted per array object: one per register holding it (a kernel that returns its
 *          operand, like `reshape`, adds one); arrays that become outputs are forgotten when
 *          the call ends (the output tensors own them), arrays never held by a register (kernel
 *          scratch) go back to the free lists then
 * ```
 * Larger buffers are left to the backend (the `wasm` backend's pool recycles them), unless the
 * backend gives an {@link ArenaSource} that keeps every size (the `wasm` backend with resident
 * buffers: then every intermediate is a block of wasm memory recycled by the arena). Only
 * backends whose buffers are the typed arrays their kernels allocate use an arena
 * ({@link Backend.typedArrayBuffers}); such kernels must return either arrays they allocated
 * through `allocTyped`/`outputArray` or an operand array itself, never another view of one.
 * @module
 */
import type { DType, TypedArray } from '../tensor/dtype.js';

/** Buffers of at least this many bytes are not kept (the backend's own pool handles those). */
const MAX_BYTES = 16_384;
/** Typed arrays up to this many bytes live on V8's JS heap (no backing store to allocate). */
const ON_HEAP_BYTES = 64;

const CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function fresh(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

/**
 * @internal Where a backend's arena takes new arrays from (the `wasm` backend's resident heap),
 * found on the backend object under {@link ARENA_SOURCE}.
 */
export interface ArenaSource {
  /** A new array of `size` elements of `dtype` (zero-filled when `zero`). */
  fresh(dtype: DType, size: number, zero: boolean): TypedArray;
  /** Whether the arena keeps arrays of every size (else only below 16 KiB). */
  readonly keepsLarge: boolean;
}

/** @internal The key of a backend's optional {@link ArenaSource}. */
export const ARENA_SOURCE: unique symbol = Symbol('curvax.arenaSource');

/** @internal A backend that may carry an {@link ArenaSource}. */
export interface ArenaHost { readonly [ARENA_SOURCE]?: ArenaSource | undefined }

/** A view of `slab` at byte `at` with `a`'s element type and length. */
function viewOf(a: TypedArray, slab: ArrayBuffer, at: number): TypedArray {
  if (a instanceof Float32Array) return new Float32Array(slab, at, a.length);
  if (a instanceof Float64Array) return new Float64Array(slab, at, a.length);
  if (a instanceof Int32Array) return new Int32Array(slab, at, a.length);
  return new Uint8Array(slab, at, a.length);
}

/** @internal An executable's small-buffer free lists and this call's owner counts (see the module comment). */
export class Arena {
  private readonly free = new Map<number, TypedArray[]>();
  private readonly live = new Map<TypedArray, number>();
  private readonly keyOf = new Map<TypedArray, number>();
  private readonly source: ArenaSource | undefined;
  /** Arrays handed back to the free lists since creation (for tests). */
  recycled = 0;

  /** @param source - where new arrays come from (default: ordinary typed arrays, below 16 KiB only) */
  constructor(source?: ArenaSource) {
    this.source = source;
  }

  /** An array of `size` elements of `dtype`: recycled (zero-filled when `zero`) or new. */
  take(dtype: DType, size: number, zero: boolean): TypedArray {
    const bytes = size * BYTES[dtype];
    const src = this.source;
    if (size === 0 || (bytes >= MAX_BYTES && (src === undefined || !src.keepsLarge))) return fresh(dtype, size);
    const key = size * 4 + CODE[dtype];
    const list = this.free.get(key);
    let a = list === undefined ? undefined : list.pop();
    if (a === undefined) {
      a = src === undefined ? fresh(dtype, size) : src.fresh(dtype, size, zero);
      this.keyOf.set(a, key);
    } else if (zero) a.fill(0);
    this.live.set(a, 0);
    return a;
  }

  /** `take(dtype, size, true)` as a bound function (the `allocTyped` allocator while running). */
  readonly zeroed = (dtype: DType, size: number): TypedArray => this.take(dtype, size, true);

  /** A register now holds `buf`. */
  own(buf: unknown): void {
    const n = this.live.get(buf as TypedArray);
    if (n !== undefined) this.live.set(buf as TypedArray, n + 1);
  }

  /**
   * A register holding `buf` is done with it. Returns true when `buf` is the arena's (the caller
   * must then not dispose it): it goes back to the free lists once no register holds it.
   */
  drop(buf: unknown): boolean {
    const a = buf as TypedArray;
    const n = this.live.get(a);
    if (n === undefined) return false;
    if (n > 1) { this.live.set(a, n - 1); return true; }
    this.live.delete(a);
    const key = this.keyOf.get(a)!;
    let list = this.free.get(key);
    if (list === undefined) this.free.set(key, (list = []));
    list.push(a);
    this.recycled++;
    return true;
  }

  /**
   * Moves this call's small outputs out of the arena (in place in `vals`): each small array of
   * the arena is copied into a view of one new `ArrayBuffer` shared by all of them (arrays of at
   * most 64 bytes into arrays of their own, which V8 keeps on its heap), and the arena's array
   * goes back to its free lists. One allocation per call instead of one per output
   * (a fresh off-heap typed array costs ~0.5–1 µs; a copy of a few hundred bytes ~0.05 µs).
   * Large outputs (resident blocks) and arrays that are not the arena's are left as they are.
   * @param vals - the output buffers; an array appearing twice becomes one copy
   */
  detach(vals: unknown[]): void {
    let total = 0;
    for (let i = 0; i < vals.length; i++) {
      const a = vals[i] as TypedArray;
      if (this.live.has(a) && a.byteLength > ON_HEAP_BYTES && a.byteLength < MAX_BYTES) total += (a.byteLength + 7) & ~7;
    }
    const slab = total === 0 ? undefined : new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < vals.length; i++) {
      const a = vals[i] as TypedArray;
      if (a.byteLength >= MAX_BYTES || !this.live.has(a)) continue;
      let c: TypedArray;
      if (a.byteLength <= ON_HEAP_BYTES) {
        // tiny: an array of its own (V8 keeps these on the JS heap, no backing store to allocate)
        c = fresh(a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : 'bool', a.length);
        for (let k = 0; k < a.length; k++) c[k] = a[k]!;
      } else {
        c = viewOf(a, slab!.buffer, at);
        // by bytes: a typed `set` from a view of a shared (wasm) memory takes an element-wise path
        slab!.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
        at += (a.byteLength + 7) & ~7;
      }
      for (let j = i; j < vals.length; j++) if (vals[j] === a) vals[j] = c;
      this.live.delete(a);
      const key = this.keyOf.get(a)!;
      let list = this.free.get(key);
      if (list === undefined) this.free.set(key, (list = []));
      list.push(a);
    }
  }

  /**
   * The call is over: arrays still held by a register (outputs) are no longer the arena's; arrays
   * never held by one (a kernel's scratch) go back to the free lists.
   */
  endCall(): void {
    for (const [a, n] of this.live) {
      if (n > 0) { this.keyOf.delete(a); continue; }
      const key = this.keyOf.get(a)!;
      let list = this.free.get(key);
      if (list === undefined) this.free.set(key, (list = []));
      list.push(a);
    }
    this.live.clear();
  }
}
