// Tiny-MLP Adam step (W9 of ../shared/guide/WORKLOADS.md) and W2 value+grad: eager, jitted with
// replay (compile: false), jitted with the compiled executable; interleaved rounds in one process.
//
// Usage: npx tsx bench/tiny-mlp-adam.ts [rounds=5] [steps=2000] [name filter]
// Prints µs/step (W9) and ms/call (W2) medians over rounds; every round times each variant
// over `steps` steps after warm-up, in rotating order so drift hits all variants alike.
import { jit, tree, valueAndGrad, type Tensor } from '../src/index.js';
import { backendName } from '../src/backend/select.js';
import { mlpBatch, mlpLoss, mlpParams, tinyAdamProblem } from './workloads.js';

const rounds = Number(process.argv[2] ?? 5);
const steps = Number(process.argv[3] ?? 2000);

const { params0, x, y, opt, step } = tinyAdamProblem();

type Variant = { name: string; run: (n: number) => number };
/** CPU time of this process (all threads) in ms: steadier than wall time on a shared machine. */
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let lastCpu = 0;
/** A variant's timing: n steps from the same start, µs per step, last loss read back. */
function adamVariant(name: string, f: typeof step): Variant {
  return {
    name,
    run(n) {
      let p = params0, s: unknown = opt.init(params0), l: Tensor | undefined;
      const t0 = performance.now(), c0 = cpuMs();
      for (let i = 0; i < n; i++) [p, s, l] = f(p, s, x, y);
      l!.item();
      lastCpu = ((cpuMs() - c0) * 1000) / n;
      return ((performance.now() - t0) * 1000) / n;
    },
  };
}
const w2p = mlpParams(), w2b = mlpBatch();
function w2Variant(name: string, f: (p: typeof w2p, x: Tensor, y: Tensor) => unknown): Variant {
  return {
    name,
    run(n) {
      const reps = Math.max(5, Math.round(n / 100));
      const t0 = performance.now(), c0 = cpuMs();
      for (let i = 0; i < reps; i++) for (const leaf of tree.leaves(f(w2p, w2b.x, w2b.y) as never) as Tensor[]) leaf.toTypedArray();
      lastCpu = (cpuMs() - c0) / reps;
      return (performance.now() - t0) / reps;
    },
  };
}

const allVariants: Variant[] = [
  adamVariant('W9 tiny-MLP Adam step, eager (µs/step)', step),
  adamVariant('W9 tiny-MLP Adam step, jit replay (µs/step)', jit(step, { compile: false })),
  adamVariant('W9 tiny-MLP Adam step, jit executable (µs/step)', jit(step)),
  w2Variant('W2 MLP value+grad B=128, jit replay (ms/call)', jit(valueAndGrad(mlpLoss), { compile: false })),
  w2Variant('W2 MLP value+grad B=128, jit executable (ms/call)', jit(valueAndGrad(mlpLoss))),
];
const variants = allVariants.filter((v) => v.name.includes(process.argv[4] ?? ''));

for (const v of variants) v.run(200); // warm-up: traces, compiles, V8 tiering
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const cpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(i + r) % variants.length]!;
    results.get(v.name)!.push(v.run(steps));
    cpu.get(v.name)!.push(lastCpu);
  }
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
console.log(`backend ${backendName()}, ${rounds} rounds × ${steps} steps (W2: ${Math.max(5, Math.round(steps / 100))} calls)`);
for (const [name, ts] of results) {
  const d = name.includes('µs') ? 1 : 3;
  console.log(`${name.padEnd(54)} wall median ${median(ts).toFixed(d).padStart(9)}  cpu median ${median(cpu.get(name)!).toFixed(d).padStart(9)}   wall rounds ${ts.map((t) => t.toFixed(d)).join(' ')}`);
}
