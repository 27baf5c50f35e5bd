/**
 * The pool-or-one-thread choice (`split-choice.ts`) against its two fixed alternatives, in one
 * process: jit W2 value+grad and the W4 Hessian-vector operator, each run on one thread (products
 * never split), on the pool (every large product split), and with the runtime's choice, in
 * alternating blocks of 15 calls after 3 warm-up calls. Prints medians and first quartiles (ms).
 *
 * Run: `npx tsx bench/wasm/pool-choice.ts [rounds=12]` (with `--busy`, another process spins
 * on one core meanwhile).
 * @module
 */
import { spawn } from 'node:child_process';
import { curvature, jit, tree, valueAndGrad, type Tensor } from '../../src/index.js';
import { wasmThreadSettings } from '../../src/backend/wasm/adapter.js';
import { readBack } from '../harness.js';
import { mlpBatch, mlpLoss, mlpParams, type Mlp } from '../workloads.js';

const rounds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 12);
const busy = process.argv.includes('--busy') ? spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }) : undefined;
const p = mlpParams(), { x, y } = mlpBatch();
const vg = jit(valueAndGrad(mlpLoss));
const v = tree.map((t: Tensor) => t.mul(0.5), p) as Mlp;
const H = curvature.hessianOperator((q: Mlp, xn: Tensor, yn: Tensor) => mlpLoss(q, xn.reshape([1, 784]), yn.reshape([1])), p, { x, y }, { reduction: 'mean' });
const fns: Record<string, () => unknown> = { 'W2 jit': () => vg(p, x, y), 'W4 HVP': () => H.matvec(v) };
for (const f of Object.values(fns)) for (let i = 0; i < 30; i++) readBack(f());
const rt = wasmThreadSettings()!;
const split = 192 ** 3;
const modes: Record<string, () => void> = {
  'one thread': () => { rt.threadSplitWork = Infinity; },
  'pool': () => { rt.adaptiveThreads = false; rt.threadSplitWork = split; },
  'choice': () => { rt.adaptiveThreads = true; rt.threadSplitWork = split; },
};
const res = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [mode, set] of Object.entries(modes)) {
    for (const [name, f] of Object.entries(fns)) {
      set();
      for (let i = 0; i < 3; i++) readBack(f());
      const key = `${name.padEnd(8)} ${mode}`;
      const a = res.get(key) ?? [];
      for (let i = 0; i < 15; i++) { const t0 = performance.now(); readBack(f()); a.push(performance.now() - t0); }
      res.set(key, a);
    }
  }
}
busy?.kill();
console.log(`${rounds} rounds${busy ? ', another process spinning' : ''}; ms per call`);
for (const [k, a] of [...res].sort(([u], [w]) => u.localeCompare(w))) {
  a.sort((u, w) => u - w);
  console.log(`${k.padEnd(22)} median ${a[a.length >> 1]!.toFixed(3)}  p25 ${a[a.length >> 2]!.toFixed(3)}`);
}
