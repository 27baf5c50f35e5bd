// 13 — the Bayesian learning rule (Khan & Rue 2023): variational online Newton (VON) keeps a
// Gaussian posterior N(μ, Λ⁻¹) over the weights of a logistic regression, averaging the
// curvature at sampled weights; VOGN (Khan et al. 2018) is its diagonal variant with per-example
// squared gradients. Compared with the Laplace approximation at the MAP (VON at the mean).
import { readFileSync } from 'node:fs';
import { grad, likelihoods, linalg, optim, random, softplus, tensor, tree, type Tensor } from 'curvax';

// BreastCancer, standardized, with a bias column: N = 569, 31 weights.
const rows = readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const n = rows.length, f = rows[0]!.length - 1;
const mu = Array.from({ length: f }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0) / n);
const sd = Array.from({ length: f }, (_, j) => Math.sqrt(rows.reduce((a, r) => a + (r[j]! - mu[j]!) ** 2, 0) / n));
const X = tensor(rows.map((r) => [...r.slice(0, f).map((v, j) => (v - mu[j]!) / sd[j]!), 1]), { dtype: 'float64' });
const y = tensor(rows.map((r) => r[f]!), { dtype: 'float64' });

const meanNll = (w: Tensor) => { const z = X.matmul(w); return softplus(z).sub(y.mul(z)).mean(); };
const extra = { model: (w: Tensor, x: Tensor) => x.dot(w), likelihood: likelihoods.bernoulli(), batch: { x: X, y } };
const lambda = 1; // prior N(0, I)

function fit(opt: optim.VonTransformation, steps: number) {
  let state = opt.init(tensor(new Float64Array(f + 1)));
  for (let t = 0; t < steps; t++) {
    // The gradient VON expects: the mean over its weight samples of ∇ℓ̄.
    const thetas = opt.sample(state);
    const g = tree.scale(thetas.map((th) => grad(meanNll)(th as Tensor) as Tensor).reduce((a, b) => tree.add(a, b) as Tensor), 1 / thetas.length) as Tensor;
    state = opt.update(g, state, state.mean, extra)[1];
  }
  return opt.posterior(state);
}

const laplace = fit(optim.von({ dataSize: n, priorPrecision: lambda, structure: 'full', curvature: 'fisher', samples: 0 }), 15);
const vonFull = fit(optim.von({ dataSize: n, priorPrecision: lambda, structure: 'full', curvature: 'fisher', samples: 2, antithetic: true, beta: 0.2, key: random.key(0) }), 40);
const vogn = fit(optim.vogn({ dataSize: n, priorPrecision: lambda, samples: 2, antithetic: true, beta: 0.2, key: random.key(1) }), 40);

const arr = (t: optim.Params) => Array.from((t as Tensor).toTypedArray());
const marginalSd = (p: optim.GaussianPosterior): number[] => {
  const P = p.precision as Tensor;
  if (P.ndim === 1) return arr(P).map((v) => 1 / Math.sqrt(v));
  const k = P.shape[0]!;
  const cov = linalg.inverseSpd(Float64Array.from(arr(P)), k); // host float64, for printing
  return Array.from({ length: k }, (_, i) => Math.sqrt(cov[i * k + i]!));
};
const show = [0, 1, 7, 20, f];
console.log('weight'.padStart(7), 'Laplace mean ± sd'.padStart(22), 'VON (full) mean ± sd'.padStart(24), 'VOGN mean ± sd'.padStart(22));
const [ml, mv, mg] = [laplace, vonFull, vogn].map((p) => arr(p.mean));
const [sl, sv, sg] = [laplace, vonFull, vogn].map(marginalSd);
for (const i of show) {
  const cell = (m: number[], s: number[]) => `${m[i]!.toFixed(3)} ± ${s[i]!.toFixed(3)}`.padStart(22);
  console.log(String(i === f ? 'bias' : i).padStart(7), cell(ml!, sl!), cell(mv!, sv!).padStart(24), cell(mg!, sg!));
}
