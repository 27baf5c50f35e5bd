/**
 * The public relaxed-SIMD opt-in (`enableWasmRelaxedSimd`) against the default kernels: W1's
 * 1024 × 1024 float32 product (default threads) and W2's jitted value+grad, in a separate process
 * for each way (the V8 flag is process-wide), alternating `pairs` times.
 *
 * Run: `npx tsx bench/wasm/relaxed-opt-in.ts [pairs=2] [--one-thread]`
 * @module
 */
import { spawnSync } from 'node:child_process';
import { enableWasmRelaxedSimd, jit, matmul, random, stopWasmThreads, valueAndGrad } from '../../src/index.js';
import { time } from '../harness.js';
import { mlpBatch, mlpLoss, mlpParams } from '../workloads.js';

const way = process.argv.find((a) => a === '--default' || a === '--fma');
if (way === undefined) {
  const pairs = Number(process.argv[2] ?? 2);
  for (let i = 0; i < pairs; i++) {
    for (const w of ['--default', '--fma']) {
      const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, w, ...process.argv.filter((a) => a === '--one-thread')], { encoding: 'utf8' });
      process.stdout.write(r.stdout + r.stderr);
    }
  }
} else {
  const fma = way === '--fma' && (await enableWasmRelaxedSimd());
  if (process.argv.includes('--one-thread')) await stopWasmThreads();
  const a = random.normal(random.key(1), [1024, 1024]), b = random.normal(random.key(2), [1024, 1024]);
  const w1 = time(() => matmul(a, b), 7, 3);
  const p = mlpParams(), { x, y } = mlpBatch();
  const vg = jit(valueAndGrad(mlpLoss));
  const w2 = time(() => vg(p, x, y), 20, 20);
  console.log(`${fma ? 'fma    ' : 'default'}${process.argv.includes('--one-thread') ? ' (one thread)' : ''}  W1 n=1024 ${((2 * 1024 ** 3) / w1 / 1e6).toFixed(1)} GFLOP/s   W2 jit ${w2.toFixed(3)} ms`);
}
