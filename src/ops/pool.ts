/**
 * Pooling, channels-last: `maxPool`, `avgPool`.
 *
 * Both are composites of existing primitives, so every transformation applies with the
 * primitives' own exact rules. `avgPool` is a depthwise `conv_general_dilated` with a ones kernel
 * (window sums accumulated in float64 and rounded once) divided by the window size or the per-window
 * count of real elements: its JVP is `avgPool` of the tangent and its transpose, one convolution,
 * spreads each cotangent over its window. `maxPool` works one spatial axis at a time (a max over a
 * box window is separable): the axis is padded with −∞ (a `pad` and a `select`); non-overlapping
 * windows (stride = window) split the axis into `[out, k]` and `reduce_max` the window axis;
 * otherwise each of the `k` taps of the window is a strided view (a `slice`, a `reshape` that
 * splits off the stride and a `slice` of its first element) and the taps are folded with
 * elementwise `max`. Its derivative is that of those maxima: the tangent of the maximal tap, and at
 * exact ties a convex combination of the tied taps (`reduce_max` shares evenly, each pairwise tie of
 * `max` splits in halves).
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import { fromTyped, scalar } from '../tensor/creation.js';
import { describeValue, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { convGeneralDilated } from '../core/primitives/conv-general-dilated.js';
import { div } from '../core/primitives/div.js';
import { max } from '../core/primitives/max.js';
import { reduceMax } from '../core/primitives/reduce-max.js';
import { reshape } from '../core/primitives/reshape.js';
import { select } from '../core/primitives/select.js';
import { pad, slice } from '../core/primitives/slice-pad.js';
import { asFloat, type TensorLike } from './convert.js';
import { resolvePadding, spatialList, type ConvPadding } from './conv.js';

/**
 * Options of {@link maxPool} and {@link avgPool}.
 * @example
 * ```ts
 * const o: PoolOptions = { strides: 2, padding: 'SAME', countIncludePad: false };
 * ```
 */
export interface PoolOptions {
  /** Window step per spatial axis (a number applies to all). @defaultValue the window size */
  readonly strides?: number | readonly number[] | undefined;
  /** See {@link ConvPadding}. @defaultValue `'VALID'` */
  readonly padding?: ConvPadding | undefined;
  /**
   * `avgPool` only: whether padded elements count in the divisor (flax / PyTorch default) or the
   * average is over the real elements of each window only (TensorFlow's `'SAME'`). @defaultValue `true`
   */
  readonly countIncludePad?: boolean | undefined;
}

type Kind = 'max' | 'avg';

/** Max over the window of one axis (see the module comment). */
function axisPool(x: Tensor, axis: number, k: number, s: number, lo: number, hi: number): Tensor {
  const len = x.shape[axis]!;
  const padded = len + lo + hi;
  const out = Math.floor((padded - k) / s) + 1;
  const extra = s === k ? 0 : Math.max(0, k - 1 + out * s - padded); // so every tap's strided view is a reshape
  const at = (sizes: readonly number[], a: number, v: number): number[] => sizes.map((d, i) => (i === a ? v : d));
  let xp = pad(x, at(x.shape.map(() => 0), axis, lo), at(x.shape.map(() => 0), axis, hi + extra));
  if (xp !== x) {
    const n = padded + extra;
    const inside = new Uint8Array(n);
    inside.fill(1, lo, lo + len);
    const mask = fromTyped(inside, at(x.shape.map(() => 1), axis, n), 'bool');
    xp = select(mask, xp, scalar(-Infinity, x.dtype));
  }
  if (s === k) {
    // non-overlapping windows: split the axis into [out, k] and reduce the window axis
    const cropped = slice(xp, xp.shape.map(() => 0), at(xp.shape, axis, out * k));
    return reduceMax(reshape(cropped, [...xp.shape.slice(0, axis), out, k, ...xp.shape.slice(axis + 1)]), [axis + 1]);
  }
  let acc: Tensor | undefined;
  for (let j = 0; j < k; j++) {
    let v = slice(xp, at(xp.shape.map(() => 0), axis, j), at(xp.shape, axis, out * s));
    if (s > 1) {
      const split = [...v.shape.slice(0, axis), out, s, ...v.shape.slice(axis + 1)];
      const first = slice(reshape(v, split), split.map(() => 0), split.map((d, i) => (i === axis + 1 ? 1 : d)));
      v = reshape(first, at(v.shape, axis, out));
    }
    acc = acc === undefined ? v : max(acc, v);
  }
  return acc!;
}

/** Number of real (unpadded) elements in each window of one axis. */
function realCounts(len: number, k: number, s: number, lo: number, out: number): number[] {
  return Array.from({ length: out }, (_, o) => Math.max(0, Math.min(len, o * s - lo + k) - Math.max(0, o * s - lo)));
}

function pool(op: string, kind: Kind, x: TensorLike, window: number | readonly number[], options: PoolOptions): Tensor {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`${op}: options must be an object { strides, padding${kind === 'avg' ? ', countIncludePad' : ''} }, got ${describeValue(options)}.`, { op, argument: 'options', received: describeValue(options) });
  }
  for (const key of Object.keys(options)) {
    if (key !== 'strides' && key !== 'padding' && !(kind === 'avg' && key === 'countIncludePad')) {
      throw new ValueError(`${op}: unknown option '${key}'; the options are strides, padding${kind === 'avg' ? ', countIncludePad' : ''}.`, { op, argument: 'options', received: key });
    }
  }
  const t = asFloat(op, x);
  const d = typeof window === 'number' ? t.ndim - 2 : Array.isArray(window) ? window.length : -1;
  if (d < 1 || d > 3 || (t.ndim !== d + 2 && t.ndim !== d + 1)) {
    throw new ShapeError(`${op}: expected an input [N, ...spatial, C] (or [...spatial, C] with a window per spatial axis) and 1 to 3 window axes, got ${t.aval.toString()} and window ${describeValue(window)}.`, {
      op, argument: d < 1 || d > 3 ? 'window' : 'x', expected: 'rank(x) = window axes + 2 (or + 1)', received: `${t.aval.toString()}, window ${describeValue(window)}`,
    });
  }
  const k = spatialList(op, window, d, 'window', 1);
  const s = spatialList(op, options.strides, d, 'strides', 1);
  const cip = options.countIncludePad ?? true;
  if (typeof cip !== 'boolean') throw new ValueError(`${op}: countIncludePad must be a boolean, got ${describeValue(cip)}.`, { op, argument: 'countIncludePad', received: describeValue(cip) });
  for (let a = 0; a < d; a++) if (options.strides === undefined) s[a] = k[a]!;
  const unbatched = t.ndim === d + 1;
  const xb = unbatched ? reshape(t, [1, ...t.shape]) : t;
  const sizes = xb.shape.slice(1, d + 1);
  const pads = resolvePadding(op, options.padding ?? 'VALID', sizes, k, s);
  pads.forEach(([lo, hi], a) => {
    if (sizes[a]! + lo + hi < k[a]!) {
      throw new ShapeError(`${op}: spatial axis ${a} of the padded input (${sizes[a]! + lo + hi}) is shorter than the window (${k[a]}), got ${xb.aval.toString()} with padding [${lo}, ${hi}].`, {
        op, argument: 'window', expected: `window ≤ ${sizes[a]! + lo + hi}`, received: `${k[a]}`,
      });
    }
  });
  let y = xb;
  if (kind === 'max') {
    for (let a = 0; a < d; a++) y = axisPool(y, a + 1, k[a]!, s[a]!, pads[a]![0], pads[a]![1]);
  } else {
    // window sums: a depthwise convolution with a ones kernel (one pass; its transpose is one too)
    const c = xb.shape[d + 1]!;
    const ones = fromTyped(xb.dtype === 'float64' ? new Float64Array(sizeOf(k) * c).fill(1) : new Float32Array(sizeOf(k) * c).fill(1), [...k, c === 0 ? 0 : 1, c], xb.dtype);
    y = convGeneralDilated(xb, ones, { strides: s, padding: pads, lhsDilation: k.map(() => 1), rhsDilation: k.map(() => 1), groups: Math.max(c, 1) });
    const outSizes = y.shape.slice(1, d + 1);
    if (cip || pads.every(([lo, hi]) => lo === 0 && hi === 0)) {
      y = div(y, scalar(k.reduce((p, v) => p * v, 1), y.dtype));
    } else {
      const per = outSizes.map((o, a) => realCounts(sizes[a]!, k[a]!, s[a]!, pads[a]![0], o));
      const total = outSizes.reduce((p, v) => p * v, 1);
      const data = y.dtype === 'float64' ? new Float64Array(total) : new Float32Array(total);
      for (let f = 0; f < total; f++) {
        let rest = f, c = 1;
        for (let a = d - 1; a >= 0; a--) { c *= per[a]![rest % outSizes[a]!]!; rest = Math.floor(rest / outSizes[a]!); }
        data[f] = c;
      }
      y = div(y, fromTyped(data, [1, ...outSizes, 1], y.dtype));
    }
  }
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * Max pooling over windows of the spatial axes (channels-last). Padding positions count as −∞.
 * ```text
 * out[n, o…, c] = max_{k…} x_pad[n, o·stride + k, c]
 * ```
 * @param x - `[N, ...spatial, C]`, or `[...spatial, C]` when `window` is a list
 * @param window - window size per spatial axis (a number: every spatial axis of a batched `x`)
 * @param options - strides (default: the window, non-overlapping), padding (default `'VALID'`)
 * @returns `[N, ...outSpatial, C]`
 * @throws {ShapeError} when `x`'s rank does not fit the window or a window exceeds the padded input.
 * @throws {ValueError} for malformed window, strides or padding.
 * @example
 * ```ts
 * maxPool(zeros([8, 28, 28, 16]), 2).shape;                                  // [8, 14, 14, 16]
 * maxPool(zeros([8, 28, 28, 16]), [3, 3], { strides: 2, padding: 'SAME' }).shape; // [8, 14, 14, 16]
 * ```
 */
export function maxPool(x: TensorLike, window: number | readonly number[], options: PoolOptions = {}): Tensor {
  return pool('maxPool', 'max', x, window, options);
}

/**
 * Average pooling over windows of the spatial axes (channels-last); linear in `x`.
 * ```text
 * out[n, o…, c] = Σ_{k…} x_pad[n, o·stride + k, c] / count     (count = window size, or the real elements)
 * ```
 * @param x - `[N, ...spatial, C]`, or `[...spatial, C]` when `window` is a list
 * @param window - window size per spatial axis (a number: every spatial axis of a batched `x`)
 * @param options - strides (default: the window), padding (default `'VALID'`), countIncludePad (default true)
 * @returns `[N, ...outSpatial, C]`
 * @throws {ShapeError} when `x`'s rank does not fit the window or a window exceeds the padded input.
 * @throws {ValueError} for malformed window, strides, padding or countIncludePad.
 * @example
 * ```ts
 * avgPool(ones([1, 4, 4, 1]), 2).toArray();  // [[[[1], [1]], [[1], [1]]]]
 * avgPool(zeros([8, 5, 5, 3]), 2, { strides: 1, padding: 'SAME', countIncludePad: false }).shape; // [8, 5, 5, 3]
 * ```
 */
export function avgPool(x: TensorLike, window: number | readonly number[], options: PoolOptions = {}): Tensor {
  return pool('avgPool', 'avg', x, window, options);
}
