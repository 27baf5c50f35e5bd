// W6: 100 exact natural-gradient steps on breast cancer (Node only: reads data/ from disk,
// so it lives apart from workloads.ts, which the browser page also bundles).
import { readFileSync } from 'node:fs';
import { backendName, curvature, grad, jit, likelihoods, tensor, vmap, zerosLike, type Tensor } from '../src/index.js';
import type { BenchRow } from './harness.js';
import type { Timer } from './workloads.js';

/** W6's problem: standardised breast cancer (569 × 30, plus a bias column) and the user's step. */
export function w6Problem() {
  const d = readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const cols = d[0]!.length - 1;
  const mu = Array.from({ length: cols }, (_, j) => d.reduce((s, r) => s + r[j]!, 0) / d.length);
  const sd = Array.from({ length: cols }, (_, j) => Math.sqrt(d.reduce((s, r) => s + (r[j]! - mu[j]!) ** 2, 0) / d.length));
  const rowsXy = d.map((r) => [...r.slice(0, cols).map((v, j) => (v - mu[j]!) / sd[j]!), 1]);
  const labels = d.map((r) => r[cols]!);
  const X = tensor(rowsXy);
  const y = tensor(labels);
  const model = (w: Tensor, xn: Tensor) => xn.dot(w);
  const lik = likelihoods.bernoulli();
  const loss = (w: Tensor) => vmap((xn: Tensor, yn: Tensor) => lik.logProb(model(w, xn), yn), { inAxes: [0, 0] })(X, y).mean().neg();
  const g = grad(loss);
  const step = (w: Tensor): Tensor => w.sub(curvature.fisher({ model, likelihood: lik }, w, { x: X, y }).solve(g(w), { damping: 1e-4, method: 'cholesky' }));
  /** 100 steps of `f` from θ = 0. */
  const run = (f: (w: Tensor) => Tensor) => () => {
    let w: Tensor = zerosLike(X.slice([0, 0], [1, cols + 1]).reshape([cols + 1]));
    for (let t = 0; t < 100; t++) w = f(w);
    return w;
  };
  return { rowsXy, labels, step, run };
}

/**
 * Runs of 100 jitted steps before W6's timed runs: V8 optimizes the executable's step closures only
 * after some hundreds of calls (`npx tsx bench/w6-warmup.ts`: the first runs after the trace take
 * about twice as long as later ones).
 */
const W6_JIT_WARMUP_RUNS = 10;

export function w6NaturalGradient(time: Timer): BenchRow[] {
  const { rowsXy, labels, step, run } = w6Problem();
  const ms = time(run(step), 5, 1);
  const jitMs = time(run(jit(step)), 7, W6_JIT_WARMUP_RUNS); // the step written the same way, traced once
  const plainMs = time(() => ngdPlainJs(rowsXy, labels, 1e-4), 5, 2);
  return [
    { workload: 'W6 100 exact-NGD steps (breast cancer)', system: 'plain JavaScript (float64 loops)', medianMs: plainMs },
    { workload: 'W6 100 exact-NGD steps (breast cancer)', system: `curvax/${backendName()}`, medianMs: ms },
    { workload: 'W6 100 exact-NGD steps (breast cancer)', system: `curvax/${backendName()} jit`, medianMs: jitMs },
  ];
}

/**
 * The plain-JavaScript peer of W6: the same 100 damped natural-gradient steps on logistic
 * regression in float64 loops (F = Xᵀ diag(p(1−p)) X / N + λI, Cholesky, two triangular solves).
 */
export function ngdPlainJs(rows: readonly (readonly number[])[], labels: readonly number[], damping: number): Float64Array {
  const N = rows.length, P = rows[0]!.length, xs = Float64Array.from(rows.flat()), yy = Float64Array.from(labels);
  const w = new Float64Array(P), F = new Float64Array(P * P), gr = new Float64Array(P), s = new Float64Array(N);
  for (let t = 0; t < 100; t++) {
    F.fill(0); gr.fill(0);
    for (let n = 0; n < N; n++) {
      let z = 0;
      for (let j = 0; j < P; j++) z += xs[n * P + j]! * w[j]!;
      const p = 1 / (1 + Math.exp(-z));
      s[n] = p * (1 - p);
      const r = (p - yy[n]!) / N;
      for (let j = 0; j < P; j++) gr[j]! += r * xs[n * P + j]!;
    }
    for (let n = 0; n < N; n++) {
      const sn = s[n]! / N;
      for (let i = 0; i < P; i++) { const a = sn * xs[n * P + i]!; for (let j = 0; j <= i; j++) F[i * P + j]! += a * xs[n * P + j]!; }
    }
    for (let i = 0; i < P; i++) F[i * P + i]! += damping;
    for (let j = 0; j < P; j++) {
      let dd = F[j * P + j]!;
      for (let k = 0; k < j; k++) dd -= F[j * P + k]! ** 2;
      const l = Math.sqrt(dd);
      F[j * P + j] = l;
      for (let i = j + 1; i < P; i++) { let v = F[i * P + j]!; for (let k = 0; k < j; k++) v -= F[i * P + k]! * F[j * P + k]!; F[i * P + j] = v / l; }
    }
    for (let i = 0; i < P; i++) { let v = gr[i]!; for (let k = 0; k < i; k++) v -= F[i * P + k]! * gr[k]!; gr[i] = v / F[i * P + i]!; }
    for (let i = P - 1; i >= 0; i--) { let v = gr[i]!; for (let k = i + 1; k < P; k++) v -= F[k * P + i]! * gr[k]!; gr[i] = v / F[i * P + i]!; }
    for (let j = 0; j < P; j++) w[j]! -= gr[j]!;
  }
  return w;
}
