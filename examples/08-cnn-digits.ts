// 08 — a small CNN on the digits (8×8×1 images): conv 3×3×1×4 SAME → tanh → 2×2 average pool →
// dense 64 → 10. The model is written once against `dense(name, a)` and `conv(name, x, options)`, so
// K-FAC finds its layers without a registry (the conv layer through its unfolded 3×3 patches at the
// 64 output positions), and `curvature.applyDense` gives the plain model for the exact Fisher.
// 1. Training: optim.kfac (K-FAC-expand and K-FAC-reduce factors) vs Adam, same minibatches.
// 2. The exact Fisher's spectrum vs the K-FAC-expand and K-FAC-reduce approximations (P = 690).
import { readFileSync } from 'node:fs';
import { argmax, avgPool, curvature, equal, likelihoods, linalg, optim, random, tensor, valueAndGrad, vmap, type Tensor } from 'curvax';
import type { ConvFn, DenseFn } from 'curvax/curvature';

type Cnn = { c: { w: Tensor; b: Tensor }; o: { w: Tensor; b: Tensor } };
const f64 = { dtype: 'float64' } as const;
const rows = readFileSync(new URL('../data/digits.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const split = (a: number, b: number) => ({
  x: tensor(rows.slice(a, b).map((r) => r.slice(0, 64).map((v) => v / 16)), f64).reshape([b - a, 8, 8, 1]),
  y: tensor(rows.slice(a, b).map((r) => r[64]!), { dtype: 'int32' }),
});
const train = split(0, 1000), test = split(1200, 1797);

const net = (_p: Cnn, x: Tensor, dense: DenseFn, conv: ConvFn): Tensor =>
  dense('o', avgPool(conv('c', x, { padding: 'SAME' }).tanh(), [2, 2]).reshape([64]));
const model = (p: Cnn, x: Tensor): Tensor => curvature.applyDense(net, p, x);
const likelihood = likelihoods.categorical();
const nll = (p: Cnn, d: { x: Tensor; y: Tensor }) => vmap((x: Tensor, y: Tensor) => likelihood.logProb(model(p, x), y), { inAxes: [0, 0] })(d.x, d.y).mean().neg();
const accuracy = (p: Cnn, d: { x: Tensor; y: Tensor }) => equal(argmax(vmap((x: Tensor) => model(p, x))(d.x), -1), d.y).cast('float64').mean().item();

const [k1, k2] = random.splitList(random.key(0), 2);
const init: Cnn = {
  c: { w: random.normal(k1!, [3, 3, 1, 4], f64).mul(1 / 3), b: tensor(new Float64Array(4)) },
  o: { w: random.normal(k2!, [64, 10], f64).mul(1 / 8), b: tensor(new Float64Array(10)) },
};

// 1. Training: 2 epochs of minibatches of 100, each optimizer from the same start.
const batches = Array.from({ length: 10 }, (_, i) => ({ x: train.x.slice([i * 100, 0, 0, 0], [100, 8, 8, 1]), y: train.y.slice([i * 100], [100]) }));
const runs = {
  adam: optim.adam({ learningRate: 0.1 }),
  'kfac-expand': optim.kfac({ learningRate: 0.3, damping: 1e-2, decay: 0.9, weightSharing: 'expand' }),
  'kfac-reduce': optim.kfac({ learningRate: 0.3, damping: 1e-2, decay: 0.9, weightSharing: 'reduce' }),
};
console.log('epoch  ' + Object.keys(runs).map((k) => `${k} (train NLL / test acc)`.padEnd(34)).join(''));
const state = Object.fromEntries(Object.entries(runs).map(([k, o]) => [k, { p: init, s: o.init(init) }]));
for (let epoch = 1; epoch <= 2; epoch++) {
  for (const batch of batches) {
    for (const [name, opt] of Object.entries(runs)) {
      const st = state[name]!;
      const g = valueAndGrad((p: Cnn) => nll(p, batch))(st.p)[1] as Cnn;
      const [u, s] = opt.update(g, st.s as never, st.p, { model: net, likelihood, batch });
      state[name] = { p: optim.applyUpdates(st.p, u) as Cnn, s };
    }
  }
  console.log(String(epoch).padEnd(7) + Object.keys(runs).map((k) => `${nll(state[k]!.p, train).item().toFixed(4)} / ${accuracy(state[k]!.p, test).toFixed(3)}`.padEnd(34)).join(''));
}

// 2. Spectrum at the Adam-trained parameters, on 64 training images: exact Fisher vs K-FAC.
const theta = state['adam']!.p;
const sub = { x: train.x.slice([0, 0, 0, 0], [64, 8, 8, 1]), y: train.y.slice([0], [64]) };
const F = curvature.fisher({ model, likelihood }, theta, sub).dense();
const P = F.shape[0]!;
const host = (t: Tensor) => Float64Array.from(t.toTypedArray() as Float64Array);
const eig = (m: Tensor) => Array.from(linalg.eighSymmetric(host(m), P).values).sort((a, b) => b - a);
const fro = (a: Float64Array, b?: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - (b?.[i] ?? 0)) ** 2, 0));
const Fh = host(F);
const spectra: Record<string, number[]> = { 'exact Fisher': eig(F) };
const errors: Record<string, number> = {};
for (const weightSharing of ['expand', 'reduce'] as const) {
  const K = curvature.kfac({ model: net, likelihood }, theta, sub, { weightSharing }).dense();
  spectra[`K-FAC-${weightSharing}`] = eig(K);
  errors[`K-FAC-${weightSharing}`] = fro(host(K), Fh) / fro(Fh);
}
console.log(`\nP = ${P}; top eigenvalues (N = 64, Adam-trained θ):`);
for (const [k, v] of Object.entries(spectra)) console.log(`  ${k.padEnd(14)} ${v.slice(0, 6).map((e) => e.toExponential(2)).join('  ')}   trace ${v.reduce((a, b) => a + b, 0).toFixed(3)}`);
for (const [k, e] of Object.entries(errors)) console.log(`  ‖${k} − F‖_F / ‖F‖_F = ${e.toFixed(3)}`);
