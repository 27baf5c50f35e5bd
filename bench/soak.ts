// Memory soak: synchronous Adam training loops that never call dispose (as a research script
// is written) must run in bounded memory, eagerly and under jit. Prints RSS every 500 steps.
//
//   npx tsx bench/soak.ts [steps=10000] [models=tiny,w2] [modes=eager,jit] [buffers=copy|resident]
//
// tiny: MLP 8 → 32 (tanh) → 1, batch 64, mean squared error (W9). w2: the W2 MLP 784 → 128
// (tanh) → 10, batch 128, softmax cross-entropy. Each loop: value and gradient, optim.adam
// update, applyUpdates; the previous params/state are simply dropped. Exits with status 1 when
// the RSS of the last quarter of a run grows by more than the bound (default 256 MiB) over the
// first sample after warm-up, which would mean memory is retained per step.
import { jit, matmul, optim, random, valueAndGrad, type Tensor } from '../src/index.js';
import { configureWasmBuffers } from '../src/backend/wasm/adapter.js';
import { mlpBatch, mlpLoss, mlpParams, type Mlp } from './workloads.js';

const steps = Number(process.argv[2] ?? 10_000);
const models = (process.argv[3] ?? 'tiny,w2').split(',');
const modes = (process.argv[4] ?? 'eager,jit').split(',');
const boundMiB = Number(process.env['SOAK_BOUND_MIB'] ?? 256);
// `resident`: tensor data in blocks of the wasm memory (bounded; beyond the bound, ordinary arrays).
if (process.argv[5] === 'resident') configureWasmBuffers({ resident: true });

type Tiny = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
function tinySetup(): { params: Tiny; loss: (p: Tiny) => Tensor } {
  const [k1, k2, k3] = random.splitList(random.key(0), 3);
  const params = { w1: random.normal(k1!, [8, 32]).mul(0.35), b1: random.normal(k1!, [32]).mul(0), w2: random.normal(k2!, [32, 1]).mul(0.18), b2: random.normal(k2!, [1]).mul(0) };
  const x = random.normal(k3!, [64, 8]);
  const y = x.sum(1).reshape([64, 1]).tanh();
  const loss = (p: Tiny) => { const d = matmul(matmul(x, p.w1).add(p.b1).tanh(), p.w2).add(p.b2).sub(y); return d.mul(d).mean(); };
  return { params, loss };
}
function w2Setup(): { params: Mlp; loss: (p: Mlp) => Tensor } {
  const { x, y } = mlpBatch();
  return { params: mlpParams(), loss: (p: Mlp) => mlpLoss(p, x, y) };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
let failed = false;
const cfg = configureWasmBuffers();
console.log(`soak: ${steps} steps, node ${process.version}, wasm buffer reuse ${cfg.reuse ? 'on' : 'off'}, resident buffers ${cfg.resident ? 'on' : 'off'}`);
for (const model of models) {
  for (const mode of modes) {
    const { params: p0, loss } = (model === 'tiny' ? tinySetup() : w2Setup()) as unknown as { params: Record<string, Tensor>; loss: (p: Record<string, Tensor>) => Tensor };
    const opt = optim.adam({ learningRate: 1e-3 });
    const step = (p: Record<string, Tensor>, s: unknown) => {
      const [l, g] = valueAndGrad(loss)(p);
      const [u, s2] = opt.update(g, s as never, p);
      return [l, optim.applyUpdates(p, u), s2] as const;
    };
    const run = mode === 'jit' ? jit(step) : step;
    let p = p0, s: unknown = opt.init(p0), l: Tensor | undefined;
    const samples: number[] = [];
    const t0 = performance.now();
    const line: string[] = [];
    for (let i = 1; i <= steps; i++) {
      [l, p, s] = run(p, s) as readonly [Tensor, Record<string, Tensor>, unknown];
      if (i % 500 === 0) {
        const rss = process.memoryUsage().rss;
        samples.push(rss);
        line.push(mib(rss));
      }
    }
    const ms = performance.now() - t0;
    const firstAfterWarm = samples[Math.min(1, samples.length - 1)]!;
    const lastQuarterMax = Math.max(...samples.slice(Math.floor(samples.length * 0.75)));
    const growth = lastQuarterMax - firstAfterWarm;
    const ok = growth <= boundMiB * 2 ** 20;
    if (!ok) failed = true;
    const rs = configureWasmBuffers().residentStats;
    const heap = rs === undefined ? '' : `; resident heap: ${mib(rs.liveBytes)} MiB live, ${mib(rs.cachedBytes)} MiB cached, ${rs.refused} requests past the bound`;
    console.log(`${model} ${mode}: ${(ms / steps * 1000).toFixed(0)} µs/step, loss ${l!.item().toPrecision(4)}, RSS MiB every 500 steps: ${line.join(' ')}; growth ${mib(growth)} MiB ${ok ? 'ok' : 'OVER BOUND'}${heap}`);
  }
}
if (failed) process.exitCode = 1;
