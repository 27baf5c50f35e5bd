/**
 * Reductions and transposes of the `wasm` backend against the `js` reference kernels, through
 * the backend kernel interface (so wasm times include copying operands in and results out).
 *
 * Run: `npx tsx bench/wasm/reduce-transpose.ts [--quick]`. Prints the median ms per call (≥ 5
 * timed samples after warm-ups) for row reductions (last axis), column reductions (first axis,
 * e.g. a bias gradient) and transposes, and the ratio js / wasm.
 * @module
 */
import { wasmBackend } from '../../src/backend/wasm/adapter.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { Aval } from '../../src/tensor/aval.js';
import { allocTyped, type DType } from '../../src/tensor/dtype.js';
import { sizeOf } from '../../src/tensor/shape.js';
import { ms } from './median-ms.js';

const quick = process.argv.includes('--quick');
function input(dtype: DType, n: number): ReturnType<typeof allocTyped> {
  const x = allocTyped(dtype, n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i) * 100;
  return x;
}

const rows: string[][] = [['kernel', 'dtype', 'shape', 'js ms', 'wasm ms', 'js/wasm']];
const fmt = (v: number): string => (v < 0.1 ? v.toFixed(4) : v.toFixed(3));

const SHAPES = quick ? [[128, 128], [512, 512]] : [[16, 64], [32, 128], [64, 256], [128, 128], [256, 256], [512, 512], [1024, 1024], [4096, 64], [64, 4096]];
for (const dtype of ['float32', 'float64'] as const) {
  for (const shape of SHAPES) {
    const x = input(dtype, sizeOf(shape));
    for (const [name, op, axes] of [['sum rows', 'sum', [1]], ['max rows', 'max', [1]], ['sum cols', 'sum', [0]], ['max cols', 'max', [0]]] as const) {
      const ax = new Aval(shape, dtype), out = new Aval(shape.filter((_, d) => !(axes as readonly number[]).includes(d)), dtype);
      const j = ms(() => jsBackend.kernels.reduce(op, x, ax, axes, out));
      const w = ms(() => wasmBackend.kernels.reduce(op, x, ax, axes, out));
      rows.push([name, dtype, shape.join('×'), fmt(j), fmt(w), (j / w).toFixed(1)]);
    }
  }
}
const TSHAPES = quick ? [[256, 256]] : [[16, 64], [32, 64], [64, 64], [128, 128], [512, 512], [1024, 1024], [1000, 999], [16, 128, 128]];
for (const dtype of ['float32', 'float64', 'int32'] as const) {
  for (const shape of TSHAPES) {
    const x = input(dtype, sizeOf(shape));
    const n = shape.length;
    const perm = shape.map((_, i) => i);
    [perm[n - 2], perm[n - 1]] = [perm[n - 1] as number, perm[n - 2] as number];
    const ax = new Aval(shape, dtype), out = new Aval(perm.map((p) => shape[p] as number), dtype);
    const j = ms(() => jsBackend.kernels.transpose(x, ax, perm, out));
    const w = ms(() => wasmBackend.kernels.transpose(x, ax, perm, out));
    rows.push(['transpose', dtype, shape.join('×'), fmt(j), fmt(w), (j / w).toFixed(1)]);
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c]!)).join('  '));
