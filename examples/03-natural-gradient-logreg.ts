// 03 — natural gradient vs gradient descent for logistic regression on BreastCancer.
// NGD preconditions with the exact Fisher (1/N) Xᵀ diag(p(1−p)) X, which `optim.ngd` builds at
// every step from the model, the likelihood and the batch passed in `extra`.
import { readFileSync } from 'node:fs';
import { likelihoods, optim, softplus, tensor, valueAndGrad, type Tensor } from 'curvax';

// Load the CSV (target last), standardize the features, append a bias column.
const rows = readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const n = rows.length, f = rows[0]!.length - 1;
const cols = Array.from({ length: f }, (_, j) => rows.map((r) => r[j]!));
const mu = cols.map((c) => c.reduce((a, b) => a + b, 0) / n);
const sd = cols.map((c, j) => Math.sqrt(c.reduce((a, b) => a + (b - mu[j]!) ** 2, 0) / n));
const X = tensor(rows.map((r) => [...r.slice(0, f).map((v, j) => (v - mu[j]!) / sd[j]!), 1]), { dtype: 'float64' });
const y = tensor(rows.map((r) => r[f]!), { dtype: 'float64' });

const model = (w: Tensor, x: Tensor) => x.dot(w); // one example's logit
const loss = (w: Tensor) => { const z = X.matmul(w); return softplus(z).sub(y.mul(z)).mean(); }; // mean NLL
const extra: optim.CurvatureExtra = { model, likelihood: likelihoods.bernoulli(), batch: { x: X, y } };

function run(opt: optim.GradientTransformation<any>, steps: number, withCurvature: boolean): number[] {
  let w: Tensor = tensor(new Float64Array(f + 1));
  let state = opt.init(w);
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    const [l, g] = valueAndGrad(loss)(w);
    losses.push(l.item());
    const [u, s] = opt.update(g, state, w, withCurvature ? extra : undefined);
    state = s;
    w = optim.applyUpdates(w, u);
  }
  losses.push(loss(w).item());
  return losses;
}

const steps = 15;
// Each method at its best step size from a small grid.
const best = (lrs: number[], make: (lr: number) => optim.GradientTransformation<any>, curv: boolean) =>
  lrs.map((lr) => ({ lr, losses: run(make(lr), steps, curv) })).reduce((a, b) => (b.losses.at(-1)! < a.losses.at(-1)! ? b : a));
const gd = best([0.3, 1, 3, 10], (lr) => optim.sgd({ learningRate: lr }), false);
const ng = best([0.3, 1], (lr) => optim.ngd({ learningRate: lr, damping: 1e-4, solver: 'cholesky' }), true);

console.log(`step   GD (α=${gd.lr})   NGD (α=${ng.lr})`);
for (const t of [0, 1, 2, 5, 10, steps]) console.log(String(t).padStart(4), gd.losses[t]!.toFixed(4).padStart(12), ng.losses[t]!.toFixed(4).padStart(13));
console.log(`after ${steps} steps NGD reaches ${(ng.losses.at(-1)! / gd.losses.at(-1)!).toFixed(2)}× GD's loss`);
