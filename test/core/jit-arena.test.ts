// The small-buffer arena of jit executables (src/core/arena.ts): intermediates are recycled
// within a call and across calls, results stay bit-identical to eager evaluation, and an
// output handed to the caller is never written by a later call (it is the caller's array).
import { describe, expect, it } from 'vitest';
import { jit, matmul, optim, random, tensor, tree, valueAndGrad, type Tensor } from '../../src/index.js';
import { getBackend } from '../../src/backend/backend.js';
import { compileJaxpr } from '../../src/core/executable.js';
import { Arena } from '../../src/core/arena.js';
import type { ConcreteTensor } from '../../src/tensor/tensor.js';

const bits = (t: unknown): number[][] => (tree.leaves(t as never) as Tensor[]).map((l) => {
  const a = l.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
});

type P = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const [k1, k2, k3, k4] = random.splitList(random.key(11), 4);
const p0: P = { w1: random.normal(k1!, [8, 16]), b1: random.normal(k2!, [16]).mul(0.1), w2: random.normal(k2!, [16, 1]), b2: tensor([0.25]) };
const x = random.normal(k3!, [12, 8]), y = random.normal(k4!, [12, 1]);
const loss = (p: P, xb: Tensor, yb: Tensor) => matmul(matmul(xb, p.w1).add(p.b1).tanh(), p.w2).add(p.b2).sub(yb).square().mean();
const opt = optim.adam({ learningRate: 1e-2 });
const vg = valueAndGrad(loss);
const step = (p: P, s: unknown) => {
  const [l, g] = vg(p, x, y);
  const [u, s2] = opt.update(g, s as never, p);
  return [optim.applyUpdates(p, u), s2, l] as const;
};

describe('executable arena', () => {
  it('recycles intermediates; 30 chained steps equal eager bit for bit; earlier outputs keep their bits', () => {
    const b = getBackend();
    expect(b.useAllocator).toBeDefined(); // js and wasm: buffers are typed arrays
    const s0 = opt.init(p0);
    const low = jit(step).lower(p0, s0);
    const exe = compileJaxpr(low.optimized, b);
    expect(exe.arena).toBeInstanceOf(Arena);
    const flat = (p: P, s: unknown) => tree.leaves([p, s] as never) as ConcreteTensor[];
    let pe = p0, se: unknown = s0;
    let inputs = flat(p0, s0);
    const kept: { outs: Tensor[]; snapshot: number[][] }[] = [];
    for (let i = 0; i < 30; i++) {
      const outs = exe.run(inputs, () => { throw new Error('no symbolic zeros here'); });
      [pe, se] = step(pe, se) as unknown as [P, unknown];
      const eagerOuts = tree.leaves([pe, se] as never) as Tensor[];
      // outputs in jaxpr order are the flattened [params, state, loss]: compare all but the loss
      expect(bits(outs.slice(0, eagerOuts.length))).toEqual(bits(eagerOuts));
      kept.push({ outs, snapshot: bits(outs) });
      inputs = outs.slice(0, eagerOuts.length) as ConcreteTensor[];
    }
    expect(exe.arena!.recycled).toBeGreaterThan(30);
    for (const k of kept) expect(bits(k.outs)).toEqual(k.snapshot);
  });

  it('owner counts: a buffer held by two registers returns to the free list only after both drop it', () => {
    const a = new Arena();
    const buf = a.take('float32', 8, true);
    buf[0] = 5;
    const s = a.claim(buf)!;
    a.hold(s); a.hold(s); // e.g. a result and a reshape of it
    a.sweep();
    a.drop(s);
    expect(a.recycled).toBe(0);
    expect(a.take('float32', 8, true)).not.toBe(buf); // still held: not handed out again
    a.sweep();
    const recycled = a.recycled; // the one just taken was scratch
    a.drop(s);
    expect(a.recycled).toBe(recycled + 1);
    const taken = [a.take('float32', 8, true), a.take('float32', 8, true)];
    expect(taken).toContain(buf);
    expect(buf[0]).toBe(0); // zero-filled on reuse
    expect(a.claim(new Float32Array(8))).toBeUndefined(); // not the arena's: the backend disposes it
    const again = a.claim(buf)!;
    a.hold(again);
    a.sweep();
    a.endCall([again], false); // an output: forgotten, never recycled
    expect([a.take('float32', 8, true), a.take('float32', 8, true)]).not.toContain(buf);
    expect(a.take('float32', 1 << 14, true)).toHaveLength(1 << 14); // large: plain allocation
    expect(a.claim(a.take('float32', 1 << 14, true))).toBeUndefined(); // and not the arena's
  });
});
