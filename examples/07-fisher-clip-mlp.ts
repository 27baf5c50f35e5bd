// 07 — natural gradient with gradient clipping on an MLP (64 → 16 tanh → 10) for the digits data:
// chain(scaleByFisher(), clipByGlobalNorm(1), scaleByLearningRate(α)). scaleByFisher rebuilds the
// exact Fisher at every step from `extra` and solves (F + λI) u = g by CG; clipping then bounds
// the natural-gradient step, whose norm is large where the Fisher is nearly singular.
import { readFileSync } from 'node:fs';
import { argmax, equal, likelihoods, optim, random, tensor, tree, valueAndGrad, vmap, type Tensor } from 'curvax';

type Mlp = { l1: { w: Tensor; b: Tensor }; l2: { w: Tensor; b: Tensor } };
const f64 = { dtype: 'float64' } as const;
const rows = readFileSync(new URL('../data/digits.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const split = (a: number, b: number) => ({
  x: tensor(rows.slice(a, b).map((r) => r.slice(0, 64).map((v) => v / 16)), f64),
  y: tensor(rows.slice(a, b).map((r) => r[64]!), { dtype: 'int32' }),
});
const train = split(0, 300), test = split(1200, 1797);

const lik = likelihoods.categorical();
const model = (p: Mlp, x: Tensor) => x.matmul(p.l1.w).add(p.l1.b).tanh().matmul(p.l2.w).add(p.l2.b); // logits
const nll = (p: Mlp, d: typeof train) => vmap((x: Tensor, y: Tensor) => lik.logProb(model(p, x), y), { inAxes: [0, 0] })(d.x, d.y).mean().neg();
const accuracy = (p: Mlp, d: typeof train) => equal(argmax(vmap((x: Tensor) => model(p, x))(d.x), -1), d.y).cast('float64').mean().item();

const [k1, k2] = random.splitList(random.key(0));
let params: Mlp = {
  l1: { w: random.normal(k1!, [64, 16], f64).mul(1 / 8), b: tensor(new Float64Array(16)) },
  l2: { w: random.normal(k2!, [16, 10], f64).mul(1 / 4), b: tensor(new Float64Array(10)) },
};

// scaleBy* transformations return +direction; scaleByLearningRate(α) turns it into −α·direction.
const opt = optim.chain(optim.scaleByFisher(), optim.clipByGlobalNorm(1), optim.scaleByLearningRate(1));
let state = opt.init(params);
const extra = { model, likelihood: lik, batch: train }; // what scaleByFisher builds F from
console.log('step  train NLL  ‖natural step‖ (before clip)');
for (let t = 0; t < 6; t++) {
  const [loss, g] = valueAndGrad((p: Mlp) => nll(p, train))(params) as [Tensor, Mlp];
  const [raw] = optim.scaleByFisher().update(g, {}, params, extra); // only for the printout
  const [u, s] = opt.update(g, state, params, extra);
  state = s;
  params = optim.applyUpdates(params, u) as Mlp;
  console.log(String(t).padStart(4), loss.item().toFixed(4).padStart(10), tree.norm(raw).item().toFixed(2).padStart(12));
}
console.log(`final train NLL ${nll(params, train).item().toFixed(4)}, test accuracy ${(100 * accuracy(params, test)).toFixed(1)}%`);
