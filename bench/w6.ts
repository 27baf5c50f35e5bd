// W6: 100 exact natural-gradient steps on breast cancer (Node only: reads data/ from disk,
// so it lives apart from workloads.ts, which the browser page also bundles).
import { readFileSync } from 'node:fs';
import { backendName, curvature, grad, likelihoods, tensor, vmap, zerosLike, type Tensor } from '../src/index.js';
import type { BenchRow } from './harness.js';
import type { Timer } from './workloads.js';

export function w6NaturalGradient(time: Timer): BenchRow {
  const d = readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const cols = d[0]!.length - 1;
  const mu = Array.from({ length: cols }, (_, j) => d.reduce((s, r) => s + r[j]!, 0) / d.length);
  const sd = Array.from({ length: cols }, (_, j) => Math.sqrt(d.reduce((s, r) => s + (r[j]! - mu[j]!) ** 2, 0) / d.length));
  const X = tensor(d.map((r) => [...r.slice(0, cols).map((v, j) => (v - mu[j]!) / sd[j]!), 1]));
  const y = tensor(d.map((r) => r[cols]!));
  const model = (w: Tensor, xn: Tensor) => xn.dot(w);
  const lik = likelihoods.bernoulli();
  const loss = (w: Tensor) => vmap((xn: Tensor, yn: Tensor) => lik.logProb(model(w, xn), yn), { inAxes: [0, 0] })(X, y).mean().neg();
  const g = grad(loss);
  const ms = time(() => {
    let w: Tensor = zerosLike(X.slice([0, 0], [1, cols + 1]).reshape([cols + 1]));
    for (let t = 0; t < 100; t++) {
      const F = curvature.fisher({ model, likelihood: lik }, w, { x: X, y });
      w = w.sub(F.solve(g(w), { damping: 1e-4, method: 'cholesky' }));
    }
    return w;
  }, 5, 1);
  return { workload: 'W6 100 exact-NGD steps (breast cancer)', system: `curvax/${backendName()}`, medianMs: ms };
}
