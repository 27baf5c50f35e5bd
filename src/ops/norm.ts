/**
 * Normalisation layers as composites: `layerNorm`.
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import { broadcastShapes, describeValue, normalizeAxes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, div, mul, sqrt, square, sub } from './arithmetic.js';
import { asFloat, asTensor, type TensorLike } from './convert.js';
import { mean } from './reductions.js';

/**
 * Options of {@link layerNorm}.
 * @example
 * ```ts
 * const o: LayerNormOptions = { axis: [-2, -1], epsilon: 1e-6, scale: ones([8]) };
 * ```
 */
export interface LayerNormOptions {
  /** The axis or axes normalised over. @defaultValue `-1` (the features) */
  readonly axis?: number | readonly number[] | undefined;
  /** Added to the variance before the square root. @defaultValue `1e-5` */
  readonly epsilon?: number | undefined;
  /** Multiplies the normalised values (broadcast NumPy-style, e.g. `[C]`). */
  readonly scale?: TensorLike | undefined;
  /** Added after `scale` (broadcast NumPy-style, e.g. `[C]`). */
  readonly offset?: TensorLike | undefined;
}

const KNOWN = new Set(['axis', 'epsilon', 'scale', 'offset']);

/**
 * Layer normalisation (Ba et al., 2016), a composite of reductions and elementwise ops, so every
 * transformation applies exactly.
 * ```text
 * μ = mean(x, axis),  σ² = mean((x − μ)², axis),  y = (x − μ) / √(σ² + ε) · scale + offset
 * ```
 * @param x - any float tensor (integers are promoted to the default float)
 * @param options - axis (default `-1`), epsilon (default `1e-5`), optional `scale` and `offset`
 * @returns a tensor of `x`'s shape
 * @throws {AxisError} for an axis out of range.
 * @throws {ValueError} for a negative or non-finite epsilon or an unknown option.
 * @throws {ShapeError} when `scale` or `offset` does not broadcast against `x`.
 * @example
 * ```ts
 * layerNorm(tensor([[1, 2, 3], [2, 2, 2]])).toArray(); // [[-1.22, 0, 1.22], [0, 0, 0]] (approximately)
 * layerNorm(zeros([8, 16]), { scale: ones([16]), offset: zeros([16]) }).shape; // [8, 16]
 * ```
 */
export function layerNorm(x: TensorLike, options: LayerNormOptions = {}): Tensor {
  const op = 'layerNorm';
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`${op}: options must be an object { axis, epsilon, scale, offset }, got ${describeValue(options)}.`, { op, argument: 'options', received: describeValue(options) });
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN.has(k)) throw new ValueError(`${op}: unknown option '${k}'; the options are axis, epsilon, scale, offset.`, { op, argument: 'options', received: k });
  }
  const eps = options.epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new ValueError(`${op}: epsilon must be a finite number ≥ 0, got ${describeValue(eps)}.`, { op, argument: 'epsilon', expected: 'finite ≥ 0', received: describeValue(eps) });
  }
  const t = asFloat(op, x);
  const axes = normalizeAxes(op, options.axis ?? -1, t.ndim);
  const mu = mean(t, { axis: axes, keepDims: true });
  const c = sub(t, mu);
  const v = mean(square(c), { axis: axes, keepDims: true });
  let y = div(c, sqrt(add(v, eps)));
  if (options.scale !== undefined) y = mul(y, affine(op, 'scale', options.scale, t));
  if (options.offset !== undefined) y = add(y, affine(op, 'offset', options.offset, t));
  return y;
}

/** `scale`/`offset` as a tensor that broadcasts to `x`'s shape without enlarging it. */
function affine(op: string, argument: string, v: TensorLike, x: Tensor): Tensor {
  const t = asTensor(op, v, argument);
  const shape = broadcastShapes(op, [x.shape, t.shape]);
  if (shape.length !== x.ndim || shape.some((d, i) => d !== x.shape[i])) {
    throw new ShapeError(`${op}: ${argument} ${t.aval.toString()} must broadcast to the input's shape ${x.aval.toString()}.`, { op, argument, expected: `broadcastable to [${x.shape.join(',')}]`, received: t.aval.toString() });
  }
  return t;
}
