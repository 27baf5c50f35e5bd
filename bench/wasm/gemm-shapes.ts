/**
 * The generated GEMM on the shapes that take its special paths, one thread, data resident:
 * W2's products (row-major and transposed A, transposed B), edge tiles, products of one row strip
 * (B read in place), outer products (k = 1, W3's per-example weight gradients) and squares.
 * Prints µs per call (fastest and median of interleaved rounds) and GFLOP/s of the fastest.
 *
 * Run: `npx tsx bench/wasm/gemm-shapes.ts [f32|f64] [rounds] [--shapes=128x128x784,784x128x128tA]`
 * (a shape is `MxNxK`, with `tA`/`tB` for a transposed operand).
 * @module
 */
import { WasmMemory } from '../../src/backend/wasm/memory.js';
import { buildGemmModule, defaultGemmConfig, gemmWarmBytes, gemmWorkspace, type Dtype } from '../../src/backend/wasm/gemm.js';

const dtype: Dtype = process.argv[2] === 'f64' ? 'f64' : 'f32';
const rounds = Number(process.argv[3] ?? 15);
const shapes = (process.argv.find((a) => a.startsWith('--shapes='))?.slice(9)
  ?? '128x128x784,784x128x128tA,128x784x128tB,128x10x128,37x53x29,1x128x784,4x1000x1000,784x128x1tA,37x53x1,256x256x256').split(',');
const E = dtype === 'f32' ? 4 : 8;
const cfg = defaultGemmConfig(dtype, false);
const mem = new WasmMemory({ initialPages: 1024 });
const exp = new WebAssembly.Instance(new WebAssembly.Module(buildGemmModule(cfg, { shared: mem.shared, maximum: mem.shared ? mem.maximumPages : undefined })),
  { env: { memory: mem.memory } }).exports as Record<string, (...args: number[]) => void>;
const gemm = exp['gemm']!;
const ws = mem.alloc(gemmWorkspace(cfg).bytes, 64);
const scratch = mem.alloc(gemmWarmBytes(cfg), 64);
exp['warm']!(scratch, ws);

interface Case { name: string; run: () => void; reps: number; flops: number; samples: number[] }
const cases: Case[] = shapes.map((s) => {
  const [m, n, k] = s.split(/x|t/).slice(0, 3).map(Number) as [number, number, number];
  const tA = s.includes('tA'), tB = s.includes('tB');
  const lda = tA ? m : k, ldb = tB ? k : n;
  const init = (len: number): number => {
    const off = mem.alloc(len * E, 64);
    const vals = Array.from({ length: len }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    if (dtype === 'f32') mem.writeF32(off, vals); else mem.writeF64(off, vals);
    return off;
  };
  const a = init(m * k), b = init(k * n), c = init(m * n);
  const run = (): void => gemm(m, n, k, a, (tA ? 1 : lda) * E, (tA ? lda : 1) * E, b, (tB ? 1 : ldb) * E, (tB ? ldb : 1) * E, c, n * E, 0, ws, 1, 0, 0, 0, 0);
  return { name: s, run, reps: Math.max(1, Math.round(1e6 / (m * n * k))), flops: 2 * m * n * k, samples: [] };
});
for (const c of cases) { const t = performance.now(); while (performance.now() - t < 100) c.run(); }
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    for (let i = 0; i < c.reps; i++) c.run();
    c.samples.push((performance.now() - t0) / c.reps);
  }
}
console.log(`${dtype} ${cfg.mr}×${cfg.nr}, one thread, µs per call (fastest / median of ${rounds} interleaved rounds)`);
for (const c of cases) {
  const s = [...c.samples].sort((x, y) => x - y);
  console.log(`${c.name.padEnd(16)} ${(s[0]! * 1e3).toFixed(1).padStart(9)} ${(s[s.length >> 1]! * 1e3).toFixed(1).padStart(9)}   ${(c.flops / s[0]! / 1e6).toFixed(1)} GFLOP/s`);
}
