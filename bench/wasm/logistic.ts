// Logistic: the wasm backend's kernel (SIMD from LOGISTIC_MIN_SIZE elements, copies in and out
// included for non-resident arrays) against the js kernel's loop, per call, eager, float32.
//   npx tsx bench/wasm/logistic.ts
import { wasmBackend } from '../../src/backend/wasm/adapter.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { Aval } from '../../src/tensor/aval.js';

const minOf = (f: () => unknown, reps: number): number => {
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    best = Math.min(best, ((performance.now() - t0) * 1000) / reps);
  }
  return best;
};
console.log('n        wasm µs   js µs');
for (const n of [16, 32, 64, 128, 569, 2048, 8192]) {
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 8);
  const a = new Aval([n], 'float32');
  const reps = Math.max(200, Math.round(200_000 / n));
  const w = minOf(() => wasmBackend.kernels.unary('logistic', x, a, a), reps);
  const j = minOf(() => jsBackend.kernels.unary('logistic', x, a, a), reps);
  console.log(`${String(n).padEnd(9)}${w.toFixed(2).padEnd(10)}${j.toFixed(2)}`);
}
