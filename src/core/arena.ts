/**
 * Recycled small buffers for `jit`'s executables.
 *
 * ```text
 * why      a fresh typed array costs an off-heap allocation (~0.5–2 µs) plus garbage-collection
 *          work; a small jitted step makes dozens per call (its kernels' results)
 * what     while an executable runs, kernel allocations below 16 KiB come from this arena's
 *          free lists (exact dtype and length); an intermediate whose last reader has run goes
 *          back to them, and is handed to a later step of this call or of the next call
 * slots    every array the arena hands out has a slot (its owner count); the executable finds
 *          a step's results among the arrays taken during that step ({@link Arena.claim}) and
 *          keeps the slot per register, so holding and dropping a buffer is a field update,
 *          not a map lookup; arrays taken during a step and not returned by it (kernel
 *          scratch) go back to the free lists when the step ends ({@link Arena.sweep})
 * outputs  small results leave as copies ({@link Arena.leave}): arrays of at most 64 bytes as
 *          arrays of their own (V8 keeps those on its heap), larger ones as views of a shared
 *          output chunk, sized for several calls' outputs, so most calls allocate nothing;
 *          the arena's array goes back to the free lists. Large results (resident blocks)
 *          leave as they are and are forgotten by the arena (the output tensor owns them)
 * ```
 * Larger buffers are left to the backend (the `wasm` backend's pool recycles them), unless the
 * backend gives an {@link ArenaSource} that keeps every size (the `wasm` backend with resident
 * buffers: then every intermediate is a block of wasm memory recycled by the arena). Only
 * backends whose buffers are the typed arrays their kernels allocate use an arena
 * ({@link Backend.typedArrayBuffers}); such kernels must return either arrays they allocated
 * through `allocTyped`/`outputArray` or an operand array itself, never another view of one,
 * and must not keep an array they allocated past their return unless they return it.
 *
 * A small output copied into a chunk keeps that chunk alive while it lives: at most
 * {@link CHUNK_CALLS} calls' worth of the executable's small outputs, and at most 64 KiB unless
 * one call's small outputs need more.
 * @module
 */
import type { DType, TypedArray } from '../tensor/dtype.js';

/** Buffers of at least this many bytes are not kept (the backend's own pool handles those). */
const MAX_BYTES = 16_384;
/** Typed arrays up to this many bytes live on V8's JS heap (no backing store to allocate). */
const ON_HEAP_BYTES = 64;
/** An output chunk holds this many calls' small outputs (fewer when that passes CHUNK_MAX_BYTES). */
const CHUNK_CALLS = 8;
/** Upper bound of an output chunk's size, unless one call's small outputs need more. */
const CHUNK_MAX_BYTES = 65_536;

const CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function fresh(code: number, size: number): TypedArray {
  switch (code) {
    case 0: return new Float32Array(size);
    case 1: return new Float64Array(size);
    case 2: return new Int32Array(size);
    default: return new Uint8Array(size);
  }
}

/** A view of `size` elements of dtype `code` at byte `at` of `chunk`. */
function viewOf(code: number, chunk: ArrayBuffer, at: number, size: number): TypedArray {
  switch (code) {
    case 0: return new Float32Array(chunk, at, size);
    case 1: return new Float64Array(chunk, at, size);
    case 2: return new Int32Array(chunk, at, size);
    default: return new Uint8Array(chunk, at, size);
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

/** A slot's state: in a free list. */
const FREE = 0;
/** Handed out during the current call. */
const TAKEN = 1;
/** Left the arena as an output (no longer the arena's). */
const GONE = 2;

/** @internal One array of an {@link Arena} and its owner count within the current call. */
export interface Slot {
  /** The array. */
  readonly a: TypedArray;
  /** Its free-list key: length × 4 + dtype code. */
  readonly key: number;
  /** Registers holding it. */
  n: number;
  /** FREE, TAKEN or GONE. */
  state: number;
  /** The copy it left as in this call's outputs (cleared by {@link Arena.endCall}). */
  out: TypedArray | undefined;
}

/** @internal An executable's small-buffer free lists and this call's owner counts (see the module comment). */
export class Arena {
  private readonly free = new Map<number, Slot[]>();
  private readonly source: ArenaSource | undefined;
  /** Slots taken since the last {@link Arena.sweep} (the current step's): the first `nTaken`. */
  private readonly taken: Slot[] = [];
  private nTaken = 0;
  /** Slots that left this call with a copy ({@link Arena.leave}): the first `nLeft`; their `out` is cleared at the end of the call. */
  private readonly left: Slot[] = [];
  private nLeft = 0;
  private chunk: ArrayBuffer | undefined;
  private chunkAt = 0;
  /** Arrays handed back to the free lists since creation (for tests). */
  recycled = 0;
  /** Output chunks allocated since creation (for tests). */
  chunks = 0;

  /** @param source - where new arrays come from (default: ordinary typed arrays, below 16 KiB only) */
  constructor(source?: ArenaSource) {
    this.source = source;
  }

  /** An array of `size` elements of `dtype`: recycled (zero-filled when `zero`) or new. */
  take(dtype: DType, size: number, zero: boolean): TypedArray {
    const code = CODE[dtype];
    const src = this.source;
    if (size === 0 || (size * BYTES[dtype] >= MAX_BYTES && (src === undefined || !src.keepsLarge))) return fresh(code, size);
    const key = size * 4 + code;
    const list = this.free.get(key);
    let s = list === undefined ? undefined : list.pop();
    if (s === undefined) {
      const a = src === undefined ? fresh(code, size) : src.fresh(dtype, size, zero);
      s = { a, key, n: 0, state: TAKEN, out: undefined };
    } else {
      if (zero) s.a.fill(0);
      s.state = TAKEN;
    }
    this.taken[this.nTaken++] = s;
    return s.a;
  }

  /** `take(dtype, size, true)` as a bound function (the `allocTyped` allocator while running). */
  readonly zeroed = (dtype: DType, size: number): TypedArray => this.take(dtype, size, true);

  /** The slot of `buf` if it was taken since the last {@link Arena.sweep}, else undefined. */
  claim(buf: unknown): Slot | undefined {
    const t = this.taken;
    for (let i = this.nTaken - 1; i >= 0; i--) if (t[i]!.a === buf) return t[i];
    return undefined;
  }

  /**
   * A step has ended: arrays taken during it that no register holds (its kernels' scratch) go
   * back to the free lists.
   */
  sweep(): void {
    const t = this.taken;
    for (let i = 0; i < this.nTaken; i++) {
      const s = t[i]!;
      if (s.n === 0 && s.state === TAKEN) this.toFree(s);
    }
    this.nTaken = 0;
  }

  /** One more register holds the slot's array. */
  hold(s: Slot): void {
    s.n++;
  }

  /** A register holding the slot's array is done with it; with no holder left it is free again. */
  drop(s: Slot): void {
    if (--s.n === 0 && s.state === TAKEN) this.toFree(s);
  }

  private toFree(s: Slot): void {
    s.state = FREE;
    s.n = 0;
    let list = this.free.get(s.key);
    if (list === undefined) this.free.set(s.key, (list = []));
    list.push(s);
    this.recycled++;
  }

  /**
   * Makes room in the output chunk for `bytes` more bytes of copies (call once per call, before
   * {@link Arena.leave}, with at least the total of its small outputs' 8-byte rounded sizes).
   */
  reserve(bytes: number): void {
    if (bytes === 0 || (this.chunk !== undefined && this.chunkAt + bytes <= this.chunk.byteLength)) return;
    this.chunk = new ArrayBuffer(Math.max(bytes, Math.min(CHUNK_MAX_BYTES, bytes * CHUNK_CALLS)));
    this.chunkAt = 0;
    this.chunks++;
  }

  /**
   * The array an output register holding slot `s` hands to the caller: a copy of a small array
   * (the arena's goes back to the free lists), or a large array itself (the arena forgets it).
   * A slot held by two output registers leaves once, as one array.
   */
  leave(s: Slot): TypedArray {
    if (s.out !== undefined) return s.out;
    const a = s.a;
    const bytes = a.byteLength;
    if (bytes >= MAX_BYTES) {
      s.state = GONE;
      return a;
    }
    const code = s.key & 3;
    let c: TypedArray;
    if (bytes <= ON_HEAP_BYTES) {
      // tiny: an array of its own (V8 keeps these on the JS heap, no backing store to allocate)
      c = fresh(code, a.length);
      for (let k = 0; k < a.length; k++) c[k] = a[k]!;
    } else {
      if (this.chunk === undefined || this.chunkAt + bytes > this.chunk.byteLength) this.reserve(bytes); // more than reserved
      c = viewOf(code, this.chunk!, this.chunkAt, a.length);
      c.set(a as Float64Array);
      this.chunkAt += (bytes + 7) & ~7;
    }
    s.out = c;
    this.left[this.nLeft++] = s;
    this.toFree(s);
    return c;
  }

  /**
   * The call is over. `held` lists the slots registers still hold (outputs that did not leave,
   * or every held slot after a failed call): with `failed`, they all go back to the free lists;
   * otherwise they are outputs and are forgotten.
   */
  endCall(held: readonly (Slot | undefined)[], failed: boolean): void {
    this.sweep();
    for (let i = 0; i < held.length; i++) {
      const s = held[i];
      if (s === undefined || s.state !== TAKEN) continue;
      if (failed) this.toFree(s);
      else s.state = GONE;
    }
    const l = this.left;
    for (let i = 0; i < this.nLeft; i++) l[i]!.out = undefined;
    this.nLeft = 0;
  }
}
