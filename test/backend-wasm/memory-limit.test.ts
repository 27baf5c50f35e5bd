import { describe, expect, it } from 'vitest';
import { CurvaxError } from '../../src/errors.js';
import { sharedMemorySupported, WasmMemory, WasmMemoryLimitError } from '../../src/backend/wasm/memory.js';

describe.each([false, true])('WasmMemory limit (shared: %s)', (shared) => {
  const make = (): WasmMemory => new WasmMemory({ initialPages: 1, maximumPages: 4, shared: shared && sharedMemorySupported() });

  it('throws a typed error naming the allocation past the maximum, and changes nothing', () => {
    const mem = make();
    const a = mem.alloc(1000, 64, 'first');
    const epoch = mem.epoch;
    let err: unknown;
    try { mem.alloc(5 * 65536, 64, 'dotGeneral: result f32[128,784,128]'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(WasmMemoryLimitError);
    expect(err).toBeInstanceOf(CurvaxError);
    const e = err as WasmMemoryLimitError;
    expect(e.op).toBe('dotGeneral: result f32[128,784,128]');
    expect(e.received).toBe(`${5 * 65536} bytes`);
    expect(e.message).toMatch(/cannot allocate 327680 bytes of wasm memory/);
    expect(mem.epoch).toBe(epoch);
    expect(mem.sizeOf(a)).toBe(1008);
    // the memory is still usable up to its maximum
    const b = mem.alloc(3 * 65536, 64, 'fits');
    expect(mem.byteLength).toBe(4 * 65536);
    mem.free(b);
    mem.free(a);
  });

  it('re-derives views after growth (a non-shared memory detaches old ones)', () => {
    const mem = make();
    const a = mem.allocF32(new Float32Array([1, 2, 3]));
    const before = mem.f32;
    mem.alloc(2 * 65536, 16, 'grow');
    expect(mem.epoch).toBeGreaterThan(0);
    expect(Array.from(mem.f32.subarray(a >> 2, (a >> 2) + 3))).toEqual([1, 2, 3]);
    expect(mem.f32.length).toBe(mem.byteLength / 4);
    if (!mem.shared) expect(before.length).toBe(0); // detached: why views are cached per epoch
  });
});
