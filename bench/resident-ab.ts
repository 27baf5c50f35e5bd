// Interleaved A/B of the wasm backend's buffer modes in one process: the copy path (tensor data
// in ordinary arrays, copied into wasm memory per kernel) against resident buffers (data in
// blocks of the wasm memory, kernels in place). Each round times every workload in both modes,
// alternating which goes first; prints per-round medians and the median ratio resident / copy.
//
//   node --expose-gc --import tsx bench/resident-ab.ts [rounds=3] [workloads=w2,w2j,w3,w3j,w4g,w4h,w9j]
//
// Between measurements it yields to the event loop (after a full GC when --expose-gc is given),
// so that the finalization backstop can free the blocks of tensors the workloads never dispose
// (the harness reads results back without disposing them).
import { configureWasmBuffers } from '../src/backend/wasm/adapter.js';
import { time } from './harness.js';
import { w2Mlp, w2MlpJit, w3PerExampleJit, w3PerExample, w4Curvature, w9TinyAdam, type Timer } from './workloads.js';

const rounds = Number(process.argv[2] ?? 3);
const want = (process.argv[3] ?? 'w2,w2j,w3,w3j,w4g,w4h,w9j').split(',');

const timer: Timer = (fn, reps = 5, warm = 2) => time(fn, Math.max(reps, 10), warm);
const cases: Record<string, () => number> = {
  w2: () => w2Mlp(timer).medianMs,
  w2j: () => w2MlpJit(timer).medianMs,
  w3: () => w3PerExample(timer).medianMs,
  w3j: () => w3PerExampleJit(timer).medianMs,
  w4g: () => w4Curvature(timer)[0]!.medianMs,
  w4h: () => w4Curvature(timer)[2]!.medianMs,
  w9j: () => w9TinyAdam(true, 2000, 3, 300).medianMs,
  w9: () => w9TinyAdam(false, 300, 3, 50).medianMs,
};
const res: Record<string, { copy: number[]; resident: number[] }> = {};
for (let r = 0; r < rounds; r++) {
  for (const w of want) {
    const modes = r % 2 === 0 ? [false, true] : [true, false];
    for (const resident of modes) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((ok) => setTimeout(ok, 20));
      configureWasmBuffers({ resident });
      const ms = cases[w]!();
      (res[w] ??= { copy: [], resident: [] })[resident ? 'resident' : 'copy'].push(ms);
    }
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(`rounds ${rounds}; median ms (copy path | resident) and ratio resident/copy`);
for (const w of want) {
  const { copy, resident } = res[w]!;
  const ratios = copy.map((c, i) => resident[i]! / c);
  console.log(`${w.padEnd(5)} copy ${med(copy).toFixed(3).padStart(8)}  resident ${med(resident).toFixed(3).padStart(8)}  ratio ${med(ratios).toFixed(2)}  [${ratios.map((x) => x.toFixed(2)).join(' ')}]`);
}
console.log(configureWasmBuffers({ resident: false }).residentStats);
