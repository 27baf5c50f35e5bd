// `npm run bench`: the workloads of ../shared/guide/WORKLOADS.md on curvax's backends and on
// peers measured in the same run (jax-js, TensorFlow.js). Prints a table, writes
// bench/results/latest.json and docs/performance.md. Speed is measured here, never in tests.
// Usage: npm run bench [-- --quick] [-- W1 W2 ...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setBackend } from '../src/index.js';
import { type BenchRow, printTable, time } from './harness.js';
import { jaxJsRows, tfjsRows } from './peers.js';
import { w1Matmul, w2Mlp, w3PerExample, w4Curvature, w5Dispatch, w5DispatchJit, w7GgnDiagonal } from './workloads.js';
import { w6NaturalGradient } from './w6.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => /^W\d$/.test(a));
const want = (id: string) => only.length === 0 || only.includes(id);
const sizes = quick ? [128, 256] : [128, 256, 512, 1024];
const rows: BenchRow[] = [];

for (const backend of ['wasm', 'js'] as const) {
  setBackend(backend);
  if (want('W1')) for (const n of sizes) if (backend === 'wasm' || n <= 512) rows.push(w1Matmul(n, time));
  const w2 = want('W2') || want('W3') || want('W4') || want('W7') ? w2Mlp(time) : undefined;
  if (w2) rows.push(w2);
  if (want('W3')) rows.push(w3PerExample(time, w2?.medianMs));
  if (want('W4')) rows.push(...w4Curvature(time, w2?.medianMs));
  if (want('W5')) rows.push(w5Dispatch(time), w5DispatchJit(time));
  if (want('W6')) rows.push(w6NaturalGradient(time));
  if (want('W7')) rows.push(w7GgnDiagonal(time, w2?.medianMs));
}
// gpujs (optional): gpu.js's `webasm` mode, the fastest one that needs no GL in Node (the
// browser test times WebGL2). Only when gpu.js loads; otherwise say why the rows are missing.
if (want('W1') || want('W2')) {
  try {
    setBackend('gpujs', { mode: 'webasm' });
    const gpujsRows: BenchRow[] = [];
    if (want('W1')) for (const n of [128, 256]) gpujsRows.push(w1Matmul(n, time));
    if (want('W2')) gpujsRows.push(w2Mlp(time));
    rows.push(...gpujsRows.map((r) => ({ ...r, system: 'curvax/gpujs:webasm' })));
  } catch (e) {
    console.error(`gpujs rows skipped: ${(e as Error).message}`);
  }
}
setBackend('wasm');
for (const peer of [() => jaxJsRows(time, sizes), () => tfjsRows(time, sizes, 'wasm'), () => tfjsRows(time, sizes, 'cpu')]) {
  try {
    rows.push(...(await peer()).filter((r) => want(r.workload.slice(0, 2))));
  } catch (e) {
    console.error('peer failed:', (e as Error).message);
  }
}

const ref = (w: string) => rows.find((r) => r.system === 'curvax/wasm' && r.workload === w)?.medianMs;
const withRatio = rows.map((r) => {
  const c = ref(r.workload.replace('(loop of 128)', 'vmap(grad)'));
  return { ...r, ratioToCurvax: c ? r.medianMs / c : undefined };
});
printTable(withRatio.map((r) => ({ ...r, note: `${r.note ?? ''}${r.ratioToCurvax ? `  (${r.ratioToCurvax.toFixed(2)}x curvax/wasm)` : ''}` })));
mkdirSync('bench/results', { recursive: true });
const machine = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length };
writeFileSync('bench/results/latest.json', JSON.stringify({ ...machine, rows: withRatio }, null, 2) + '\n');
const fmt = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? '' : v.toFixed(d));
const md = [
  '# Performance', '',
  `Measured by \`npm run bench\` on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}, ${machine.date.slice(0, 10)}.`,
  'Median of ≥ 5 timed runs after warm-ups (3 after 1 for the slowest rows); results read back inside the timed region; float32 unless noted.',
  'Every row was measured in the same run; the ratio column is time / curvax-wasm time for the same workload (lower is faster than curvax).', '',
  '| workload | system | median ms | GFLOP/s | ratio to curvax/wasm | note |', '|---|---|---|---|---|---|',
  ...withRatio.map((r) => `| ${r.workload} | ${r.system} | ${fmt(r.medianMs)} | ${fmt(r.gflops, 1)} | ${fmt(r.ratioToCurvax, 2)} | ${r.note ?? ''} |`),
  '', 'These machines are shared and noisy: compare ratios within one run, not absolute numbers across runs.', '',
].join('\n');
writeFileSync('docs/performance.md', md);
console.log('\nwrote bench/results/latest.json and docs/performance.md');
