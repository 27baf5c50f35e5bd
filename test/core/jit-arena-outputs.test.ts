// How arrays leave a jit executable's arena: small outputs are copied into a shared output chunk
// (the arena keeps its arrays), kernel scratch goes back to the free lists when its step ends.
import { describe, expect, it } from 'vitest';
import { jit, matmul, random, type Tensor } from '../../src/index.js';
import { getBackend } from '../../src/backend/backend.js';
import { compileJaxpr } from '../../src/core/executable.js';
import { Arena } from '../../src/core/arena.js';
import type { ConcreteTensor } from '../../src/tensor/tensor.js';

describe('arena outputs and scratch', () => {
  it('leave copies small outputs into a shared chunk (tiny ones into arrays of their own) and recycles the arena\'s arrays', () => {
    const a = new Arena();
    const x = a.take('float32', 20, false), y = a.take('float64', 9, false), z = a.take('int32', 3, false);
    x.set(Array.from({ length: 20 }, (_, i) => i + 0.5)); y.set([0.5, -1, 2 ** -30, 4, 5, 6, 7, 8, 9]); z.set([9, 8, 7]);
    const [sx, sy, sz] = [x, y, z].map((v) => a.claim(v)!);
    expect(a.claim(new Float32Array(20))).toBeUndefined(); // not the arena's
    for (const s of [sx, sy, sz, sx]) a.hold(s!);
    a.sweep();
    a.reserve(80 + 72);
    const [cx, cy, cz, cx2] = [sx, sy, sz, sx].map((s) => a.leave(s!)) as [Float32Array, Float64Array, Int32Array, Float32Array];
    expect(cx).not.toBe(x);
    expect(cx2).toBe(cx); // one array in two registers: one copy
    expect(Array.from(cx)).toEqual(Array.from(x));
    expect(Array.from(cy)).toEqual([0.5, -1, 2 ** -30, 4, 5, 6, 7, 8, 9]);
    expect(cz).toBeInstanceOf(Int32Array);
    expect(Array.from(cz)).toEqual([9, 8, 7]);
    expect(cx.buffer).toBe(cy.buffer); // 80 and 72 bytes: one shared chunk
    expect(cz.buffer).not.toBe(cx.buffer); // 12 bytes: an array of its own
    expect(cy.byteOffset % 8).toBe(0);
    a.endCall([], false);
    // the originals are free again: handed out (zeroed) before any new array is made
    const again = a.take('float32', 20, true);
    expect(again).toBe(x);
    expect(again.every((v) => v === 0)).toBe(true);
    expect(cx[3]).toBe(3.5); // the copy is the caller's
    expect(a.take('int32', 3, false)).toBe(z);
  });

  it('an output chunk serves several calls, then a new one is made; copies keep their bits', () => {
    const a = new Arena();
    const copies: Float32Array[] = [];
    for (let call = 0; call < 20; call++) {
      const v = a.take('float32', 32, false);
      v.fill(call);
      const s = a.claim(v)!;
      a.hold(s);
      a.sweep();
      a.reserve(128);
      copies.push(a.leave(s) as Float32Array);
      a.endCall([], false);
    }
    expect(copies[1]!.buffer).toBe(copies[0]!.buffer); // 8 calls of 128 bytes per chunk
    expect(copies[7]!.buffer).toBe(copies[0]!.buffer);
    expect(copies[8]!.buffer).not.toBe(copies[0]!.buffer);
    expect(a.chunks).toBe(3);
    copies.forEach((c, call) => expect(c.every((v) => v === call)).toBe(true));
  });

  it('leave makes room when a call copies out more than it reserved', () => {
    const a = new Arena();
    const vals = [a.take('float64', 100, false), a.take('float64', 100, false)];
    vals.forEach((v, i) => v.fill(i + 0.5));
    const ss = vals.map((v) => a.claim(v)!);
    ss.forEach((s) => a.hold(s));
    a.sweep();
    // nothing reserved: leave makes a chunk itself (sized for several calls of this one copy)
    const out = ss.map((s) => a.leave(s));
    out.forEach((c, i) => expect(Array.from(c)).toEqual(new Array(100).fill(i + 0.5)));
    expect(a.chunks).toBe(1);
    expect(out[1]!.buffer).toBe(out[0]!.buffer);
  });

  it('sweep returns arrays taken during a step and held by no register (scratch) to the free lists; endCall forgets held ones', () => {
    const a = new Arena();
    const scratch = a.take('float32', 16, false);
    const out = a.take('float32', 16, false);
    const s = a.claim(out)!;
    a.hold(s);
    a.sweep();
    expect(a.take('float32', 16, true)).toBe(scratch);
    a.sweep(); // that one was scratch again
    a.endCall([s], false); // an output that did not leave: forgotten, the caller's now
    const next = [a.take('float32', 16, true), a.take('float32', 16, true)];
    expect(next).toContain(scratch);
    expect(next).not.toContain(out);
  });

  it('a failed call returns every held array to the free lists', () => {
    const a = new Arena();
    const v = a.take('float64', 4, false);
    const s = a.claim(v)!;
    a.hold(s);
    a.sweep();
    a.endCall([s, undefined, s], true);
    expect(a.take('float64', 4, true)).toBe(v);
  });

  it('an executable\'s small outputs share output chunks, keep their bits across later calls, and equal eager', () => {
    const w = random.normal(random.key(4), [6, 5]);
    const f = (x: Tensor) => { const h = matmul(x, w).tanh(); return [h, h.sum(0), h.mul(2)] as const; };
    const x0 = random.normal(random.key(5), [4, 6]);
    const exe = compileJaxpr(jit(f).lower(x0).optimized, getBackend());
    const calls: Tensor[][] = [];
    for (let i = 0; i < 4; i++) calls.push(exe.run([random.normal(random.key(10 + i), [4, 6]) as ConcreteTensor], () => { throw new Error('no zeros'); }));
    for (let i = 0; i < 4; i++) {
      // h and 2h (80 bytes each) share one buffer; h.sum(0) (20 bytes) has its own
      const bufs = calls[i]!.map((t) => (t as ConcreteTensor).readData().buffer);
      expect(bufs[0]).toBe(bufs[2]);
      expect(bufs[1]).not.toBe(bufs[0]);
      const eager = f(random.normal(random.key(10 + i), [4, 6]));
      calls[i]!.forEach((t, k) => expect(Array.from(t.toTypedArray())).toEqual(Array.from(eager[k]!.toTypedArray())));
    }
    expect(exe.arena!.recycled).toBeGreaterThan(0);
  });
});

describe('a failed call', () => {
  it('leaves the executable usable: the next call runs and equals eager, its arena arrays recycled', () => {
    const w = random.normal(random.key(7), [6, 5]);
    const f = (x: Tensor) => { const h = matmul(x, w).tanh(); return [h.mul(2), h.sum(0)] as const; };
    const x0 = random.normal(random.key(8), [4, 6]);
    let fail = false;
    const exe = compileJaxpr(jit(f).lower(x0).optimized, getBackend(), {
      wrapStep: (label, step) => (r) => { if (fail && label.startsWith('1 ')) throw new Error('boom'); /* the second step */ step(r); },
    });
    const zero = () => { throw new Error('no zeros'); };
    exe.run([x0 as ConcreteTensor], zero);
    fail = true;
    expect(() => exe.run([x0 as ConcreteTensor], zero)).toThrow('boom');
    fail = false;
    for (let i = 0; i < 3; i++) {
      const got = exe.run([x0 as ConcreteTensor], zero), want = f(x0);
      got.forEach((t, k) => expect(Array.from(t.toTypedArray())).toEqual(Array.from(want[k]!.toTypedArray())));
    }
  });

  it('a disposed input is reported, and the next call with live inputs runs', () => {
    const f = jit((x: Tensor) => x.mul(2).add(1).sum());
    const dead = random.normal(random.key(9), [4, 6]);
    const live = random.normal(random.key(10), [4, 6]);
    f(live);
    dead.dispose();
    expect(() => f(dead)).toThrow(/dispose/);
    expect(f(live).item()).toBe(live.mul(2).add(1).sum().item());
  });
});
