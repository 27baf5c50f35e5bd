import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BufferPool, discardScratch, outputArray, sizeClass, withPool } from '../../src/backend/wasm/pool.js';
import { allocTyped } from '../../src/tensor/dtype.js';

const KiB = 1024;

describe('sizeClass', () => {
  it('rounds up by at most 1/8 of the power of two, and is idempotent', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (b) => {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c).toBeLessThan(b * 1.125 + 8);
      expect(sizeClass(c)).toBe(c);
    }));
  });
});

describe('BufferPool', () => {
  it('reuses a released buffer for the next request of its class, zero-filled on demand', () => {
    const pool = new BufferPool();
    const a = pool.typed('float32', 10_000, true);
    a.fill(7);
    pool.retain(a);
    pool.release(a);
    expect(pool.owners(a)).toBe(-1);
    const b = pool.typed('float32', 9_800, true); // same class (40 000 and 39 200 bytes → 40 960)
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(9_800);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(pool.stats.reused).toBe(1);
    const c = pool.typed('float32', 9_800, true); // the free list is empty again
    expect(c.buffer).not.toBe(a.buffer);
  });

  it('serves a different dtype from the same bytes, without zeroing when asked not to', () => {
    const pool = new BufferPool();
    const a = pool.typed('float64', 4_096, false);
    a.fill(1.5);
    pool.retain(a);
    pool.release(a);
    const b = pool.typed('int32', 8_192, false);
    expect(b.buffer).toBe(a.buffer);
    expect(b[1]).toBe(new Int32Array(new Float64Array([1.5]).buffer)[1]); // stale bytes, not zeroed
  });

  it('counts owners per buffer: views share one count, the last release recycles', () => {
    const pool = new BufferPool();
    const a = pool.typed('float32', 8_192, true);
    const view = new Float32Array(a.buffer, 0, 4_096); // e.g. a reshape or window sharing the buffer
    pool.retain(a);
    pool.retain(view);
    expect(pool.owners(a)).toBe(2);
    pool.release(a);
    expect(pool.owners(view)).toBe(1);
    expect(pool.typed('float32', 8_192, true).buffer).not.toBe(a.buffer); // still owned: not handed out
    pool.release(view);
    expect(pool.owners(a)).toBe(-1);
    expect(pool.typed('float32', 8_192, true).buffer).toBe(a.buffer);
  });

  it('ignores double releases and releases of unowned buffers (never enters a free list twice)', () => {
    const pool = new BufferPool();
    const a = pool.typed('float32', 8_192, true);
    pool.release(a); // never retained: no-op
    expect(pool.owners(a)).toBe(0);
    pool.retain(a);
    pool.release(a);
    pool.release(a);
    expect(pool.stats.recycled).toBe(1);
    const b = pool.typed('float32', 8_192, true);
    const c = pool.typed('float32', 8_192, true);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
    expect(() => pool.retain(new Float32Array(new ArrayBuffer(64 * KiB)))).not.toThrow(); // foreign buffer: ignored
  });

  it('refuses to retain a buffer that sits in a free list', () => {
    const pool = new BufferPool();
    const a = pool.typed('float32', 8_192, true);
    pool.retain(a);
    pool.release(a);
    expect(() => pool.retain(a)).toThrow(/free list/);
  });

  it('does not pool small arrays', () => {
    const pool = new BufferPool({ minBytes: 16 * KiB });
    const a = pool.typed('float32', 100, true);
    expect(a.buffer.byteLength).toBe(400);
    pool.retain(a);
    pool.release(a);
    expect(pool.owners(a)).toBeUndefined();
    expect(pool.stats).toMatchObject({ created: 0, recycled: 0 });
  });

  it('keeps at most maxFreeBytes in its free lists and drops the rest to the GC', () => {
    const pool = new BufferPool({ maxFreeBytes: 100 * KiB });
    const bufs = [0, 1, 2].map(() => pool.typed('float32', 10 * KiB, true)); // 40 KiB each
    for (const b of bufs) pool.retain(b);
    for (const b of bufs) pool.release(b);
    expect(pool.stats).toMatchObject({ recycled: 2, dropped: 1, freeBytes: 80 * KiB });
    expect(pool.owners(bufs[2]!)).toBeUndefined(); // forgotten: later retains/releases are no-ops
    pool.clear();
    expect(pool.stats.freeBytes).toBe(0);
  });

  it('discard returns an unowned scratch buffer at once, and leaves owned ones alone', () => {
    const pool = new BufferPool();
    const s = pool.typed('float32', 8_192, false);
    pool.discard(s);
    expect(pool.owners(s)).toBe(-1);
    const t = pool.typed('float32', 8_192, false);
    pool.retain(t);
    pool.discard(t);
    expect(pool.owners(t)).toBe(1);
  });

  it('withPool serves allocTyped (zeroed) and outputArray from the pool, and restores plain allocation after', () => {
    const pool = new BufferPool();
    const a = pool.typed('float32', 8_192, false);
    a.fill(3);
    pool.retain(a);
    pool.release(a);
    const [z, o] = withPool(pool, () => {
      const z = allocTyped('float32', 8_192);
      pool.retain(z);
      pool.release(z);
      const o = outputArray('float32', 8_192);
      discardScratch(o);
      return [z, o];
    });
    expect(z.buffer).toBe(a.buffer);
    expect(z.every((v) => v === 0)).toBe(true);
    expect(o.buffer).toBe(a.buffer);
    expect(pool.owners(a)).toBe(-1);
    expect(allocTyped('float32', 8_192).buffer).not.toBe(a.buffer);
    expect(outputArray('float32', 8_192).buffer).not.toBe(a.buffer);
    expect(() => withPool(pool, () => { throw new Error('kernel failed'); })).toThrow('kernel failed');
    expect(allocTyped('float32', 8_192).buffer).not.toBe(a.buffer); // restored after a throw too
  });
});
