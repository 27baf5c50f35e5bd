import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureWasmBuffers, wasmResidentOwners } from '../../src/backend/wasm/adapter.js';
import { sharedMemorySupported, WasmMemory } from '../../src/backend/wasm/memory.js';
import { ResidentHeap } from '../../src/backend/wasm/resident.js';
import {
  ConcreteTensor, DisposedTensorError, div, full, grad, jit, logSoftmax, matmul, oneHot, optim, random, scope, setBackend, slice, take, transpose, tree, valueAndGrad, vmap,
  type Tensor,
} from '../../src/index.js';

const shared = sharedMemorySupported();
const KiB = 1024, MiB = 1024 * 1024;

describe.runIf(shared)('ResidentHeap', () => {
  const heap = (max = 64 * MiB): { h: ResidentHeap; mem: WasmMemory } => {
    const mem = new WasmMemory();
    return { h: new ResidentHeap(mem, max), mem };
  };

  it('hands out views of the wasm memory and reuses a released block for the next request of its dtype and length', () => {
    const { h, mem } = heap();
    const a = h.typed('float32', 5000, true)!;
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(h.offsetOf(a)).toBe(a.byteOffset);
    expect(a.byteOffset % 64).toBe(0);
    a.fill(Number.NaN);
    h.retain(a);
    h.release(a);
    expect(h.owners(a)).toBe(-1);
    const b = h.typed('float32', 5000, true)!;
    expect(b).toBe(a); // same block, same view
    expect(b.every((v) => v === 0)).toBe(true); // zero-filled on request
    expect(h.stats.reused).toBe(1);
    expect(mem.f32[(b.byteOffset >> 2) + 7]).toBe(0); // the view is the memory itself
    const c = h.typed('float64', 100, false)!; // another dtype: a new block
    expect(c).not.toBe(a);
    expect(h.offsetOf(new Float32Array(4))).toBe(-1);
  });

  it('counts owners: shared holders keep the block, the last release frees it once, retain after free throws', () => {
    const { h } = heap();
    const a = h.typed('int32', 1000, false)!;
    h.retain(a); h.retain(a);
    h.release(a);
    expect(h.owners(a)).toBe(1);
    h.release(a);
    expect(h.owners(a)).toBe(-1);
    h.release(a); // double release: no-op, the block is cached once
    const b = h.typed('int32', 1000, false)!;
    const c = h.typed('int32', 1000, false)!;
    expect(b).toBe(a);
    expect(c).not.toBe(a); // not handed out twice
    h.release(b); // b unowned: a no-op
    expect(h.owners(b)).toBe(0);
    h.discard(b); // an unowned block (a kernel's scratch) is freed at once
    expect(h.owners(b)).toBe(-1);
    expect(() => h.retain(b)).toThrow(/free/);
  });

  it('holds live + cached bytes under its bound: past it requests get undefined, and freed room is used again', () => {
    const { h } = heap(256 * KiB);
    const got: Float32Array[] = [];
    for (let i = 0; i < 40; i++) { const v = h.typed('float32', 4096, false); if (v !== undefined) { h.retain(v); got.push(v as Float32Array); } }
    expect(got.length).toBe(16); // 16 × 16 KiB
    expect(h.stats.refused).toBe(24);
    expect(h.stats.liveBytes).toBeLessThanOrEqual(256 * KiB);
    for (const v of got) h.release(v);
    // another shape: the cached blocks go back to the allocator, which coalesces them
    const big = h.typed('float64', 32 * 1024 - 8, false);
    expect(big).toBeDefined();
    expect(h.stats.liveBytes + h.stats.cachedBytes).toBeLessThanOrEqual(256 * KiB);
  });

  it('reuses memory across changing shapes without growing', () => {
    const { h, mem } = heap(8 * MiB);
    for (let i = 0; i < 50; i++) { const v = h.typed('float32', 1000 + 97 * i, false)!; h.retain(v); h.release(v); }
    const size = mem.byteLength;
    for (let i = 0; i < 2000; i++) { const v = h.typed('float32', 1000 + 97 * (i % 50), true)!; h.retain(v); h.release(v); }
    expect(mem.byteLength).toBe(size);
  });

  it('keeps resident data valid and in place when the memory grows', () => {
    const { h, mem } = heap(256 * MiB);
    const a = h.typed('float32', 1000, false)!;
    for (let i = 0; i < a.length; i++) a[i] = i * 0.5;
    const epoch = mem.epoch;
    const big = h.typed('float32', 8 * MiB, false)!; // 32 MiB: the memory grows
    expect(mem.epoch).toBeGreaterThan(epoch);
    expect(big.length).toBe(8 * MiB);
    expect(a[999]).toBe(499.5);
    expect(mem.f32[(a.byteOffset >> 2) + 999]).toBe(499.5); // views re-derived after growth see the same bytes
    a[3] = 42;
    expect(mem.f32[(a.byteOffset >> 2) + 3]).toBe(42);
  });

  it('frees a kernel call\'s temporaries but not its result (track)', () => {
    const { h } = heap();
    let tmp: Float32Array | undefined;
    const res = h.track(() => { tmp = h.typed('float32', 64, false) as Float32Array; return h.typed('float32', 64, false)!; });
    expect(h.owners(tmp)).toBe(-1);
    expect(h.owners(res)).toBe(0);
  });

  it('hands out nothing on a non-shared memory (the copy-path fallback for pages without SharedArrayBuffer)', () => {
    const h = new ResidentHeap(new WasmMemory({ shared: false }), 64 * MiB);
    expect(h.usable).toBe(false);
    expect(h.typed('float32', 100, true)).toBeUndefined();
  });

  it('refuses past the memory maximum instead of throwing', () => {
    const h = new ResidentHeap(new WasmMemory({ initialPages: 1, maximumPages: 4 }), 64 * MiB);
    expect(h.typed('float32', 1000, false)).toBeDefined();
    expect(h.typed('float32', 5 * 16384, false)).toBeUndefined();
    expect(h.stats.refused).toBe(1);
  });

  it('frees blocks that were never released through the finalization backstop, only after the synchronous loop', () => {
    const fixture = fileURLToPath(new URL('./fixtures/resident-finalize.ts', import.meta.url));
    const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fixture], { timeout: 30_000, encoding: 'utf8' });
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(0);
    const m = /kept=(\d+) plain=(\d+) loopLive=(\d+) loopFinalized=(\d+) finalized=(\d+) live=(\d+) reusable=(\w+)/.exec(res.stdout);
    expect(m, res.stdout + res.stderr).not.toBeNull();
    const [kept, plain, loopLive, loopFinalized, finalized, live] = m!.slice(1, 7).map(Number);
    expect(kept).toBe(64);
    expect(plain).toBe(136);
    expect(loopLive).toBe(MiB);
    expect(loopFinalized).toBe(0);
    expect(finalized).toBe(64);
    expect(live).toBe(0);
    expect(m![7]).toBe('true');
  });
});

// The backend with resident buffers must compute exactly what the copy path computes.
type Mlp = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const bytes = (t: Tensor): Uint8Array => {
  const a = t.toTypedArray();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
};

describe.runIf(shared)('wasm backend with resident buffers', () => {
  let saved: ReturnType<typeof configureWasmBuffers>;
  beforeAll(() => {
    setBackend('wasm');
    saved = configureWasmBuffers();
  });
  afterAll(() => { configureWasmBuffers({ resident: saved.resident, residentMaxBytes: 256 * MiB }); });

  const setup = () => {
    const [k1, k2, k3] = random.splitList(random.key(3), 3);
    const params: Mlp = { w1: random.normal(k1!, [96, 64]), b1: random.normal(k1!, [64]), w2: random.normal(k2!, [64, 10]), b2: random.normal(k2!, [10]) };
    const xb = random.normal(k3!, [128, 96]);
    const yb = random.categorical(k3!, random.normal(k3!, [128, 10]).mul(0));
    return { params, xb, yb };
  };
  const loss = (p: Mlp, x: Tensor, y: Tensor): Tensor => {
    const logits = matmul(matmul(x, p.w1).add(p.b1).tanh(), p.w2).add(p.b2);
    return oneHot(y, 10).mul(logSoftmax(logits)).sum(-1).neg().mean();
  };
  const workloads: Record<string, () => Tensor[]> = {
    'value and grad of an MLP': () => { const { params, xb, yb } = setup(); const [v, g] = valueAndGrad(loss)(params, xb, yb); return [v, ...(tree.leaves(g as never) as Tensor[])]; },
    'per-example grads vmap(grad)': () => { const { params, xb, yb } = setup(); return tree.leaves(vmap(grad(loss), { inAxes: [null, 0, 0] })(params, xb, yb) as never) as Tensor[]; },
    'jit(value and grad), 3 calls': () => {
      const { params, xb, yb } = setup();
      const f = jit(valueAndGrad(loss));
      const out: Tensor[] = [];
      for (let i = 0; i < 3; i++) { const [v, g] = f(params, xb, yb); out.push(v, ...(tree.leaves(g as never) as Tensor[])); }
      return out;
    },
    'zero-initialised outputs (pad, scatter-add)': () => {
      const a = random.normal(random.key(11), [100, 100]);
      return [grad((z: Tensor) => take(z, [3, 5, 3, 99], 0).sum())(a), grad((z: Tensor) => slice(z, [10, 10], [50, 50]).sum())(a)];
    },
    'binary arithmetic: same shape and scalar operands (f32, f64)': () => {
      const a = random.normal(random.key(5), [96, 300]), b = random.normal(random.key(6), [96, 300]).add(3);
      const c = a.cast('float64'), e = b.cast('float64');
      return [a.mul(b), a.square(), a.sub(b), a.div(b), a.add(2), a.sub(0.25), div(1, b), a.mul(-3), c.mul(e), c.div(e), c.sub(1.5), div(2, e), b.sub(a.mul(2)).div(b.add(1))];
    },
    'transcendentals, reductions, transposes (f32, f64)': () => {
      const a = random.normal(random.key(9), [200, 300]);
      const b = a.cast('float64');
      return [a.exp(), a.tanh().sum(1), a.max(0), transpose(a), a.sum(), b.log1p(), b.exp().sum(0), transpose(b), matmul(b, transpose(b))];
    },
  };

  /** Fills the resident cache with NaN-filled blocks of many sizes (a kernel relying on zeroed memory would show). */
  const dirty = (): void => {
    for (let n = 4096; n <= 1 << 20; n = Math.ceil(n * 1.3)) scope(() => { full([n], NaN, 'float32').add(0); full([n >> 1], NaN, 'float64').add(0); });
  };

  it.each(Object.keys(workloads))('is bit-identical to the copy path: %s', (name) => {
    configureWasmBuffers({ resident: false });
    const want = workloads[name]!().map(bytes);
    configureWasmBuffers({ resident: true });
    for (let round = 0; round < 2; round++) {
      dirty();
      const got = scope(() => { // inside a scope: blocks recycled into the next round
        const outs = workloads[name]!();
        expect(outs.some((t) => wasmResidentOwners((t as ConcreteTensor).buffer()) !== undefined)).toBe(true);
        return outs.map(bytes);
      });
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expect(Buffer.compare(g, want[i]!)).toBe(0));
    }
    configureWasmBuffers({ resident: false });
  });

  it('jit equals eager bit for bit, with resident buffers', () => {
    configureWasmBuffers({ resident: true });
    const { params, xb, yb } = setup();
    const opt = optim.adam({ learningRate: 1e-2 });
    const step = (p: Mlp, s: unknown) => {
      const [l, g] = valueAndGrad(loss)(p, xb, yb);
      const [u, s2] = opt.update(g, s as never, p);
      return [l, optim.applyUpdates(p, u), s2] as const;
    };
    const js = jit(step);
    let pe = params, se: unknown = opt.init(params), pj = params, sj: unknown = opt.init(params);
    for (let i = 0; i < 4; i++) {
      const [le, p2, s2] = step(pe, se);
      const [lj, q2, t2] = js(pj, sj) as readonly [Tensor, Mlp, unknown];
      expect(Buffer.compare(bytes(lj), bytes(le))).toBe(0);
      const qs = (tree.leaves(q2 as never) as Tensor[]).map(bytes), ps = (tree.leaves(p2 as never) as Tensor[]).map(bytes);
      qs.forEach((q, k) => expect(Buffer.compare(q, ps[k]!)).toBe(0));
      [pe, se, pj, sj] = [p2, s2, q2, t2];
    }
    configureWasmBuffers({ resident: false });
  });

  it('reshape shares the block; dispose releases once per tensor; double dispose is a no-op; reads copy out', () => {
    configureWasmBuffers({ resident: true });
    const a = random.normal(random.key(1), [64, 128]).exp(); // 32 KiB: a resident kernel result
    const buf = (a as ConcreteTensor).buffer();
    expect(wasmResidentOwners(buf)).toBe(1);
    const r = a.reshape([128, 64]);
    expect((r as ConcreteTensor).buffer()).toBe(buf);
    expect(wasmResidentOwners(buf)).toBe(2);
    const copy = a.toTypedArray();
    expect(copy.buffer).not.toBeInstanceOf(SharedArrayBuffer); // a copy, not a view of the memory
    a.dispose();
    a.dispose();
    expect(wasmResidentOwners(buf)).toBe(1);
    expect(() => a.sum()).toThrow(DisposedTensorError);
    expect(Array.from(r.toTypedArray())).toEqual(Array.from(copy));
    r.dispose();
    expect(wasmResidentOwners(buf)).toBe(-1);
    configureWasmBuffers({ resident: false });
  });

  it('scope frees the resident blocks of what it disposes', () => {
    configureWasmBuffers({ resident: true });
    const x = random.normal(random.key(2), [256, 256]);
    const before = configureWasmBuffers().residentStats!.liveBytes;
    const s = scope(() => matmul(x, x).tanh().mul(2).exp().sum());
    expect(configureWasmBuffers().residentStats!.liveBytes).toBe(before);
    expect(Number.isFinite(s.item())).toBe(true);
    configureWasmBuffers({ resident: false });
  });

  it('a synchronous loop that never disposes stays within the bound (eager and jit), with the copy path\'s bits', () => {
    const { params, xb, yb } = setup();
    const opt = optim.adam({ learningRate: 1e-2 });
    const step = (p: Mlp, s: unknown) => {
      const [l, g] = valueAndGrad(loss)(p, xb, yb);
      const [u, s2] = opt.update(g, s as never, p);
      return [l, optim.applyUpdates(p, u), s2] as const;
    };
    const train = (f: typeof step): Uint8Array[] => {
      let p = params, s: unknown = opt.init(params), l: Tensor | undefined;
      for (let i = 0; i < 60; i++) [l, p, s] = f(p, s) as ReturnType<typeof step>; // never disposed
      return [l!, ...(tree.leaves(p as never) as Tensor[])].map(bytes);
    };
    configureWasmBuffers({ resident: false });
    const want = train(step);
    configureWasmBuffers({ resident: true, residentMaxBytes: 2 * MiB });
    const st0 = configureWasmBuffers().residentStats!;
    const refused = st0.refused, bound = Math.max(2 * MiB, st0.liveBytes); // blocks of earlier tests are still live
    const same = (got: Uint8Array[]): boolean => got.length === want.length && got.every((g, k) => Buffer.compare(g, want[k]!) === 0);
    expect(same(train(step))).toBe(true);
    expect(same(train(jit(step)))).toBe(true);
    const st = configureWasmBuffers().residentStats!;
    expect(st.liveBytes + st.cachedBytes).toBeLessThanOrEqual(bound);
    expect(st.refused).toBeGreaterThan(refused); // past the bound: ordinary arrays
    configureWasmBuffers({ resident: false, residentMaxBytes: 256 * MiB });
  });
});
