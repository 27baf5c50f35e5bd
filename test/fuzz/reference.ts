/**
 * NumPy semantics for the fuzz suite, in float64 on plain JS data: dtype promotion
 * (bool < int32 < float32 < float64, JS numbers weakly typed), broadcasting, elementwise
 * maps and reductions. Independent of curvax (only `Tensor` reads).
 */
import type { Tensor } from '../../src/index.js';
import * as R from '../conformance/ref.js';
import type { Expected } from './harness.js';

type DT = 'bool' | 'int32' | 'float32' | 'float64';
const RANK: Record<DT, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
const isFloatDT = (d: DT) => d === 'float32' || d === 'float64';
export const promote = (a: DT, b: DT): DT => (RANK[a] >= RANK[b] ? a : b);

/** A value as an array plus its dtype and whether it is a weakly typed JS number. */
export interface Val {
  readonly a: R.Arr;
  readonly dtype: DT;
  readonly weak: boolean;
}

export function val(v: unknown): Val {
  if (typeof v === 'number') return { a: R.arr([], [v]), dtype: 'float32', weak: true };
  const t = v as Tensor;
  return { a: R.fromTensor(t), dtype: t.dtype as DT, weak: false };
}

/** The dtype of a binary op's operands after NumPy/JAX promotion with weak JS numbers. */
export function binaryDType(x: Val, y: Val): DT {
  if (x.weak && y.weak) return 'float32';
  const [t, w] = x.weak ? [y, x] : y.weak ? [x, y] : [x, y];
  if (!w.weak) return promote(x.dtype, y.dtype);
  const v = w.a.data[0]!;
  if (isFloatDT(t.dtype)) return t.dtype;
  return Number.isInteger(v) ? (t.dtype === 'bool' ? 'int32' : t.dtype) : promote(t.dtype, 'float32');
}

/** Rounds float64 values to what a dtype stores. */
export function roundTo(d: DT, v: number): number {
  if (d === 'float32') return Math.fround(v);
  if (d === 'int32') return v | 0;
  if (d === 'bool') return v !== 0 ? 1 : 0; // NumPy: bool(nan) is True
  return v;
}

const castArr = (a: R.Arr, d: DT): R.Arr => R.map(a, (v) => roundTo(d, v));

function out(a: R.Arr, dtype: DT, tol = 0): Expected {
  return { shape: a.shape, dtype, data: a.data.map((v) => roundTo(dtype, v)), tol };
}

const TOL: Record<DT, number> = { float32: 4e-6, float64: 1e-13, int32: 0, bool: 0 };

/** Elementwise unary op that promotes integers/bools to float32 first (exp, log, ...). */
export function unaryFloat(f: (v: number) => number, exact = false) {
  return (x: unknown): Expected => {
    const v = val(x);
    const d: DT = isFloatDT(v.dtype) ? v.dtype : 'float32';
    return out(R.map(castArr(v.a, d), f), d, exact ? 0 : TOL[d]);
  };
}

/** Elementwise unary op that keeps the dtype (neg, abs, square, ...). */
export function unarySame(f: (v: number) => number) {
  return (x: unknown): Expected => {
    const v = val(x);
    return out(R.map(v.a, f), v.dtype);
  };
}

/** Elementwise binary op with promotion and broadcasting; `onBool` gives NumPy's bool rule. */
export function binary(f: (a: number, b: number) => number, opts: { result?: DT; tol?: boolean; onBool?: (a: number, b: number) => number; floatOnly?: boolean; skipInt?: boolean } = {}) {
  return (x: unknown, y: unknown): Expected | undefined => {
    const vx = val(x), vy = val(y);
    let d = binaryDType(vx, vy);
    if (opts.floatOnly && !isFloatDT(d)) d = 'float32';
    const shape = R.broadcastShapes(vx.a.shape, vy.a.shape);
    if (opts.skipInt && d === 'int32') return { shape, dtype: opts.result ?? d };
    const g = d === 'bool' && opts.onBool ? opts.onBool : f;
    const a = R.broadcastTo(castArr(vx.a, d), shape), b = R.broadcastTo(castArr(vy.a, d), shape);
    const res = R.zipWith([a, b], g);
    const rd = opts.result ?? d;
    return out(res, rd, opts.tol ? TOL[d] : 0);
  };
}

/** NumPy's normalisation of reduction axes (undefined = all). */
export function axesOf(axis: unknown, rank: number): { axes: number[]; keepDims: boolean } {
  let a = axis, keepDims = false;
  if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
    keepDims = (a as { keepDims?: boolean }).keepDims ?? false;
    a = (a as { axis?: unknown }).axis;
  }
  if (a === undefined || a === null) return { axes: Array.from({ length: rank }, (_, i) => i), keepDims };
  const list = (typeof a === 'number' ? [a] : (a as number[])).map((v) => (v < 0 ? v + rank : v));
  return { axes: [...list].sort((p, q) => p - q), keepDims };
}

export type Reducer = 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'argmin';

/** NumPy reductions: sum of bool counts (int32 here), mean in float, max/min propagate NaN, arg* take the first hit (NaN first). */
export function reduction(kind: Reducer) {
  return (x: unknown, axis: unknown): Expected => {
    const v = val(x);
    const single = kind === 'argmax' || kind === 'argmin';
    let { axes, keepDims } = axesOf(Array.isArray(axis) && single ? axis[0] : axis, v.a.shape.length);
    if (single && (axis === undefined || axis === null || (typeof axis === 'object' && axis !== null && !Array.isArray(axis) && (axis as { axis?: unknown }).axis === undefined))) {
      // flattened arg-reduction
      const flat = R.arr([v.a.data.length], v.a.data);
      const r = R.reduce(flat, [0], false, (vals) => argIndex(kind, vals));
      const shape = keepDims ? v.a.shape.map(() => 1) : [];
      return { shape, dtype: 'int32', data: r.data };
    }
    if (single) axes = axes.slice(0, 1);
    const dtype: DT = kind === 'sum' ? (v.dtype === 'bool' ? 'int32' : v.dtype) : kind === 'mean' ? (isFloatDT(v.dtype) ? v.dtype : 'float32') : single ? 'int32' : v.dtype;
    const src = kind === 'mean' ? castArr(v.a, dtype) : v.a;
    const f = (vals: number[]): number => {
      switch (kind) {
        case 'sum': return vals.reduce((s, q) => s + q, 0);
        case 'mean': return vals.reduce((s, q) => s + q, 0) / vals.length;
        case 'max': return vals.some(Number.isNaN) ? NaN : Math.max(...vals);
        case 'min': return vals.some(Number.isNaN) ? NaN : Math.min(...vals);
        default: return argIndex(kind, vals);
      }
    };
    const r = R.reduce(src, axes, keepDims, f);
    return out(r, dtype, kind === 'sum' || kind === 'mean' ? TOL[dtype] : 0);
  };
}

function argIndex(kind: Reducer, vals: readonly number[]): number {
  const nan = vals.findIndex(Number.isNaN);
  if (nan >= 0) return nan;
  let best = 0;
  for (let i = 1; i < vals.length; i++) if (kind === 'argmax' ? vals[i]! > vals[best]! : vals[i]! < vals[best]!) best = i;
  return best;
}

/** NumPy `astype`: nonzero (NaN included) → true; float → int32 truncates (non-finite values are undefined in NumPy, so unchecked). */
export function castRef(x: unknown, dtype: DT): Expected {
  const v = val(x);
  if (dtype === 'bool') return { shape: v.a.shape, dtype, data: v.a.data.map((q) => (q !== 0 ? 1 : 0)) };
  if (dtype === 'int32') {
    if (v.a.data.some((q) => !Number.isFinite(q) || Math.abs(q) >= 2 ** 31)) return { shape: v.a.shape, dtype };
    return { shape: v.a.shape, dtype, data: v.a.data.map((q) => Math.trunc(q)) };
  }
  return { shape: v.a.shape, dtype, data: v.a.data.map((q) => roundTo(dtype, q)) };
}

/** `where(c, x, y)`: c is read as nonzero (NumPy), x and y promoted, all three broadcast. */
export function whereRef(c: unknown, x: unknown, y: unknown): Expected {
  const vc = val(c), vx = val(x), vy = val(y);
  const d = binaryDType(vx, vy);
  const shape = R.broadcastShapes(vc.a.shape, vx.a.shape, vy.a.shape);
  const cc = R.broadcastTo(vc.a, shape), a = R.broadcastTo(castArr(vx.a, d), shape), b = R.broadcastTo(castArr(vy.a, d), shape);
  return out(R.zipWith([cc, a, b], (p, q, r) => (p !== 0 ? q : r)), d);
}

/** `clip(x, lo, hi) = min(max(x, lo), hi)` with promotion of all three and NaN propagation. */
export function clipRef(x: unknown, lo: unknown, hi: unknown): Expected {
  const v = [val(x), val(lo), val(hi)];
  const d = foldDType(v);
  const shape = R.broadcastShapes(...v.map((q) => q.a.shape));
  const [a, b, c] = v.map((q) => R.broadcastTo(castArr(q.a, d), shape));
  const mx = (p: number, q: number) => (Number.isNaN(p) || Number.isNaN(q) ? NaN : Math.max(p, q));
  const mn = (p: number, q: number) => (Number.isNaN(p) || Number.isNaN(q) ? NaN : Math.min(p, q));
  return out(R.zipWith([a!, b!, c!], (p, q, r) => mn(mx(p, q), r)), d);
}

/** The promoted dtype of several operands: tensors first (lattice join), then each weak JS number against it. */
export function foldDType(vs: readonly Val[]): DT {
  const strong = vs.filter((q) => !q.weak);
  if (strong.length === 0) return 'float32';
  let acc: Val = { a: R.arr([], [0]), dtype: strong.map((q) => q.dtype).reduce(promote), weak: false };
  for (const q of vs) if (q.weak) acc = { ...acc, dtype: binaryDType(acc, q) };
  return acc.dtype;
}

/** NumPy `matmul` for operands of rank 1 or 2 (bool: or of ands; int32 wraps). */
export function matmulRef(x: unknown, y: unknown): Expected | undefined {
  const vx = val(x), vy = val(y);
  if (vx.weak || vy.weak || vx.a.shape.length === 0 || vy.a.shape.length === 0 || vx.a.shape.length > 2 || vy.a.shape.length > 2) return undefined;
  const d = promote(vx.dtype, vy.dtype);
  const a = castArr(vx.a, d), b = castArr(vy.a, d);
  const A = a.shape.length === 1 ? R.reshape(a, [1, a.shape[0]!]) : a;
  const B = b.shape.length === 1 ? R.reshape(b, [b.shape[0]!, 1]) : b;
  const [m, k] = A.shape as [number, number], [k2, n] = B.shape as [number, number];
  if (k !== k2) return undefined;
  const res = R.build([m, n], ([i, j]) => {
    let s = 0;
    for (let q = 0; q < k; q++) s += d === 'bool' ? (R.get(A, [i!, q]) && R.get(B, [q, j!]) ? 1 : 0) : R.get(A, [i!, q]) * R.get(B, [q, j!]);
    return s;
  });
  const shape = [...(a.shape.length === 2 ? [m] : []), ...(b.shape.length === 2 ? [n] : [])];
  return { shape, dtype: d, data: res.data.map((v) => roundTo(d, v)), tol: TOL[d] };
}

/** `take` with curvax's documented index rule: negative indices count from the end, the rest clamp into range. */
export function takeRef(x: unknown, indices: unknown, axis: unknown): Expected | undefined {
  const v = val(x);
  const idx = typeof indices === 'number' || Array.isArray(indices) ? R.arr(shapeOfNested(indices), (indices as number[]).flat ? (indices as number[]).flat(3) as number[] : [indices as number]) : R.fromTensor(indices as Tensor);
  let ax = axis === undefined || axis === null ? 0 : typeof axis === 'object' && !Array.isArray(axis) ? ((axis as { axis?: number }).axis ?? 0) : Array.isArray(axis) ? (axis as number[])[0]! : (axis as number);
  const rank = v.a.shape.length;
  if (ax < 0) ax += rank;
  const n = v.a.shape[ax]!;
  const shape = [...v.a.shape.slice(0, ax), ...idx.shape, ...v.a.shape.slice(ax + 1)];
  const res = R.build(shape, (o) => {
    let i = R.get(idx, o.slice(ax, ax + idx.shape.length));
    if (i < 0) i += n;
    i = Math.min(Math.max(i, 0), n - 1);
    return R.get(v.a, [...o.slice(0, ax), i, ...o.slice(ax + idx.shape.length)]);
  });
  return out(res, v.dtype);
}

function shapeOfNested(v: unknown): number[] {
  const s: number[] = [];
  let c = v;
  while (Array.isArray(c)) {
    s.push(c.length);
    c = c[0];
  }
  return s;
}

/** `concat` / `stack` with dtype promotion over every operand. */
export function concatRef(stack: boolean) {
  return (xs: unknown, axis: unknown): Expected | undefined => {
    const vs = (xs as unknown[]).map(val);
    const d = foldDType(vs);
    let ax = axis === undefined || axis === null ? 0 : typeof axis === 'object' && !Array.isArray(axis) ? ((axis as { axis?: number }).axis ?? 0) : Array.isArray(axis) ? (axis as number[])[0]! : (axis as number);
    const rank = vs[0]!.a.shape.length + (stack ? 1 : 0);
    if (ax < 0) ax += rank;
    const arrs = vs.map((q) => {
      const a = castArr(q.a, d);
      return stack ? R.reshape(a, [...a.shape.slice(0, ax), 1, ...a.shape.slice(ax)]) : a;
    });
    return out(R.concat(arrs, ax), d);
  };
}
