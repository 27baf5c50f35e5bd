/**
 * The floor of W2 (MLP 784→128→10, batch 128, `jit(valueAndGrad(loss))`) on this machine from the
 * measured speed of its two large products, float32, data resident: the forward `x·W1`
 * (128×784 · 784×128) and the weight gradient `xᵀ·δ` (A = x read transposed: 784×128 · 128×128).
 * Each on one thread and on the pool (this thread + one worker), the pool both back to back (the
 * worker still spinning: the best case) and after 0.5 ms of other work (the worker parked, as
 * between W2's two products). Calls are interleaved; fastest and median per way.
 *
 * Run: `npx tsx bench/wasm/w2-floor.ts [rounds]`
 * @module
 */
import { WasmRuntime } from '../../src/backend/wasm/index.js';

const rounds = Number(process.argv[2] ?? 40);
const one = new WasmRuntime({ threads: 'off' });
const pool = new WasmRuntime({ memory: one.memory, threads: 'off' });
if (!(await pool.startThreads(2))) throw new Error('threads unavailable');
pool.threadSplitWork = 0;
pool.adaptiveThreads = false;
const mem = one.memory;
const init = (n: number): number => {
  const o = mem.alloc(n * 4, 64);
  mem.writeF32(o, Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5));
  return o;
};
const busy = (ms: number): void => { const t = performance.now(); while (performance.now() - t < ms); };
const shapes = [
  { name: 'x·W1   128×784·784×128', m: 128, n: 128, k: 784, tA: false },
  { name: 'xᵀ·δ   784×128·128×128 (A transposed)', m: 784, n: 128, k: 128, tA: true },
];
const ways = ['1 thread', 'pool, hot worker', 'pool, parked worker'] as const;
const cases = shapes.map((s) => ({ ...s, a: init(s.m * s.k), b: init(s.k * s.n), c: init(s.m * s.n), t: ways.map(() => [] as number[]) }));
const call = (rt: WasmRuntime, s: (typeof cases)[number]): void => rt.gemm('f32', { m: s.m, n: s.n, k: s.k, aOff: s.a, bOff: s.b, cOff: s.c, transA: s.tA });
for (const s of cases) for (let i = 0; i < 20; i++) { call(one, s); call(pool, s); }
for (let r = 0; r < rounds; r++) {
  for (const s of cases) {
    let t0 = performance.now(); call(one, s); s.t[0]!.push(performance.now() - t0);
    call(pool, s); // the worker is spinning now
    t0 = performance.now(); call(pool, s); s.t[1]!.push(performance.now() - t0);
    busy(0.5);
    t0 = performance.now(); call(pool, s); s.t[2]!.push(performance.now() - t0);
  }
}
await pool.stopThreads();
const min = (x: number[]): number => Math.min(...x);
const med = (x: number[]): number => [...x].sort((p, q) => p - q)[x.length >> 1]!;
console.log(`ms per product, fastest / median of ${rounds} interleaved rounds (GFLOP/s of the fastest)`);
const best = ways.map(() => 0);
for (const s of cases) {
  const flop = 2 * s.m * s.n * s.k;
  console.log(s.name);
  ways.forEach((w, i) => {
    best[i]! += min(s.t[i]!);
    console.log(`  ${w.padEnd(20)} ${min(s.t[i]!).toFixed(3)} / ${med(s.t[i]!).toFixed(3)}   (${(flop / min(s.t[i]!) / 1e6).toFixed(1)})`);
  });
}
console.log('sum of the two products (fastest), the floor of W2 before its other kernels and the jit call:');
ways.forEach((w, i) => console.log(`  ${w.padEnd(20)} ${best[i]!.toFixed(3)} ms`));
