/**
 * Fused elementwise programs on the `wasm` backend: the `js` backend's generated JavaScript loop
 * against the WebAssembly SIMD generator (`fused-simd.ts`, copies into and out of wasm memory
 * included), and, for a chain with transcendentals, against running it kernel by kernel (what the
 * backend did before: the SIMD exp/tanh kernels plus `js` arithmetic).
 *
 * Run: `npx tsx bench/wasm/fused.ts [--quick]`. Prints the median ms per call (≥ 5 timed samples
 * after warm-ups) and the ratio; SIMD results are checked bit for bit against the JS loop
 * (arithmetic) or the op-by-op path (transcendentals, from 2 Ki elements); a mismatch prints DIFFERS.
 * @module
 */
import type { FusedOp, FusedProgram } from '../../src/backend/backend.js';
import { wasmBackend } from '../../src/backend/wasm/adapter.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { WasmRuntime } from '../../src/backend/wasm/index.js';
import { fusedSimdDtype, runFusedSimd } from '../../src/backend/wasm/fused-simd.js';
import { Aval } from '../../src/tensor/aval.js';
import { allocTyped, type DType, type TypedArray } from '../../src/tensor/dtype.js';
import { ms } from './median-ms.js';

const quick = process.argv.includes('--quick');
/** A program over inputs x, y (value refs 0, 1) and literals 0.5, 1.5 (refs 2, 3). */
function program(dtype: DType, body: [FusedOp['op'], ...number[]][]): FusedProgram {
  const ops: FusedOp[] = body.map(([op, ...args]) => ({ op, args, dtype }));
  const literals = [{ value: 0.5, dtype }, { value: 1.5, dtype }];
  return { inputs: [dtype, dtype], literals, ops, outputs: [4 + ops.length - 1], key: `${dtype}|${JSON.stringify(body)}` };
}
// refs: x 0, y 1, 0.5 2, 1.5 3, t_k = 4 + k
const ARITH: [FusedOp['op'], ...number[]][] = [
  ['mul', 0, 2], ['add', 4, 1], ['max', 5, 3], ['mul', 6, 6], ['sub', 7, 0],
  ['div', 8, 3], ['abs', 9], ['sqrt', 10], ['min', 11, 1], ['neg', 12],
];
const AXPY: [FusedOp['op'], ...number[]][] = [['mul', 0, 2], ['add', 4, 1]];
const TRANS: [FusedOp['op'], ...number[]][] = [
  ['mul', 0, 2], ['add', 4, 1], ['tanh', 5], ['mul', 6, 3], ['exp', 7], ['sub', 8, 0], ['abs', 9], ['add', 10, 3], ['log', 11], ['mul', 12, 1],
];

function input(dtype: DType, n: number, seed: number): TypedArray {
  const x = allocTyped(dtype, n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37 + seed) * 3;
  return x;
}

function same(a: TypedArray, b: TypedArray): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Runs the program kernel by kernel through the wasm backend (what `fused` declining leads to). */
function unfused(p: FusedProgram, xs: TypedArray[], a: Aval): TypedArray {
  const k = wasmBackend.kernels;
  const s = new Aval([], a.dtype);
  const vals: TypedArray[] = [...xs, ...p.literals.map((l) => { const t = allocTyped(a.dtype, 1); t[0] = l.value; return t; })];
  const avals = (r: number): Aval => (r >= 2 && r < 4 ? s : a);
  for (const op of p.ops) {
    const [u, v] = op.args as [number, number];
    vals.push(op.args.length === 1 ? k.unary(op.op as never, vals[u]!, a, a) : k.binary(op.op as never, vals[u]!, vals[v]!, avals(u), avals(v), a));
  }
  return vals[vals.length - 1]!;
}

const rt = new WasmRuntime();
const rows: string[][] = [['program', 'dtype', 'n', 'js loop ms', 'simd ms', 'js/simd', 'op-by-op ms', 'op-by-op/simd']];
const fmt = (v: number): string => (v < 0.1 ? v.toFixed(4) : v.toFixed(3));
const SIZES = quick ? [4096, 1 << 16] : [256, 512, 1024, 2048, 4096, 16384, 1 << 16, 1 << 20];
for (const [name, body] of [['2-op x*0.5+y', AXPY], ['10-op arith', ARITH], ['10-op exp/log/tanh', TRANS]] as const) {
  for (const dtype of ['float32', 'float64'] as const) {
    const p = program(dtype, body);
    const d = fusedSimdDtype(p)!;
    for (const n of SIZES) {
      const a = new Aval([n], dtype);
      const xs = [input(dtype, n, 1), input(dtype, n, 2)];
      const simd = (): TypedArray => runFusedSimd(rt, p, d, 'ff', xs, n)[0]!;
      const loop = (): TypedArray => jsBackend.kernels.fused!(p, xs, [a, a], [a])![0]!;
      const trans = name === '10-op exp/log/tanh';
      const ref = trans ? unfused(p, xs, a) : loop();
      // Below 2 Ki the op-by-op path uses Math.exp etc., so the backend keeps such programs on the JS loop.
      const ok = trans && n < 2048 ? ' *' : same(simd(), ref) ? '' : ' (DIFFERS)';
      const j = ms(loop), w = ms(simd);
      const u = trans ? ms(() => unfused(p, xs, a)) : NaN;
      rows.push([name + ok, dtype, String(n), fmt(j), fmt(w), (j / w).toFixed(1), trans ? fmt(u) : '', trans ? (u / w).toFixed(1) : '']);
    }
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c]!)).join('  '));
console.log('* not compared: below 2 Ki the op-by-op path uses Math.* (such programs stay on the JS loop)');
