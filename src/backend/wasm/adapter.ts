/**
 * The `wasm` backend: the reference kernels for everything, with the compute-bound kernels
 * (`dotGeneral`, `exp`/`log`/`tanh` on large float arrays, large fused elementwise programs, `sum`/`max`/`min` over a contiguous
 * run of axes, and swaps of the last two merged axes by `transpose`) run by the WebAssembly SIMD
 * runtime.
 *
 * Buffers are typed arrays, as in the `js` backend, so every reference kernel runs on them
 * unchanged. Arrays of ≥ 16 KiB are *resident* (`resident.ts`, on by default where the memory is
 * shared): views of blocks of the runtime's `WebAssembly.Memory`, which the wasm kernels read and
 * write in place; reads (`toTypedArray`) copy out. Other arrays (small ones, those past the
 * resident bound, everything on a non-shared memory) are ordinary arrays that a wasm kernel copies
 * in and out; their `ArrayBuffer`s of ≥ 16 KiB come from a recycling pool (`pool.ts`), so loops
 * that dispose (or use `scope`) write to memory already faulted in instead of fresh pages. Tensors
 * retain and release their buffer (`Backend.retain`/`release`): owners are counted per resident
 * block or per pooled `ArrayBuffer`, and views (`reshape`) share one count. Binary `+ − × ÷` on
 * resident operands (same shape, a scalar, or one operand broadcast along trailing or leading
 * axes) run in wasm SIMD; other elementwise kernels are the reference ones. Fused elementwise programs (`jit`) run as generated SIMD loops when
 * eligible and large (`fused-simd.ts`), else as the `js` backend's generated JavaScript loops.
 * @module
 */
import type { Backend, DotDims, FusedProgram, Kernels, ReduceOp } from '../backend.js';
import { registerBackend } from '../backend.js';
import { Aval } from '../../tensor/aval.js';
import { swapAllocator, type TypedArray } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import { jsBackend } from '../js/index.js';
import { broadcastStrides, gather } from '../js/strided.js';
import { WasmRuntime } from './index.js';
import { buildBroadcastModule } from './elementwise.js';
import { fusedSimdDtype, fusedSimdLayout, fusedSimdRowLayout, hasTranscendental, planFusedSimd, runFusedSimd } from './fused-simd.js';
import { wasmConv } from './conv.js';
import { wasmCholesky, wasmTriangularSolve } from './cholesky.js';
import { choleskyKernel, triangularSolveKernel } from '../js/linalg.js';
import { planWasmDotGeneral, wasmDot, type WasmDotHost } from './dot.js';
import { BufferPool, hasSmallAllocator, outputArray, swapSmallAllocator, withPool, type OutputSource, type PoolStats, type ResidentStats } from './pool.js';
import { ResidentHeap } from './resident.js';
import { detectRelaxedSimd } from './features.js';
import { ARENA_SOURCE, type ArenaHost, type ArenaSource } from '../../core/arena.js';

type Buf = TypedArray;

/** Transcendental maps below this many elements stay in JS. */
const UNARY_MIN_SIZE = 2_048;

let runtime: WasmRuntime | undefined;
let unavailable = false;
/** Whether the runtime is (to be) made with relaxed-SIMD FMA kernels ({@link enableWasmRelaxedSimd}). */
let relaxedWanted = false;
/** The shared runtime, or undefined where WebAssembly SIMD is missing (the reference kernels then run). */
function rt(): WasmRuntime | undefined {
  if (runtime || unavailable) return runtime;
  try {
    runtime = new WasmRuntime(relaxedWanted ? { relaxedSimd: 'flag' } : {});
  } catch {
    unavailable = true;
  }
  return runtime;
}

/** The byte offset of a resident array (read in place), or -1. */
function residentAt(x: unknown): number {
  return heap === undefined ? -1 : heap.offsetOf(x);
}

/** 64-byte rounded size of `n` elements of `E` bytes. */
const up64 = (n: number, E: number): number => Math.ceil((n * E) / 64) * 64;

/** The runtime and resident heap, as the `dotGeneral` kernels (`dot.ts`) see them. */
const dotHost: WasmDotHost = { runtime: rt, residentAt };

/** Whether the unfused `unary` kernel would run `op` on an output of `out` in wasm SIMD. */
function simdUnary(op: string, out: Aval): op is 'exp' | 'log' | 'tanh' | 'logistic' {
  const min = SIMD_UNARY_MIN[op];
  return min !== undefined && out.size >= min && (out.dtype === 'float32' || out.dtype === 'float64');
}

/**
 * Logistic runs in SIMD from this many elements (its own kernel, unfused and fused alike, so
 * fused results equal unfused ones). Measured with `npx tsx bench/wasm/logistic.ts` (eager
 * float32 calls on ordinary arrays, copies in and out and the result's allocation included,
 * fastest of 7 rounds, µs, wasm / js): 64 elements 2.64 / 2.40, 128 3.08 / 4.26, 569 6.1 / 16.8,
 * 2048 18.6 / 65.7.
 */
const LOGISTIC_MIN_SIZE = 128;

/** The fewest output elements from which each transcendental runs in SIMD. */
const SIMD_UNARY_MIN: Readonly<Record<string, number>> = { exp: UNARY_MIN_SIZE, log: UNARY_MIN_SIZE, tanh: UNARY_MIN_SIZE, logistic: LOGISTIC_MIN_SIZE };

/** The fewest elements from which every transcendental of `p` runs in SIMD (0 when it has none). */
function transcendentalMinSize(p: FusedProgram): number {
  let min = 0;
  for (const o of p.ops) min = Math.max(min, SIMD_UNARY_MIN[o.op] ?? 0);
  return min;
}

function wasmUnary(op: string, x: Buf, out: Aval): Buf | undefined {
  if (!simdUnary(op, out)) return undefined;
  const f64 = out.dtype === 'float64';
  const r = rt();
  if (!r) return undefined;
  const mem = r.memory;
  const xo = residentAt(x);
  const res = outputArray(out.dtype, out.size);
  const co = residentAt(res);
  if (xo >= 0 && co >= 0) {
    r.unary(f64 ? 'f64' : 'f32', op, xo, co, out.size);
    return res;
  }
  const off = mem.alloc(out.size * (f64 ? 8 : 4), 64, `${op}: ${out.toString()}`);
  try {
    if (xo < 0) mem.writeBytes(off, x);
    r.unary(f64 ? 'f64' : 'f32', op, xo >= 0 ? xo : off, co >= 0 ? co : off, out.size);
    return co >= 0 ? res : mem.readBytes(off, res);
  } finally {
    mem.free(off);
  }
}

/** Resident binary arithmetic runs in wasm SIMD from this many output elements. */
const BINARY_MIN_SIZE = 2_048;

/**
 * `+ − × ÷` on float arrays whose full-size operands are resident, in wasm SIMD and in place:
 * same-shape operands, or one of them a single element (row/column broadcasts: `wasmBroadcastBinary`). Each op is IEEE correctly rounded in
 * wasm as in the `js` kernel (a float32 op computed in float64 and rounded once gives the same
 * value), so results are bit-identical, NaN payloads aside. Operands that are not resident stay
 * on the `js` kernel (copying them in would cost what SIMD saves).
 */
function wasmBinary(op: string, x: Buf, y: Buf, ax: Aval, ay: Aval, out: Aval): Buf | undefined {
  if (heap === undefined || (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div')) return undefined;
  const n = out.size;
  if (n < BINARY_MIN_SIZE || (out.dtype !== 'float32' && out.dtype !== 'float64') || ax.dtype !== out.dtype || ay.dtype !== out.dtype) return undefined;
  const xs = ax.size === 1 && ay.size === n, ys = !xs && ay.size === 1 && ax.size === n;
  if (!xs && !ys && (ax.size !== n || ay.size !== n)) return ax.size === n || ay.size === n ? wasmBroadcastBinary(op, x, y, ax, ay, out) : undefined;
  const xo = xs ? 0 : heap.offsetOf(x), yo = ys ? 0 : heap.offsetOf(y);
  if (xo < 0 || yo < 0) return undefined;
  const r = rt();
  if (!r) return undefined;
  const d = out.dtype === 'float64' ? 'f64' : 'f32', E = d === 'f64' ? 8 : 4;
  const mem = r.memory;
  const res = outputArray(out.dtype, n);
  const co = heap.offsetOf(res);
  const scalar = xs || ys;
  const need = (scalar ? 64 : 0) + (co < 0 ? up64(n, E) : 0);
  const base = need === 0 ? 0 : mem.alloc(need, 64, `${op}: ${out.toString()}`);
  try {
    const cOff = co >= 0 ? co : base + (scalar ? 64 : 0);
    if (!scalar) r.binary(d, op, xo, yo, cOff, n);
    else {
      if (d === 'f64') mem.f64[base >> 3] = xs ? x[0]! : y[0]!; else mem.f32[base >> 2] = xs ? x[0]! : y[0]!;
      r.binaryScalar(d, op, xs ? yo : xo, base, cOff, n, xs);
    }
    return co >= 0 ? res : mem.readBytes(cOff, res);
  } finally {
    if (base !== 0) mem.free(base);
  }
}

/** Broadcast binary ops need rows of at least this many elements to run in wasm. */
const BROADCAST_MIN_COLS = 8;

/**
 * How an operand of shape `small` broadcasts to `out` (size-1 axes of `out` ignored): along
 * trailing axes (`row`: one value per row of `out` seen as `[rows, cols]`, row scaling) or along
 * leading axes (`col`: one value per column, column scaling); undefined for any other pattern
 * (same shape included).
 * @param small - the broadcast operand's shape
 * @param out - the output shape
 * @returns the pattern and the `[rows, cols]` view of `out`, or undefined
 * @example
 * ```ts
 * broadcastPattern([569, 1, 1], [569, 1, 31]); // { kind: 'row', rows: 569, cols: 31 }
 * broadcastPattern([31], [569, 31]); // { kind: 'col', rows: 569, cols: 31 }
 * ```
 */
export function broadcastPattern(small: readonly number[], out: readonly number[]): { kind: 'row' | 'col'; rows: number; cols: number } | undefined {
  const pad = out.length - small.length;
  if (pad < 0) return undefined;
  let lead = 1, trail = 1, phase = 0; // phase 0: no axis yet, 1: first run, 2: second run
  let firstKeeps = false;
  for (let d = 0; d < out.length; d++) {
    const o = out[d]!;
    if (o === 1) continue;
    const t = d < pad ? 1 : small[d - pad]!;
    const keeps = t === o;
    if (!keeps && t !== 1) return undefined;
    if (phase === 0) { phase = 1; firstKeeps = keeps; }
    else if (phase === 1 && keeps !== firstKeeps) phase = 2;
    else if (phase === 2 && keeps === firstKeeps) return undefined;
    if (phase === 1) lead *= o; else trail *= o;
  }
  if (phase !== 2) return undefined;
  return { kind: firstKeeps ? 'row' : 'col', rows: lead, cols: trail };
}

const broadcastKernels: { f32?: Record<string, (...a: number[]) => void>; f64?: Record<string, (...a: number[]) => void> } = {};

/**
 * `+ − × ÷` where one operand is full-size and resident and the other broadcasts along trailing
 * axes (row scaling, `[m, n] × [m, 1]`) or leading axes (`[m, n] × [n]`), in wasm SIMD. The
 * broadcast operand is copied in when it is not resident. Same bits as the `js` kernel.
 */
function wasmBroadcastBinary(op: 'add' | 'sub' | 'mul' | 'div', x: Buf, y: Buf, ax: Aval, ay: Aval, out: Aval): Buf | undefined {
  const n = out.size;
  const vFirst = ay.size === n;
  const [full, small, as] = vFirst ? [y, x, ax] : [x, y, ay];
  const p = broadcastPattern(as.shape, out.shape);
  if (p === undefined || p.cols < BROADCAST_MIN_COLS) return undefined;
  const fo = heap!.offsetOf(full);
  if (fo < 0) return undefined;
  const r = rt();
  if (!r) return undefined;
  const d = out.dtype === 'float64' ? 'f64' : 'f32', E = d === 'f64' ? 8 : 4;
  const k = (broadcastKernels[d] ??= r.generated(`broadcast|${d}`, (m) => buildBroadcastModule(d, m)));
  const mem = r.memory;
  const res = outputArray(out.dtype, n);
  const co = heap!.offsetOf(res);
  let so = heap!.offsetOf(small);
  const sBytes = so < 0 ? up64(as.size, E) : 0;
  const need = sBytes + (co < 0 ? up64(n, E) : 0);
  const base = need === 0 ? 0 : mem.alloc(need, 64, `${op}: ${out.toString()}`);
  try {
    if (so < 0) { so = base; mem.writeBytes(base, small); }
    const cOff = co >= 0 ? co : base + sBytes;
    k[`${op}_${p.kind}_${vFirst ? 'sv' : 'vs'}`]!(fo, so, cOff, p.rows, p.cols);
    return co >= 0 ? res : mem.readBytes(cOff, res);
  } finally {
    if (base !== 0) mem.free(base);
  }
}

/** Reductions below this many input elements stay in JS. */
const REDUCE_MIN_SIZE = 2_048;
/** Row reductions (reduced axes trailing) need rows at least this long to go to wasm. */
const REDUCE_MIN_ROW = 16;
/** Column reductions (kept axes trailing) need at least this many kept trailing elements. */
const REDUCE_MIN_COLS = 4;
/** Transposes below this many elements stay in JS. */
const TRANSPOSE_MIN_SIZE = 4_096;

/**
 * A reduction as `[outer, red, inner]` (reduce the middle), or undefined when the reduced axes
 * are not one contiguous run once size-1 axes are ignored.
 */
function reduceShape(ax: Aval, axes: readonly number[]): { outer: number; red: number; inner: number } | undefined {
  let outer = 1, red = 1, inner = 1, phase = 0; // 0: before the run, 1: in it, 2: after it
  for (let d = 0; d < ax.shape.length; d++) {
    const n = ax.shape[d]!;
    if (n === 1) continue;
    const reduced = axes.includes(d);
    if (reduced && phase === 2) return undefined;
    if (reduced) { phase = 1; red *= n; } else if (phase === 0) outer *= n; else { phase = 2; inner *= n; }
  }
  return phase === 0 ? undefined : { outer, red, inner };
}

/** Replaces every NaN by the canonical NaN, so results match the reference kernel's bits. */
function canonicalNaN(res: Float32Array | Float64Array): void {
  for (let i = 0; i < res.length; i++) if (res[i] !== res[i]) res[i] = NaN;
}

/**
 * `sum`/`max`/`min` over a contiguous run of axes of a float array, in wasm when large; see
 * src/backend/wasm/README.md for what is exact. Row max/min results of ±0 are re-resolved here
 * by the reference rule (the first zero of the row wins), so max/min match the `js` kernel bit
 * for bit; row sums differ from it only by float64 reassociation.
 */
function wasmReduce(op: string, x: Buf, ax: Aval, axes: readonly number[], out: Aval): Buf | undefined {
  const p = planWasmReduce(op, ax, axes, out);
  return p === undefined ? undefined : runWasmReduce(p, x);
}

interface WasmReducePlan {
  readonly op: 'sum' | 'max' | 'min';
  readonly sh: { outer: number; red: number; inner: number };
  readonly rows: boolean;
  readonly ax: Aval; readonly out: Aval;
  readonly xWhat: string; readonly oWhat: string;
}

/** The wasm plan of a reduction, or undefined when it stays in JS. */
function planWasmReduce(op: string, ax: Aval, axes: readonly number[], out: Aval): WasmReducePlan | undefined {
  if (op !== 'sum' && op !== 'max' && op !== 'min') return undefined;
  if ((ax.dtype !== 'float32' && ax.dtype !== 'float64') || out.dtype !== ax.dtype || ax.size < REDUCE_MIN_SIZE) return undefined;
  const sh = reduceShape(ax, axes);
  if (!sh) return undefined;
  const rows = sh.inner === 1;
  if (rows ? sh.red < REDUCE_MIN_ROW : sh.inner < REDUCE_MIN_COLS) return undefined;
  return { op, sh, rows, ax, out, xWhat: `reduce ${op}: operand ${ax.toString()}`, oWhat: `reduce ${op}: result ${out.toString()}` };
}

function runWasmReduce(p: WasmReducePlan, x: Buf): Buf | undefined {
  const r = rt();
  if (!r) return undefined;
  const { op, sh, rows, ax, out } = p;
  const f64 = ax.dtype === 'float64';
  const d = f64 ? 'f64' : 'f32';
  const mem = r.memory;
  const E = f64 ? 8 : 4;
  const res = outputArray(out.dtype, out.size) as Float32Array | Float64Array;
  let xOff = residentAt(x), oOff = residentAt(res);
  const xMine = xOff < 0, oMine = oOff < 0;
  try {
    if (xMine) { xOff = mem.alloc(ax.size * E, 64, p.xWhat); mem.writeBytes(xOff, x); }
    if (oMine) oOff = mem.alloc(out.size * E, 64, p.oWhat);
    if (rows) r.reduceRows(d, op, xOff, oOff, sh.outer, sh.red);
    else r.reduceCols(d, op, xOff, oOff, sh.outer, sh.red, sh.inner);
    if (oMine) mem.readBytes(oOff, res);
  } finally {
    if (xMine && xOff >= 0) mem.free(xOff);
    if (oMine && oOff >= 0) mem.free(oOff);
  }
  canonicalNaN(res);
  if (rows && op !== 'sum') {
    for (let i = 0; i < res.length; i++) {
      if (res[i] !== 0) continue;
      const base = i * sh.red;
      for (let k = 0; k < sh.red; k++) if (x[base + k] === 0) { res[i] = x[base + k]!; break; }
    }
  }
  return res;
}

/** `reduce` for fixed avals and axes: the same kernel choice as {@link wasmReduce}, made once. */
function planWasmReduceKernel(op: ReduceOp, ax: Aval, axes: readonly number[], out: Aval): (x: Buf) => Buf {
  const jsRun = js.planReduce!(op, ax, axes, out);
  const p = planWasmReduce(op, ax, axes, out);
  if (p === undefined) return jsRun;
  return (x) => runWasmReduce(p, x) ?? jsRun(x);
}

/** A transpose as `[batch, m, n] → [batch, n, m]` on contiguous data, or undefined when it is not one. */
function transposeShape(ax: Aval, perm: readonly number[]): { batch: number; m: number; n: number } | undefined {
  // drop size-1 axes, then merge runs of axes that stay adjacent and in order
  const keep = perm.filter((p) => ax.shape[p] !== 1);
  const rank = [...keep].sort((a, b) => a - b);
  const q = keep.map((p) => rank.indexOf(p)); // the permutation of the non-unit axes
  const groups: number[][] = [];
  for (const p of q) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1]! + 1 === p) g.push(p); else groups.push([p]);
  }
  const size = (g: readonly number[]): number => sizeOf(g.map((i) => ax.shape[rank[i]!]!));
  const firsts = groups.map((g) => g[0]!);
  if (groups.length === 2 && firsts[0]! > firsts[1]!) return { batch: 1, m: size(groups[1]!), n: size(groups[0]!) };
  if (groups.length === 3 && firsts[0]! < firsts[2]! && firsts[2]! < firsts[1]!) return { batch: size(groups[0]!), m: size(groups[2]!), n: size(groups[1]!) };
  return undefined;
}

/** Transposes that swap two (merged) axes of a 4- or 8-byte array run in wasm when large; exact (a pure move). */
function wasmTranspose(x: Buf, ax: Aval, perm: readonly number[], out: Aval): Buf | undefined {
  if (ax.dtype === 'bool' || ax.size < TRANSPOSE_MIN_SIZE) return undefined;
  const t = transposeShape(ax, perm);
  if (!t || t.m < 4 || t.n < 4) return undefined;
  const r = rt();
  if (!r) return undefined;
  const E = ax.dtype === 'float64' ? 8 : 4;
  const mem = r.memory;
  const res = outputArray(out.dtype, out.size);
  let xOff = residentAt(x), oOff = residentAt(res);
  const xMine = xOff < 0, oMine = oOff < 0;
  try {
    if (xMine) { xOff = mem.alloc(ax.size * E, 64, `transpose: operand ${ax.toString()}`); mem.writeBytes(xOff, x); }
    if (oMine) oOff = mem.alloc(ax.size * E, 64, `transpose: result ${out.toString()}`);
    r.transpose(E, xOff, oOff, t.batch, t.m, t.n);
    return oMine ? mem.readBytes(oOff, res) : res;
  } finally {
    if (xMine && xOff >= 0) mem.free(xOff);
    if (oMine && oOff >= 0) mem.free(oOff);
  }
}

const js = jsBackend.kernels as Kernels<Buf>;

/**
 * Fused programs run on the SIMD generator from this many output elements (measured crossover
 * against the `js` loop, copies included: src/backend/wasm/README.md). Programs with
 * exp/log/tanh use UNARY_MIN_SIZE instead, which must not be lowered (exactness, see wasmFused).
 */
const FUSED_MIN_SIZE = 2_048;
/**
 * Float32 programs (no exp/log/tanh, at most SMALL_PROGRAM_MAX_OPS ops) run on the SIMD generator
 * from SMALL_MIN_SIZE elements once their JS work (elements × op weights, jsWork) reaches
 * SMALL_MIN_WORK: the JS loop costs ~2 ns per op and element here (every op rounded with
 * `Math.fround`, max/min/compare/select branch per element), a SIMD call ~0.4 µs with its
 * copies. Measured inside jitted steps (one matmul result resident, two inputs copied in):
 * `mul, add` JS 0.94 vs SIMD 0.56 µs at 128 elements, 0.61 vs 0.47 at 64; five ops with a max
 * 0.76 vs 0.42 at 64; one op 0.48 vs 0.48 at 128; an Adam update (15 ops, 6 inputs, 3 outputs)
 * 1.03 vs 0.86 at 32.
 */
const SMALL_MIN_SIZE = 16;
const SMALL_MIN_WORK = 256;
/** Longer programs than this keep FUSED_MIN_SIZE (the measurements cover programs of tens of ops). */
const SMALL_PROGRAM_MAX_OPS = 48;

/** The JS loop's work per element of a program, in units of one rounded arithmetic op. */
function jsWork(p: FusedProgram): number {
  let w = 0;
  for (const o of p.ops) {
    switch (o.op) {
      case 'max': case 'min': case 'select': case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge': w += 3; break;
      case 'copy': break;
      default: w += 1;
    }
  }
  return Math.max(1, w);
}

/** The fewest output elements from which a supported program of dtype `d` runs on SIMD. */
function simdMinSize(p: FusedProgram, d: 'f32' | 'f64'): number {
  if (hasTranscendental(p)) return transcendentalMinSize(p); // exactly where the unfused kernels use SIMD (exactness)
  if (d !== 'f32' || p.ops.length > SMALL_PROGRAM_MAX_OPS) return FUSED_MIN_SIZE;
  return Math.min(FUSED_MIN_SIZE, Math.max(SMALL_MIN_SIZE, Math.ceil(SMALL_MIN_WORK / jsWork(p))));
}

/**
 * Whether the SIMD generator beats the `js` loop on a supported program (measured): always in
 * float32 (the loop rounds every op with `Math.fround`); in float64 only with max/min (branches
 * in JS) or exp/log/tanh, since float64 add/mul/div/sqrt chains run as fast in the JS loop as
 * in two-lane SIMD plus the copies.
 */
function simdFusedPays(p: FusedProgram, d: 'f32' | 'f64'): boolean {
  return d === 'f32' || p.ops.some((o) => o.op === 'max' || o.op === 'min' || o.op === 'exp' || o.op === 'log' || o.op === 'tanh' || o.op === 'logistic');
}

/**
 * Fused elementwise programs. Programs the SIMD generator supports (`fused-simd.ts`: one float
 * dtype, add/sub/mul/div/neg/abs/sqrt/max/min/exp/log/tanh, comparisons feeding select) whose
 * inputs are full-size, scalars or rows (trailing blocks of whole vectors, read in place: a bias
 * `[32]` over `[64, 32]`) run there when it pays (simdFusedPays): from FUSED_MIN_SIZE elements (float32
 * programs from SMALL_MIN_SIZE, by their JS work), and those with
 * exp/log/tanh exactly from UNARY_MIN_SIZE, where the unfused path uses the same SIMD
 * transcendentals, so fused results equal unfused ones bit for bit. Other programs run as the
 * reference backend's generated loops, except those with exp/log/tanh on ≥ UNARY_MIN_SIZE
 * floats, which are declined and run kernel by kernel (same reason).
 */
function wasmFused(p: FusedProgram, xs: readonly Buf[], axs: readonly Aval[], outs: readonly Aval[]): Buf[] | undefined {
  return planWasmFused(p, axs, outs)?.(xs);
}

/** {@link wasmFused} resolved once for fixed avals: the same choice (SIMD, JS loop or decline), made at plan time. */
function planWasmFused(p: FusedProgram, axs: readonly Aval[], outs: readonly Aval[]): ((xs: readonly Buf[]) => Buf[]) | undefined {
  const out0 = outs[0]!;
  const n = out0.size;
  const r = n >= Math.min(FUSED_MIN_SIZE, UNARY_MIN_SIZE, SMALL_MIN_SIZE, LOGISTIC_MIN_SIZE) ? rt() : undefined;
  if (r !== undefined) {
    const d = fusedSimdDtype(p);
    const declines = p.ops.some((o) => simdUnary(o.op, new Aval(out0.shape, o.dtype)));
    if (d !== undefined && n >= simdMinSize(p, d) && simdFusedPays(p, d)) {
      const rows = fusedSimdRowLayout(axs.map((a) => a.shape), out0.shape, d === 'f32' ? 4 : 8);
      if (rows !== undefined) return planFusedSimd(r, p, d, rows.layout, n, rows.rowLen, residentAt);
      if (declines) return (xs) => runExpanded(r, p, d, xs, axs, out0);
    }
    if (declines) return undefined;
  }
  return js.planFused!(p, axs, outs);
}

/** The SIMD fused path with every input broadcast to full size first (scalars stay scalars). */
function runExpanded(r: WasmRuntime, p: FusedProgram, d: 'f32' | 'f64', xs: readonly Buf[], axs: readonly Aval[], out: Aval): Buf[] {
  const n = out.size;
  const full = xs.map((x, i) => (axs[i]!.size === n || axs[i]!.size === 1 ? x : expand(x, axs[i]!, out, i)));
  return runFusedSimd(r, p, d, fusedSimdLayout(full.map((x) => x.length), n)!, full, n, residentAt);
}

/** Reused expansion buffers per (dtype, input position): they are copied into wasm memory at once. */
const expandScratch = new Map<string, Buf>();
/** Expansions above this many bytes get a fresh array each time instead of a kept buffer. */
const EXPAND_KEEP_BYTES = 1 << 20;

function expandTarget(out: Aval, slot: number): Buf {
  const n = out.size;
  const bytes = n * (out.dtype === 'float64' ? 8 : 4);
  if (bytes > EXPAND_KEEP_BYTES) return out.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  const key = `${out.dtype}${slot}`;
  let buf = expandScratch.get(key);
  if (buf === undefined || buf.length < n) expandScratch.set(key, (buf = out.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n)));
  return buf.length === n ? buf : buf.subarray(0, n);
}

/**
 * `x` NumPy-broadcast to `out.shape`, into a kept scratch buffer for input position `slot`
 * (valid until the next expansion): rows repeated by block copies when `x` is a trailing block.
 */
function expand(x: Buf, ax: Aval, out: Aval, slot: number): Buf {
  const n = out.size, m = ax.size;
  const os = out.shape, xsh = ax.shape;
  let lead = 0;
  while (lead < xsh.length && xsh[lead] === 1) lead++;
  const off = os.length - xsh.length;
  let trailing = m > 0;
  for (let i = lead; i < xsh.length; i++) if (xsh[i] !== os[i + off]) trailing = false;
  const res = expandTarget(out, slot);
  if (!trailing) {
    gather(res, x, os, broadcastStrides(xsh, os));
    return res;
  }
  res.set(x.subarray(0, m));
  for (let have = m; have < n; have *= 2) res.copyWithin(have, 0, Math.min(have, n - have));
  return res;
}

const direct: Kernels<Buf> = {
  ...js,
  dotGeneral: (x, y, ax, ay, d, out) => wasmDot(dotHost, x, y, ax, ay, d, out) ?? js.dotGeneral(x, y, ax, ay, d, out),
  planDotGeneral: (ax, ay, d, out) => planWasmDotGeneral(dotHost, ax, ay, d, out),
  conv: (x, w, ax, aw, p, out) => wasmConv(x, w, ax, aw, p, out, direct),
  unary: (op, x, ax, out) => wasmUnary(op, x, out) ?? js.unary(op, x, ax, out),
  binary: (op, x, y, ax, ay, out) => wasmBinary(op, x, y, ax, ay, out) ?? js.binary(op, x, y, ax, ay, out),
  // the reference random kernel allocates its result itself: adopted into a resident block when on
  randomBits: (key, ak, dist, out) => adopt(js.randomBits(key, ak, dist, out), out),
  fused: wasmFused,
  planFused: planWasmFused,
  reduce: (op, x, ax, axes, out) => wasmReduce(op, x, ax, axes, out) ?? js.reduce(op, x, ax, axes, out),
  planReduce: planWasmReduceKernel,
  transpose: (x, ax, perm, out) => wasmTranspose(x, ax, perm, out) ?? js.transpose(x, ax, perm, out),
  cholesky: (a, aa, out) => { const r = rt(); return r === undefined ? choleskyKernel(a, aa, out) : wasmCholesky(r, a, residentAt(a), aa, out); },
  triangularSolve: (a, b, aa, ab, p, out) => { const r = rt(); return r === undefined ? triangularSolveKernel(a, b, aa, ab, p, out) : wasmTriangularSolve(r, a, residentAt(a), b, aa, ab, p, out); },
};

/** Recycled buffers for kernel outputs (see pool.ts); on by default, {@link configureWasmBuffers} switches it. */
const pool = new BufferPool();
/** `CURVAX_WASM_REUSE=0` turns recycling off at load (an escape hatch; default on). */
let pooling = typeof process === 'undefined' || process.env?.['CURVAX_WASM_REUSE'] !== '0';

/** Default bound of the resident heap (live + cached bytes). */
const RESIDENT_MAX_BYTES = 256 * 2 ** 20;
/**
 * Arrays below this many bytes stay ordinary arrays with resident buffers on: their copies are
 * cheap, while a resident block that is never disposed costs a finalizer registration and
 * holds room in the bound until the finalizer runs (never, inside a synchronous loop).
 */
const RESIDENT_MIN_BYTES = 16_384;
const ELEMENT_BYTES = { float32: 4, float64: 8, int32: 4, bool: 1 } as const;
/**
 * Resident buffers (resident.ts): on by default where the memory is shared (measured faster on
 * W2–W4 and ~3× on W3, docs/performance.md); {@link configureWasmBuffers} or
 * `CURVAX_WASM_RESIDENT=0` (an escape hatch, read at load) turns them off.
 */
let residentOn = typeof process === 'undefined' || process.env?.['CURVAX_WASM_RESIDENT'] !== '0';
let residentMax = RESIDENT_MAX_BYTES;
/** The heap of resident blocks, made on first use with resident buffers on (kept after: its blocks may still be live). */
let heap: ResidentHeap | undefined;

/** The heap while resident buffers are on and possible here (a shared memory), else undefined. */
function residentHeap(): ResidentHeap | undefined {
  if (!residentOn) return undefined;
  if (heap !== undefined) return heap.usable ? heap : undefined;
  const r = rt();
  if (r === undefined) return undefined;
  heap = new ResidentHeap(r.memory, residentMax);
  return heap.usable ? heap : undefined;
}

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/** Kernel outputs with resident buffers on: a resident block, else (past the bound) the pool or a plain array. */
const residentSource: OutputSource = {
  typed: (d, n, zero) => (n * ELEMENT_BYTES[d] >= RESIDENT_MIN_BYTES ? heap!.typed(d, n, zero) : undefined) ?? (pooling ? pool.typed(d, n, zero) : new CTORS[d](n)),
  discard: (v) => { if (!heap!.discard(v)) pool.discard(v); },
  zeroed: (d, n) => residentSource.typed(d, n, true),
};

/**
 * Runs one eager kernel call with resident outputs: its temporaries are freed when it returns.
 * (Inside a `jit` executable, whose arena is installed, callers run the kernel directly: the
 * arena serves and recycles every array.)
 */
function residentCall<R>(h: ResidentHeap, f: () => R): R {
  return h.track(() => withPool(residentSource, f));
}

/** Every kernel of `k`, with kernel outputs taken from the resident heap or the pool while these are on. */
function pooledKernels(k: Kernels<Buf>): Kernels<Buf> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(k)) {
    if (typeof f !== 'function') continue;
    if (name === 'planDotGeneral') {
      // The plan is made once; the product it returns runs with the pool, like dotGeneral.
      out[name] = (ax: Aval, ay: Aval, d: DotDims, o: Aval) => {
        const run = (f as NonNullable<Kernels<Buf>['planDotGeneral']>)(ax, ay, d, o);
        const small = o.size * 8 < pool.minBytes;
        return (x: Buf, y: Buf) => {
          if (small) return run(x, y); // a plain array either way: no allocator swap (dispatch cost)
          const h = residentHeap();
          if (h !== undefined) return hasSmallAllocator() ? run(x, y) : residentCall(h, () => run(x, y));
          return pooling ? withPool(pool, () => run(x, y)) : run(x, y);
        };
      };
      continue;
    }
    if (name === 'planReduce') {
      out[name] = (op: ReduceOp, ax: Aval, axes: readonly number[], o: Aval) => {
        const run = (f as NonNullable<Kernels<Buf>['planReduce']>)(op, ax, axes, o);
        const small = o.size * 8 < pool.minBytes;
        return (x: Buf) => {
          if (small) return run(x); // a plain array either way: no allocator swap (dispatch cost)
          const h = residentHeap();
          if (h !== undefined) return hasSmallAllocator() ? run(x) : residentCall(h, () => run(x));
          return pooling ? withPool(pool, () => run(x)) : run(x);
        };
      };
      continue;
    }
    if (name === 'planFused') {
      out[name] = (p: FusedProgram, axs: readonly Aval[], outs: readonly Aval[]) => {
        const run = (f as NonNullable<Kernels<Buf>['planFused']>)(p, axs, outs);
        if (run === undefined) return undefined;
        const small = outs[outs.length - 1]!.size * 8 < pool.minBytes;
        return (xs: readonly Buf[]) => {
          if (small) return run(xs); // a plain array either way: no allocator swap (dispatch cost)
          const h = residentHeap();
          if (h !== undefined) return hasSmallAllocator() ? run(xs) : residentCall(h, () => run(xs));
          return pooling ? withPool(pool, () => run(xs)) : run(xs);
        };
      };
      continue;
    }
    const g = f as (...a: unknown[]) => unknown;
    out[name] = (...a: unknown[]) => {
      // Outputs below the pool's (and the resident heap's) minimum are plain arrays either way:
      // skip the allocator swap (dispatch cost).
      const last = a[a.length - 1];
      if (last instanceof Aval && last.size * 8 < pool.minBytes) return g(...a);
      const h = residentHeap();
      if (h !== undefined) return hasSmallAllocator() ? g(...a) : residentCall(h, () => g(...a));
      return pooling ? withPool(pool, () => g(...a)) : g(...a);
    };
  }
  return out as unknown as Kernels<Buf>;
}

const kernels = pooledKernels(direct);

/**
 * @internal Settings of the `wasm` backend's buffers.
 * @example
 * ```ts
 * configureWasmBuffers({ reuse: true, resident: false });
 * ```
 */
export interface WasmBufferOptions {
  /** Serve kernel outputs from recycled buffers (those of disposed tensors). */
  readonly reuse?: boolean | undefined;
  /** Most bytes of free buffers kept for reuse (default 256 MiB); 0 keeps none. */
  readonly maxFreeBytes?: number | undefined;
  /**
   * Keep tensor data of ≥ 16 KiB resident in the wasm memory (kernels read and write it in
   * place), where the memory is shared; on by default. Tensors made before a switch keep their buffers.
   */
  readonly resident?: boolean | undefined;
  /** Most bytes of resident blocks, live and cached (default 256 MiB); beyond it, ordinary arrays. */
  readonly residentMaxBytes?: number | undefined;
}

/**
 * @internal Configures the `wasm` backend's buffers (recycling, resident data) and returns the
 * counters. Results are bit-identical either way (only where the bytes live changes).
 * @param options - see {@link WasmBufferOptions}; omitted fields are unchanged
 * @returns the pool counters, the switches, and the resident heap's counters (undefined before its first use)
 * @example
 * ```ts
 * configureWasmBuffers({ reuse: true, maxFreeBytes: 64 * 2 ** 20 }).freeBytes; // 0
 * ```
 */
export function configureWasmBuffers(options: WasmBufferOptions = {}): PoolStats & { readonly reuse: boolean; readonly resident: boolean; readonly residentStats: ResidentStats | undefined } {
  if (options.reuse !== undefined) pooling = options.reuse;
  if (options.maxFreeBytes !== undefined) {
    pool.maxFreeBytes = options.maxFreeBytes;
    if (pool.stats.freeBytes > options.maxFreeBytes) pool.clear();
  }
  if (options.residentMaxBytes !== undefined) {
    residentMax = options.residentMaxBytes;
    if (heap !== undefined) { heap.maxBytes = residentMax; heap.flush(); }
  }
  if (options.resident !== undefined) residentOn = options.resident;
  return { ...pool.stats, reuse: pooling, resident: residentHeap() !== undefined, residentStats: heap?.stats };
}

/**
 * @internal The resident heap's owner count of a `wasm` buffer (for tests): the count, -1 while
 * the block is free, or undefined when the buffer is not resident.
 * @param buf - a tensor's buffer (`ConcreteTensor.buffer()`)
 * @returns the owner count, or undefined
 * @example
 * ```ts
 * wasmResidentOwners((t as ConcreteTensor).buffer()); // 1
 * ```
 */
export function wasmResidentOwners(buf: unknown): number | undefined {
  return heap?.owners(buf);
}

/** A kernel result allocated outside the allocators, copied into a resident block while resident buffers are on. */
function adopt(d: Buf, out: Aval): Buf {
  return fromTyped(d, out);
}

/** With resident buffers on, user data (from RESIDENT_MIN_BYTES) is copied once into a resident block. */
function fromTyped(d: TypedArray, aval: Aval): Buf {
  if (d.byteLength < RESIDENT_MIN_BYTES) return d;
  const h = residentHeap();
  if (h === undefined) return d;
  const v = h.typed(aval.dtype, d.length, false);
  if (v === undefined) return d;
  new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  return v;
}

/**
 * The arena source of `jit`'s executables: resident blocks of every size while resident buffers
 * are on. Small ones too: an executable's arena keeps its arrays for good (small outputs leave as
 * copies, core/arena.ts), so they cost one finalizer registration each, once, and never leak.
 */
const arenaSource: ArenaSource = {
  fresh: (d, n, zero) => residentHeap()?.typed(d, n, zero) ?? new CTORS[d](n),
  get keepsLarge() { return residentHeap() !== undefined; },
};

/**
 * The `wasm` backend (WebAssembly SIMD matrix products and transcendentals; reference kernels elsewhere).
 * @example
 * ```ts
 * setBackend('wasm');
 * ```
 */
export const wasmBackend: Backend<Buf> & ArenaHost = {
  name: 'wasm',
  fromTyped,
  read: (b) => b,
  retain: (b) => { if (heap === undefined || !heap.retain(b)) pool.retain(b); },
  release: (b) => { if (heap === undefined || !heap.release(b)) pool.release(b); },
  dispose: (b) => { if (heap === undefined || !heap.release(b)) pool.release(b); },
  kernels,
  useAllocator(alloc) {
    // Small arrays: the allocTyped allocator outside pooled calls, the pool's small path inside.
    const prev = swapAllocator((d, n) => alloc(d, n, true));
    const prevSmall = swapSmallAllocator(alloc);
    return () => { swapAllocator(prev); swapSmallAllocator(prevSmall); };
  },
  [ARENA_SOURCE]: arenaSource,
};

/**
 * Starts worker threads for large matrix products now and waits until they are ready (Node, or a
 * cross-origin-isolated browser page; shared memory required). Not needed for speed: by default
 * the runtime starts them by itself on the first large product; this call also undoes
 * {@link stopWasmThreads}.
 * @returns whether threads are running.
 * @example
 * ```ts
 * await startWasmThreads();
 * ```
 */
export async function startWasmThreads(threads?: number): Promise<boolean> {
  const r = rt();
  return r ? r.startThreads(threads) : false;
}

/**
 * The wasm runtime's threads: how many a large matrix product runs on, and how many GEMM work
 * items worker threads (not the calling thread) have completed since the pool started.
 * @returns `{ threads: 1, workerItems: 0 }` without a pool
 * @example
 * ```ts
 * await startWasmThreads(2);
 * // ... a large matmul ...
 * console.log(wasmThreadStats()); // { threads: 2, workerItems: 3 }
 * ```
 */
export function wasmThreadStats(): { threads: number; workerItems: number } {
  return { threads: runtime?.threads ?? 1, workerItems: runtime?.workerItems ?? 0 };
}

/**
 * @internal What a benchmark may switch on the `wasm` backend's runtime (see `WasmRuntime`).
 * @example
 * ```ts
 * const t: WasmThreadSettings = wasmThreadSettings()!;
 * ```
 */
export interface WasmThreadSettings {
  /** Whether a large product runs on the pool only while it measures not clearly slower. */
  adaptiveThreads: boolean;
  /** Smallest product (multiply-adds) the pool splits. */
  threadSplitWork: number;
  /** Whether the GEMM uses relaxed-SIMD fused multiply-add. */
  readonly relaxed: boolean;
}

/**
 * @internal The thread settings of the `wasm` backend's runtime (created on first use), or
 * undefined where WebAssembly SIMD is missing: for benchmarks that switch them in one process.
 * @returns the runtime's settings
 * @example
 * ```ts
 * wasmThreadSettings()!.adaptiveThreads = false; // every large product on the pool
 * ```
 */
export function wasmThreadSettings(): WasmThreadSettings | undefined {
  return rt();
}

/**
 * Opts in to the relaxed-SIMD matrix-product kernels (fused multiply-add, 1.25–1.35× the float32
 * multiply + add kernels on one core here). Engines that ship relaxed SIMD (Node ≥ 22, current
 * browsers) use them by default; Node 20 has them behind `--experimental-wasm-relaxed-simd`,
 * which this call switches on at run time (a process-wide V8 flag, hence opt-in). Tensors made
 * before stay valid (the new kernels share the memory); worker threads restart. Fused
 * multiply-add rounds once where multiply + add rounds twice, so products may differ from the
 * default kernels in the last bits (and between machines); `jit` still equals eager bit for bit.
 * @returns whether the FMA kernels are in use (false where the engine has no relaxed SIMD)
 * @example
 * ```ts
 * if (await enableWasmRelaxedSimd()) console.log('FMA matrix products');
 * ```
 */
export async function enableWasmRelaxedSimd(): Promise<boolean> {
  if (!detectRelaxedSimd(true)) return false;
  relaxedWanted = true;
  const old = runtime;
  if (old === undefined || old.relaxed) return rt()?.relaxed ?? false;
  const threads = old.threadSetting;
  await old.stopThreads();
  runtime = new WasmRuntime({ memory: old.memory, relaxedSimd: 'flag', threads });
  return runtime.relaxed;
}

/**
 * Stops the worker threads and turns them off (the automatic start included) until
 * {@link startWasmThreads}: the off switch, also before the first operation.
 * @example
 * ```ts
 * await stopWasmThreads();
 * ```
 */
export async function stopWasmThreads(): Promise<void> {
  await rt()?.stopThreads();
}

registerBackend('wasm', () => wasmBackend as Backend);
