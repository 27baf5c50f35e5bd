/**
 * A/B of the generated GEMM against the GEMM of another checkout (a worktree of a base commit),
 * in one process: both modules on one memory, the same operands, calls interleaved round by
 * round; one thread, data resident. Prints CPU µs per call (fastest and median) for each and the
 * ratio of medians, and checks that the two give the same bits.
 *
 * Run: `npx tsx bench/wasm/gemm-ab.ts <other checkout> [rounds] [--shapes=31x31x569tA,128x10x128]`
 * (a shape is `MxNxK`, with `tA`/`tB` for a transposed operand).
 * @module
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmMemory } from '../../src/backend/wasm/memory.js';
import * as mine from '../../src/backend/wasm/gemm.js';

const other = process.argv[2];
if (other === undefined) throw new Error('usage: gemm-ab.ts <other checkout> [rounds] [--shapes=...]');
const base = (await import(pathToFileURL(resolve(other, 'src/backend/wasm/gemm.ts')).href)) as typeof mine;
const rounds = Number(process.argv[3] ?? 21);
const shapes = (process.argv.find((a) => a.startsWith('--shapes='))?.slice(9) ?? '31x31x569tA,32x32x569tA,128x10x128,128x10x128tA,1x31x569,128x128x784').split(',');
const mem = new WasmMemory({ initialPages: 1024 });
const decl = { shared: mem.shared, maximum: mem.shared ? mem.maximumPages : undefined };
type Kernel = (...args: number[]) => void;
const make = (g: typeof mine): Kernel => {
  const cfg = g.defaultGemmConfig('f32', false);
  const exp = new WebAssembly.Instance(new WebAssembly.Module(g.buildGemmModule(cfg, decl)), { env: { memory: mem.memory } }).exports as Record<string, Kernel>;
  const ws = mem.alloc(g.gemmWorkspace(cfg).bytes, 64), scratch = mem.alloc(g.gemmWarmBytes(cfg), 64);
  for (let i = 0; i < 4; i++) exp['warm']!(scratch, ws);
  const gemm = exp['gemm']!;
  return (...a: number[]) => gemm(...a.slice(0, 12), ws, 1, 0, 0, 0, 0);
};
const kernels = { base: make(base), new: make(mine) };
const E = 4;
const init = (len: number): number => {
  const off = mem.alloc(len * E + 64, 64);
  mem.writeF32(off, Array.from({ length: len }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5));
  return off;
};
const time = (f: () => void, reps: number): number => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / reps;
};
console.log(`f32 4×8, one thread, CPU µs per call: fastest / median of ${rounds} interleaved rounds (base: ${other})`);
console.log(`${'shape'.padEnd(16)} ${'base'.padStart(15)} ${'new'.padStart(15)}  base/new  same bits`);
for (const s of shapes) {
  const [m, n, k] = s.split(/x|t/).slice(0, 3).map(Number) as [number, number, number];
  const tA = s.includes('tA'), tB = s.includes('tB');
  const a = init(m * k), b = init(k * n), c = { base: init(m * n), new: init(m * n) };
  const args = (which: 'base' | 'new'): number[] => [m, n, k, a, (tA ? 1 : k) * E, (tA ? m : 1) * E, b, (tB ? 1 : n) * E, (tB ? k : 1) * E, c[which], n * E, 0];
  const run = { base: () => kernels.base(...args('base')), new: () => kernels.new(...args('new')) };
  const reps = Math.max(3, Math.round(3e6 / (m * n * k)));
  const t = { base: [] as number[], new: [] as number[] };
  for (let r = 0; r < rounds; r++) for (const w of ['base', 'new'] as const) t[w].push(time(run[w], reps));
  const same = mem.readF32(c.base, m * n).every((v, i) => Object.is(v, mem.readF32(c.new, m * n)[i]));
  const med = (x: number[]): number => [...x].sort((p, q) => p - q)[x.length >> 1]!;
  const f = (x: number[]): string => `${Math.min(...x).toFixed(1).padStart(7)} ${med(x).toFixed(1).padStart(7)}`;
  console.log(`${s.padEnd(16)} ${f(t.base)} ${f(t.new)}  ${(med(t.base) / med(t.new)).toFixed(2).padStart(8)}  ${same}`);
}
