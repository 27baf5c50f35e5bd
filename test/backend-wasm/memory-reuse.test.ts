import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureWasmBuffers } from '../../src/backend/wasm/adapter.js';
import {
  ConcreteTensor, DisposedTensorError, full, grad, jit, logSoftmax, matmul, oneHot, random, scope, setBackend, slice, take, tensor, transpose, tree, valueAndGrad, vmap,
  type Tensor,
} from '../../src/index.js';

// The wasm backend with buffer recycling on must compute exactly what it computes with it off:
// only where result bytes live changes. Recycled buffers are dirtied with NaN first, so a kernel
// that relied on a fresh (zeroed) output would show up as a difference.

let saved: boolean;
beforeAll(() => {
  setBackend('wasm');
  saved = configureWasmBuffers().reuse;
});
afterAll(() => { configureWasmBuffers({ reuse: saved }); });

const bytes = (t: Tensor): Uint8Array => {
  const a = t.toTypedArray();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
};

/** Fills the pool's free lists with NaN-filled buffers of many sizes. */
function dirtyPool(): void {
  for (let n = 4096; n <= 1 << 21; n = Math.ceil(n * 1.09)) {
    const t = full([n], NaN, 'float32').add(0);
    const u = full([n >> 1], NaN, 'float64').add(0);
    t.dispose();
    u.dispose();
  }
}

type Mlp = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const [k1, k2, k3] = random.splitList(random.key(3), 3);
const params: Mlp = { w1: random.normal(k1!, [96, 64]), b1: random.normal(k1!, [64]), w2: random.normal(k2!, [64, 10]), b2: random.normal(k2!, [10]) };
const xb = random.normal(k3!, [128, 96]);
const yb = random.categorical(k3!, random.normal(k3!, [128, 10]).mul(0));
const loss = (p: Mlp, x: Tensor, y: Tensor): Tensor => {
  const logits = matmul(matmul(x, p.w1).add(p.b1).tanh(), p.w2).add(p.b2);
  return oneHot(y, 10).mul(logSoftmax(logits)).sum(-1).neg().mean();
};

const workloads: Record<string, () => Tensor[]> = {
  'value and grad of an MLP': () => { const [v, g] = valueAndGrad(loss)(params, xb, yb); return [v, ...(tree.leaves(g as never) as Tensor[])]; },
  'per-example grads vmap(grad)': () => tree.leaves(vmap(grad(loss), { inAxes: [null, 0, 0] })(params, xb, yb) as never) as Tensor[],
  'jit(value and grad), fused SIMD programs': () => { const [v, g] = jit(valueAndGrad(loss))(params, xb, yb); return [v, ...(tree.leaves(g as never) as Tensor[])]; },
  'zero-initialised outputs (pad, scatter-add)': () => {
    const a = random.normal(random.key(11), [100, 100]);
    return [grad((z: Tensor) => take(z, [3, 5, 3, 99], 0).sum())(a), grad((z: Tensor) => slice(z, [10, 10], [50, 50]).sum())(a)];
  },
  'transcendentals, reductions, transposes': () => {
    const a = random.normal(random.key(9), [200, 300]);
    return [a.exp(), a.tanh().sum(1), a.max(0), transpose(a), a.sum(), a.cast('float64').log1p()];
  },
};

describe('wasm buffer recycling', () => {
  it.each(Object.keys(workloads))('is bit-identical to the unrecycled path: %s', (name) => {
    const run = workloads[name]!;
    configureWasmBuffers({ reuse: false });
    const ref = run().map(bytes);
    configureWasmBuffers({ reuse: true });
    for (let round = 0; round < 2; round++) {
      dirtyPool();
      const outs = scope(() => run().map(bytes)); // inside a scope: intermediates recycled into the next round
      expect(outs.length).toBe(ref.length);
      outs.forEach((o, i) => expect(Buffer.compare(o, ref[i]!)).toBe(0));
    }
    configureWasmBuffers({ reuse: saved });
  });

  it('recycles the buffer of a disposed tensor for the next result of its size', () => {
    configureWasmBuffers({ reuse: true });
    const x = random.normal(random.key(1), [4096]);
    const a = x.exp();
    const before = configureWasmBuffers();
    const buf = (a as ConcreteTensor).readData().buffer;
    a.dispose();
    const b = x.mul(2);
    const after = configureWasmBuffers();
    expect((b as ConcreteTensor).readData().buffer).toBe(buf);
    expect(after.reused - before.reused).toBe(1);
    expect(b.toTypedArray()).toEqual(x.toTypedArray().map((v) => v * 2));
    configureWasmBuffers({ reuse: saved });
  });

  it('keeps a view alive after its base is disposed (reshape shares the buffer)', () => {
    configureWasmBuffers({ reuse: true });
    const a = random.normal(random.key(2), [64, 64]).add(1);
    const v = a.reshape([4096]);
    expect((v as ConcreteTensor).readData().buffer).toBe((a as ConcreteTensor).readData().buffer);
    const expected = v.toTypedArray();
    a.dispose();
    const others = [0, 1, 2].map((i) => full([64, 64], i, 'float32').add(0)); // would take a's buffer if it were free
    for (const o of others) expect((o as ConcreteTensor).readData().buffer).not.toBe((v as ConcreteTensor).readData().buffer);
    expect(v.toTypedArray()).toEqual(expected);
    const shared = (v as ConcreteTensor).readData().buffer;
    v.dispose(); // the last owner: now the buffer is free
    const next = full([64, 64], 5, 'float32').add(0);
    expect((next as ConcreteTensor).readData().buffer).toBe(shared);
    configureWasmBuffers({ reuse: saved });
  });

  it('recycles what scope disposes; double dispose is a no-op and reads after dispose throw', () => {
    configureWasmBuffers({ reuse: true });
    const x = random.normal(random.key(4), [8192]);
    const kept = scope(() => { x.exp(); x.tanh(); return x.mul(3); });
    const s0 = configureWasmBuffers();
    const y = x.add(1);
    const z = x.sub(1);
    const s1 = configureWasmBuffers();
    expect(s1.reused - s0.reused).toBe(2); // the two intermediates of the scope
    kept.dispose();
    kept.dispose();
    expect(() => kept.toTypedArray()).toThrow(DisposedTensorError);
    expect(y.toTypedArray()).toEqual(x.toTypedArray().map((v) => Math.fround(v + 1)));
    expect(z.toTypedArray()).toEqual(x.toTypedArray().map((v) => Math.fround(v - 1)));
    configureWasmBuffers({ reuse: saved });
  });

  it('never recycles a user array wrapped by tensor(), and stays bounded by maxFreeBytes', () => {
    configureWasmBuffers({ reuse: true, maxFreeBytes: 1 << 20 });
    const data = new Float32Array(65536).fill(2);
    const t = tensor(data);
    t.dispose();
    const u = full([65536], 7, 'float32').add(0);
    expect(data.every((v) => v === 2)).toBe(true);
    u.dispose();
    const big = [0, 1, 2, 3, 4].map(() => full([65536], 1, 'float32').add(0)); // 256 KiB each
    for (const b of big) b.dispose();
    const s = configureWasmBuffers();
    expect(s.freeBytes).toBeLessThanOrEqual(1 << 20);
    expect(s.dropped).toBeGreaterThan(0);
    configureWasmBuffers({ reuse: saved, maxFreeBytes: 256 * 2 ** 20 });
  });

  it('a loop that never disposes holds no pooled memory (the GC reclaims its buffers)', () => {
    configureWasmBuffers({ reuse: true });
    const s0 = configureWasmBuffers();
    let w = random.normal(random.key(5), [16384]);
    for (let i = 0; i < 200; i++) w = w.mul(0.999).add(0.001);
    const s1 = configureWasmBuffers();
    expect(s1.freeBytes).toBe(s0.freeBytes); // nothing was released, so nothing is held for reuse
    expect(s1.recycled).toBe(s0.recycled);
    expect(Number.isFinite(w.sum().item())).toBe(true);
    configureWasmBuffers({ reuse: saved });
  });
});
