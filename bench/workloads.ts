// The standard workloads (float32, fixed seeds) built on the public API.
import { curvature, grad, jit, jvp, likelihoods, logSoftmax, matmul, oneHot, optim, random, scope, tensor, tree, valueAndGrad, vmap, type Tensor } from '../src/index.js';
import { backendName } from '../src/index.js';
import { lastFastestMs, readBack, type BenchRow } from './harness.js';

export type Timer = (fn: () => unknown, reps?: number, warmup?: number) => number;
export type Mlp = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };

export function mlpParams(seed = 0): Mlp {
  const [k1, k2] = random.splitList(random.key(seed));
  return {
    w1: random.normal(k1!, [784, 128]).mul(1 / 28),
    b1: random.normal(k1!, [128]).mul(0),
    w2: random.normal(k2!, [128, 10]).mul(1 / Math.sqrt(128)),
    b2: random.normal(k2!, [10]).mul(0),
  };
}

export function mlpLoss(p: Mlp, x: Tensor, y: Tensor): Tensor {
  const logits = matmul(matmul(x, p.w1).add(p.b1).tanh(), p.w2).add(p.b2);
  return oneHot(y, 10).mul(logSoftmax(logits)).sum(-1).neg().mean();
}

export function mlpBatch(seed = 1): { x: Tensor; y: Tensor } {
  const [kx, ky] = random.splitList(random.key(seed));
  return { x: random.normal(kx!, [128, 784]), y: random.categorical(ky!, random.normal(ky!, [128, 10]).mul(0)) };
}

export function w1Matmul(n: number, time: Timer): BenchRow {
  const a = random.normal(random.key(n), [n, n]);
  const b = random.normal(random.key(n + 1), [n, n]);
  const ms = time(() => matmul(a, b), 5, 1);
  const fastest = lastFastestMs;
  return { workload: `W1 matmul n=${n}`, system: `curvax/${backendName()}`, medianMs: ms, gflops: (2 * n ** 3) / (ms * 1e6), note: `fastest run ${((2 * n ** 3) / (fastest * 1e6)).toFixed(1)} GFLOP/s` };
}

export function w2Mlp(time: Timer): BenchRow {
  const p = mlpParams(), { x, y } = mlpBatch();
  const vg = valueAndGrad(mlpLoss);
  const ms = time(() => vg(p, x, y), 20, 20); // as many warm-ups as the jitted row: V8 needs them
  return { workload: 'W2 MLP value+grad (B=128)', system: `curvax/${backendName()}`, medianMs: ms };
}

/**
 * How a user consumes W3's `[128, P]` per-example gradients: inside `scope`, reduced in the
 * library (here the sum of squares over examples, the empirical Fisher diagonal), everything but
 * the reduction disposed at the scope's end. The timing includes what the result costs to hold
 * and free, not a 52 MB read-back into JavaScript.
 */
function consumePerExample(perExample: () => Mlp): Mlp {
  return scope(() => tree.map((l: Tensor) => l.square().sum(0), perExample()) as Mlp);
}

export function w3PerExample(time: Timer, w2ms?: number): BenchRow {
  const p = mlpParams(), { x, y } = mlpBatch();
  const pe = vmap(grad(mlpLoss), { inAxes: [null, 0, 0] });
  const ms = time(() => consumePerExample(() => pe(p, x, y)), 5, 1);
  return { workload: 'W3 per-example grads vmap(grad)', system: `curvax/${backendName()}`, medianMs: ms, ...(w2ms ? { note: `${(ms / w2ms).toFixed(1)}x W2` } : {}) };
}

/** W2 with the whole value-and-gradient program under jit (staged once, simplified, fused). */
export function w2MlpJit(time: Timer): BenchRow {
  const p = mlpParams(), { x, y } = mlpBatch();
  const vg = jit(valueAndGrad(mlpLoss));
  const ms = time(() => vg(p, x, y), 20, 20);
  return { workload: 'W2 MLP value+grad (B=128)', system: `curvax/${backendName()} jit`, medianMs: ms };
}

/** W3 under jit: jit(vmap(grad)). */
export function w3PerExampleJit(time: Timer, w2ms?: number): BenchRow {
  const p = mlpParams(), { x, y } = mlpBatch();
  const pe = jit(vmap(grad(mlpLoss), { inAxes: [null, 0, 0] }));
  const ms = time(() => consumePerExample(() => pe(p, x, y)), 5, 3);
  return { workload: 'W3 per-example grads vmap(grad)', system: `curvax/${backendName()} jit`, medianMs: ms, ...(w2ms ? { note: `${(ms / w2ms).toFixed(1)}x W2` } : {}) };
}

export function w5Dispatch(time: Timer): BenchRow {
  const x0 = random.normal(random.key(5), [16]);
  const ms = time(() => {
    let x = x0;
    for (let i = 0; i < 1000; i++) x = x.mul(1.0001).add(0.0001);
    return x;
  }, 20, 20); // warmed like the jitted row
  return { workload: 'W5 dispatch (2000 ops)', system: `curvax/${backendName()}`, medianMs: ms, note: `${((ms * 1000) / 2000).toFixed(2)} µs/op` };
}

/**
 * W5 under `jit`: the same 1000 × (mul, add) chain, traced once and fused into one kernel.
 * Steady state: the generated kernel's segments need several hundred calls before V8 optimizes
 * them all, so this row warms up longer than the others (trace and compile happen in warm-up).
 */
export function w5DispatchJit(time: Timer): BenchRow {
  const x0 = random.normal(random.key(5), [16]);
  const chain = jit((x: Tensor) => {
    for (let i = 0; i < 1000; i++) x = x.mul(1.0001).add(0.0001);
    return x;
  });
  const ms = time(() => chain(x0), 50, 1500);
  const low = chain.lower(x0);
  return {
    workload: 'W5 dispatch (2000 ops)', system: `curvax/${backendName()} jit`, medianMs: ms,
    note: `${((ms * 1000) / 2000).toFixed(3)} µs/op; ${low.fusedEqns} ops in ${low.fusedGroups} fused kernel`,
  };
}

const likelihood = likelihoods.categorical();
const ggnSplit = {
  inner: (p: Mlp, x: Tensor) => matmul(matmul(x, p.w1).add(p.b1).tanh(), p.w2).add(p.b2),
  outer: (z: Tensor, y: Tensor) => likelihood.logProb(z, y).neg(),
};

/** W4's GGN operator (built once, its matvec warmed up), with its params, batch and a direction v = p / 2. */
export function w4GgnOperator() {
  const p = mlpParams(), { x, y } = mlpBatch();
  const v = tree.map((t: Tensor) => t.mul(0.5), p) as Mlp;
  const G = curvature.ggn(ggnSplit, p, { x, y });
  for (let i = 0; i < 10; i++) readBack(G.matvec(v));
  return { p, x, y, v, G };
}

export function w4Curvature(time: Timer, w2ms?: number): BenchRow[] {
  const p = mlpParams(), { x, y } = mlpBatch();
  const v = tree.map((t: Tensor) => t.mul(0.5), p) as Mlp;
  const G = curvature.ggn(ggnSplit, p, { x, y });
  // Operators built once are timed in their steady state: the first calls trace and compile the
  // jitted matvec, and its new kernels start on baseline code (bench/jit-profile.ts profiles it).
  const ggnMs = time(() => G.matvec(v), 15, 5);
  const buildMs = time(() => curvature.ggn(ggnSplit, p, { x, y }).matvec(v));
  const hvp = (q: Mlp) => jvp(grad((r: Mlp) => mlpLoss(r, x, y)), [q], [v])[1];
  const hvpMs = time(() => hvp(p));
  // the operator a user builds once for repeated products (the mean loss over the batch, as mlpLoss)
  const H = curvature.hessianOperator((q: Mlp, xn: Tensor, yn: Tensor) => mlpLoss(q, xn.reshape([1, 784]), yn.reshape([1])), p, { x, y }, { reduction: 'mean' });
  const hOpMs = time(() => H.matvec(v), 15, 5);
  const r = (ms: number) => (w2ms ? `${(ms / w2ms).toFixed(1)}x W2` : '');
  return [
    { workload: 'W4 GGN-vector product', system: `curvax/${backendName()}`, medianMs: ggnMs, note: `${r(ggnMs)}; operator built once` },
    { workload: 'W4 GGN-vector product (incl. linearize)', system: `curvax/${backendName()}`, medianMs: buildMs, note: r(buildMs) },
    { workload: 'W4 Hessian-vector product', system: `curvax/${backendName()}`, medianMs: hOpMs, note: `${r(hOpMs)}; hessianOperator built once` },
    { workload: 'W4 Hessian-vector product (jvp(grad), eager)', system: `curvax/${backendName()}`, medianMs: hvpMs, note: r(hvpMs) },
  ];
}

export function w7GgnDiagonal(time: Timer, w2ms?: number): BenchRow {
  const p = mlpParams(), { x, y } = mlpBatch();
  const ms = time(() => curvature.fisher({ model: ggnSplit.inner, likelihood }, p, { x, y }).diagonal(), 5, 1);
  return { workload: 'W7 exact GGN diagonal', system: `curvax/${backendName()}`, medianMs: ms, ...(w2ms ? { note: `${(ms / w2ms).toFixed(1)}x W2` } : {}) };
}

export type Tiny = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };

/** The W9 problem: MLP 8 → 32 (tanh) → 1, batch 64, mean squared error, Adam (lr 1e-2), and one eager step. */
export function tinyAdamProblem() {
  const [k1, k2, k3, k4] = random.splitList(random.key(0), 4);
  const params0: Tiny = {
    w1: random.normal(k1!, [8, 32]).mul(1 / Math.sqrt(8)),
    b1: tensor(new Float32Array(32)),
    w2: random.normal(k2!, [32, 1]).mul(1 / Math.sqrt(32)),
    b2: tensor(new Float32Array(1)),
  };
  const x = random.normal(k3!, [64, 8]), y = random.normal(k4!, [64, 1]);
  const loss = (p: Tiny, xb: Tensor, yb: Tensor) => matmul(matmul(xb, p.w1).add(p.b1).tanh(), p.w2).add(p.b2).sub(yb).square().mean();
  const opt = optim.adam({ learningRate: 1e-2 });
  const vg = valueAndGrad(loss);
  const step = (p: Tiny, s: unknown, xb: Tensor, yb: Tensor) => {
    const [l, g] = vg(p, xb, yb);
    const [u, s2] = opt.update(g, s as never, p);
    return [optim.applyUpdates(p, u), s2, l] as const;
  };
  return { params0, x, y, opt, step };
}

/**
 * W9, the research-prototyping step: MLP 8 → 32 (tanh) → 1 on a batch of 64, mean squared error,
 * one Adam step (value, gradient, update, new params), eager or under `jit`. Same definition as
 * bench/tiny-mlp-adam.ts. µs per step: median over `blocks` blocks of `steps` steps after `warm`
 * warm-up steps (the loss of each block is read back inside the timed region).
 */
export function w9TinyAdam(jitted: boolean, steps = 2000, blocks = 5, warm = 200): BenchRow {
  const { params0, x, y, opt, step: step0 } = tinyAdamProblem();
  const step = jitted ? jit(step0) : step0;
  let p = params0, s: unknown = opt.init(params0), l: Tensor | undefined;
  const run = (n: number) => { for (let i = 0; i < n; i++) [p, s, l] = step(p, s, x, y); l!.item(); };
  run(warm);
  const ts: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    run(steps);
    ts.push(((performance.now() - t0) * 1000) / steps);
  }
  ts.sort((a, b) => a - b);
  const us = ts[Math.floor(ts.length / 2)]!;
  return { workload: 'W9 tiny-MLP Adam step', system: `curvax/${backendName()}${jitted ? ' jit' : ''}`, medianMs: us / 1000, note: `${us.toFixed(1)} µs/step (blocks of ${steps})` };
}
