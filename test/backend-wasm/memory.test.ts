import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sharedMemorySupported, WasmMemory, WasmMemoryLimitError } from '../../src/backend/wasm/memory.js';

describe.each([false, true])('WasmMemory (shared: %s)', (shared) => {
  const make = (initialPages = 1): WasmMemory => new WasmMemory({ initialPages, shared: shared && sharedMemorySupported() });

  it('aligns blocks, never returns 0, and reuses freed blocks', () => {
    const mem = make();
    const a = mem.alloc(10);
    const b = mem.alloc(100, 64);
    expect(a).toBeGreaterThan(0);
    expect(a % 16).toBe(0);
    expect(b % 64).toBe(0);
    expect(mem.sizeOf(a)).toBe(16);
    mem.free(a);
    const c = mem.alloc(12);
    expect(c).toBe(a); // first fit reuses the hole
    expect(() => mem.free(a + 16)).toThrow();
    mem.free(c);
    expect(() => mem.free(c)).toThrow(); // double free
  });

  it('coalesces neighbours and returns the tail to the bump region', () => {
    const mem = make();
    // fill the first page, so that a request the free blocks can serve would otherwise grow the memory
    const blocks = Array.from({ length: 63 }, () => mem.alloc(1000));
    const first = blocks[0] as number;
    for (const b of [blocks[1], blocks[0], blocks[2]] as number[]) mem.free(b);
    // three adjacent freed blocks merged: a 3000-byte request fits at the first offset
    const epoch = mem.epoch;
    expect(mem.alloc(3000)).toBe(first);
    expect(mem.epoch).toBe(epoch);
    mem.free(first);
    for (const b of blocks.slice(3)) mem.free(b);
    expect(mem.bytesInUse).toBe(0);
    expect(mem.alloc(60_000)).toBe(first); // everything merged back
    expect(mem.epoch).toBe(epoch);
  });

  it('hands a freed block straight back to a request of its size, and merges freed blocks before growing', () => {
    const mem = make(1);
    const blocks = Array.from({ length: 60 }, () => mem.alloc(1000, 64));
    const small = mem.alloc(8);
    mem.free(blocks[7]!);
    expect(mem.alloc(1000, 64)).toBe(blocks[7]);
    // sizes that take turns keep their blocks: each request gets the block its size freed last
    mem.free(blocks[7]!);
    mem.free(small);
    expect(mem.alloc(8)).toBe(small);
    expect(mem.alloc(1000, 64)).toBe(blocks[7]);
    for (const b of blocks) mem.free(b);
    mem.free(small);
    expect(mem.bytesInUse).toBe(0);
    const epoch = mem.epoch, length = mem.byteLength;
    // 60 freed 1 KiB blocks are one free run again: a 50 KB request fits without growing
    const big = mem.alloc(50_000, 64);
    expect(big).toBe(blocks[0]);
    expect(mem.epoch).toBe(epoch);
    expect(mem.byteLength).toBe(length);
  });

  it('keeps its block table right across many frees (the table is compacted past a bound)', () => {
    const mem = make();
    const kept = [mem.alloc(100), mem.alloc(3000, 64)];
    let last = 0;
    for (let i = 0; i < 70_000; i++) {
      last = mem.alloc(16 + (i % 7) * 48, 16);
      mem.free(last);
    }
    expect(mem.bytesInUse).toBe(112 + 3008);
    expect(mem.sizeOf(kept[1]!)).toBe(3008);
    expect(mem.sizeOf(last)).toBeUndefined();
    expect(() => mem.free(last)).toThrow(/not an allocated block/);
    for (const k of kept) mem.free(k);
    expect(mem.bytesInUse).toBe(0);
  });

  it('never hands out overlapping blocks (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(3000), fc.boolean(), fc.constantFrom(16, 32, 64, 256))), (ops) => {
      const mem = make();
      const live = new Map<number, number>();
      for (const [size, doFree, align] of ops) {
        if (doFree && live.size > 0) {
          const off = [...live.keys()][size % live.size] as number;
          mem.free(off);
          live.delete(off);
        } else {
          const off = mem.alloc(size, align);
          expect(off % align).toBe(0);
          for (const [o, s] of live) expect(off + Math.max(size, 1) <= o || o + s <= off).toBe(true);
          live.set(off, Math.max(size, 1));
        }
      }
    }));
  });

  it('grows on demand, keeps the data, bumps the epoch and refreshes views', () => {
    const mem = make(1);
    const data = Float64Array.from({ length: 1000 }, (_, i) => i * 0.5);
    const off = mem.allocF64(data);
    const oldView = mem.f64;
    const epoch = mem.epoch;
    const big = mem.alloc(3 << 20); // forces growth past 1 page
    expect(mem.epoch).toBeGreaterThan(epoch);
    expect(mem.byteLength).toBeGreaterThanOrEqual(big + (3 << 20));
    expect(mem.readF64(off, 1000)).toEqual(data);
    expect(mem.f64 === oldView).toBe(false);
    expect(mem.f64.length).toBe(mem.byteLength / 8);
    if (!mem.shared) expect(oldView.length).toBe(0); // the pitfall: non-shared views detach
    mem.writeF32(big, [1, 2, 3]);
    expect(Array.from(mem.readF32(big, 3))).toEqual([1, 2, 3]);
  });

  it('copies float32 and float64 arrays in and out', () => {
    const mem = make();
    const f32 = new Float32Array([1.5, -2, 3.25]);
    const o32 = mem.allocF32(f32);
    expect(mem.readF32(o32, 3)).toEqual(f32);
    const o64 = mem.allocF64([Math.PI, -0, 1e300]);
    const back = mem.readF64(o64, 3);
    expect(Array.from(back)).toEqual([Math.PI, -0, 1e300]);
    back[0] = 0; // a copy, not a view
    expect(mem.readF64(o64, 1)[0]).toBe(Math.PI);
  });
});

describe('WasmMemory options', () => {
  it('reports shared memories as SharedArrayBuffer-backed', () => {
    if (!sharedMemorySupported()) return;
    const mem = new WasmMemory({ shared: true });
    expect(mem.shared).toBe(true);
    expect(mem.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
  it('refuses growth past the maximum', () => {
    const mem = new WasmMemory({ initialPages: 1, maximumPages: 2, shared: false });
    expect(() => mem.alloc(3 * 65536)).toThrow(WasmMemoryLimitError);
  });
});
