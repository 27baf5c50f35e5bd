/**
 * GEMM throughput of the wasm kernel runtime versus a plain JS triple loop.
 *
 * Run: `npx tsx bench/wasm/gemm.ts [--quick] [--relaxed]`. Prints GFLOP/s (2·n³ / time, median and
 * fastest of ≥ 5 timed runs after warm-ups) for square n×n·n×n products with data resident in wasm memory:
 * - `wasm`: the default kernels (relaxed-SIMD FMA only where the engine has it), one thread;
 * - `fma` (with `--relaxed`): the relaxed-SIMD kernels, V8's flag switched on where needed;
 * - `wasm ×T`: the default kernels on a worker pool of T = os.availableParallelism() threads,
 *   splitting every product;
 * - `js`: a plain i-k-j triple loop over typed arrays (the `ratio` column is wasm / js).
 * @module
 */
import { availableParallelism } from 'node:os';
import { WasmRuntime, type Dtype } from '../../src/backend/wasm/index.js';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [128, 256] : [128, 256, 512, 1024];
const DTYPES: Dtype[] = ['f32', 'f64'];
const RUNS = 5;

/** GFLOP/s from the median and the fastest time per call of `fn`: ≥ 0.2 s of warm-up, then RUNS samples of ≥ ~50 ms. */
function timeIt(fn: () => void, flops: number): [number, number] {
  const warm = performance.now();
  let calls = 0;
  while (calls < 5 || performance.now() - warm < 200) { fn(); calls++; }
  const once = (performance.now() - warm) / 1000 / calls;
  const reps = Math.max(1, Math.round(0.05 / Math.max(once, 1e-6)));
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((performance.now() - t0) / 1000 / reps);
  }
  samples.sort((a, b) => a - b);
  return [flops / (samples[Math.floor(samples.length / 2)] as number) / 1e9, flops / (samples[0] as number) / 1e9];
}
const cell = ([median, best]: [number, number]): string => `${median.toFixed(1)}/${best.toFixed(0)}`;

/** Plain JS reference: i-k-j loop, the fastest simple ordering for row-major typed arrays. */
function jsMatmul(a: Float32Array | Float64Array, b: Float32Array | Float64Array, c: Float32Array | Float64Array, n: number): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let p = 0; p < n; p++) {
      const aip = a[i * n + p] as number;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] = (c[ci + j] as number) + aip * (b[bp + j] as number);
    }
  }
}

function gflopsWasm(rt: WasmRuntime, dtype: Dtype, n: number): [number, number] {
  const E = dtype === 'f32' ? 4 : 8;
  const mem = rt.memory;
  const aOff = mem.alloc(n * n * E), bOff = mem.alloc(n * n * E), cOff = mem.alloc(n * n * E);
  const init = Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  if (dtype === 'f32') { mem.writeF32(aOff, init); mem.writeF32(bOff, init); } else { mem.writeF64(aOff, init); mem.writeF64(bOff, init); }
  const g = timeIt(() => rt.gemm(dtype, { m: n, n, k: n, aOff, bOff, cOff }), 2 * n ** 3);
  mem.free(aOff); mem.free(bOff); mem.free(cOff);
  return g;
}

function gflopsJs(dtype: Dtype, n: number): [number, number] {
  const init = Float64Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const make = (): Float32Array | Float64Array => (dtype === 'f32' ? Float32Array.from(init) : Float64Array.from(init));
  const a = make(), b = make(), c = make();
  return timeIt(() => jsMatmul(a, b, c, n), 2 * n ** 3);
}

const rt = new WasmRuntime({ threads: 'off' });
const fma = process.argv.includes('--relaxed') ? new WasmRuntime({ relaxedSimd: 'flag', memory: rt.memory, threads: 'off' }) : undefined;
const threaded = new WasmRuntime({ memory: rt.memory });
threaded.adaptiveThreads = false;
threaded.threadSplitWork = 0;
const T = availableParallelism();
const hasPool = T > 1 && (await threaded.startThreads(T));

console.log(`curvax wasm GEMM — Node ${process.version}, ${T} CPUs, relaxed SIMD: ${rt.relaxed}, shared memory: ${rt.memory.shared}`);
console.log(`tiles: f32 ${rt.gemmConfig.f32.mr}×${rt.gemmConfig.f32.nr}, f64 ${rt.gemmConfig.f64.mr}×${rt.gemmConfig.f64.nr}` +
  (fma ? ` (fma: f32 ${fma.gemmConfig.f32.mr}×${fma.gemmConfig.f32.nr}, f64 ${fma.gemmConfig.f64.mr}×${fma.gemmConfig.f64.nr})` : ''));
console.log('GFLOP/s, median/fastest of 5 timed runs after ≥ 0.2 s of warm-up\n');
const header = ['dtype', 'n', 'wasm', ...(fma ? ['fma'] : []), ...(hasPool ? [`wasm ×${T}`] : []), 'js', 'ratio'];
console.log(header.map((h) => h.padStart(10)).join(''));
for (const dtype of DTYPES) {
  for (const n of SIZES) {
    const w = gflopsWasm(rt, dtype, n);
    const p = fma ? gflopsWasm(fma, dtype, n) : undefined;
    const t = hasPool ? gflopsWasm(threaded, dtype, n) : undefined;
    const j = gflopsJs(dtype, n);
    const cells = [dtype, String(n), cell(w), ...(p === undefined ? [] : [cell(p)]), ...(t === undefined ? [] : [cell(t)]), j[0].toFixed(2), `${(w[0] / j[0]).toFixed(0)}×`];
    console.log(cells.map((c) => c.padStart(10)).join(''));
  }
}
await threaded.stopThreads();
