/**
 * Elementwise arithmetic with NumPy broadcasting and dtype promotion.
 *
 * Binary ops accept tensors and JS numbers; numbers are weakly typed (see `dtype.ts`).
 * bool operands follow NumPy: `add` is a logical or, `mul` a logical and, `div` divides as
 * floats, and `sub`/`neg` are errors (a bool result could otherwise silently wrap).
 * Transcendental functions of integer tensors first promote to the default float dtype.
 * @module
 */
import { DTypeError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { add as addP } from '../core/primitives/add.js';
import { sub as subP } from '../core/primitives/sub.js';
import { mul as mulP } from '../core/primitives/mul.js';
import { div as divP } from '../core/primitives/div.js';
import { pow as powP } from '../core/primitives/pow.js';
import { max as maxP, min as minP } from '../core/primitives/max.js';
import { neg as negP } from '../core/primitives/neg.js';
import { exp as expP } from '../core/primitives/exp.js';
import { log as logP } from '../core/primitives/log.js';
import { log1p as log1pP } from '../core/primitives/log1p.js';
import { expm1 as expm1P } from '../core/primitives/expm1.js';
import { tanh as tanhP } from '../core/primitives/tanh.js';
import { logistic } from '../core/primitives/logistic.js';
import { softplus as softplusP } from '../core/primitives/softplus.js';
import { sqrt as sqrtP } from '../core/primitives/sqrt.js';
import { abs as absP } from '../core/primitives/abs.js';
import { sign as signP } from '../core/primitives/sign.js';
import { sin as sinP } from '../core/primitives/sin.js';
import { cos as cosP } from '../core/primitives/cos.js';
import { floor as floorP } from '../core/primitives/floor.js';
import { cast as castP } from '../core/primitives/cast.js';
import { stopGradientRaw } from '../core/primitives/stop-gradient.js';
import { and, ne, or } from '../core/primitives/compare.js';
import { getDefaultFloat } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { isDType } from '../tensor/dtype.js';
import { asFloat, asTensor, checkBinary, promoteArgs, type TensorLike } from './convert.js';

const binary = (op: string, f: (x: Tensor, y: Tensor) => Tensor, renamed = false, onBool?: (x: Tensor, y: Tensor) => Tensor) => (x: TensorLike, y: TensorLike): Tensor => {
  const [a, b] = promoteArgs(op, [x, y]);
  if (renamed || a!.dtype === 'bool') checkBinary(op, a!, b!);
  if (a!.dtype === 'bool' && onBool) return onBool(a!, b!);
  return f(a!, b!);
};

/** NumPy rejects `-` on booleans; so do we (a bool result would silently wrap). */
function noBool(op: string, hint: string) {
  return (a: Tensor): Tensor => {
    throw new DTypeError(`${op}: not defined for bool tensors (as in NumPy), got ${a.aval.toString()}. ${hint}`, { op, argument: 'x', received: a.aval.toString() });
  };
}
const boolToFloat = (f: (x: Tensor, y: Tensor) => Tensor) => (a: Tensor, b: Tensor): Tensor => f(castP(a, getDefaultFloat()), castP(b, getDefaultFloat()));

/**
 * Elementwise `x + y` with broadcasting.
 * @throws {ShapeError} when shapes do not broadcast.
 * @example
 * ```ts
 * add(tensor([1, 2]), 1).toArray(); // [2, 3]
 * ```
 */
export const add: (x: TensorLike, y: TensorLike) => Tensor = binary('add', addP, false, or);
/**
 * Elementwise `x - y` with broadcasting.
 * @example
 * ```ts
 * sub(tensor([1, 2]), 1).toArray(); // [0, 1]
 * ```
 */
export const sub: (x: TensorLike, y: TensorLike) => Tensor = binary('sub', subP, false, noBool('sub', 'Use notEqual for an exclusive or, or cast to int32.'));
/**
 * Elementwise `x * y` with broadcasting.
 * @example
 * ```ts
 * mul(tensor([1, 2]), 3).toArray(); // [3, 6]
 * ```
 */
export const mul: (x: TensorLike, y: TensorLike) => Tensor = binary('mul', mulP, false, and);
/**
 * Elementwise `x / y` with broadcasting (truncating for int32).
 * @example
 * ```ts
 * div(tensor([1, 2]), 2).toArray(); // [0.5, 1]
 * ```
 */
export const div: (x: TensorLike, y: TensorLike) => Tensor = binary('div', divP, false, boolToFloat(divP));
/**
 * Elementwise `x ** y` (float).
 * ```text
 * d(xʸ) = y·xʸ⁻¹·dx + log(x)·xʸ·dy
 * ```
 * @example
 * ```ts
 * pow(tensor([2, 3]), 2).toArray(); // [4, 9]
 * ```
 */
export function pow(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = promoteArgs('pow', [asFloatLike(x), y]);
  return powP(a!, b!);
}
function asFloatLike(x: TensorLike): TensorLike {
  return typeof x === 'number' ? x : asFloat('pow', x);
}
/**
 * Elementwise maximum (NaN propagates; ties split the derivative evenly).
 * @example
 * ```ts
 * maximum(tensor([1, 5]), 3).toArray(); // [3, 5]
 * ```
 */
export const maximum: (x: TensorLike, y: TensorLike) => Tensor = binary('maximum', maxP, true);
/**
 * Elementwise minimum (NaN propagates; ties split the derivative evenly).
 * @example
 * ```ts
 * minimum(tensor([1, 5]), 3).toArray(); // [1, 3]
 * ```
 */
export const minimum: (x: TensorLike, y: TensorLike) => Tensor = binary('minimum', minP, true);

/**
 * Elementwise negation.
 * @example
 * ```ts
 * neg(tensor([1, -2])).toArray(); // [-1, 2]
 * ```
 */
export function neg(x: TensorLike): Tensor {
  const t = asTensor('neg', x);
  if (t.dtype === 'bool') noBool('neg', 'Use logicalNot.')(t);
  return negP(t);
}
/**
 * `x * x`.
 * @example
 * ```ts
 * square(tensor([3])).toArray(); // [9]
 * ```
 */
export function square(x: TensorLike): Tensor {
  const t = asTensor('square', x);
  return mulP(t, t);
}
/**
 * `1 / x`.
 * @example
 * ```ts
 * reciprocal(tensor([4])).toArray(); // [0.25]
 * ```
 */
export function reciprocal(x: TensorLike): Tensor {
  return div(1, asFloat('reciprocal', x));
}

const unary = (op: string, f: (x: Tensor) => Tensor) => (x: TensorLike): Tensor => f(asFloat(op, x));

/**
 * Elementwise `exp(x)`.
 * @example
 * ```ts
 * exp(tensor([0])).toArray(); // [1]
 * ```
 */
export const exp: (x: TensorLike) => Tensor = unary('exp', expP);
/**
 * Elementwise natural logarithm.
 * @example
 * ```ts
 * log(tensor([1])).toArray(); // [0]
 * ```
 */
export const log: (x: TensorLike) => Tensor = unary('log', logP);
/**
 * Elementwise `log(1 + x)`, accurate for small `x`.
 * @example
 * ```ts
 * log1p(tensor([0])).toArray(); // [0]
 * ```
 */
export const log1p: (x: TensorLike) => Tensor = unary('log1p', log1pP);
/**
 * Elementwise `exp(x) - 1`, accurate for small `x`.
 * @example
 * ```ts
 * expm1(tensor([0])).toArray(); // [0]
 * ```
 */
export const expm1: (x: TensorLike) => Tensor = unary('expm1', expm1P);
/**
 * Elementwise hyperbolic tangent.
 * @example
 * ```ts
 * tanh(tensor([0])).toArray(); // [0]
 * ```
 */
export const tanh: (x: TensorLike) => Tensor = unary('tanh', tanhP);
/**
 * Elementwise logistic sigmoid `1 / (1 + exp(-x))`, stable for large |x|.
 * ```text
 * σ'(x) = σ(x)(1 − σ(x))
 * ```
 * @example
 * ```ts
 * sigmoid(tensor([0])).toArray(); // [0.5]
 * ```
 */
export const sigmoid: (x: TensorLike) => Tensor = unary('sigmoid', logistic);
/**
 * Elementwise square root.
 * @example
 * ```ts
 * sqrt(tensor([4])).toArray(); // [2]
 * ```
 */
export const sqrt: (x: TensorLike) => Tensor = unary('sqrt', sqrtP);
/**
 * Elementwise sine.
 * @example
 * ```ts
 * sin(tensor([0])).toArray(); // [0]
 * ```
 */
export const sin: (x: TensorLike) => Tensor = unary('sin', sinP);
/**
 * Elementwise cosine.
 * @example
 * ```ts
 * cos(tensor([0])).toArray(); // [1]
 * ```
 */
export const cos: (x: TensorLike) => Tensor = unary('cos', cosP);
/**
 * Elementwise absolute value (derivative `sign(x)`, 0 at 0).
 * @example
 * ```ts
 * abs(tensor([-2])).toArray(); // [2]
 * ```
 */
export function abs(x: TensorLike): Tensor {
  return absP(asTensor('abs', x));
}
/**
 * Elementwise sign: −1, 0 or 1.
 * @example
 * ```ts
 * sign(tensor([-2, 0, 3])).toArray(); // [-1, 0, 1]
 * ```
 */
export function sign(x: TensorLike): Tensor {
  return signP(asTensor('sign', x));
}
/**
 * Elementwise floor.
 * @example
 * ```ts
 * floor(tensor([1.5])).toArray(); // [1]
 * ```
 */
export function floor(x: TensorLike): Tensor {
  return floorP(asTensor('floor', x));
}
/**
 * `softplus(x) = log(1 + exp(x))`, computed stably; its derivative is `sigmoid(x)` (exact to every order).
 * @example
 * ```ts
 * softplus(tensor([0])).item(); // ≈ 0.6931
 * ```
 */
export function softplus(x: TensorLike): Tensor {
  return softplusP(asFloat('softplus', x));
}
/**
 * `log σ(x) = −softplus(−x)`, stable for large |x|.
 * @example
 * ```ts
 * logSigmoid(tensor([0])).item(); // ≈ -0.6931
 * ```
 */
export function logSigmoid(x: TensorLike): Tensor {
  return neg(softplus(neg(asFloat('logSigmoid', x))));
}
/**
 * `max(x, 0)`.
 * @example
 * ```ts
 * relu(tensor([-1, 2])).toArray(); // [0, 2]
 * ```
 */
export function relu(x: TensorLike): Tensor {
  const t = asTensor('relu', x);
  return maxP(t, zerosScalar(t));
}
function zerosScalar(t: Tensor): Tensor {
  return asTensor('zeros', 0, 'x', t.dtype);
}

/**
 * Converts to another dtype (float → int truncates; nonzero, NaN included, → true). Differentiable between float dtypes.
 * @throws {DTypeError} for an unknown dtype.
 * @example
 * ```ts
 * cast(tensor([1.7]), 'int32').toArray(); // [1]
 * ```
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new DTypeError(`cast: unknown dtype ${JSON.stringify(dtype)}.`, { op: 'cast', argument: 'dtype' });
  const t = asTensor('cast', x);
  // NumPy: any nonzero value, NaN included, is true (a plain float-to-byte cast would turn NaN into false)
  if (dtype === 'bool' && (t.dtype === 'float32' || t.dtype === 'float64')) return ne(t, asTensor('cast', 0, 'zero', t.dtype));
  return castP(t, dtype);
}
/**
 * Identity whose derivative is zero: gradients do not flow through it.
 * @example
 * ```ts
 * grad((x: Tensor) => stopGradient(x).mul(x).sum())(tensor([3])).toArray(); // [3]
 * ```
 */
export function stopGradient(x: TensorLike): Tensor {
  return stopGradientRaw(asTensor('stopGradient', x));
}

/**
 * Clamps `x` to `[lo, hi]` (derivative 1 inside, 0 outside).
 * @example
 * ```ts
 * clip(tensor([-2, 0.5, 3]), -1, 1).toArray(); // [-1, 0.5, 1]
 * ```
 */
export function clip(x: TensorLike, lo: TensorLike, hi: TensorLike): Tensor {
  const [t, a, b] = promoteArgs('clip', [x, lo, hi], ['x', 'lo', 'hi']);
  broadcastShapes('clip', [t!.shape, a!.shape, b!.shape], () => `${t!.aval.toString()}, ${a!.aval.toString()} and ${b!.aval.toString()}`);
  return minP(maxP(t!, a!), b!);
}
