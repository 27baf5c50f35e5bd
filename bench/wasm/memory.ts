// Buffer recycling on the wasm backend, off against on, interleaved in one default node process:
// W3 (per-example gradients, vmap(grad) of the W2 MLP) and W7 (exact GGN diagonal).
//
//   npx tsx bench/wasm/memory.ts [rounds=7]
//
// Variants: "readback" copies every leaf out (toTypedArray), as bench/harness.ts does; "consumed"
// sums each leaf inside the library and disposes it, as a user who only needs a statistic does;
// "scope" runs the call and its consumption in scope() (intermediates disposed too). Prints the median ms per
// (variant, setting) of wall time, process CPU time (user + system) and system time alone (page
// faults are system time), and the pool counters.
import { configureWasmBuffers } from '../../src/backend/wasm/adapter.js';
import { curvature, grad, likelihoods, matmul, scope, tree, vmap, type Tensor } from '../../src/index.js';
import { mlpBatch, mlpLoss, mlpParams, type Mlp } from '../workloads.js';

const rounds = Number(process.argv[2] ?? 7);
const p = mlpParams(), { x, y } = mlpBatch();
const pe = vmap(grad(mlpLoss), { inAxes: [null, 0, 0] });
const likelihood = likelihoods.categorical();
const inner = (q: Mlp, xb: Tensor) => matmul(matmul(xb, q.w1).add(q.b1).tanh(), q.w2).add(q.b2);
const w7 = () => curvature.fisher({ model: inner, likelihood }, p, { x, y }).diagonal();

const leaves = (t: unknown): Tensor[] => tree.leaves(t as never) as Tensor[];
const readback = (t: unknown) => { for (const l of leaves(t)) l.toTypedArray(); };
const consume = (t: unknown) => {
  let s = 0;
  for (const l of leaves(t)) { const r = l.sum(); s += r.item(); r.dispose(); l.dispose(); }
  return s;
};

const cases: Record<string, () => unknown> = {
  'W3 readback': () => readback(pe(p, x, y)),
  'W3 consumed': () => consume(pe(p, x, y)),
  'W3 scope': () => scope(() => consume(pe(p, x, y))),
  'W7 readback': () => readback(w7()),
  'W7 consumed': () => consume(w7()),
  'W7 scope': () => scope(() => consume(w7())),
};

const times = new Map<string, number[]>();
const cpu = new Map<string, number[]>(); // user + system CPU time of this process: robust to other load
const sys = new Map<string, number[]>(); // system time alone: page faults are counted here
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of Object.entries(cases)) {
    for (const reuse of r % 2 === 0 ? [false, true] : [true, false]) {
      configureWasmBuffers({ reuse });
      f(); // one warm-up per switch, so each setting starts from its own steady state
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f();
      const dt = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const key = `${name} | ${reuse ? 'reuse on ' : 'reuse off'}`;
      if (r > 0) {
        (times.get(key) ?? times.set(key, []).get(key)!).push(dt);
        (cpu.get(key) ?? cpu.set(key, []).get(key)!).push((c.user + c.system) / 1000);
        (sys.get(key) ?? sys.set(key, []).get(key)!).push(c.system / 1000);
      }
    }
  }
}
const med = (a: number[]) => [...a].sort((u, v) => u - v)[a.length >> 1]!;
console.log(`${'case'.padEnd(32)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)} ${'sys ms'.padStart(8)}   (medians; wall samples)`);
for (const [k, v] of times) console.log(`${k.padEnd(32)} ${med(v).toFixed(1).padStart(8)} ${med(cpu.get(k)!).toFixed(1).padStart(8)} ${med(sys.get(k)!).toFixed(1).padStart(8)}   [${v.map((t) => t.toFixed(0)).join(' ')}]`);
console.log('pool', configureWasmBuffers());
