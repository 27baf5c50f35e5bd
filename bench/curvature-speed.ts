// W4 (GGN-vector and Hessian-vector products) and W7 (exact GGN diagonal) with the compiled
// curvature programs on and off, in one process, interleaved. Reports CPU time (process user +
// system; includes any wasm worker threads) and wall time, medians over rounds.
//
//   npx tsx bench/curvature-speed.ts [rounds=7] [--one-thread]
//
// Definitions as bench/workloads.ts (W2 model and batch, float32, fixed seeds).
import { curvature, grad, jit, jvp, likelihoods, matmul, tree, valueAndGrad, backendName, stopWasmThreads, type Tensor } from '../src/index.js';
import { curvatureCompilation } from '../src/curvature/compiled.js';
import { readBack } from './harness.js';
import { mlpBatch, mlpLoss, mlpParams, type Mlp } from './workloads.js';

const rounds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 7);
const oneThread = process.argv.includes('--one-thread');
if (oneThread) await stopWasmThreads();
const likelihood = likelihoods.categorical();
const inner = (p: Mlp, x: Tensor) => matmul(matmul(x, p.w1).add(p.b1).tanh(), p.w2).add(p.b2);
const split = { inner, outer: (z: Tensor, y: Tensor) => likelihood.logProb(z, y).neg() };
const p = mlpParams(), { x, y } = mlpBatch();
const v = tree.map((t: Tensor) => t.mul(0.5), p) as Mlp;
const exampleLoss = (q: Mlp, xn: Tensor, yn: Tensor) => mlpLoss(q, xn.reshape([1, 784]), yn.reshape([1]));

// Operators are built once per mode (as the bench's "operator built once" row).
const ops = new Map<boolean, { G: curvature.CurvatureOperator<Mlp>; H: curvature.CurvatureOperator<Mlp> }>();
const opsFor = (on: boolean) => {
  let o = ops.get(on);
  if (!o) {
    curvatureCompilation.enabled = on;
    o = { G: curvature.ggn(split, p, { x, y }), H: curvature.hessianOperator(exampleLoss, p, { x, y }) };
    ops.set(on, o);
  }
  return o;
};
const hvpJvpGrad = (q: Mlp) => jvp(grad((r: Mlp) => mlpLoss(r, x, y)), [q], [v])[1];
const w2 = jit(valueAndGrad(mlpLoss));
const hvpJit = jit((q: Mlp, w: Mlp) => jvp(grad((r: Mlp) => mlpLoss(r, x, y)), [q], [w])[1]);

interface Case { name: string; run: (on: boolean) => unknown; modes: boolean[]; reps: number }
const cases: Case[] = [
  { name: 'W2 value+grad, jit (reference)', run: () => w2(p, x, y), modes: [false], reps: 10 },
  { name: 'W4 GGN-vp (operator built once)', run: (on) => opsFor(on).G.matvec(v), modes: [false, true], reps: 10 },
  { name: 'W4 GGN-vp (incl. linearize)', run: () => curvature.ggn(split, p, { x, y }).matvec(v), modes: [false, true], reps: 5 },
  { name: 'W4 HVP hessianOperator.matvec', run: (on) => opsFor(on).H.matvec(v), modes: [false, true], reps: 10 },
  { name: 'W4 HVP jvp(grad) (bench row)', run: () => hvpJvpGrad(p), modes: [false], reps: 10 },
  { name: 'W4 HVP jit(jvp(grad))', run: () => hvpJit(p, v), modes: [false], reps: 10 },
  { name: 'W7 exact GGN diagonal', run: () => curvature.fisher({ model: inner, likelihood }, p, { x, y }).diagonal(), modes: [false, true], reps: 5 },
];

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const samples = new Map<string, { cpu: number[]; wall: number[] }>();
const measure = (c: Case, on: boolean, reps: number, record: boolean) => {
  curvatureCompilation.enabled = on;
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    readBack(c.run(on));
    const wall = performance.now() - t0, cpu = cpuMs(process.cpuUsage(c0));
    if (!record) continue;
    const key = `${c.name}|${on ? 'on' : 'off'}`;
    const s = samples.get(key) ?? { cpu: [], wall: [] };
    s.cpu.push(cpu);
    s.wall.push(wall);
    samples.set(key, s);
  }
};
for (const c of cases) for (const on of c.modes) measure(c, on, 3, false); // warm-up (traces, V8 tiers)
for (let r = 0; r < rounds; r++) for (const c of cases) for (const on of (r % 2 ? [...c.modes].reverse() : c.modes)) measure(c, on, c.reps, true);
curvatureCompilation.enabled = true;

const median = (a: number[]) => [...a].sort((m, n) => m - n)[a.length >> 1]!;
console.log(`backend ${backendName()}${oneThread ? ' (one thread)' : ''}, ${rounds} rounds, medians in ms (cpu = process CPU time, wall = elapsed)`);
console.log(`${'workload'.padEnd(36)}${'off cpu'.padStart(9)}${'on cpu'.padStart(9)}${'off wall'.padStart(10)}${'on wall'.padStart(9)}${'cpu ratio'.padStart(11)}`);
for (const c of cases) {
  const off = samples.get(`${c.name}|off`), on = samples.get(`${c.name}|on`);
  const f = (s: { cpu: number[]; wall: number[] } | undefined, k: 'cpu' | 'wall', w: number) => (s ? median(s[k]).toFixed(2) : '—').padStart(w);
  const ratio = off && on ? `${(median(off.cpu) / median(on.cpu)).toFixed(2)}x` : '';
  console.log(`${c.name.padEnd(36)}${f(off, 'cpu', 9)}${f(on, 'cpu', 9)}${f(off, 'wall', 10)}${f(on, 'wall', 9)}${ratio.padStart(11)}`);
}
