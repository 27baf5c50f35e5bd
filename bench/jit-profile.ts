// Per-step profile of a jitted program: compiles its optimized jaxpr with every kernel call
// timed, runs it `reps` times after warm-up, and prints each step's median time (largest first)
// and the share of the total. Steps run synchronously, so a step's time is its kernel's time.
//
//   npx tsx --conditions curvax-source bench/jit-profile.ts [case=w4-hvp] [reps=40] [--print] [--dispose] [--one-thread]
//   cases: w2 (jit(valueAndGrad)), w4-hvp (hessianOperator's tangent program), w4-ggn (GGN matvec);
//   --print also prints the optimized jaxpr; --dispose disposes each call's outputs (else they stay
//   alive until finalized, as in a synchronous loop); --one-thread stops the wasm worker threads.
import { getBackend, stopWasmThreads, grad, jit, linearize, tree, valueAndGrad, vmap, type Tensor } from '../src/index.js';
import { ConcreteTensor } from '../src/tensor/tensor.js';
import { compileJaxpr } from '../src/core/executable.js';
import { wasmThreadStats } from '../src/backend/wasm/adapter.js';
import type { Jaxpr } from '../src/core/jaxpr.js';
import { mlpBatch, mlpLoss, mlpParams, w4GgnOperator, type Mlp } from './workloads.js';

/** Per-step median µs of `j` run on `inputs` (leaves in invar order). */
export function profileProgram(j: Jaxpr, inputs: readonly Tensor[], reps = 40): { label: string; us: number }[] {
  const times = new Map<string, number[]>();
  const exe = compileJaxpr(j, getBackend(), {
    wrapStep: (label, step) => (r) => {
      const t0 = performance.now();
      step(r);
      const t = times.get(label) ?? [];
      t.push((performance.now() - t0) * 1000);
      times.set(label, t);
    },
  });
  const dispose = process.argv.includes('--dispose');
  const run = () => { for (const o of exe.run(inputs as ConcreteTensor[], () => { throw new Error('zero output'); })) { o.toTypedArray(); if (dispose) o.dispose(); } };
  for (let i = 0; i < 20; i++) run();
  times.clear();
  for (let i = 0; i < reps; i++) run();
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  return [...times].map(([label, t]) => ({ label, us: med(t) })).sort((a, b) => b.us - a.us);
}

if (process.argv.includes('--one-thread')) await stopWasmThreads();
const which = process.argv[2] ?? 'w4-hvp';
const reps = Number(process.argv[3] ?? 40);
const p = mlpParams(), { x, y } = mlpBatch();
const v = tree.map((t: Tensor) => t.mul(0.5), p) as Mlp;
const leaves = (t: unknown) => tree.leaves(t as never) as Tensor[];
let program: Jaxpr, inputs: Tensor[];
if (which === 'w2') {
  program = jit(valueAndGrad(mlpLoss)).lower(p, x, y).optimized;
  inputs = [...leaves(p), x, y];
} else if (which === 'w4-hvp') {
  const total = (q: Mlp) => vmap((r: Mlp, xn: Tensor, yn: Tensor) => mlpLoss(r, xn.reshape([1, 784]), yn.reshape([1])), { inAxes: [null, 0, 0] })(q, x, y).sum().mul(1 / 128);
  const lin = linearize(grad(total), p)[1] as (w: Mlp) => Mlp;
  program = jit(lin).lower(v).optimized;
  inputs = leaves(v);
} else if (which === 'w4-ggn') {
  const { v: w4v, G } = w4GgnOperator();
  program = jit((w: Mlp) => G.matvec(w)).lower(w4v).optimized;
  inputs = leaves(w4v);
} else throw new Error(`unknown case ${which}`);

const rows = profileProgram(program, inputs, reps);
const total = rows.reduce((s, r) => s + r.us, 0);
console.log(`${which}: ${program.eqns.length} equations, sum of step medians ${(total / 1000).toFixed(3)} ms`);
for (const r of rows) console.log(`${r.us.toFixed(1).padStart(9)} µs ${((100 * r.us) / total).toFixed(1).padStart(5)}%  ${r.label}`);
console.log(`wasm threads: ${JSON.stringify(wasmThreadStats())}`);
if (process.argv.includes('--print')) console.log(program.toString());
