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
