// 12 — variance adaptation (Balles & Hennig 2018; Kunstner, Balles & Hennig 2019, §5): the
// empirical Fisher read as the gradient's second moment. Per coordinate, γ = ∇²/(∇² + Var[g])
// shrinks the noisy directions of a mini-batch gradient; curvax estimates Var[g] exactly from
// the batch's per-example gradients (vmap(grad)).
import { readFileSync } from 'node:fs';
import { curvature, jit, optim, softplus, tensor, type Tensor } from 'curvax';

// BreastCancer, standardized, with a bias column.
const rows = readFileSync(new URL('../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const n = rows.length, f = rows[0]!.length - 1;
const mu = Array.from({ length: f }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0) / n);
const sd = Array.from({ length: f }, (_, j) => Math.sqrt(rows.reduce((a, r) => a + (r[j]! - mu[j]!) ** 2, 0) / n));
const Xs = rows.map((r) => [...r.slice(0, f).map((v, j) => (v - mu[j]!) / sd[j]!), 1]);
const ys = rows.map((r) => r[f]!);
const X = tensor(Xs, { dtype: 'float64' }), y = tensor(ys, { dtype: 'float64' });

const exampleLoss = (w: Tensor, x: Tensor, yy: Tensor) => { const z = x.dot(w); return softplus(z).sub(yy.mul(z)); };
const perExample = jit(curvature.perExampleGrads(exampleLoss));
const fullLoss = jit((w: Tensor) => { const z = X.matmul(w); return softplus(z).sub(y.mul(z)).mean(); });

// Fixed mini-batches of 16 (a seeded shuffle).
let seed = 12;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
const batch = () => {
  const idx = Array.from({ length: 16 }, () => Math.floor(rand() * n));
  return { x: tensor(idx.map((i) => Xs[i]!), { dtype: 'float64' }), y: tensor(idx.map((i) => ys[i]!), { dtype: 'float64' }) };
};
const batches = Array.from({ length: 150 }, batch);

// The factors at θ = 0 for the first batch: how much of each coordinate is signal.
const w0 = tensor(new Float64Array(f + 1));
const pe0 = perExample(w0, batches[0]!) as Tensor;
const g0 = pe0.mean(0);
const var0 = optim.minibatchGradientVariance(pe0);
const gamma0 = Array.from(g0.square().div(g0.square().add(var0)).toTypedArray());
console.log(`γ at θ = 0 (first batch): min ${Math.min(...gamma0).toFixed(3)}, median ${gamma0.sort((a, b) => a - b)[Math.floor(gamma0.length / 2)]!.toFixed(3)}, max ${Math.max(...gamma0).toFixed(3)}`);

function run(opt: optim.GradientTransformation<any>, perEx: boolean): number[] {
  let w = w0, s = opt.init(w);
  const losses = [fullLoss(w).item()];
  for (const b of batches) {
    const pe = perExample(w, b) as Tensor;
    const [u, s2] = opt.update(pe.mean(0), s, w, perEx ? { perExampleGrads: pe } : undefined);
    s = s2;
    w = optim.applyUpdates(w, u) as Tensor;
    losses.push(fullLoss(w).item());
  }
  return losses;
}

const lr = 1;
const runs = {
  SGD: run(optim.sgd({ learningRate: lr }), false),
  'SVAG (per-example σ²)': run(optim.svag({ learningRate: lr, variance: 'perExample' }), true),
  'M-SVAG (per-example σ²)': run(optim.msvag({ learningRate: lr, variance: 'perExample' }), true),
  'M-SVAG (moving averages)': run(optim.msvag({ learningRate: lr }), false),
};
console.log(`full-batch mean NLL, mini-batches of 16, learning rate ${lr}`);
console.log('step'.padStart(5), ...Object.keys(runs).map((k) => k.padStart(26)));
for (const t of [0, 10, 50, 100, 150]) console.log(String(t).padStart(5), ...Object.values(runs).map((l) => l[t]!.toFixed(4).padStart(26)));
