// 11 — influence functions (Koh & Liang 2017) for L2-regularized logistic regression on
// BreastCancer: I[i, j] = −∇ℓ(testᵢ)ᵀ (H + λI)⁻¹ ∇ℓ(trainⱼ), the most helpful and harmful
// training patients of a test patient, and a check against retraining without one of them.
import { readFileSync } from 'node:fs';
import { curvature, eye, likelihoods, linalg, tensor, type Tensor } from 'curvax';

const rows = readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const f = rows[0]!.length - 1;
const mu = Array.from({ length: f }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
const sd = Array.from({ length: f }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mu[j]!) ** 2, 0) / rows.length));
const X = tensor(rows.map((r) => [...r.slice(0, f).map((v, j) => (v - mu[j]!) / sd[j]!), 1]), { dtype: 'float64' });
const Y = tensor(rows.map((r) => r[f]!), { dtype: 'float64' });
const P = f + 1, N = 400, lambda = 1;
const lik = likelihoods.bernoulli();
const loss = (p: { w: Tensor }, x: Tensor, y: Tensor) => lik.logProb(x.dot(p.w), y).neg();

/** argmin Σ_{n ∈ rows} ℓₙ + λ/2 ‖θ‖² by Newton's method. */
function fit(x: Tensor, y: Tensor, start = tensor(new Float64Array(P))): Tensor {
  let w = start;
  for (let t = 0; t < 30; t++) {
    const p = x.matmul(w).sigmoid();
    const H = x.T.matmul(x.mul(p.mul(p.neg().add(1)).reshape([x.shape[0]!, 1]))).add(eye(P, undefined, 'float64').mul(lambda));
    w = w.sub(linalg.solve(H, x.T.matmul(p.sub(y)).add(w.mul(lambda))));
  }
  return w;
}

const train = { x: X.slice([0, 0], [N, P]), y: Y.slice([0], [N]) };
const w = fit(train.x, train.y);
// The three held-out patients the model fits worst (the most interesting to explain).
const rest = { x: X.slice([N, 0], [rows.length - N, P]), y: Y.slice([N], [rows.length - N]) };
const restLoss = rest.x.matmul(w).sigmoid().toArray() as number[];
const worst = restLoss.map((p, i) => [-Math.log((rest.y.toArray() as number[])[i] ? p : 1 - p), i] as const).sort((a, b) => b[0] - a[0]).slice(0, 3).map(([, i]) => i);
const idx = tensor(worst, { dtype: 'int32' });
const test = { x: rest.x.take(idx, 0), y: rest.y.take(idx, 0) };
// H = Hessian of Σₙ ℓₙ (the default operator); the damping λ is the L2 term of the objective.
const I = curvature.influence(loss, { w }, train, test, { damping: lambda });
const row = I.slice([0, 0], [1, N]).reshape([N]).toArray() as number[];
const order = row.map((v, j) => [v, j] as const).sort((a, b) => a[0] - b[0]);
const labels = train.y.toArray() as number[];
console.log(`test patient 0 (label ${(test.y.toArray() as number[])[0]}):`);
console.log(`  most helpful training patients: ${order.slice(0, 3).map(([v, j]) => `#${j} (y=${labels[j]}) ${v.toExponential(2)}`).join(', ')}`);
console.log(`  most harmful training patients: ${order.slice(-3).reverse().map(([v, j]) => `#${j} (y=${labels[j]}) +${v.toExponential(2)}`).join(', ')}`);

// Removing training patient j changes the test loss by ≈ −I[0, j]; retrain without it to compare.
const testLoss = (v: Tensor) => loss({ w: v }, test.x.slice([0, 0], [1, P]).reshape([P]), test.y.slice([0], [1]).reshape([])).item();
for (const [v, j] of [order[0]!, order.at(-1)!]) {
  const keep = tensor(Array.from({ length: N }, (_, k) => k).filter((k) => k !== j), { dtype: 'int32' });
  const wj = fit(train.x.take(keep, 0), train.y.take(keep, 0), w);
  console.log(`  remove #${j}: predicted Δ test loss ${(-v).toExponential(3)}, after retraining ${(testLoss(wj) - testLoss(w)).toExponential(3)}`);
}

// K-FAC (or any CurvatureOperator) can replace the exact Hessian for scale; here with the exact
// Fisher (= Hessian for logistic regression), solved by Cholesky.
const F = curvature.fisher({ model: (p: { w: Tensor }, x: Tensor) => x.dot(p.w), likelihood: lik }, { w }, train, { reduction: 'sum' });
const IF = curvature.influence(loss, { w }, train, test, { operator: F, damping: lambda, method: 'cholesky' });
console.log(`max |I(Hessian, CG) − I(Fisher, Cholesky)| = ${IF.sub(I).abs().max().item().toExponential(2)}`);
