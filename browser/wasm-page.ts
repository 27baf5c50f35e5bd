// The wasm browser test page: runs the conformance subset (plus cases sized for the wasm kernels)
// on the `wasm` backend against the `js` oracle, W1 and W2 on wasm against js in the same page,
// and times both. With `?threads=2` it first asks for a 2-thread worker pool (`startWasmThreads`;
// needs a cross-origin-isolated page); with `?threads=auto` it leaves the pool to the runtime:
// one large product starts it by itself, and the page yields until the workers are ready (a Web
// Worker cannot start while the page's thread stays busy) before it runs the checks. It reports
// how many GEMM items the workers computed.
// The report is stored in `window.__report` (read by test/browser/wasm.test.ts).
import { backendName, matmul, random, setBackend, startWasmThreads, stopWasmThreads, tree, valueAndGrad, type Tensor } from '../src/index.js';
import { jsBackend } from '../src/backend/js/index.js';
import { wasmBackend, wasmThreadStats } from '../src/backend/wasm/adapter.js';
import { simdSupported } from '../src/backend/wasm/features.js';
import { ALL_CASES } from '../test/backend-gpujs/cases-movement.js';
import { runCase } from '../test/backend-gpujs/cases.js';
import { time } from '../bench/harness.js';
import { mlpBatch, mlpLoss, mlpParams, w1Matmul, w2Mlp } from '../bench/workloads.js';
import { WASM_CASES } from './wasm-cases.js';

interface CaseResult { name: string; ok: boolean; maxErr: number; bad: string[]; error?: string }
interface BenchResult { workload: string; system: string; medianMs: number; gflops?: number }
export interface WasmPageReport {
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  simd: boolean;
  defaultBackend: string;
  threadsRequested: number | 'auto';
  threadsStarted: boolean;
  hardwareConcurrency: number;
  /** `?threads=auto`: threads in use after one large product and yielding (up to 10 s), and how long that took. */
  autoThreads?: number;
  autoStartMs?: number;
  threads: number;
  /** GEMM items computed by worker threads during the cases and W1/W2. */
  workerItems: number;
  cases: CaseResult[];
  /** W1: worst |wasm − js| / ((n + 2)·2⁻²⁴·Σ|a||b|) over the n×n product, per n (≤ 1 passes). */
  w1: { n: number; ratio: number }[];
  /** W2: worst |wasm − js| relative to each gradient leaf's largest entry. */
  w2MaxRelErr: number;
  bench: BenchResult[];
  totalMs: number;
  error?: string;
}

function w1Ratio(n: number): number {
  const a = random.normal(random.key(n), [n, n]);
  const b = random.normal(random.key(n + 1), [n, n]);
  setBackend('js');
  const want = matmul(a, b).toTypedArray();
  setBackend('wasm');
  const got = matmul(a, b).toTypedArray();
  const A = a.toTypedArray(), B = b.toTypedArray();
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let mag = 0;
      for (let k = 0; k < n; k++) mag += Math.abs(A[i * n + k]! * B[k * n + j]!);
      const err = Math.abs(got[i * n + j]! - want[i * n + j]!);
      worst = Math.max(worst, err / ((n + 2) * 2 ** -24 * Math.max(mag, 1e-30)));
    }
  }
  return worst;
}

function w2RelErr(): number {
  const run = (): Float64Array[] => {
    const b = mlpBatch();
    return (tree.leaves(valueAndGrad(mlpLoss)(mlpParams(), b.x, b.y) as never) as Tensor[]).map((t) => Float64Array.from(t.toTypedArray()));
  };
  setBackend('js');
  const want = run();
  setBackend('wasm');
  const got = run();
  let worst = 0;
  want.forEach((w, i) => {
    const g = got[i]!;
    const scale = Math.max(1e-6, ...Array.from(w, Math.abs));
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(g[j]! - w[j]!) / scale);
  });
  return worst;
}

async function main(): Promise<WasmPageReport> {
  const t0 = performance.now();
  const q = new URLSearchParams(location.search);
  const threadsRequested = q.get('threads') === 'auto' ? 'auto' : Number(q.get('threads') ?? '1');
  const report: WasmPageReport = {
    crossOriginIsolated: globalThis.crossOriginIsolated === true, sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    simd: simdSupported(), defaultBackend: backendName(), threadsRequested, threadsStarted: false, hardwareConcurrency: navigator.hardwareConcurrency, threads: 1, workerItems: 0,
    cases: [], w1: [], w2MaxRelErr: NaN, bench: [], totalMs: 0,
  };
  if (threadsRequested !== 'auto' && threadsRequested > 1) report.threadsStarted = await startWasmThreads(threadsRequested);
  if (threadsRequested === 'auto') {
    const s = performance.now();
    matmul(random.normal(random.key(7), [256, 256]), random.normal(random.key(8), [256, 256])).toTypedArray(); // above the automatic pool's threshold
    while (wasmThreadStats().threads < 2 && performance.now() - s < 10_000) await new Promise((r) => setTimeout(r, 5));
    report.autoThreads = wasmThreadStats().threads;
    report.autoStartMs = performance.now() - s;
  }
  for (const c of [...ALL_CASES.filter((k) => k.browser === true), ...WASM_CASES]) {
    try {
      const r = runCase(wasmBackend, jsBackend, c);
      report.cases.push({ name: c.name, ok: r.bad.length === 0, maxErr: r.maxErr, bad: r.bad });
    } catch (e) {
      report.cases.push({ name: c.name, ok: false, maxErr: NaN, bad: [], error: String((e as Error).stack ?? e) });
    }
  }
  report.w1 = [128, 256].map((n) => ({ n, ratio: w1Ratio(n) }));
  report.w2MaxRelErr = w2RelErr();
  if (q.get('bench') !== '0') {
    // A few repetitions only (W2 on js costs ~0.3 s a call under load): a correctness page that also times.
    const quick = (fn: () => unknown, reps = 5, warmup = 2): number => time(fn, Math.min(reps, 5), Math.min(warmup, 2));
    for (const name of ['js', 'wasm']) {
      setBackend(name);
      for (const n of [128, 256]) report.bench.push(w1Matmul(n, quick));
      const w2 = w2Mlp(quick);
      report.bench.push({ ...w2, system: `curvax/${backendName()}` });
    }
  }
  if (threadsRequested === 'auto') report.threadsStarted = await startWasmThreads(); // true once a pool runs
  report.threads = wasmThreadStats().threads;
  report.workerItems = wasmThreadStats().workerItems;
  setBackend('wasm');
  await stopWasmThreads();
  report.totalMs = performance.now() - t0;
  return report;
}

const out = document.getElementById('out')!;
main().then(
  (r) => {
    (window as unknown as { __report: WasmPageReport }).__report = r;
    out.textContent = JSON.stringify(r, null, 2);
  },
  (e: unknown) => {
    const r = { error: String((e as Error).stack ?? e) } as WasmPageReport;
    (window as unknown as { __report: WasmPageReport }).__report = r;
    out.textContent = r.error ?? '';
  },
);
