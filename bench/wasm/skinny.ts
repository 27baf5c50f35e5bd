/**
 * The matrix-vector and small `Aᵀ·B` kernels (`skinny.ts`) against the GEMM on the same products
 * (W6's 569 × 31 design matrix: `X·w`, `Xᵀr`, the Gram `XᵀX`; and a few neighbours), one thread,
 * data resident. Rounds interleave the two kernels; prints CPU µs per call (fastest and median) and
 * the ratio of medians. The results are equal bit for bit (test/backend-wasm/skinny.test.ts).
 *
 * Run: `npx tsx bench/wasm/skinny.ts [f32|f64] [rounds] [--odd]` (`--odd`: odd narrow `Aᵀ·B` shapes)
 * @module
 */
import { WasmRuntime } from '../../src/backend/wasm/index.js';

const dt = process.argv[2] === 'f64' ? 'f64' : 'f32';
const rounds = Number(process.argv[3] ?? 15);
const E = dt === 'f32' ? 4 : 8;
const rt = new WasmRuntime({ threads: 'off' });
const put = (n: number): number => {
  const v = Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  return dt === 'f32' ? rt.memory.allocF32(v) : rt.memory.allocF64(v);
};

interface Case { name: string; gemm: () => void; skinny: () => void; madds: number; t: { gemm: number[]; skinny: number[] } }
const cases: Case[] = [];
for (const [m, k] of (process.argv.includes('--odd') ? [[20000, 2], [5000, 3], [3000, 5], [6, 5000], [10, 100000]] : [[569, 31], [2000, 64], [128, 784]]) as [number, number][]) {
  const x = put(m * k), x2 = put(m * k), w = put(k), r = put(m), out = put(Math.max(m, k, k <= 64 ? k * k : 0));
  cases.push({
    name: `X·w ${m}×${k}`, madds: m * k, t: { gemm: [], skinny: [] },
    // the adapter's former path: the row product wᵀ·Xᵀ (m = 1, B read transposed)
    gemm: () => rt.gemm(dt, { m: 1, n: m, k, aOff: w, bOff: x, cOff: out, transB: true }),
    skinny: () => rt.matvec(dt, m, k, x, k * E, w, out),
  });
  cases.push({
    name: `Xᵀr ${m}×${k}`, madds: m * k, t: { gemm: [], skinny: [] },
    gemm: () => rt.gemm(dt, { m: 1, n: k, k: m, aOff: r, bOff: x, cOff: out }),
    skinny: () => rt.rowvec(dt, m, k, r, x, k * E, out),
  });
  if (k <= 64) {
    cases.push({
      name: `XᵀX ${m}×${k}`, madds: k * k * m, t: { gemm: [], skinny: [] },
      gemm: () => rt.gemm(dt, { m: k, n: k, k: m, aOff: x, bOff: x, cOff: out, transA: true }),
      skinny: () => rt.gramT(dt, k, k, m, x, k * E, x, k * E, out, k * E, true),
    });
    cases.push({
      name: `XᵀY ${m}×${k}`, madds: k * k * m, t: { gemm: [], skinny: [] },
      gemm: () => rt.gemm(dt, { m: k, n: k, k: m, aOff: x, bOff: x2, cOff: out, transA: true }),
      skinny: () => rt.gramT(dt, k, k, m, x, k * E, x2, k * E, out, k * E, false),
    });
  }
}
// CPU time of this (single-threaded) process per call: on a shared machine far less disturbed by
// other processes than wall time.
// Aᵀ·B with A stored [K, M] and B stored [K, N] (the weight gradients of a small layer, W2/W4's hᵀ·δ)
for (const [M, N, K] of (process.argv.includes('--odd') ? [[16, 4000, 2], [4000, 16, 8], [2, 2000, 500], [16, 16, 4096], [5, 300, 40], [300, 3, 20]] : [[128, 10, 128], [784, 10, 128], [10, 128, 128], [64, 16, 1000]]) as [number, number, number][]) {
  const a = put(K * M), b = put(K * N), out = put(M * N);
  cases.push({
    name: `AᵀB ${M}×${N}×${K}`, madds: M * N * K, t: { gemm: [], skinny: [] },
    gemm: () => rt.gemm(dt, { m: M, n: N, k: K, aOff: a, bOff: b, cOff: out, transA: true }),
    skinny: () => rt.gramT(dt, M, N, K, a, M * E, b, N * E, out, N * E, false),
  });
}
const time = (f: () => void, reps: number): number => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / reps;
};
for (const c of cases) { const t = performance.now(); while (performance.now() - t < 100) { c.gemm(); c.skinny(); } }
for (let q = 0; q < rounds; q++) {
  for (const c of cases) {
    const reps = Math.max(20, Math.round(2e6 / c.madds));
    c.t.gemm.push(time(c.gemm, reps));
    c.t.skinny.push(time(c.skinny, reps));
  }
}
const med = (x: number[]): number => [...x].sort((a, b) => a - b)[x.length >> 1]!;
const min = (x: number[]): number => Math.min(...x);
console.log(`${dt}, one thread, CPU µs per call: fastest / median of ${rounds} interleaved rounds`);
console.log(`${'product'.padEnd(16)} ${'GEMM'.padStart(15)} ${'skinny'.padStart(15)}  GEMM/skinny  skinny GFLOP/s`);
for (const c of cases) {
  const g = med(c.t.gemm), s = med(c.t.skinny);
  console.log(`${c.name.padEnd(16)} ${min(c.t.gemm).toFixed(1).padStart(7)} ${g.toFixed(1).padStart(7)} ${min(c.t.skinny).toFixed(1).padStart(7)} ${s.toFixed(1).padStart(7)}  ${(g / s).toFixed(2).padStart(10)}  ${(2 * c.madds / min(c.t.skinny) / 1e3).toFixed(1).padStart(8)}`);
}
