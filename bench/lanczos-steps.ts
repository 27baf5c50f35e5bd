// Lanczos on the W4 GGN operator (MLP 784→128→10, batch 128, float32, ~100 K parameters): time
// per Lanczos step against one matvec of the same operator, in rounds.
//
//   npx tsx bench/lanczos-steps.ts [rounds=3] [steps=30]
import { curvature, likelihoods, matmul, random, tree, type Tensor } from '../src/index.js';
import { readBack } from './harness.js';
import { mlpBatch, mlpParams, type Mlp } from './workloads.js';

const rounds = Number(process.argv[2] ?? 3), steps = Number(process.argv[3] ?? 30);
const likelihood = likelihoods.categorical();
const split = {
  inner: (q: Mlp, xb: Tensor) => matmul(matmul(xb, q.w1).add(q.b1).tanh(), q.w2).add(q.b2),
  outer: (z: Tensor, yb: Tensor) => likelihood.logProb(z, yb).neg(),
};
const p = mlpParams(), { x, y } = mlpBatch();
const v = tree.map((t: Tensor) => t.mul(0.5), p) as Mlp;
const G = curvature.ggn(split, p, { x, y });
for (let i = 0; i < 10; i++) readBack(G.matvec(v));
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) readBack(G.matvec(v));
  const mv = (performance.now() - t0) / steps;
  t0 = performance.now();
  curvature.lanczos(G, { k: 3, steps, key: random.key(r) });
  const ls = (performance.now() - t0) / steps;
  console.log(`matvec ${mv.toFixed(3)} ms; Lanczos ${ls.toFixed(3)} ms per step (${steps} steps)`);
}
