/**
 * The `js` reference backend: plain loops over typed arrays, float64 wherever asked.
 *
 * Every other backend is tested against this one. Reductions and matrix products
 * accumulate in float64 and round once to the output dtype.
 * @module
 */
import type { Backend, BinaryOp, DotDims, Kernels, ReduceOp, UnaryOp } from '../backend.js';
import { registerBackend } from '../backend.js';
import type { Aval } from '../../tensor/aval.js';
import { allocTyped, type TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, shapesEqual } from '../../tensor/shape.js';
import { broadcastStrides, forEachStrided } from './strided.js';
import { randomBitsKernel } from './random.js';

type Buf = TypedArray;

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  tanh: Math.tanh,
  logistic: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  not: (x) => (x ? 0 : 1),
};

const BINARY: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: Math.pow,
  max: (x, y) => (x !== x || y !== y ? NaN : x > y ? x : y),
  min: (x, y) => (x !== x || y !== y ? NaN : x < y ? x : y),
  eq: (x, y) => (x === y ? 1 : 0),
  ne: (x, y) => (x !== y ? 1 : 0),
  lt: (x, y) => (x < y ? 1 : 0),
  le: (x, y) => (x <= y ? 1 : 0),
  gt: (x, y) => (x > y ? 1 : 0),
  ge: (x, y) => (x >= y ? 1 : 0),
  and: (x, y) => (x && y ? 1 : 0),
  or: (x, y) => (x || y ? 1 : 0),
};

function intDiv(x: number, y: number): number {
  return y === 0 ? 0 : Math.trunc(x / y);
}

function strided(src: Buf, out: Aval, strides: readonly number[], base = 0): Buf {
  const res = allocTyped(out.dtype, out.size);
  forEachStrided(out.shape, strides, null, null, (i, a) => { res[i] = src[a]!; }, base);
  return res;
}

const kernels: Kernels<Buf> = {
  unary(op, x, _ax, out) {
    const f = UNARY[op];
    const res = allocTyped(out.dtype, out.size);
    for (let i = 0; i < res.length; i++) res[i] = f(x[i]!);
    return res;
  },
  binary(op, x, y, ax, ay, out) {
    const f = out.dtype === 'int32' && op === 'div' ? intDiv : BINARY[op];
    const res = allocTyped(out.dtype, out.size);
    const n = res.length;
    if (shapesEqual(ax.shape, ay.shape)) for (let i = 0; i < n; i++) res[i] = f(x[i]!, y[i]!);
    else if (ay.size === 1 && ax.size === n) { const b = y[0]!; for (let i = 0; i < n; i++) res[i] = f(x[i]!, b); }
    else if (ax.size === 1 && ay.size === n) { const a = x[0]!; for (let i = 0; i < n; i++) res[i] = f(a, y[i]!); }
    else {
      const sx = broadcastStrides(ax.shape, out.shape), sy = broadcastStrides(ay.shape, out.shape);
      forEachStrided(out.shape, sx, sy, null, (i, a, b) => { res[i] = f(x[a]!, y[b]!); });
    }
    return res;
  },
  select(p, x, y, ap, ax, ay, out) {
    const res = allocTyped(out.dtype, out.size);
    const sp = broadcastStrides(ap.shape, out.shape), sx = broadcastStrides(ax.shape, out.shape), sy = broadcastStrides(ay.shape, out.shape);
    const offs = new Int32Array(out.size);
    forEachStrided(out.shape, sp, null, null, (i, a) => { offs[i] = a; });
    forEachStrided(out.shape, sx, sy, null, (i, a, b) => { res[i] = p[offs[i]!] ? x[a]! : y[b]!; });
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
    forEachStrided(ax.shape, stridesOf(ax.shape), os, null, (_i, a, b) => { res[b] = x[a]!; }, 0, base);
    return res;
  },
  concat(xs, axs, axis, out) {
    const res = allocTyped(out.dtype, out.size);
    const os = stridesOf(out.shape);
    let off = 0;
    xs.forEach((x, j) => {
      const a = axs[j]!;
      forEachStrided(a.shape, stridesOf(a.shape), os, null, (_i, p, q) => { res[q] = x[p]!; }, 0, off * os[axis]!);
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
    return dotKernel(x, y, ax, ay, dims, out);
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
};

function reduceKernel(op: ReduceOp, x: Buf, ax: Aval, axes: readonly number[], out: Aval): Buf {
  const rank = ax.shape.length;
  const keptStrides = stridesOf(out.shape);
  const os = new Array<number>(rank).fill(0);
  let k = 0;
  for (let d = 0; d < rank; d++) if (!axes.includes(d)) os[d] = keptStrides[k++]!;
  const xs = stridesOf(ax.shape);
  const acc = new Float64Array(out.size);
  if (op === 'sum') {
    forEachStrided(ax.shape, xs, os, null, (_i, a, b) => { acc[b]! += x[a]!; });
  } else if (op === 'argmax') {
    const best = new Float64Array(out.size).fill(-Infinity);
    const counter = new Float64Array(out.size);
    forEachStrided(ax.shape, xs, os, null, (_i, a, b) => {
      const v = x[a]!;
      const pos = counter[b]!;
      counter[b] = pos + 1;
      if (v > best[b]! || (pos === 0) || (v !== v && best[b] === best[b])) { best[b] = v; acc[b] = pos; }
    });
  } else {
    const sgn = op === 'max' ? 1 : -1;
    acc.fill(-Infinity);
    forEachStrided(ax.shape, xs, os, null, (_i, a, b) => {
      const v = sgn * x[a]!;
      if (v > acc[b]! || v !== v) acc[b] = v;
    });
    if (sgn < 0) for (let i = 0; i < acc.length; i++) acc[i] = -acc[i]!;
  }
  const res = allocTyped(out.dtype, out.size);
  (res as Float64Array).set(acc);
  return res;
}

function dotKernel(x: Buf, y: Buf, ax: Aval, ay: Aval, dims: DotDims, out: Aval): Buf {
  const xFree = ax.shape.map((_, i) => i).filter((i) => !dims.lhsContract.includes(i) && !dims.lhsBatch.includes(i));
  const yFree = ay.shape.map((_, i) => i).filter((i) => !dims.rhsContract.includes(i) && !dims.rhsBatch.includes(i));
  const B = sizeOf(dims.lhsBatch.map((d) => ax.shape[d]!));
  const K = sizeOf(dims.lhsContract.map((d) => ax.shape[d]!));
  const M = sizeOf(xFree.map((d) => ax.shape[d]!));
  const N = sizeOf(yFree.map((d) => ay.shape[d]!));
  const xp = permuted(x, ax, [...dims.lhsBatch, ...xFree, ...dims.lhsContract]);
  const yp = permuted(y, ay, [...dims.rhsBatch, ...dims.rhsContract, ...yFree]);
  const res = allocTyped(out.dtype, out.size);
  const row = new Float64Array(N);
  for (let b = 0; b < B; b++) {
    const xo = b * M * K, yo = b * K * N, oo = b * M * N;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const a = xp[xo + i * K + k]!;
        const yr = yo + k * N;
        for (let j = 0; j < N; j++) row[j]! += a * yp[yr + j]!;
      }
      for (let j = 0; j < N; j++) res[oo + i * N + j] = row[j]!;
    }
  }
  return res;
}

function permuted(x: Buf, ax: Aval, perm: readonly number[]): Buf {
  if (perm.every((p, i) => p === i)) return x;
  const s = stridesOf(ax.shape);
  const shape = perm.map((p) => ax.shape[p]!);
  const res = new Float64Array(sizeOf(shape));
  forEachStrided(shape, perm.map((p) => s[p]!), null, null, (i, a) => { res[i] = x[a]!; });
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
};

registerBackend('js', () => jsBackend as Backend);
