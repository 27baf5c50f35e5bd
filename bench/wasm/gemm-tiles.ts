/**
 * Register-tile sweep of the generated GEMM: GFLOP/s of square products (data resident, one
 * thread) for several `mr×nr` tiles, with and without relaxed-SIMD FMA, to choose the defaults of
 * `defaultGemmConfig` on the machine at hand. Configurations are interleaved over rounds and the
 * fastest call per configuration is reported (on a shared machine, the speed when not preempted).
 *
 * Run: `npx tsx bench/wasm/gemm-tiles.ts [f32|f64] [n] [rounds] [--relaxed] [--only=4x8,...]`
 * (`--relaxed` switches V8's relaxed-SIMD flag on in this process to time the FMA tiles too).
 * @module
 */
import { WasmMemory, detectRelaxedSimd } from '../../src/backend/wasm/index.js';
import { simdPeakGflops } from './simd-peak.js';
import { buildGemmModule, defaultGemmConfig, gemmWorkspace, type Dtype, type GemmConfig } from '../../src/backend/wasm/gemm.js';

const dtype = (process.argv[2] ?? 'f32') as Dtype;
const n = Number(process.argv[3] ?? 512);
const rounds = Number(process.argv[4] ?? 3);
const E = dtype === 'f32' ? 4 : 8;
const relaxedOk = detectRelaxedSimd(process.argv.includes('--relaxed'));
const TILES: [number, number][] = dtype === 'f32'
  ? [[4, 8], [3, 8], [2, 8], [5, 8], [6, 8], [3, 12], [2, 12], [2, 16], [4, 12], [8, 8]]
  : [[2, 8], [4, 4], [5, 4], [6, 4], [3, 6], [4, 6]];
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');

const mem = new WasmMemory({ initialPages: 1024 });
const aOff = mem.alloc(n * n * E, 64), bOff = mem.alloc(n * n * E, 64), cOff = mem.alloc(n * n * E, 64);
const init = Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
if (dtype === 'f32') { mem.writeF32(aOff, init); mem.writeF32(bOff, init); } else { mem.writeF64(aOff, init); mem.writeF64(bOff, init); }

interface Cand { name: string; run: () => void; samples: number[] }
const cands: Cand[] = [];
for (const relaxed of relaxedOk ? [false, true] : [false]) {
  for (const [mr, nr] of TILES) {
    const name = `${relaxed ? 'fma' : 'mul+add'} ${mr}x${nr}`;
    if (only && !only.some((o) => name.includes(o))) continue;
    const cfg: GemmConfig = { ...defaultGemmConfig(dtype, relaxed), mr, nr, relaxed };
    const ws = mem.alloc(gemmWorkspace(cfg).bytes, 64);
    const mod = new WebAssembly.Module(buildGemmModule(cfg, { shared: mem.shared, maximum: mem.shared ? mem.maximumPages : undefined }));
    const gemm = (new WebAssembly.Instance(mod, { env: { memory: mem.memory } }).exports as Record<string, (...a: number[]) => void>)['gemm']!;
    const run = (): void => gemm(n, n, n, aOff, n * E, E, bOff, n * E, E, cOff, n * E, 0, ws, 1, 0, 0, 0);
    const t = performance.now();
    while (performance.now() - t < 100) run(); // tier up
    cands.push({ name, run, samples: [] });
  }
}
for (let r = 0; r < rounds; r++) {
  for (const c of cands) {
    for (let s = 0; s < 5; s++) {
      const t0 = performance.now();
      c.run();
      c.samples.push(performance.now() - t0);
    }
  }
}
console.log(`${dtype} n=${n}, one thread, GFLOP/s (fastest call of ${5 * rounds}, interleaved: the unloaded speed on a shared machine)`);
for (const c of cands) console.log(`${c.name.padEnd(16)} ${((2 * n ** 3) / Math.min(...c.samples) / 1e6).toFixed(1)}`);
console.log(`f32 SIMD multiply-add peak of this core: ${simdPeakGflops(false).toFixed(1)} GFLOP/s`);
