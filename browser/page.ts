// The browser test page: registers gpujs on WebGL2 with gpu.js's browser bundle, runs the
// conformance subset against the js oracle, checks W2 against js and times W1/W2 on both.
// The report is stored in `window.__report` (read by test/browser/browser.test.ts).
import GPU from 'gpu.js/dist/gpu-browser.js';
import { backendName, setBackend, tree, type Tensor } from '../src/index.js';
import { jsBackend } from '../src/backend/js/index.js';
import { initGpujs } from '../src/backend/gpujs/index.js';
import { ALL_CASES } from '../test/backend-gpujs/cases-movement.js';
import { runCase } from '../test/backend-gpujs/cases.js';
import { time } from '../bench/harness.js';
import { mlpBatch, mlpLoss, mlpParams, w1Matmul, w2Mlp } from '../bench/workloads.js';
import { valueAndGrad } from '../src/index.js';

interface CaseResult { name: string; ok: boolean; maxErr: number; bad: string[]; ms: number; error?: string }
interface BenchResult { workload: string; system: string; medianMs: number; gflops?: number; note?: string }
export interface PageReport {
  mode: string;
  kernelMode: string;
  userAgent: string;
  webgl2Renderer: string;
  cases: CaseResult[];
  w2MaxRelErr: number;
  bench: BenchResult[];
  stats: unknown;
  error?: string;
  totalMs: number;
}

function renderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return 'none';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(ext === null ? gl.getParameter(gl.RENDERER) : gl.getParameter(ext.UNMASKED_RENDERER_WEBGL));
}

function leaves(x: unknown): Float32Array[] {
  return (tree.leaves(x as never) as Tensor[]).map((t) => Float32Array.from(t.toTypedArray()));
}

async function main(): Promise<PageReport> {
  const t0 = performance.now();
  const q = new URLSearchParams(location.search);
  const mode = (q.get('mode') ?? 'webgl2') as 'webgl2';
  const sizes = (q.get('n') ?? '128,256').split(',').map(Number).filter((n) => n > 0);
  const report: PageReport = {
    mode, kernelMode: '', userAgent: navigator.userAgent, webgl2Renderer: renderer(), cases: [], w2MaxRelErr: NaN, bench: [], stats: null, totalMs: 0,
  };
  const be = await initGpujs({ mode, gpujs: GPU });
  report.kernelMode = be.kernelMode;
  for (const c of ALL_CASES.filter((k) => k.browser === true)) {
    const s = performance.now();
    try {
      const r = runCase(be, jsBackend, c);
      report.cases.push({ name: c.name, ok: r.bad.length === 0, maxErr: r.maxErr, bad: r.bad, ms: performance.now() - s });
    } catch (e) {
      report.cases.push({ name: c.name, ok: false, maxErr: NaN, bad: [], ms: performance.now() - s, error: String((e as Error).stack ?? e) });
    }
  }
  // W2 value and gradient on gpujs against js (same float32 inputs).
  const w2 = (): Float32Array[] => {
    const b = mlpBatch();
    return leaves(valueAndGrad(mlpLoss)(mlpParams(), b.x, b.y));
  };
  setBackend('js');
  const want = w2();
  setBackend('gpujs');
  const got = w2();
  let worst = 0;
  want.forEach((w, i) => {
    const g = got[i]!;
    const scale = Math.max(1e-6, ...Array.from(w, Math.abs));
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(g[j]! - w[j]!) / scale);
  });
  report.w2MaxRelErr = worst;
  if (q.get('bench') !== '0') {
    for (const name of ['js', 'gpujs']) {
      setBackend(name);
      for (const n of sizes) report.bench.push(w1Matmul(n, time));
      report.bench.push(w2Mlp(time));
      report.bench.at(-1)!.system = `curvax/${backendName()}`;
    }
  }
  setBackend('js');
  report.stats = be.stats();
  report.totalMs = performance.now() - t0;
  return report;
}

const out = document.getElementById('out')!;
main().then(
  (r) => {
    (window as unknown as { __report: PageReport }).__report = r;
    out.textContent = JSON.stringify(r, null, 2);
  },
  (e: unknown) => {
    const r = { error: String((e as Error).stack ?? e) } as PageReport;
    (window as unknown as { __report: PageReport }).__report = r;
    out.textContent = r.error ?? '';
  },
);
