// Eager CG solves with the W4 GGN operator (MLP 784→128→10, batch 128, float32; ~100 K
// parameters): time per CG iteration against one matvec of the same operator, in rounds.
//
//   npx tsx bench/cg-solve.ts [rounds=4] [iterations=30]
import { readBack } from './harness.js';
import { w4GgnOperator } from './workloads.js';

const rounds = Number(process.argv[2] ?? 4), iters = Number(process.argv[3] ?? 30);
const { v, G } = w4GgnOperator();
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now();
  for (let i = 0; i < iters; i++) readBack(G.matvec(v));
  const mv = (performance.now() - t0) / iters;
  t0 = performance.now();
  readBack(G.solve(v, { damping: 1e-3, method: 'cg', maxIter: iters, truncate: true }));
  const cg = (performance.now() - t0) / iters;
  console.log(`matvec ${mv.toFixed(3)} ms; CG ${cg.toFixed(3)} ms per iteration (${iters} iterations, damping 1e-3)`);
}
