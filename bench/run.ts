// `npm run bench`: the workloads of ../shared/guide/WORKLOADS.md on curvax's backends and on
// peers measured in the same run (jax-js, TensorFlow.js), in one default `node` process (no
// flags, no environment variables). Prints a table, writes bench/results/latest.json and
// the generated top of docs/performance.md (the hand-written notes below its marker are kept).
// Speed is measured here, never in tests.
// Usage: npm run bench [-- --quick] [-- W1 W2 ...]
//   --quick: W1 at n = 128 and 256 only (the n = 1024 targets then read "not measured").
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setBackend, startWasmThreads, stopWasmThreads } from '../src/index.js';
import { wasmThreadStats } from '../src/backend/wasm/adapter.js';
import { type BenchRow, printTable, time } from './harness.js';
import { jaxJsRows, tfjsRows } from './peers.js';
import { w1Matmul, w2Mlp, w3PerExample, w4Curvature, w5Dispatch, w5DispatchJit, w7GgnDiagonal, w2MlpJit, w3PerExampleJit, w9TinyAdam } from './workloads.js';
import { w6NaturalGradient } from './w6.js';
import { w8Cnn, w8TfjsCpu } from './w8.js';
import { simdPeakGflops } from './wasm/simd-peak.js';

const started = performance.now();
const loadAtStart = loadavg()[0]!;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => /^W\d$/.test(a));
const want = (id: string) => only.length === 0 || only.includes(id);
const sizes = quick ? [128, 256] : [128, 256, 512, 1024];
const rows: BenchRow[] = [];
const ONE = 'curvax/wasm 1 thread';

for (const backend of ['wasm', 'js'] as const) {
  setBackend(backend);
  // wasm W1 as a user gets it: default process, threads started by the runtime on the first large product.
  if (want('W1')) for (const n of sizes) if (backend === 'wasm' || n <= 512) rows.push(w1Matmul(n, time));
  if (backend === 'wasm' && want('W1')) {
    const { threads, workerItems } = wasmThreadStats();
    rows.forEach((r, i) => {
      if (r.system !== 'curvax/wasm' || !r.workload.startsWith('W1')) return;
      const n = Number(r.workload.slice('W1 matmul n='.length));
      rows[i] = { ...r, note: `${r.note ?? ''}; ${n < 192 ? 'one thread (below the pool size)' : `automatic pool: ${threads} threads ready after the W1 rows, ${workerItems} work items done by the worker`}` };
    });
    await stopWasmThreads(); // the same products on the calling thread only
    for (const n of sizes.filter((m) => m >= 256)) rows.push({ ...w1Matmul(n, time), system: ONE });
    await startWasmThreads(); // back to the default
  }
  const w2 = want('W2') || want('W3') || want('W4') || want('W7') ? w2Mlp(time) : undefined;
  if (w2) rows.push(w2);
  if (want('W2')) rows.push(w2MlpJit(time));
  if (want('W3')) rows.push(w3PerExample(time, w2?.medianMs), w3PerExampleJit(time, w2?.medianMs));
  if (want('W4')) rows.push(...w4Curvature(time, w2?.medianMs));
  if (want('W5')) rows.push(w5Dispatch(time), w5DispatchJit(time));
  if (want('W6')) rows.push(...w6NaturalGradient(time));
  if (want('W7')) rows.push(w7GgnDiagonal(time, w2?.medianMs));
  if (want('W8')) rows.push(...w8Cnn(time));
  if (want('W9')) rows.push(w9TinyAdam(false, backend === 'wasm' ? 500 : 200, 5, 100), w9TinyAdam(true));
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
for (const peer of [() => jaxJsRows(time, sizes), () => tfjsRows(time, sizes, 'wasm'), () => tfjsRows(time, sizes, 'cpu'), () => (want('W8') ? w8TfjsCpu(time) : Promise.resolve([]))]) {
  try {
    rows.push(...(await peer()).filter((r) => want(r.workload.slice(0, 2))));
  } catch (e) {
    console.error('peer failed:', (e as Error).message);
  }
}
const peak = want('W1') ? simdPeakGflops(false) : undefined;

const ref = (w: string) => rows.find((r) => r.system === 'curvax/wasm' && r.workload === w)?.medianMs;
const withRatio = rows.map((r) => {
  const c = ref(r.workload.replace('(loop of 128)', 'vmap(grad)'));
  return { ...r, ratioToCurvax: c ? r.medianMs / c : undefined };
});
printTable(withRatio.map((r) => ({ ...r, note: `${r.note ?? ''}${r.ratioToCurvax ? `  (${r.ratioToCurvax.toFixed(2)}x curvax/wasm)` : ''}` })));
const minutes = (performance.now() - started) / 60_000;
mkdirSync('bench/results', { recursive: true });
const machine = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, simdPeakGflops: peak, minutes, loadAverage: [loadAtStart, loadavg()[0]!] };
writeFileSync('bench/results/latest.json', JSON.stringify({ ...machine, rows: withRatio }, null, 2) + '\n');
const fmt = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? '' : v.toFixed(d));
const md = [
  '# Performance', '',
  `Measured by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}, ${machine.date.slice(0, 10)}, in one default \`node\` process (no flags, no environment variables); the run took ${minutes.toFixed(1)} minutes; 1-minute load average ${machine.loadAverage.map((l) => l.toFixed(1)).join(' at start, ')} at the end (other processes on the same cores: ${machine.cores} means fully busy).`,
  'Median of ≥ 5 timed runs after warm-ups (3 after 1 for the slowest rows); results read back inside the timed region; float32 unless noted.',
  'Every row was measured in the same run; the ratio column is time / curvax-wasm time for the same workload (lower is faster than curvax).',
  '`curvax/wasm` rows use the defaults (worker threads start by themselves on the first large matrix product); `curvax/wasm 1 thread` rows are the same products after `stopWasmThreads()`.', '',
  ...targets(), '',
  '| workload | system | median ms | GFLOP/s | ratio to curvax/wasm | note |', '|---|---|---|---|---|---|',
  ...withRatio.map((r) => `| ${r.workload} | ${r.system} | ${fmt(r.medianMs)} | ${fmt(r.gflops, 1)} | ${fmt(r.ratioToCurvax, 2)} | ${r.note ?? ''} |`),
  '', 'These machines are shared and noisy: compare ratios within one run, not absolute numbers across runs.', '',
].join('\n');
// Everything below the marker in docs/performance.md is hand-written and kept as it is.
const MARKER = '<!-- Hand-written notes below this line are kept as they are by npm run bench. -->';
let notes = '';
try {
  const old = readFileSync('docs/performance.md', 'utf8');
  const at = old.indexOf(MARKER);
  if (at >= 0) notes = old.slice(at + MARKER.length).replace(/^\n+/, '');
} catch { /* first run */ }
writeFileSync('docs/performance.md', `${md}${MARKER}\n\n${notes}`);
console.log(`\nwrote bench/results/latest.json and docs/performance.md (${minutes.toFixed(1)} min)`);

/** The targets of issue 12 (float32, 2 cores, default process), each with this run's value. */
function targets(): string[] {
  const get = (w: string, sys: string) => rows.find((r) => r.workload.startsWith(w) && r.system === sys);
  const ms = (w: string, sys: string) => get(w, sys)?.medianMs;
  const line = (target: string, got: string, ok: boolean | undefined) => `| ${target} | ${got} | ${ok === undefined ? 'not measured' : ok ? 'yes' : 'no'} |`;
  const f = (v: number | undefined, d = 2) => (v === undefined ? '—' : v.toFixed(d));
  const both = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : Math.min(a ?? Infinity, b ?? Infinity));
  const w1one = get('W1 matmul n=1024', ONE)?.gflops, w1thr = get('W1 matmul n=1024', 'curvax/wasm')?.gflops;
  const fastest = (w: string, sys: string) => /fastest run ([\d.]+)/.exec(get(w, sys)?.note ?? '')?.[1] ?? '—';
  const w1s = ms('W1 matmul n=128', 'curvax/wasm'), w1tf = ms('W1 matmul n=128', 'tfjs/wasm'), w1jx = ms('W1 matmul n=128', 'jax-js/wasm (jit)');
  const w2 = both(ms('W2', 'curvax/wasm'), ms('W2', 'curvax/wasm jit'));
  const w3 = both(ms('W3 per-example grads vmap', 'curvax/wasm'), ms('W3 per-example grads vmap', 'curvax/wasm jit'));
  const w4g = ms('W4 GGN-vector product', 'curvax/wasm'), w4h = ms('W4 Hessian-vector product', 'curvax/wasm');
  const w7 = ms('W7', 'curvax/wasm');
  const w9 = ms('W9', 'curvax/wasm jit'), w9e = ms('W9', 'curvax/wasm');
  const w6 = ms('W6', 'curvax/wasm jit'), w6js = ms('W6', 'plain JavaScript (float64 loops)');
  const us = (v: number | undefined) => (v === undefined ? undefined : v * 1000);
  return [
    '## Targets (issue 12; float32, this run)', '',
    '| target | measured | holds? |', '|---|---|---|',
    line('W1 matmul n=1024 ≥ 50 GFLOP/s on one thread', `${f(w1one, 1)} GFLOP/s median, fastest run ${fastest('W1 matmul n=1024', ONE)} (f32 SIMD multiply-add peak of one core, fastest of many calls in the same run: ${f(peak, 1)})`, w1one === undefined ? undefined : w1one >= 50),
    line('W1 matmul n=1024 ≥ 80 GFLOP/s with threads', `${f(w1thr, 1)} GFLOP/s median, fastest run ${fastest('W1 matmul n=1024', 'curvax/wasm')} (pool of ${wasmThreadStats().threads} threads)`, w1thr === undefined ? undefined : w1thr >= 80),
    line('W1 matmul n=128 ≤ tfjs-wasm', `${f(w1s, 3)} ms; tfjs-wasm ${f(w1tf, 3)}, jax-js ${f(w1jx, 3)}`, w1s === undefined || w1tf === undefined ? undefined : w1s <= w1tf),
    line('W2 MLP value+grad ≤ 1.0 ms', `${f(w2)} ms (best of eager and jit)`, w2 === undefined ? undefined : w2 <= 1),
    line('W3 per-example grads ≤ 25 ms', `${f(w3, 1)} ms (best of eager and jit)`, w3 === undefined ? undefined : w3 <= 25),
    line('W4 GGN-vector and Hessian-vector products ≤ 2.5 ms each', `GGN ${f(w4g)} ms, HVP ${f(w4h)} ms`, w4g === undefined || w4h === undefined ? undefined : w4g <= 2.5 && w4h <= 2.5),
    line('W7 exact GGN diagonal ≤ 10 ms', `${f(w7, 1)} ms`, w7 === undefined ? undefined : w7 <= 10),
    line('W6 100 natural-gradient steps under jit ≤ 10 ms and ≥ 4× faster than plain JavaScript (issue 15)', `${f(w6, 1)} ms; plain JavaScript ${f(w6js, 1)} ms (${w6 && w6js ? (w6js / w6).toFixed(1) : '—'}×)`, w6 === undefined || w6js === undefined ? undefined : w6 <= 10 && w6js / w6 >= 4),
    line('W9 tiny-MLP Adam step under jit ≤ 60 µs', `${f(us(w9), 1)} µs jit, ${f(us(w9e), 1)} µs eager`, w9 === undefined ? undefined : us(w9)! <= 60),
  ];
}
