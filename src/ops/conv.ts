/**
 * Convolutions, channels-last (flax / TensorFlow layout): `conv`, `convTranspose`.
 *
 * Both lower to the `conv_general_dilated` primitive, so they have exact JVPs, transposes with
 * respect to the input and the kernel, and batching rules: `vmap(grad)` of a conv net computes
 * per-example gradients as grouped convolutions, without a loop over examples.
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import { getDefaultFloat, isFloat } from '../tensor/dtype.js';
import { checkInt, describeValue } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from '../core/primitives/cast.js';
import { convGeneralDilated, transposeKernel } from '../core/primitives/conv-general-dilated.js';
import { reshape } from '../core/primitives/reshape.js';
import { promoteArgs, type TensorLike } from './convert.js';

/**
 * Padding of a convolution or pooling window: `'VALID'` (none), `'SAME'` (output size
 * `ceil(size / stride)`, the extra element at the end, as TensorFlow and JAX), a number (that many
 * elements on both sides of every spatial axis) or one `[lo, hi]` pair per spatial axis.
 */
export type ConvPadding = 'SAME' | 'VALID' | number | readonly (readonly [number, number])[];

/**
 * Options of {@link conv}.
 * @example
 * ```ts
 * const o: ConvOptions = { strides: [1, 2], padding: 'SAME', dilation: 1, groups: 4 };
 * ```
 */
export interface ConvOptions {
  /** Window step per spatial axis (a number applies to all). @defaultValue `1` */
  readonly strides?: number | readonly number[] | undefined;
  /** See {@link ConvPadding}. @defaultValue `'VALID'` */
  readonly padding?: ConvPadding | undefined;
  /** Kernel dilation per spatial axis (`d − 1` gaps between taps). @defaultValue `1` */
  readonly dilation?: number | readonly number[] | undefined;
  /** Feature groups: `Cin` and `Cout` split into this many independent convolutions (depthwise: `groups = Cin`). @defaultValue `1` */
  readonly groups?: number | undefined;
}

/**
 * Options of {@link convTranspose}.
 * @example
 * ```ts
 * const o: ConvTransposeOptions = { strides: 2, padding: 'SAME', transposeKernel: true };
 * ```
 */
export interface ConvTransposeOptions extends ConvOptions {
  /**
   * When true, `w` is the kernel of the forward convolution this one transposes, `[...window,
   * Cout / groups, Cin]` with `Cin` the channels of `x`: the window is flipped and the channel axes
   * swapped (within each group), so `convTranspose` is the gradient of `conv` with respect to its
   * input. @defaultValue `false`
   */
  readonly transposeKernel?: boolean | undefined;
}

const KNOWN = new Set(['strides', 'padding', 'dilation', 'groups', 'transposeKernel']);

/** @internal A number or a list of `d` integers ≥ `min`, as a list. */
export function spatialList(op: string, v: unknown, d: number, argument: string, fallback: number, min = 1): number[] {
  if (v === undefined) return new Array<number>(d).fill(fallback);
  const l = typeof v === 'number' ? new Array<number>(d).fill(v) : v;
  if (!Array.isArray(l) || l.length !== d || l.some((e) => typeof e !== 'number' || !Number.isInteger(e) || e < min)) {
    const got = describeValue(v);
    throw new ValueError(`${op}: ${argument} must be an integer ≥ ${min} or a list of ${d} of them (one per spatial axis), got ${got}.`, {
      op, argument, expected: `integer ≥ ${min} or ${d} integers`, received: got,
    });
  }
  return l as number[];
}

/**
 * @internal Resolves a {@link ConvPadding} to `[lo, hi]` pairs for inputs of spatial sizes
 * `sizes`, windows `windows` (already dilated) and `strides`.
 */
export function resolvePadding(op: string, padding: unknown, sizes: readonly number[], windows: readonly number[], strides: readonly number[]): [number, number][] {
  const d = sizes.length;
  if (padding === 'VALID') return sizes.map(() => [0, 0]);
  if (padding === 'SAME') {
    return sizes.map((n, a) => {
      const out = Math.ceil(n / strides[a]!);
      const total = Math.max((out - 1) * strides[a]! + windows[a]! - n, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof padding === 'number' && Number.isInteger(padding) && padding >= 0) return sizes.map(() => [padding, padding]);
  const pair = (q: unknown) => Array.isArray(q) && q.length === 2 && q.every((e) => typeof e === 'number' && Number.isInteger(e) && e >= 0);
  if (Array.isArray(padding) && padding.length === d && padding.every(pair)) return padding.map((q: [number, number]) => [q[0], q[1]]);
  const got = describeValue(padding);
  throw new ValueError(`${op}: padding must be 'SAME', 'VALID', an integer ≥ 0 or ${d} pairs [lo, hi] of integers ≥ 0, got ${got}.`, {
    op, argument: 'padding', expected: `'SAME' | 'VALID' | integer | [lo, hi][${d}]`, received: got,
  });
}

function checkOptions(op: string, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const got = describeValue(options);
    throw new ValueError(`${op}: options must be an object { strides, padding, dilation, groups }, got ${got}.`, { op, argument: 'options', received: got });
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN.has(k) || (op === 'conv' && k === 'transposeKernel')) {
      throw new ValueError(`${op}: unknown option '${k}'; the options are strides, padding, dilation, groups${op === 'conv' ? '' : ', transposeKernel'}.`, { op, argument: 'options', received: k });
    }
  }
}

/**
 * The arguments `conv` and `convTranspose` share: the options object checked, promoted float
 * operands, the number of spatial axes, whether `x` had no batch axis, and groups, strides and
 * dilation resolved per spatial axis.
 */
function convArgs(op: string, x: TensorLike, w: TensorLike, options: ConvOptions): {
  x: Tensor; w: Tensor; d: number; unbatched: boolean; groups: number; strides: number[]; dilation: number[];
} {
  checkOptions(op, options);
  let [a, b] = promoteArgs(op, [x, w], ['x', 'w']) as [Tensor, Tensor];
  if (!isFloat(a.dtype)) { a = cast(a, getDefaultFloat()); b = cast(b, getDefaultFloat()); }
  const d = b.ndim - 2;
  if (d < 1 || d > 3) {
    throw new ShapeError(`${op}: the kernel must be [...window, Cin/groups, Cout] with 1 to 3 window axes, got ${b.aval.toString()}.`, {
      op, argument: 'w', expected: 'rank 3, 4 or 5', received: b.aval.toString(),
    });
  }
  if (a.ndim !== d + 2 && a.ndim !== d + 1) {
    throw new ShapeError(`${op}: for a kernel ${b.aval.toString()} (${d} spatial axes) the input must be [N, ...spatial, Cin] or [...spatial, Cin] (rank ${d + 2} or ${d + 1}), got ${a.aval.toString()}.`, {
      op, argument: 'x', expected: `rank ${d + 2} or ${d + 1}`, received: a.aval.toString(),
    });
  }
  if (b.shape.slice(0, d).some((k) => k < 1)) {
    throw new ShapeError(`${op}: the kernel window must have at least one tap per axis, got ${b.aval.toString()}.`, {
      op, argument: 'w', expected: 'window sizes ≥ 1', received: b.aval.toString(),
    });
  }
  const unbatched = a.ndim === d + 1;
  const groups = options.groups === undefined ? 1 : checkInt(op, options.groups, 'groups', { min: 1 });
  const strides = spatialList(op, options.strides, d, 'strides', 1);
  const dilation = spatialList(op, options.dilation, d, 'dilation', 1);
  return { x: unbatched ? reshape(a, [1, ...a.shape]) : a, w: b, d, unbatched, groups, strides, dilation };
}

function checkChannels(op: string, x: Tensor, w: Tensor, d: number, groups: number): void {
  const c = x.shape[d + 1]!, ci = w.shape[d]!, o = w.shape[d + 1]!;
  if (ci * groups !== c || o % groups !== 0) {
    const desc = `x ${x.aval.toString()} and w ${w.aval.toString()} with groups = ${groups}`;
    throw new ShapeError(`${op}: the kernel's input channels (${ci}) times groups must equal the input channels (${c}), and groups must divide the output channels (${o}), got ${desc}.`, {
      op, argument: 'w', expected: `w.shape[${d}] = ${c}/${groups}, w.shape[${d + 1}] divisible by ${groups}`, received: desc,
    });
  }
}

function checkWindow(op: string, x: Tensor, w: Tensor, pads: readonly (readonly [number, number])[], windows: readonly number[], dilatedIn: (n: number, a: number) => number): void {
  pads.forEach(([lo, hi], a) => {
    const padded = dilatedIn(x.shape[a + 1]!, a) + lo + hi;
    if (padded < windows[a]!) {
      const desc = `x ${x.aval.toString()} and w ${w.aval.toString()}`;
      throw new ShapeError(`${op}: spatial axis ${a} of the padded input (${padded}) is shorter than the dilated window (${windows[a]}), got ${desc} with padding [${lo}, ${hi}].`, {
        op, argument: 'padding', expected: `padded size ≥ ${windows[a]}`, received: desc,
      });
    }
  });
}

/**
 * N-D convolution (cross-correlation, as in every deep-learning library), channels-last, for 1, 2
 * or 3 spatial axes.
 * ```text
 * out[n, o…, g·Og + j] = Σ_{k…} Σ_i x_pad[n, o·stride + k·dilation, g·Cg + i] · w[k…, i, g·Og + j]
 * ```
 * @param x - `[N, ...spatial, Cin]`, or `[...spatial, Cin]` (no batch axis; the result has none either)
 * @param w - `[...window, Cin / groups, Cout]` (HWIO); both are promoted to one float dtype
 * @param options - strides, padding, dilation, groups (see {@link ConvOptions})
 * @returns `[N, ...outSpatial, Cout]`
 * @throws {ShapeError} for kernels of rank other than 3–5, an input of the wrong rank, channels
 *   that do not match `w` and `groups`, or a window larger than the padded input.
 * @throws {ValueError} for malformed strides, padding, dilation or groups.
 * @example
 * ```ts
 * const x = zeros([8, 28, 28, 1]);                 // NHWC
 * const w = zeros([3, 3, 1, 16]);                  // HWIO
 * conv(x, w, { padding: 'SAME' }).shape;           // [8, 28, 28, 16]
 * conv(x, w, { strides: 2, padding: 'VALID' }).shape; // [8, 13, 13, 16]
 * ```
 */
export function conv(x: TensorLike, w: TensorLike, options: ConvOptions = {}): Tensor {
  const o = convArgs('conv', x, w, options);
  const { d, groups, strides, dilation } = o;
  checkChannels('conv', o.x, o.w, d, groups);
  const windows = dilation.map((r, a) => (o.w.shape[a]! - 1) * r + 1);
  const padding = resolvePadding('conv', options.padding ?? 'VALID', o.x.shape.slice(1, d + 1), windows, strides);
  checkWindow('conv', o.x, o.w, padding, windows, (n) => n);
  const y = convGeneralDilated(o.x, o.w, { strides, padding, lhsDilation: strides.map(() => 1), rhsDilation: dilation, groups });
  return o.unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/** JAX's `conv_transpose` padding for one axis: the output has `n·s` (SAME) or `n·s + max(k − s, 0)` (VALID) elements. */
function transposePadding(k: number, s: number, same: boolean): [number, number] {
  const len = same ? k + s - 2 : k + s - 2 + Math.max(k - s, 0);
  const lo = same ? (s > k - 1 ? k - 1 : Math.ceil(len / 2)) : k - 1;
  return [lo, len - lo];
}

/**
 * Transposed convolution (fractionally strided; JAX's `conv_transpose`): the input is dilated by
 * `strides` (`s − 1` zeros between elements) and convolved with stride 1. With `'SAME'` the output
 * has `size · stride` elements per axis, with `'VALID'` `size · stride + max(window − stride, 0)`;
 * explicit padding is that of the underlying stride-1 convolution of the dilated input.
 * @param x - `[N, ...spatial, Cin]`, or `[...spatial, Cin]`
 * @param w - `[...window, Cin / groups, Cout]`, or with `transposeKernel` the forward kernel `[...window, Cout / groups, Cin]`
 * @param options - see {@link ConvTransposeOptions}
 * @returns `[N, ...outSpatial, Cout]`
 * @throws {ShapeError} / {ValueError} as {@link conv}.
 * @example
 * ```ts
 * convTranspose(zeros([2, 7, 7, 16]), zeros([3, 3, 16, 8]), { strides: 2, padding: 'SAME' }).shape; // [2, 14, 14, 8]
 * // the gradient of a VALID stride-2 conv with respect to its input:
 * convTranspose(zeros([2, 6, 6, 16]), zeros([3, 3, 1, 16]), { strides: 2, padding: 'VALID', transposeKernel: true }).shape; // [2, 13, 13, 1]
 * ```
 */
export function convTranspose(x: TensorLike, w: TensorLike, options: ConvTransposeOptions = {}): Tensor {
  const o = convArgs('convTranspose', x, w, options);
  const { d, groups, strides, dilation } = o;
  const tk = options.transposeKernel;
  if (tk !== undefined && typeof tk !== 'boolean') {
    throw new ValueError(`convTranspose: transposeKernel must be a boolean, got ${describeValue(tk)}.`, { op: 'convTranspose', argument: 'transposeKernel', received: describeValue(tk) });
  }
  if (tk === true && o.w.shape[d + 1]! % groups !== 0) {
    const desc = `w ${o.w.aval.toString()} with groups = ${groups}`;
    throw new ShapeError(`convTranspose: with transposeKernel the kernel is the forward one, [...window, Cout/groups, Cin], and groups must divide its last axis, got ${desc}.`, {
      op: 'convTranspose', argument: 'w', expected: `w.shape[${d + 1}] divisible by ${groups}`, received: desc,
    });
  }
  const kernel = tk === true ? transposeKernel(o.w, groups) : o.w;
  checkChannels('convTranspose', o.x, kernel, d, groups);
  const windows = dilation.map((r, a) => (kernel.shape[a]! - 1) * r + 1);
  const p = options.padding ?? 'VALID';
  const padding = p === 'SAME' || p === 'VALID'
    ? windows.map((k, a) => transposePadding(k, strides[a]!, p === 'SAME'))
    : resolvePadding('convTranspose', p, o.x.shape.slice(1, d + 1), windows, strides);
  checkWindow('convTranspose', o.x, kernel, padding, windows, (n, a) => (n === 0 ? 0 : (n - 1) * strides[a]! + 1));
  const y = convGeneralDilated(o.x, kernel, { strides: strides.map(() => 1), padding, lhsDilation: strides, rhsDilation: dilation, groups });
  return o.unbatched ? reshape(y, y.shape.slice(1)) : y;
}
