/**
 * Where two threads start to pay for a GEMM: one thread against the pool, square float32
 * products resident in wasm memory, interleaved call by call. Two regimes: back to back (the
 * worker is still spinning when the next job arrives) and with ~0.5 ms of other work between
 * calls (the worker has parked in `Atomics.wait` and must be woken).
 *
 * Run: `npx tsx bench/wasm/threads-crossover.ts [rounds] [sizes, e.g. 128,256]`. Prints the median and the fastest call
 * (ms) per size and regime, and the speed-up of the pool.
 * @module
 */
import { WasmRuntime } from '../../src/backend/wasm/index.js';

const rounds = Number(process.argv[2] ?? 30);
const one = new WasmRuntime({ threads: 'off' });
const pool = new WasmRuntime({ memory: one.memory, threads: 'off' });
if (!(await pool.startThreads())) throw new Error('threads unavailable');
pool.threadSplitWork = 0;
pool.adaptiveThreads = false;
const busy = (ms: number): void => { const t = performance.now(); while (performance.now() - t < ms); };
console.log(`threads: ${pool.threads}; ms per call, median / fastest of ${rounds} interleaved calls`);
console.log(['n', 'regime', '1 thread', 'pool', 'speed-up (median)'].map((h) => h.padStart(12)).join(''));
for (const n of (process.argv[3] ?? "48,64,96,128,160,192,256,384,512").split(",").map(Number)) {
  const mem = one.memory;
  const a = mem.alloc(n * n * 4, 64), b = mem.alloc(n * n * 4, 64), c = mem.alloc(n * n * 4, 64);
  mem.writeF32(a, Array.from({ length: n * n }, (_, i) => (i % 7) - 3));
  mem.writeF32(b, Array.from({ length: n * n }, (_, i) => (i % 5) - 2));
  for (const gap of [0, 0.5]) {
    const t1: number[] = [], t2: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const [rt, ts] of [[one, t1], [pool, t2]] as const) {
        busy(gap);
        const t = performance.now();
        rt.gemm('f32', { m: n, n, k: n, aOff: a, bOff: b, cOff: c });
        ts.push(performance.now() - t);
      }
    }
    const med = (x: number[]): number => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
    const f = (x: number[]): string => `${med(x).toFixed(3)}/${Math.min(...x).toFixed(3)}`;
    console.log([String(n), gap ? 'parked' : 'hot', f(t1), f(t2), (med(t1) / med(t2)).toFixed(2)].map((h) => h.padStart(12)).join(''));
  }
  mem.free(a); mem.free(b); mem.free(c);
}
await pool.stopThreads();
