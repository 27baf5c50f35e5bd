// W6 written as a user would: 100 exact-Fisher natural-gradient steps on breast cancer (569 × 31),
// each step `curvature.fisher(...).solve(g, { damping, method: 'cholesky' })`, eagerly and inside a
// jitted step, against a plain-JavaScript implementation (Float64Array loops) in the same run.
// Rounds are interleaved and repeated; medians are reported.
//   npx tsx --conditions curvax-source bench/w6-jit.ts [rounds]
import { readFileSync } from 'node:fs';
import { backendName, curvature, grad, jit, likelihoods, tensor, vmap, zerosLike, type Tensor } from '../src/index.js';

const d = readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const cols = d[0]!.length - 1;
const mu = Array.from({ length: cols }, (_, j) => d.reduce((s, r) => s + r[j]!, 0) / d.length);
const sd = Array.from({ length: cols }, (_, j) => Math.sqrt(d.reduce((s, r) => s + (r[j]! - mu[j]!) ** 2, 0) / d.length));
const rows = d.map((r) => [...r.slice(0, cols).map((v, j) => (v - mu[j]!) / sd[j]!), 1]);
const X = tensor(rows);
const y = tensor(d.map((r) => r[cols]!));
const model = (w: Tensor, xn: Tensor) => xn.dot(w);
const lik = likelihoods.bernoulli();
const loss = (w: Tensor) => vmap((xn: Tensor, yn: Tensor) => lik.logProb(model(w, xn), yn), { inAxes: [0, 0] })(X, y).mean().neg();
const g = grad(loss);
const damping = 1e-4;
const P = cols + 1;
const step = (w: Tensor): Tensor => w.sub(curvature.fisher({ model, likelihood: lik }, w, { x: X, y }).solve(g(w), { damping, method: 'cholesky' }));
const jstep = jit(step);
const w0 = () => zerosLike(X.slice([0, 0], [1, P]).reshape([P]));

function run(f: (w: Tensor) => Tensor): Tensor {
  let w = w0();
  for (let t = 0; t < 100; t++) w = f(w);
  return w;
}

/** Plain JS: F = Xᵀ diag(p(1−p)) X / N + λI, Cholesky, two triangular solves, float64. */
function plain(): Float64Array {
  const N = rows.length, xs = Float64Array.from(rows.flat()), yy = Float64Array.from(d.map((r) => r[cols]!));
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

const rounds = Number(process.argv[2] ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const timeOnce = (f: () => unknown) => { const t0 = performance.now(); const r = f(); if (r && typeof (r as Tensor).toTypedArray === 'function') (r as Tensor).toTypedArray(); return performance.now() - t0; };
// warm up (jit traces once) and check agreement
const we = run(step).toTypedArray(), wj = run(jstep).toTypedArray(), wp = plain();
const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
for (let i = 0; i < 2; i++) { run(jstep); plain(); }
const ts = { eager: [] as number[], jit: [] as number[], plain: [] as number[] };
for (let r = 0; r < rounds; r++) {
  ts.eager.push(timeOnce(() => run(step)));
  ts.jit.push(timeOnce(() => run(jstep)));
  ts.plain.push(timeOnce(plain));
}
const m = { eager: median(ts.eager), jit: median(ts.jit), plain: median(ts.plain) };
console.log(`W6 100 exact-NGD steps (breast cancer 569×31), backend ${backendName()}, median of ${rounds} interleaved rounds`);
console.log(`  eager (fisher().solve cholesky)  ${m.eager.toFixed(1)} ms`);
console.log(`  jit(step)                        ${m.jit.toFixed(1)} ms   (${(m.eager / m.jit).toFixed(1)}× eager, ${(m.plain / m.jit).toFixed(2)}× plain JS)`);
console.log(`  plain JavaScript                 ${m.plain.toFixed(1)} ms`);
console.log(`  max |w_jit − w_eager| = ${diff(wj, we).toExponential(2)}, max |w_jit − w_plain| = ${diff(wj, wp).toExponential(2)}, traces ${jstep.traces}`);
