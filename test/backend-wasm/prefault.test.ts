import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedMemorySupported, WasmMemory, WasmRuntime } from '../../src/backend/wasm/index.js';

const MiB = 1 << 20;

describe('WasmMemory.watchFresh', () => {
  it('calls the hook on install, when the bump top passes the returned offset, and after growth', () => {
    const mem = new WasmMemory({ initialPages: 16, shared: false });
    const calls: number[] = [];
    mem.watchFresh((top) => { calls.push(top); return top + 4096; });
    expect(calls).toHaveLength(1);
    const a = mem.alloc(1024, 64); // below the threshold: no call
    expect(calls).toHaveLength(1);
    const b = mem.alloc(8192, 64); // past it
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBe(b + 8192);
    mem.free(b);
    mem.alloc(8192, 64); // the same room again: the top is where it was, below the new threshold
    expect(calls).toHaveLength(2);
    const before = mem.byteLength;
    const big = mem.alloc(2 * MiB, 64); // grows the memory
    expect(mem.byteLength).toBeGreaterThan(before);
    expect(calls).toHaveLength(3);
    expect(calls[2]).toBe(big + 2 * MiB);
    mem.watchFresh(undefined);
    mem.alloc(4 * MiB, 64);
    expect(calls).toHaveLength(3);
    mem.free(a);
  });
});

const poll = async (done: () => boolean, ms = 5000): Promise<void> => {
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 5));
};

describe.runIf(sharedMemorySupported())('pre-faulting on the thread pool', () => {
  const rt = new WasmRuntime({ threads: 'off' });
  rt.prefaultAhead = 48 * MiB;
  beforeAll(async () => { expect(await rt.startThreads(2)).toBe(true); });
  afterAll(async () => { await rt.stopThreads(); });

  it('touches the pages ahead of the top without changing data written there at the same time', async () => {
    const mem = rt.memory;
    mem.ensure(mem.byteLength + 64 * MiB); // fresh room; the next bump allocation asks the worker to pre-fault it
    const before = rt.prefaultedBytes;
    // Fresh blocks (the first allocation asks the worker to pre-fault 48 MiB upwards from it; the
    // next request would come 12 MiB above), written
    // with a pattern from the highest block down while the worker touches the same pages from the
    // lowest up: the two meet, and the worker reaches pages that already hold data.
    const blocks: { off: number; words: number }[] = [];
    for (let i = 0; i < 10; i++) {
      const words = (256 << 10) + 7 * i; // ~1 MiB each, not page-aligned in length
      blocks.push({ off: mem.alloc(words * 4, 64), words });
    }
    for (const { off, words } of [...blocks].reverse()) {
      const v = new Int32Array(mem.memory.buffer, off, words);
      for (let j = words - 1; j >= 0; j--) v[j] = (off + j * 2654435761) | 0;
    }
    await poll(() => rt.prefaultedBytes - before >= 40 * MiB);
    expect(rt.prefaultedBytes - before, 'the worker pre-faulted the fresh room').toBeGreaterThanOrEqual(40 * MiB);
    let bad = 0;
    for (const { off, words } of blocks) {
      const v = new Int32Array(mem.memory.buffer, off, words);
      for (let j = 0; j < words; j++) if (v[j] !== ((off + j * 2654435761) | 0)) bad++;
      mem.free(off);
    }
    expect(bad).toBe(0);
  });

  it('stops watching the memory when the pool stops, and does not watch with prefaultAhead = 0', async () => {
    expect(rt.memory.watchingFresh).toBe(true);
    await rt.stopThreads();
    expect(rt.memory.watchingFresh).toBe(false);
    expect(rt.prefaultedBytes).toBe(0); // no pool
    rt.prefaultAhead = 0;
    expect(await rt.startThreads(2)).toBe(true);
    expect(rt.memory.watchingFresh).toBe(false);
    await rt.stopThreads();
    rt.prefaultAhead = 8 * MiB;
    expect(await rt.startThreads(2)).toBe(true);
    expect(rt.memory.watchingFresh).toBe(true);
  });
});
