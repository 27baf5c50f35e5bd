/**
 * Unfolded convolution patches (im2col) of one example, channels last, built from `take`, `concat`
 * and `reshape` only (so every transformation applies): the rows that make a convolution a matrix
 * product, `conv(x, w) = patches(x) · w.reshape([K·Cin, Cout])`.
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import { concat, reshape, transpose } from '../ops/manipulation.js';
import { take } from '../ops/indexing.js';
import { zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { asTensor, type TensorLike } from '../ops/convert.js';
import { describeValue } from '../tensor/shape.js';

/** Window options of a convolution (channels last, as `conv`): strides, padding, dilation per spatial axis. */
export interface ConvWindowOptions {
  /** Output stride per spatial axis (a number for all). @defaultValue 1 */
  readonly strides?: number | readonly number[];
  /**
   * `'SAME'` (output size ⌈in/stride⌉, the extra padding on the high side), `'VALID'` (no padding), a
   * number for symmetric padding, or `[lo, hi]` per spatial axis. @defaultValue 'VALID'
   */
  readonly padding?: 'SAME' | 'VALID' | number | readonly (readonly [number, number])[];
  /** Kernel (rhs) dilation per spatial axis. @defaultValue 1 */
  readonly dilation?: number | readonly number[];
}

/** The resolved window of a convolution over `d` spatial axes. */
export interface ConvWindow {
  /** Strides per axis. */
  readonly strides: readonly number[];
  /** Kernel dilation per axis. */
  readonly dilation: readonly number[];
  /** `[lo, hi]` zero padding per axis. */
  readonly pads: readonly (readonly [number, number])[];
  /** Output size per axis. */
  readonly out: readonly number[];
}

function perAxis(op: string, name: string, v: number | readonly number[] | undefined, d: number): number[] {
  const arr = v === undefined ? new Array<number>(d).fill(1) : typeof v === 'number' ? new Array<number>(d).fill(v) : [...v];
  if (arr.length !== d || arr.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ValueError(`${op}: '${name}' must be a positive integer or ${d} of them, got ${JSON.stringify(v)}.`, { op, argument: name, expected: `positive integer(s) for ${d} spatial axes`, received: JSON.stringify(v) });
  }
  return arr;
}

/**
 * Resolves strides, dilation and padding of a convolution with the given spatial input and
 * kernel sizes (JAX/TensorFlow 'SAME': total padding max((out−1)·s + (k−1)·d + 1 − in, 0), low
 * side ⌊total/2⌋).
 * @param op - The operation reported in errors.
 * @param inSize - Spatial input sizes.
 * @param kernel - Spatial kernel sizes.
 * @param options - Strides, padding, dilation.
 * @returns The resolved {@link ConvWindow}.
 * @throws {ValueError} for bad strides, dilation or padding; {ShapeError} when the output is empty.
 * @example
 * ```ts
 * convWindow('conv', [8, 8], [3, 3], { padding: 'SAME' }).out; // [8, 8]
 * ```
 */
export function convWindow(op: string, inSize: readonly number[], kernel: readonly number[], options: ConvWindowOptions = {}): ConvWindow {
  const d = inSize.length;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(`${op}: options must be an object { strides, padding, dilation }, got ${describeValue(options)}.`, { op, argument: 'options', received: describeValue(options) });
  }
  const strides = perAxis(op, 'strides', options.strides, d);
  const dilation = perAxis(op, 'dilation', options.dilation, d);
  const p = options.padding ?? 'VALID';
  const ek = kernel.map((k, i) => (k - 1) * dilation[i]! + 1);
  let pads: [number, number][];
  if (p === 'SAME') {
    pads = inSize.map((n, i) => {
      const out = Math.ceil(n / strides[i]!);
      const total = Math.max((out - 1) * strides[i]! + ek[i]! - n, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  } else if (p === 'VALID') pads = inSize.map(() => [0, 0]);
  else if (typeof p === 'number' && Number.isInteger(p) && p >= 0) pads = inSize.map(() => [p, p]);
  else if (Array.isArray(p) && p.length === d && p.every((q) => Array.isArray(q) && q.length === 2 && q.every((v) => Number.isInteger(v) && v >= 0))) pads = p.map((q) => [q[0]!, q[1]!]);
  else {
    throw new ValueError(`${op}: 'padding' must be 'SAME', 'VALID', a non-negative integer or ${d} pairs [lo, hi], got ${JSON.stringify(p)}.`, { op, argument: 'padding', received: JSON.stringify(p) });
  }
  const out = inSize.map((n, i) => Math.floor((n + pads[i]![0] + pads[i]![1] - ek[i]!) / strides[i]!) + 1);
  if (out.some((o) => o < 1)) {
    throw new ShapeError(`${op}: the kernel [${kernel.join(', ')}] (dilation [${dilation.join(', ')}]) does not fit the padded input [${inSize.join(', ')}]; output [${out.join(', ')}].`, { op, argument: 'x', received: `[${inSize.join(', ')}]` });
  }
  return { strides, dilation, pads, out };
}

/**
 * The unfolded patches (im2col) of one example `x: [...spatial, C]` for a kernel of spatial size
 * `kernel`: `[...out, K·C]` with K = Π kernel, each row ordered (k₁, …, k_d, c) row-major, so that
 * `patches(x) · w.reshape([K·C, Cout])` is the convolution of `x` with `w: [...kernel, C, Cout]`.
 * Built from one `take` per spatial axis (gathers of the window positions o·s + k·d), so it runs
 * under `vmap`, `grad` and `jit`.
 *
 * ```text
 * patches(x)[o₁, …, o_d, (k₁, …, k_d, c)] = x_pad[o₁s₁ + k₁d₁, …, o_d s_d + k_d d_d, c]
 * ```
 * @param x0 - One example `[...spatial, C]`.
 * @param kernel - The kernel's spatial sizes.
 * @param options - Strides, padding, dilation (as `conv`).
 * @returns `[...out, K·C]`.
 * @throws {ShapeError} when `x` has fewer than `kernel.length + 1` axes or the output is empty; {ValueError} for bad options.
 * @example
 * ```ts
 * const p = patches(x, [3, 3], { padding: 'SAME' });      // x: [8, 8, 1] → [8, 8, 9]
 * const y = p.matmul(w.reshape([9, 16]));                  // = conv(x, w) for w: [3, 3, 1, 16]
 * ```
 */
export function patches(x0: TensorLike, kernel: readonly number[], options: ConvWindowOptions = {}): Tensor {
  const op = 'patches';
  const x = asTensor(op, x0);
  if (!Array.isArray(kernel)) {
    throw new ValueError(`${op}: kernel must be a list of spatial sizes, got ${describeValue(kernel)}.`, { op, argument: 'kernel', received: describeValue(kernel) });
  }
  const d = kernel.length;
  if (x.ndim !== d + 1) {
    throw new ShapeError(`${op}: x must be one example [...spatial, C] with ${d} spatial axes for a ${d}-D kernel, got ${x.aval.toString()}.`, { op, argument: 'x', expected: `${d + 1} axes`, received: x.aval.toString() });
  }
  if (kernel.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new ValueError(`${op}: kernel sizes must be positive integers, got [${kernel.join(', ')}].`, { op, argument: 'kernel', received: `[${kernel.join(', ')}]` });
  }
  const c = x.shape[d]!;
  const win = convWindow(op, x.shape.slice(0, d), kernel, options);
  let y = x;
  for (let i = 0; i < d; i++) {
    const [lo, hi] = win.pads[i]!;
    if (lo > 0 || hi > 0) {
      const side = (n: number): Tensor => zeros(y.shape.map((s, j) => (j === i ? n : s)), y.dtype);
      y = concat([...(lo > 0 ? [side(lo)] : []), y, ...(hi > 0 ? [side(hi)] : [])], i);
    }
  }
  // Gather axis i at o·s + k·d, [O, K] in place of that axis: y becomes [O₁, K₁, …, O_d, K_d, C].
  for (let i = 0; i < d; i++) {
    const o = win.out[i]!, k = kernel[i]!;
    const idx = Array.from({ length: o * k }, (_, j) => Math.floor(j / k) * win.strides[i]! + (j % k) * win.dilation[i]!);
    const axis = 2 * i;
    y = take(y, idx, axis);
    y = reshape(y, [...y.shape.slice(0, axis), o, k, ...y.shape.slice(axis + 1)]);
  }
  const perm = [...Array.from({ length: d }, (_, i) => 2 * i), ...Array.from({ length: d }, (_, i) => 2 * i + 1), 2 * d];
  const kc = kernel.reduce((a, b) => a * b, 1) * c;
  return reshape(transpose(y, perm), [...win.out, kc]);
}
