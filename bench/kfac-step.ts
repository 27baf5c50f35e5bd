// K-FAC step vs Adam step on a 64→32→10 MLP (categorical likelihood, batch 128, float32), eager,
// in one process, interleaved rounds. Also times the factor computation alone.
//
// Usage: npx tsx bench/kfac-step.ts [rounds=5] [steps=20]  (K-FAC: damping 1e-2, inverses every 10 steps)
// Prints µs/step medians (and the ratio K-FAC / Adam) over rounds.
import { curvature, jit, likelihoods, optim, random, tensor, valueAndGrad, type Tensor } from '../src/index.js';
import { backendName } from '../src/backend/select.js';

type Layer = { w: Tensor; b: Tensor };
type P = { h: Layer; o: Layer };
const rounds = Number(process.argv[2] ?? 5);
const steps = Number(process.argv[3] ?? 20);
const [k1, k2, k3, k4] = random.splitList(random.key(0), 4);
const params0: P = {
  h: { w: random.normal(k1!, [64, 32]).mul(1 / 8), b: tensor(new Float32Array(32)) },
  o: { w: random.normal(k2!, [32, 10]).mul(1 / Math.sqrt(32)), b: tensor(new Float32Array(10)) },
};
const n = 128;
const x = random.normal(k3!, [n, 64]);
const y = random.categorical(k4!, tensor(new Float32Array(n * 10), { shape: [n, 10] }));
const lik = likelihoods.categorical();
const model = (p: P, xi: Tensor, dense: curvature.DenseFn): Tensor => dense('o', dense('h', xi).tanh());
const batchLoss = (p: P, xb: Tensor, yb: Tensor): Tensor => lik.logProb(xb.matmul(p.h.w).add(p.h.b).tanh().matmul(p.o.w).add(p.o.b), yb).neg().div(n); // logProb sums over the batch
const vg = valueAndGrad(batchLoss);
const batch = { x, y };
const jvg = jit(vg);
const jitFactors = jit((p: P, xb: Tensor, yb: Tensor) => {
  const K = curvature.kfac({ model, likelihood: lik }, p, { x: xb, y: yb }, { withGradient: true });
  return { g: K.gradient!, factors: K.factors };
});

const adam = optim.adam({ learningRate: 1e-3 });
const kfacOpt = optim.kfac({ learningRate: 1e-3, damping: 1e-2, inverseEvery: 10 });
type Variant = { name: string; run: (k: number) => number };
const variants: Variant[] = [
  { name: 'Adam step (value+grad, update) µs', run: (k) => {
    let p = params0, s = adam.init(params0);
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      const [, g] = vg(p, x, y);
      const [u, s2] = adam.update(g, s, p);
      p = optim.applyUpdates(p, u) as P; s = s2;
    }
    p.o.b.toTypedArray();
    return ((performance.now() - t0) * 1000) / k;
  } },
  { name: 'K-FAC step (value+grad, factors, update) µs', run: (k) => {
    let p = params0, s = kfacOpt.init(params0);
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      const [, g] = vg(p, x, y);
      const [u, s2] = kfacOpt.update(g, s, p, { model, likelihood: lik, batch });
      p = optim.applyUpdates(p, u) as P; s = s2;
    }
    p.o.b.toTypedArray();
    return ((performance.now() - t0) * 1000) / k;
  } },
  { name: 'K-FAC step, gradient shared with the factors µs', run: (k) => {
    let p = params0, s = kfacOpt.init(params0);
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      const K = curvature.kfac({ model, likelihood: lik }, p, batch, { withGradient: true });
      const [u, s2] = kfacOpt.update(K.gradient!, s, p, { curvature: K });
      p = optim.applyUpdates(p, u) as P; s = s2;
    }
    p.o.b.toTypedArray();
    return ((performance.now() - t0) * 1000) / k;
  } },
  { name: 'K-FAC step, jit(gradient + factors), eager update µs', run: (k) => {
    let p = params0, s = kfacOpt.init(params0);
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      const { g, factors } = jitFactors(p, x, y);
      const [u, s2] = kfacOpt.update(g, s, p, { curvature: { factors } });
      p = optim.applyUpdates(p, u) as P; s = s2;
    }
    p.o.b.toTypedArray();
    return ((performance.now() - t0) * 1000) / k;
  } },
  { name: 'Adam step, jit(value+grad) µs', run: (k) => {
    let p = params0, s = adam.init(params0);
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      const [, g] = jvg(p, x, y);
      const [u, s2] = adam.update(g, s, p);
      p = optim.applyUpdates(p, u) as P; s = s2;
    }
    p.o.b.toTypedArray();
    return ((performance.now() - t0) * 1000) / k;
  } },
  { name: 'K-FAC factors alone (curvature.kfac) µs', run: (k) => {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) curvature.kfac({ model, likelihood: lik }, params0, batch).factors['o']!.B.toTypedArray();
    return ((performance.now() - t0) * 1000) / k;
  } },
];
for (const v of variants) v.run(3);
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(i + r) % variants.length]!;
    results.get(v.name)!.push(v.run(steps));
  }
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
console.log(`backend ${backendName()}, ${rounds} rounds × ${steps} steps, batch ${n}`);
for (const [name, ts] of results) console.log(`${name.padEnd(46)} median ${median(ts).toFixed(0).padStart(8)}   rounds ${ts.map((t) => t.toFixed(0)).join(' ')}`);
const ms = [...results.values()].map(median);
console.log(`eager: K-FAC step / Adam step ${(ms[1]! / ms[0]!).toFixed(2)}, with the shared gradient ${(ms[2]! / ms[0]!).toFixed(2)}; jitted gradients: K-FAC / Adam ${(ms[3]! / ms[4]!).toFixed(2)}`);
