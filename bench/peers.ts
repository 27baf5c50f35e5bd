// Peers measured in the same run as curvax: jax-js (wasm device, jit) and TensorFlow.js
// (cpu and wasm backends). Each implements the same workloads on the same float32 data.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BenchRow } from './harness.js';
import { mlpBatch, mlpParams } from './workloads.js';

type Timer = (fn: () => unknown, reps?: number, warmup?: number) => number;
const require = createRequire(import.meta.url);

function hostData() {
  const p = mlpParams(), b = mlpBatch();
  const f = (t: { toTypedArray(): unknown }) => Float32Array.from(t.toTypedArray() as Float32Array);
  return { w1: f(p.w1), b1: f(p.b1), w2: f(p.w2), b2: f(p.b2), x: f(b.x), y: Int32Array.from(b.y.toTypedArray() as Int32Array) };
}

function randomMatrix(n: number, seed: number): Float32Array {
  const a = new Float32Array(n * n);
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}

export async function jaxJsRows(time: Timer, sizes: readonly number[]): Promise<BenchRow[]> {
  const jx = await import('@jax-js/jax');
  await jx.init('wasm');
  jx.defaultDevice('wasm');
  const np = jx.numpy;
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const a = np.array(randomMatrix(n, 1), { shape: [n, n] }), b = np.array(randomMatrix(n, 2), { shape: [n, n] });
    const mm = jx.jit((u: any, v: any) => np.matmul(u, v));
    const ms = time(() => mm(a.ref, b.ref).dataSync(), 5, 2); // dataSync consumes the array
    rows.push({ workload: `W1 matmul n=${n}`, system: 'jax-js/wasm (jit)', medianMs: ms, gflops: (2 * n ** 3) / (ms * 1e6) });
  }
  const h = hostData();
  const p = { w1: np.array(h.w1, { shape: [784, 128] }), b1: np.array(h.b1), w2: np.array(h.w2, { shape: [128, 10] }), b2: np.array(h.b2) };
  const x = np.array(h.x, { shape: [128, 784] }), y = np.array(h.y, { dtype: np.int32 });
  const loss = (q: any, xx: any, yy: any) => {
    const logits = np.matmul(np.tanh(np.matmul(xx, q.w1).add(q.b1)), q.w2).add(q.b2);
    return jx.nn.oneHot(yy, 10).mul(jx.nn.logSoftmax(logits)).sum(-1).neg().mean();
  };
  const read = (t: any) => { for (const l of jx.tree.leaves(t) as any[]) l.dataSync(); };
  const vg = jx.jit(jx.valueAndGrad(loss));
  const w2 = time(() => read(vg(jx.tree.ref(p), x.ref, y.ref)));
  rows.push({ workload: 'W2 MLP value+grad (B=128)', system: 'jax-js/wasm (jit)', medianMs: w2 });
  try {
    const pe = jx.jit(jx.vmap(jx.grad(loss), [null, 0, 0]));
    const w3 = time(() => read(pe(jx.tree.ref(p), x.ref, y.ref)), 3, 1);
    rows.push({ workload: 'W3 per-example grads vmap(grad)', system: 'jax-js/wasm (jit)', medianMs: w3, note: `${(w3 / w2).toFixed(1)}x W2` });
  } catch (e) {
    rows.push({ workload: 'W3 per-example grads vmap(grad)', system: 'jax-js/wasm (jit)', medianMs: NaN, note: `failed: ${(e as Error).message.slice(0, 60)}` });
  }
  const x16 = np.array(randomMatrix(4, 3));
  const w5 = time(() => { let z = x16.ref; for (let i = 0; i < 1000; i++) z = z.mul(1.0001).add(0.0001); z.dataSync(); });
  rows.push({ workload: 'W5 dispatch (2000 ops)', system: 'jax-js/wasm (eager)', medianMs: w5, note: `${((w5 * 1000) / 2000).toFixed(2)} µs/op` });
  return rows;
}

export async function tfjsRows(time: Timer, sizes: readonly number[], backend: 'cpu' | 'wasm'): Promise<BenchRow[]> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = require.resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]*$/, '');
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': `${dir}tfjs-backend-wasm.wasm`,
      'tfjs-backend-wasm-simd.wasm': `${dir}tfjs-backend-wasm-simd.wasm`,
      'tfjs-backend-wasm-threaded-simd.wasm': `${dir}tfjs-backend-wasm-threaded-simd.wasm`,
    });
    void readFileSync;
  }
  await tf.setBackend(backend);
  await tf.ready();
  const sys = `tfjs/${backend}`;
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const a = tf.tensor2d(randomMatrix(n, 1), [n, n]), b = tf.tensor2d(randomMatrix(n, 2), [n, n]);
    const ms = time(() => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }, 5, 2);
    rows.push({ workload: `W1 matmul n=${n}`, system: sys, medianMs: ms, gflops: (2 * n ** 3) / (ms * 1e6) });
  }
  const h = hostData();
  const w1 = tf.tensor2d(h.w1, [784, 128]), b1 = tf.tensor1d(h.b1), w2t = tf.tensor2d(h.w2, [128, 10]), b2 = tf.tensor1d(h.b2);
  const x = tf.tensor2d(h.x, [128, 784]), y = tf.oneHot(tf.tensor1d(h.y, 'int32'), 10);
  const loss = (a: any, bb: any, c: any, d: any, xx: any, yy: any) => tf.tidy(() => {
    const logits = tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(xx, a), bb)), c), d);
    return tf.neg(tf.mean(tf.sum(tf.mul(yy, tf.logSoftmax(logits)), -1)));
  });
  const vg = tf.valueAndGrads((a: any, bb: any, c: any, d: any) => loss(a, bb, c, d, x, y));
  const w2ms = time(() => {
    const { value, grads } = vg([w1, b1, w2t, b2]);
    value.dataSync(); grads.forEach((g: any) => { g.dataSync(); g.dispose(); }); value.dispose();
  });
  rows.push({ workload: 'W2 MLP value+grad (B=128)', system: sys, medianMs: w2ms });
  const per = tf.valueAndGrads((a: any, bb: any, c: any, d: any, xx: any, yy: any) => loss(a, bb, c, d, xx, yy));
  const w3 = time(() => {
    for (let i = 0; i < 128; i++) {
      const xi = x.slice([i, 0], [1, 784]), yi = y.slice([i, 0], [1, 10]);
      const { value, grads } = per([w1, b1, w2t, b2, xi, yi]);
      grads.forEach((g: any) => { g.dataSync(); g.dispose(); });
      value.dispose(); xi.dispose(); yi.dispose();
    }
  }, 3, 1);
  rows.push({ workload: 'W3 per-example grads (loop of 128)', system: sys, medianMs: w3, note: `${(w3 / w2ms).toFixed(1)}x W2` });
  // W9: tiny MLP 8 → 32 (tanh) → 1, batch 64, MSE, one Adam step per call (tf.train.adam, eager).
  const rnd = (n: number, seed: number, scale: number) => randomMatrix(Math.ceil(Math.sqrt(n)), seed).subarray(0, n).map((v) => v * scale);
  const tw1 = tf.variable(tf.tensor2d(rnd(256, 4, 2 / Math.sqrt(8)), [8, 32])), tb1 = tf.variable(tf.zeros([32]));
  const tw2 = tf.variable(tf.tensor2d(rnd(32, 5, 2 / Math.sqrt(32)), [32, 1])), tb2 = tf.variable(tf.zeros([1]));
  const tx = tf.tensor2d(rnd(64 * 8, 6, 2), [64, 8]), ty = tf.tensor2d(rnd(64, 7, 2), [64, 1]);
  const adam = tf.train.adam(1e-2);
  const adamStep = () => adam.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(tx, tw1), tb1)), tw2), tb2), ty))) as any, true, [tw1, tb1, tw2, tb2]);
  const steps = 500;
  const w9 = time(() => { let c: any; for (let i = 0; i < steps; i++) { c?.dispose(); c = adamStep(); } c.dataSync(); c.dispose(); }, 5, 1) / steps;
  rows.push({ workload: 'W9 tiny-MLP Adam step', system: sys, medianMs: w9, note: `${(w9 * 1000).toFixed(1)} µs/step (blocks of ${steps}; tf.train.adam)` });
  const x16 = tf.tensor1d(randomMatrix(4, 3));
  const w5 = time(() => { let z = x16; const all: any[] = []; for (let i = 0; i < 1000; i++) { z = tf.add(tf.mul(z, 1.0001), 0.0001); all.push(z); } z.dataSync(); all.forEach((t) => t.dispose()); });
  rows.push({ workload: 'W5 dispatch (2000 ops)', system: sys, medianMs: w5, note: `${((w5 * 1000) / 2000).toFixed(2)} µs/op` });
  return rows;
}
