// W6 written as a user would: 100 exact-Fisher natural-gradient steps on breast cancer (569 × 31),
// each step `curvature.fisher(...).solve(g, { damping, method: 'cholesky' })`, eagerly and inside a
// jitted step, against a plain-JavaScript implementation (Float64Array loops) in the same run.
// jit and plain-JavaScript rounds are interleaved and repeated; medians are reported.
//   npx tsx --conditions curvax-source bench/w6-jit.ts [rounds]
import { readFileSync } from 'node:fs';
import { ngdPlainJs } from './w6.js';
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

const plain = () => ngdPlainJs(rows, d.map((r) => r[cols]!), damping);

const rounds = Number(process.argv[2] ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// Wall time, and this process's CPU time (user + system, all threads): on a shared machine the CPU
// time of each run is far less disturbed by other processes than its wall time.
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const cpu = { eager: [] as number[], jit: [] as number[], plain: [] as number[] };
const timeOnce = (f: () => unknown, into?: number[]) => {
  const c0 = cpuMs(), t0 = performance.now();
  const r = f();
  if (r && typeof (r as Tensor).toTypedArray === 'function') (r as Tensor).toTypedArray();
  const ms = performance.now() - t0;
  into?.push(cpuMs() - c0);
  return ms;
};
// warm up (jit traces once) and check agreement
const we = run(step).toTypedArray(), wj = run(jstep).toTypedArray(), wp = plain();
const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
for (let i = 0; i < 2; i++) { run(jstep); plain(); }
const ts = { eager: [] as number[], jit: [] as number[], plain: [] as number[] };
// The eager rounds first, on their own: their garbage would otherwise be collected (on V8's
// helper threads, counted in the process's CPU time) during the jit and plain rounds.
for (let r = 0; r < rounds; r++) ts.eager.push(timeOnce(() => run(step), cpu.eager));
for (let r = 0; r < rounds; r++) {
  ts.jit.push(timeOnce(() => run(jstep), cpu.jit));
  ts.plain.push(timeOnce(plain, cpu.plain));
}
const m = { eager: median(ts.eager), jit: median(ts.jit), plain: median(ts.plain) };
const c = { eager: median(cpu.eager), jit: median(cpu.jit), plain: median(cpu.plain) };
console.log(`W6 100 exact-NGD steps (breast cancer 569×31), backend ${backendName()}, median of ${rounds} interleaved rounds`);
console.log(`  eager (fisher().solve cholesky)  ${m.eager.toFixed(1)} ms`);
console.log(`  jit(step)                        ${m.jit.toFixed(1)} ms   (${(m.eager / m.jit).toFixed(1)}× eager, ${(m.plain / m.jit).toFixed(2)}× plain JS)`);
console.log(`  plain JavaScript                 ${m.plain.toFixed(1)} ms`);
console.log(`  CPU time (median): eager ${c.eager.toFixed(1)} ms, jit ${c.jit.toFixed(1)} ms, plain JS ${c.plain.toFixed(1)} ms → jit ${(c.plain / c.jit).toFixed(2)}× plain JS`);
console.log(`  max |w_jit − w_eager| = ${diff(wj, we).toExponential(2)}, max |w_jit − w_plain| = ${diff(wj, wp).toExponential(2)}, traces ${jstep.traces}`);
