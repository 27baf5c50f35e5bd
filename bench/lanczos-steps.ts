// Lanczos on the W4 GGN operator (MLP 784→128→10, batch 128, float32, ~100 K parameters): time
// per Lanczos step against one matvec of the same operator, in rounds.
//
//   npx tsx bench/lanczos-steps.ts [rounds=3] [steps=30]
import { curvature, random } from '../src/index.js';
import { readBack } from './harness.js';
import { w4GgnOperator } from './workloads.js';

const rounds = Number(process.argv[2] ?? 3), steps = Number(process.argv[3] ?? 30);
const { v, G } = w4GgnOperator();
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) readBack(G.matvec(v));
  const mv = (performance.now() - t0) / steps;
  t0 = performance.now();
  curvature.lanczos(G, { k: 3, steps, key: random.key(r) });
  const ls = (performance.now() - t0) / steps;
  console.log(`matvec ${mv.toFixed(3)} ms; Lanczos ${ls.toFixed(3)} ms per step (${steps} steps)`);
}
