// A jitted Adam training step on the W2 model (MLP 784→128→10, batch 128, ~100 K float32
// parameters): `p, s = step(p, s, x, y)` in a synchronous loop that never disposes, with and
// without donating the parameters and the optimizer state (`jit(..., { donateArgnums: [0, 1] })`).
// Each way runs in its own process (alternating, `pairs` times): in one process the kept steps'
// garbage fills the resident memory's bound and changes what the other way measures. Prints the
// median ms per step over blocks of 50 steps.
//
//   npx tsx bench/donate.ts [pairs=3]
import { spawnSync } from 'node:child_process';
import { jit, optim, valueAndGrad, type Tensor } from '../src/index.js';
import { readBack } from './harness.js';
import { mlpBatch, mlpLoss, mlpParams, type Mlp } from './workloads.js';

const mode = process.argv.find((a) => a === '--kept' || a === '--donated');
if (mode === undefined) {
  const pairs = Number(process.argv[2] ?? 3);
  for (let i = 0; i < pairs; i++) {
    for (const m of ['--kept', '--donated']) {
      const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, m], { encoding: 'utf8' });
      process.stdout.write(r.stdout + r.stderr);
    }
  }
} else {
  const { x, y } = mlpBatch();
  const opt = optim.adam({ learningRate: 1e-3 });
  const vg = valueAndGrad(mlpLoss);
  const body = (p: Mlp, s: unknown, xb: Tensor, yb: Tensor) => {
    const [l, g] = vg(p, xb, yb);
    const [u, s2] = opt.update(g, s as never, p);
    return [optim.applyUpdates(p, u), s2, l] as const;
  };
  const step = mode === '--kept' ? jit(body) : jit(body, { donateArgnums: [0, 1] });
  let p = mlpParams(), s: unknown = opt.init(p);
  const times: number[] = [];
  for (let b = 0; b < 9; b++) {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) {
      const [p2, s2, l] = step(p, s, x, y);
      readBack(l);
      p = p2 as Mlp;
      s = s2;
    }
    if (b > 0) times.push((performance.now() - t0) / 50); // the first block warms up
  }
  times.sort((a, c) => a - c);
  console.log(`${mode.slice(2).padEnd(8)} median ${times[times.length >> 1]!.toFixed(3)} ms/step (fastest block ${times[0]!.toFixed(3)}; 8 blocks of 50 steps)`);
}
