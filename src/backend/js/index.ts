/**
 * The `js` reference backend: plain loops over typed arrays, float64 wherever asked.
 *
 * Every other backend is tested against this one. Reductions and matrix products
 * accumulate in float64 and round once to the output dtype.
 * @module
 */
import type { Backend, Kernels, ReduceOp } from '../backend.js';
import { registerBackend } from '../backend.js';
import type { Aval } from '../../tensor/aval.js';
import { allocTyped, swapAllocator, type TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, shapesEqual } from '../../tensor/shape.js';
import { binaryStrided, blockKind, broadcastStrides, gather, offsets, scatter } from './strided.js';
import { randomBitsKernel } from './random.js';
import { BINARY, intDiv } from './scalar-ops.js';
import { arithRowLeft, arithRowRight, arithScalarLeft, arithScalarRight, binarySame, unaryLoop } from './elementwise-loops.js';
import { fusedKernel, planFusedKernel } from './fused.js';
import { planDot, runDot } from './dot.js';
import { convKernel } from './conv.js';

type Buf = TypedArray;

function strided(src: Buf, out: Aval, strides: readonly number[], base = 0): Buf {
  const res = allocTyped(out.dtype, out.size);
  gather(res, src, out.shape, strides, base);
  return res;
}

/** Same-shape and scalar-operand loops for + − × ÷ without a per-element call. */
function fastArith(op: 'add' | 'sub' | 'mul' | 'div', x: Buf, y: Buf, ax: Aval, ay: Aval, res: Buf): boolean {
  const n = res.length;
  if (shapesEqual(ax.shape, ay.shape)) return binarySame(op, x, y, res);
  if (ay.size === 1 && ax.size === n) { arithScalarRight(op, x, y[0]!, res, 0, n); return true; }
  if (ax.size === 1 && ay.size === n) { arithScalarLeft(op, x[0]!, y, res, 0, n); return true; }
  return false;
}

/**
 * + − × ÷ with one full-size operand and the other a trailing block (`[R, C] ∘ [C]`) or a leading
 * block (`[R, C] ∘ [R, 1]`): plain nested loops, the same per-element operation as the strided path.
 */
function blockArith(op: 'add' | 'sub' | 'mul' | 'div', x: Buf, y: Buf, ax: Aval, ay: Aval, out: Aval, res: Buf): boolean {
  const n = res.length;
  const yBlock = ax.size === n;
  if (!yBlock && ay.size !== n) return false;
  const small = yBlock ? ay : ax;
  const m = small.size;
  if (m === 0 || n % m !== 0) return false;
  const kind = blockKind(small.shape, out.shape);
  if (kind === null) return false;
  const big = yBlock ? x : y, b = yBlock ? y : x;
  // index of the small operand for output element r * inner + j: rows → j, cols → r
  const outer = kind === 'rows' ? n / m : m, inner = kind === 'rows' ? m : n / m;
  for (let r = 0; r < outer; r++) {
    const base = r * inner;
    if (kind === 'cols') {
      const v = b[r]!;
      if (yBlock) blockRun(op, big, v, null, res, base, inner, false);
      else blockRun(op, big, v, null, res, base, inner, true);
    } else if (yBlock) blockRun(op, big, 0, b, res, base, inner, false);
    else blockRun(op, big, 0, b, res, base, inner, true);
  }
  return true;
}

/** res[base + j] = big[base + j] ∘ (v or vec[j]), operands swapped when `swap`. */
function blockRun(op: 'add' | 'sub' | 'mul' | 'div', big: Buf, v: number, vec: Buf | null, res: Buf, base: number, len: number, swap: boolean): void {
  if (vec === null) {
    if (swap) arithScalarLeft(op, v, big, res, base, base + len);
    else arithScalarRight(op, big, v, res, base, base + len);
  } else if (swap) arithRowLeft(op, vec, big, res, base, len);
  else arithRowRight(op, big, vec, res, base, len);
}

const kernels: Kernels<Buf> = {
  unary(op, x, _ax, out) {
    const res = allocTyped(out.dtype, out.size);
    unaryLoop(op, x, res);
    return res;
  },
  binary(op, x, y, ax, ay, out) {
    const res = allocTyped(out.dtype, out.size);
    const n = res.length;
    const intDivide = out.dtype === 'int32' && op === 'div';
    if (!intDivide && (op === 'add' || op === 'sub' || op === 'mul' || op === 'div') && (fastArith(op, x, y, ax, ay, res) || blockArith(op, x, y, ax, ay, out, res))) return res;
    const f = intDivide ? intDiv : BINARY[op];
    if (shapesEqual(ax.shape, ay.shape)) { if (intDivide || !binarySame(op, x, y, res)) for (let i = 0; i < n; i++) res[i] = f(x[i]!, y[i]!); }
    else if (ay.size === 1 && ax.size === n) { const b = y[0]!; for (let i = 0; i < n; i++) res[i] = f(x[i]!, b); }
    else if (ax.size === 1 && ay.size === n) { const a = x[0]!; for (let i = 0; i < n; i++) res[i] = f(a, y[i]!); }
    else binaryStrided(res, x, y, out.shape, broadcastStrides(ax.shape, out.shape), broadcastStrides(ay.shape, out.shape), f);
    return res;
  },
  select(p, x, y, ap, ax, ay, out) {
    const res = allocTyped(out.dtype, out.size);
    const op = offsets(out.shape, broadcastStrides(ap.shape, out.shape));
    const ox = offsets(out.shape, broadcastStrides(ax.shape, out.shape));
    const oy = offsets(out.shape, broadcastStrides(ay.shape, out.shape));
    for (let i = 0; i < res.length; i++) res[i] = p[op[i]!] ? x[ox[i]!]! : y[oy[i]!]!;
    return res;
  },
  cast(x, _ax, out) {
    const res = allocTyped(out.dtype, out.size);
    if (out.dtype === 'bool') for (let i = 0; i < res.length; i++) res[i] = x[i] ? 1 : 0;
    else if (out.dtype === 'int32') for (let i = 0; i < res.length; i++) res[i] = Math.trunc(x[i]!);
    else (res as Float64Array).set(x);
    return res;
  },
  reduce(op, x, ax, axes, out) {
    return reduceKernel(op, x, ax, axes, out);
  },
  planReduce(op, ax, axes, out) {
    return planReduceKernel(op, ax, axes, out);
  },
  reshape(x) {
    return x;
  },
  transpose(x, ax, perm, out) {
    const s = stridesOf(ax.shape);
    return strided(x, out, perm.map((p) => s[p]!));
  },
  broadcastInDim(x, ax, dims, out) {
    const s = stridesOf(ax.shape);
    const os = new Array<number>(out.shape.length).fill(0);
    dims.forEach((d, i) => { os[d] = ax.shape[i] === 1 && out.shape[d] !== 1 ? 0 : s[i]!; });
    return strided(x, out, os);
  },
  slice(x, ax, starts, out) {
    const s = stridesOf(ax.shape);
    let base = 0;
    starts.forEach((st, i) => { base += st * s[i]!; });
    return strided(x, out, s, base);
  },
  pad(x, ax, lo, out) {
    const res = allocTyped(out.dtype, out.size);
    const os = stridesOf(out.shape);
    let base = 0;
    lo.forEach((l, i) => { base += l * os[i]!; });
    scatter(res, x, ax.shape, os, base);
    return res;
  },
  concat(xs, axs, axis, out) {
    const res = allocTyped(out.dtype, out.size);
    const os = stridesOf(out.shape);
    let off = 0;
    xs.forEach((x, j) => {
      const a = axs[j]!;
      scatter(res, x, a.shape, os, off * os[axis]!);
      off += a.shape[axis]!;
    });
    return res;
  },
  take(x, idx, ax, aidx, axis, out) {
    const pre = sizeOf(ax.shape.slice(0, axis)), n = ax.shape[axis]!, post = sizeOf(ax.shape.slice(axis + 1)), m = aidx.size;
    const res = allocTyped(out.dtype, out.size);
    for (let p = 0; p < pre; p++)
      for (let j = 0; j < m; j++) {
        const k = Math.min(Math.max(idx[j]!, 0), n - 1);
        const src = (p * n + k) * post, dst = (p * m + j) * post;
        for (let q = 0; q < post; q++) res[dst + q] = x[src + q]!;
      }
    return res;
  },
  scatterAdd(idx, upd, aidx, _aupd, axis, out) {
    const pre = sizeOf(out.shape.slice(0, axis)), n = out.shape[axis]!, post = sizeOf(out.shape.slice(axis + 1)), m = aidx.size;
    const acc = new Float64Array(out.size);
    for (let p = 0; p < pre; p++)
      for (let j = 0; j < m; j++) {
        const k = Math.min(Math.max(idx[j]!, 0), n - 1);
        const dst = (p * n + k) * post, src = (p * m + j) * post;
        for (let q = 0; q < post; q++) acc[dst + q]! += upd[src + q]!;
      }
    const res = allocTyped(out.dtype, out.size);
    (res as Float64Array).set(acc);
    return res;
  },
  dotGeneral(x, y, ax, ay, dims, out) {
    return runDot(planDot(ax, ay, dims, out), x, y);
  },
  planDotGeneral(ax, ay, dims, out) {
    const p = planDot(ax, ay, dims, out);
    return (x, y) => runDot(p, x, y);
  },
  conv(x, w, ax, aw, params, out) {
    return convKernel(x, w, ax, aw, params, out);
  },
  iota(dim, out) {
    const res = allocTyped(out.dtype, out.size);
    const s = stridesOf(out.shape);
    const st = s[dim]!, len = out.shape[dim]!;
    for (let i = 0; i < res.length; i++) res[i] = Math.floor(i / st) % len;
    return res;
  },
  randomBits(key, akey, dist, out) {
    return randomBitsKernel(key as Int32Array, akey, dist, out);
  },
  fused(program, xs, axs, outs) {
    return fusedKernel(program, xs, axs, outs);
  },
  planFused(program, axs, outs) {
    return planFusedKernel(program, axs, outs);
  },
};

function reduceKernel(op: ReduceOp, x: Buf, ax: Aval, axes: readonly number[], out: Aval): Buf {
  return runReduce(op, x, reduceSlots(ax, axes, out), op === 'argmax' ? argmaxPositions(ax, axes[0]!) : undefined, out);
}

/** Inputs up to this many elements keep their slot tables in a plan (larger ones recompute them per call). */
const PLAN_SLOTS_MAX = 65_536;

/** `reduce` resolved once for fixed avals: the output slot of every input element is computed here. */
function planReduceKernel(op: ReduceOp, ax: Aval, axes: readonly number[], out: Aval): (x: Buf) => Buf {
  const block = op === 'argmax' ? undefined : reduceBlock(ax, axes);
  if (block !== undefined) {
    const { outer, red, inner } = block;
    return (x) => (inner === 1 ? reduceRows(op, x, outer, red, out) : reduceCols(op, x, red, inner, out));
  }
  if (ax.size > PLAN_SLOTS_MAX) return (x) => reduceKernel(op, x, ax, axes, out);
  const dst = reduceSlots(ax, axes, out);
  const pos = op === 'argmax' ? argmaxPositions(ax, axes[0]!) : undefined;
  return (x) => runReduce(op, x, dst, pos, out);
}

/**
 * A reduction whose kept axes all come before its reduced ones (`inner` = 1: rows) or after them
 * (`outer` = 1: columns), size-1 axes ignored; undefined otherwise.
 */
function reduceBlock(ax: Aval, axes: readonly number[]): { outer: number; red: number; inner: number } | undefined {
  let outer = 1, red = 1, inner = 1, phase = 0; // 0: kept before, 1: reduced, 2: kept after
  for (let d = 0; d < ax.shape.length; d++) {
    const n = ax.shape[d]!;
    if (n === 1) continue;
    const reduced = axes.includes(d);
    if (reduced) { if (phase === 2) return undefined; phase = 1; red *= n; }
    else if (phase === 0) outer *= n;
    else { phase = 2; inner *= n; }
  }
  if (outer > 1 && inner > 1) return undefined;
  return { outer, red, inner };
}

/** Row reductions: each output sums (or maxes) its contiguous run of `red` inputs, in order, like runReduce. */
function reduceRows(op: ReduceOp, x: Buf, outer: number, red: number, out: Aval): Buf {
  const res = allocTyped(out.dtype, out.size);
  if (op === 'sum') {
    for (let r = 0; r < outer; r++) {
      let s = 0;
      for (let j = r * red, e = j + red; j < e; j++) s += x[j]!;
      res[r] = s;
    }
    return res;
  }
  const sgn = op === 'max' ? 1 : -1;
  for (let r = 0; r < outer; r++) {
    let a = -Infinity;
    for (let j = r * red, e = j + red; j < e; j++) {
      const v = sgn * x[j]!;
      if (v > a || v !== v) a = v;
    }
    res[r] = sgn < 0 ? -a : a;
  }
  return res;
}

/** Column reductions: output j accumulates inputs j, j + inner, j + 2·inner, … in order, like runReduce. */
function reduceCols(op: ReduceOp, x: Buf, red: number, inner: number, out: Aval): Buf {
  const acc = new Float64Array(inner);
  if (op === 'sum') {
    for (let k = 0; k < red; k++) for (let j = 0, b = k * inner; j < inner; j++) acc[j]! += x[b + j]!;
  } else {
    const sgn = op === 'max' ? 1 : -1;
    acc.fill(-Infinity);
    for (let k = 0; k < red; k++) {
      for (let j = 0, b = k * inner; j < inner; j++) {
        const v = sgn * x[b + j]!;
        if (v > acc[j]! || v !== v) acc[j] = v;
      }
    }
    if (sgn < 0) for (let j = 0; j < inner; j++) acc[j] = -acc[j]!;
  }
  const res = allocTyped(out.dtype, out.size);
  (res as Float64Array).set(acc);
  return res;
}

/** The output slot of every input element (row-major). */
function reduceSlots(ax: Aval, axes: readonly number[], out: Aval): Int32Array {
  const rank = ax.shape.length;
  const keptStrides = stridesOf(out.shape);
  const os = new Array<number>(rank).fill(0);
  let k = 0;
  for (let d = 0; d < rank; d++) if (!axes.includes(d)) os[d] = keptStrides[k++]!;
  return offsets(ax.shape, os);
}

/** The index along `axis` of every input element (row-major). */
function argmaxPositions(ax: Aval, axis: number): Int32Array {
  return offsets(ax.shape, stridesOf(ax.shape).map((_, d) => (d === axis ? 1 : 0)));
}

function runReduce(op: ReduceOp, x: Buf, dst: Int32Array, pos: Int32Array | undefined, out: Aval): Buf {
  const n = dst.length;
  const acc = new Float64Array(out.size);
  if (op === 'sum') {
    for (let i = 0; i < n; i++) acc[dst[i]!]! += x[i]!;
  } else if (op === 'argmax') {
    const best = new Float64Array(out.size);
    const count = new Int32Array(out.size);
    for (let i = 0; i < n; i++) {
      const b = dst[i]!, v = x[i]!;
      if (count[b] === 0 || v > best[b]! || (v !== v && best[b] === best[b])) { best[b] = v; acc[b] = pos![i]!; }
      count[b]!++;
    }
  } else {
    const sgn = op === 'max' ? 1 : -1;
    acc.fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const b = dst[i]!, v = sgn * x[i]!;
      if (v > acc[b]! || v !== v) acc[b] = v;
    }
    if (sgn < 0) for (let i = 0; i < acc.length; i++) acc[i] = -acc[i]!;
  }
  const res = allocTyped(out.dtype, out.size);
  (res as Float64Array).set(acc);
  return res;
}

/**
 * The `js` reference backend.
 * @example
 * ```ts
 * setBackend('js');
 * ```
 */
export const jsBackend: Backend<Buf> = {
  name: 'js',
  fromTyped: (data) => data,
  read: (buf) => buf,
  dispose: () => {},
  kernels,
  useAllocator(alloc) {
    const prev = swapAllocator((d, n) => alloc(d, n, true));
    return () => { swapAllocator(prev); };
  },
};

registerBackend('js', () => jsBackend as Backend);
