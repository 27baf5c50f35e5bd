/**
 * Float64 reference implementations for the conformance table: a tiny row-major ndarray
 * on plain JS data, written independently of curvax (no library calls).
 */
import type { Tensor } from '../../src/index.js';

/** A row-major float64 array. */
export interface Arr {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
export const arr = (shape: readonly number[], data: ArrayLike<number>): Arr => ({ shape: [...shape], data: Float64Array.from(data) });
export const fromTensor = (t: Tensor): Arr => arr(t.shape, t.toTypedArray());

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = flat % n;
    flat = Math.floor(flat / n);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d]! + idx[d]!;
  return f;
}

/** Builds an array by evaluating `at(idx)` at every multi-index of `shape`. */
export function build(shape: readonly number[], at: (idx: number[]) => number): Arr {
  const n = size(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = at(unravel(i, shape));
  return { shape: [...shape], data };
}

export const get = (a: Arr, idx: readonly number[]): number => a.data[ravel(idx, a.shape)]!;

export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    s.forEach((d, i) => {
      const j = rank - s.length + i;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) throw new Error(`ref: shapes do not broadcast: ${shapes.map((x) => `[${x}]`).join(' ')}`);
    });
  }
  return out;
}

/** The element of `a` read at an index of the broadcast shape. */
function bget(a: Arr, idx: readonly number[]): number {
  const off = idx.length - a.shape.length;
  return get(a, a.shape.map((d, i) => (d === 1 ? 0 : idx[off + i]!)));
}

export const map = (a: Arr, f: (x: number) => number): Arr => ({ shape: [...a.shape], data: a.data.map(f) });

export function zipWith(xs: readonly Arr[], f: (...v: number[]) => number): Arr {
  const shape = broadcastShapes(...xs.map((x) => x.shape));
  return build(shape, (idx) => f(...xs.map((x) => bget(x, idx))));
}

export const broadcastTo = (a: Arr, shape: readonly number[]): Arr => build(shape, (idx) => bget(a, idx));

/** Normalises an axis argument (number, list or undefined = all) into sorted axes. */
export function axesOf(axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return list.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
}

/** Reduces `axes` with `f(values)`; keeps size-1 axes when `keepDims`. */
export function reduce(a: Arr, axes: readonly number[], keepDims: boolean, f: (vals: number[]) => number): Arr {
  const kept = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const redShape = axes.map((ax) => a.shape[ax]!);
  const out = build(kept, (idx) => {
    const vals: number[] = [];
    for (let r = 0; r < size(redShape); r++) {
      const ridx = unravel(r, redShape);
      const full = idx.map((v, i) => (axes.includes(i) ? ridx[axes.indexOf(i)]! : v));
      vals.push(get(a, full));
    }
    return f(vals);
  });
  return keepDims ? out : { shape: a.shape.filter((_, i) => !axes.includes(i)), data: out.data };
}

export const reshape = (a: Arr, shape: readonly number[]): Arr => ({ shape: [...shape], data: a.data });

export function transpose(a: Arr, perm: readonly number[]): Arr {
  const shape = perm.map((p) => a.shape[p]!);
  return build(shape, (idx) => {
    const src = new Array<number>(a.shape.length);
    perm.forEach((p, i) => { src[p] = idx[i]!; });
    return get(a, src);
  });
}

export function slice(a: Arr, starts: readonly number[], sizes: readonly number[]): Arr {
  return build(sizes, (idx) => get(a, idx.map((v, i) => v + starts[i]!)));
}

export function concat(xs: readonly Arr[], axis: number): Arr {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  return build(shape, (idx) => {
    let k = idx[axis]!;
    for (const x of xs) {
      if (k < x.shape[axis]!) return get(x, idx.map((v, i) => (i === axis ? k : v)));
      k -= x.shape[axis]!;
    }
    throw new Error('unreachable');
  });
}

/** Gather along `axis` (negative indices wrap, out-of-range indices clamp). */
export function take(a: Arr, indices: Arr, axis: number): Arr {
  const n = a.shape[axis]!;
  const shape = [...a.shape.slice(0, axis), ...indices.shape, ...a.shape.slice(axis + 1)];
  const k = indices.shape.length;
  return build(shape, (idx) => {
    let i = get(indices, idx.slice(axis, axis + k));
    if (i < 0) i += n;
    i = Math.min(Math.max(i, 0), n - 1);
    return get(a, [...idx.slice(0, axis), i, ...idx.slice(axis + k)]);
  });
}

/** out[batch…, lhsFree…, rhsFree…] = Σ_contract lhs·rhs. */
export function dotGeneral(x: Arr, y: Arr, d: { lc: readonly number[]; rc: readonly number[]; lb: readonly number[]; rb: readonly number[] }): Arr {
  const lf = x.shape.map((_, i) => i).filter((i) => !d.lc.includes(i) && !d.lb.includes(i));
  const rf = y.shape.map((_, i) => i).filter((i) => !d.rc.includes(i) && !d.rb.includes(i));
  const shape = [...d.lb.map((i) => x.shape[i]!), ...lf.map((i) => x.shape[i]!), ...rf.map((i) => y.shape[i]!)];
  const cShape = d.lc.map((i) => x.shape[i]!);
  return build(shape, (idx) => {
    const nb = d.lb.length;
    let s = 0;
    for (let c = 0; c < size(cShape); c++) {
      const cidx = unravel(c, cShape);
      const xi = new Array<number>(x.shape.length), yi = new Array<number>(y.shape.length);
      d.lb.forEach((ax, j) => { xi[ax] = idx[j]!; });
      d.rb.forEach((ax, j) => { yi[ax] = idx[j]!; });
      lf.forEach((ax, j) => { xi[ax] = idx[nb + j]!; });
      rf.forEach((ax, j) => { yi[ax] = idx[nb + lf.length + j]!; });
      d.lc.forEach((ax, j) => { xi[ax] = cidx[j]!; });
      d.rc.forEach((ax, j) => { yi[ax] = cidx[j]!; });
      s += get(x, xi) * get(y, yi);
    }
    return s;
  });
}

/** NumPy matmul with 1-D promotion and broadcast batch axes. */
export function matmul(x: Arr, y: Arr): Arr {
  const a = x.shape.length === 1 ? reshape(x, [1, x.shape[0]!]) : x;
  const b = y.shape.length === 1 ? reshape(y, [y.shape[0]!, 1]) : y;
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const m = a.shape[a.shape.length - 2]!, k = a.shape[a.shape.length - 1]!, n = b.shape[b.shape.length - 1]!;
  const ab = broadcastTo(a, [...batch, m, k]), bb = broadcastTo(b, [...batch, k, n]);
  let out = build([...batch, m, n], (idx) => {
    const pre = idx.slice(0, -2);
    const i = idx[idx.length - 2]!, j = idx[idx.length - 1]!;
    let s = 0;
    for (let p = 0; p < k; p++) s += get(ab, [...pre, i, p]) * get(bb, [...pre, p, j]);
    return s;
  });
  if (x.shape.length === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.shape.length - 1]!]);
  if (y.shape.length === 1) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

/** Numerically careful float64 helpers for the unary references. */
export const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
export const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
export const logSumExp = (vals: readonly number[]): number => {
  const m = Math.max(...vals);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(vals.reduce((s, v) => s + Math.exp(v - m), 0));
};
export const sumOf = (vals: readonly number[]): number => vals.reduce((s, v) => s + v, 0);
