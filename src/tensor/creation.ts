/**
 * Creating tensors from JS data: `tensor`, `zeros`, `ones`, `full`, `arange`, `linspace`, `eye`.
 *
 * Created tensors are concrete and live on the active backend. Inside a transformation they
 * act as constants.
 * @module
 */
import { getBackend } from '../backend/backend.js';
import { DisposedTensorError, DTypeError, ShapeError, ValueError } from '../errors.js';
import { Aval } from './aval.js';
import { allocTyped, dtypeOfTyped, getDefaultFloat, isDType, type DType, type TypedArray } from './dtype.js';
import { checkInt, checkShape, describeValue, MAX_SIZE, shapeString, sizeOf, type Shape } from './shape.js';
import { ConcreteTensor, Tensor as TensorClass, type Tensor } from './tensor.js';

/** Data accepted by {@link tensor}: numbers, booleans, nested arrays, typed arrays, or a tensor. */
export type TensorData = number | boolean | readonly TensorData[] | TypedArray | Tensor;

/** Options of {@link tensor}. */
export interface TensorOptions {
  /** Element type. @defaultValue inferred: booleans → bool, typed arrays → their type, numbers → the default float (`float32`). */
  readonly dtype?: DType | undefined;
  /** Shape; required for flat typed arrays of rank ≠ 1. @defaultValue inferred from nesting */
  readonly shape?: readonly number[] | undefined;
}

/** @internal Wraps a fresh typed array as a concrete tensor on the active backend. */
export function fromTyped(data: TypedArray, shape: Shape, dtype: DType): ConcreteTensor {
  const aval = new Aval(shape, dtype);
  const b = getBackend();
  return new ConcreteTensor(aval, b, b.fromTyped(data, aval));
}

function isNumericView(x: unknown): boolean {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(typeof BigInt64Array !== 'undefined' && (x instanceof BigInt64Array || x instanceof BigUint64Array));
}

function inferShape(data: TensorData, op: string): number[] {
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  if (ArrayBuffer.isView(cur)) shape.push((cur as TypedArray).length);
  checkShape(op, shape, 'inferred shape');
  return shape;
}

function flattenInto(data: TensorData, shape: Shape, dim: number, out: number[], op: string): void {
  if (dim === shape.length) {
    if (typeof data === 'number') out.push(data);
    else if (typeof data === 'boolean') out.push(data ? 1 : 0);
    else throw new ShapeError(`${op}: ragged nested array: expected a number at depth ${dim}, got ${Array.isArray(data) ? 'an array' : typeof data}.`, { op, argument: 'data' });
    return;
  }
  const len = (data as readonly TensorData[] | TypedArray).length;
  if (!(Array.isArray(data) || ArrayBuffer.isView(data)) || len !== shape[dim]) {
    throw new ShapeError(`${op}: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(data) ? len : typeof data}.`, {
      op, argument: 'data', expected: shapeString(shape),
    });
  }
  for (let i = 0; i < len; i++) flattenInto((data as any)[i] as TensorData, shape, dim + 1, out, op);
}

function hasBoolLeaf(data: TensorData): boolean {
  let cur: unknown = data;
  while (Array.isArray(cur)) cur = cur[0];
  return typeof cur === 'boolean';
}

function convert(values: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocTyped(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0; // NaN is true, as in NumPy
  else if (dtype === 'int32') for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]!);
  else (out as Float64Array).set(values);
  return out;
}

/**
 * Creates a tensor from numbers, booleans, nested arrays or a typed array (the data is copied).
 * @param data - a scalar, nested arrays (must be rectangular), or a typed array (flat; give `shape`).
 * @param options - `dtype` and `shape`.
 * @throws {ShapeError} for ragged arrays or a shape whose size does not match the data.
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]).shape;                      // [2, 2]
 * tensor(new Float64Array(6), { shape: [2, 3] }).dtype; // 'float64'
 * tensor(3, { dtype: 'int32' }).item();                // 3
 * ```
 */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  const op = 'tensor';
  if (options.dtype !== undefined && !isDType(options.dtype)) {
    throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(options.dtype)}; use float32, float64, int32 or bool.`, { op, argument: 'dtype' });
  }
  if (typeof options !== 'object' || options === null) {
    throw new ValueError(`${op}: options must be { dtype?, shape? }, got ${describeValue(options)}.`, { op, argument: 'options', received: describeValue(options) });
  }
  if (data instanceof TensorClass) {
    const t = data.concrete(op);
    const dt = options.dtype ?? t.dtype;
    const shape = options.shape !== undefined ? checkShape(op, options.shape) : t.shape;
    if (sizeOf(shape) !== t.size) {
      throw new ShapeError(`${op}: shape ${shapeString(shape)} needs ${sizeOf(shape)} elements, got ${t.aval.toString()} (${t.size}).`, {
        op, argument: 'shape', expected: String(sizeOf(shape)), received: t.aval.toString(),
      });
    }
    return fromTyped(convert(t.readData(), dt), shape, dt);
  }
  if (typeof data !== 'number' && typeof data !== 'boolean' && !Array.isArray(data) && !isNumericView(data)) {
    throw new ShapeError(`${op}: data must be a number, a boolean, nested arrays, a typed array or a Tensor, got ${describeValue(data)}.`, { op, argument: 'data', received: describeValue(data) });
  }
  let flat: ArrayLike<number>;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    const ta = data as TypedArray;
    const known = ta instanceof Float32Array || ta instanceof Float64Array || ta instanceof Int32Array || ta instanceof Uint8Array;
    if (!known && options.dtype === undefined) {
      const name = (ta as object).constructor.name;
      throw new DTypeError(`${op}: cannot infer a dtype from a ${name}; pass { dtype }.`, { op, argument: 'data', received: name });
    }
    flat = ta;
    shape = [ta.length];
    dtype = options.dtype ?? dtypeOfTyped(ta);
  } else {
    shape = inferShape(data, op);
    const buf: number[] = [];
    flattenInto(data, shape, 0, buf, op);
    flat = buf;
    dtype = options.dtype ?? (hasBoolLeaf(data) ? 'bool' : getDefaultFloat());
  }
  if (options.shape !== undefined) {
    const s = checkShape(op, options.shape);
    if (sizeOf(s) !== flat.length) {
      throw new ShapeError(`${op}: shape ${shapeString(s)} needs ${sizeOf(s)} elements, got ${flat.length}.`, {
        op, argument: 'shape', expected: String(sizeOf(s)), received: String(flat.length),
      });
    }
    shape = s;
  }
  return fromTyped(convert(flat, dtype), shape, dtype);
}

/** Throws a DTypeError naming `op` unless `dtype` is undefined or a known dtype (e.g. a `{ dtype }` object passed by mistake). */
function checkDTypeArg(op: string, dtype: unknown): void {
  if (dtype !== undefined && !isDType(dtype)) {
    throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(dtype)}; pass one of 'float32', 'float64', 'int32', 'bool' (a string, not an options object).`, { op, argument: 'dtype', received: JSON.stringify(dtype) });
  }
}

/**
 * A tensor of the given shape filled with `value`.
 * @example
 * ```ts
 * full([2, 3], 7).toArray(); // [[7, 7, 7], [7, 7, 7]]
 * ```
 */
export function full(shape: readonly number[], value: number | boolean, dtype?: DType): Tensor {
  return fullAs('full', shape, value, dtype);
}

function fullAs(op: string, shape: readonly number[], value: number | boolean, dtype?: DType): ConcreteTensor {
  checkDTypeArg(op, dtype);
  const s = checkShape(op, shape);
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new ValueError(`${op}: value must be a number or a boolean, got ${describeValue(value)}.`, { op, argument: 'value', received: describeValue(value) });
  }
  const dt = dtype ?? (typeof value === 'boolean' ? 'bool' : getDefaultFloat());
  const data = allocTyped(dt, sizeOf(s));
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : dt === 'bool' ? (value !== 0 ? 1 : 0) : dt === 'int32' ? Math.trunc(value) : value;
  if (v !== 0) data.fill(v);
  return fromTyped(data, s, dt);
}

/**
 * A tensor of zeros.
 * @example
 * ```ts
 * zeros([2]).toArray(); // [0, 0]
 * ```
 */
export function zeros(shape: readonly number[], dtype?: DType): Tensor {
  return fullAs('zeros', shape, 0, dtype);
}

/**
 * A tensor of ones.
 * @example
 * ```ts
 * ones([2], 'float64').toArray(); // [1, 1]
 * ```
 */
export function ones(shape: readonly number[], dtype?: DType): Tensor {
  return fullAs('ones', shape, 1, dtype);
}

/**
 * Zeros with the shape and dtype of `x`.
 * @example
 * ```ts
 * zerosLike(tensor([1, 2])).toArray(); // [0, 0]
 * ```
 */
export function zerosLike(x: Tensor): Tensor {
  likeCheck('zerosLike', x);
  return fullAs('zerosLike', x.shape, 0, x.dtype);
}

/**
 * Ones with the shape and dtype of `x`.
 * @example
 * ```ts
 * onesLike(tensor([1, 2])).toArray(); // [1, 1]
 * ```
 */
export function onesLike(x: Tensor): Tensor {
  likeCheck('onesLike', x);
  return fullAs('onesLike', x.shape, 1, x.dtype);
}

function likeCheck(op: string, x: unknown): void {
  if (!(x instanceof TensorClass)) {
    throw new DTypeError(`${op}: x must be a Tensor, got ${describeValue(x)}.`, { op, argument: 'x', received: describeValue(x) });
  }
  if ((x as { isDisposed?: boolean }).isDisposed === true) {
    throw new DisposedTensorError(`${op}: x (${x.aval.toString()}) was used after dispose().`, { op, argument: 'x', received: x.aval.toString() });
  }
}

/**
 * Evenly spaced values `start, start+step, …` below `stop` (int32 when all arguments are integers).
 * @throws {ValueError} when an argument is not a finite number or `step` is 0.
 * @example
 * ```ts
 * arange(4).toArray();       // [0, 1, 2, 3]
 * arange(1, 2, 0.5).toArray(); // [1, 1.5]
 * ```
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  checkDTypeArg('arange', dtype);
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  const finite = (v: unknown, name: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`arange: ${name} must be a finite number, got ${describeValue(v)}.`, { op: 'arange', argument: name, received: describeValue(v) });
  };
  finite(start, 'start');
  if (stop !== undefined) finite(stop, 'stop');
  finite(step, 'step');
  if (step === 0) throw new ValueError(`arange: step must be finite and non-zero, got ${step}.`, { op: 'arange', argument: 'step', received: '0' });
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  checkShape('arange', [n], 'length');
  const dt = dtype ?? ([lo, hi, step].every(Number.isInteger) ? 'int32' : getDefaultFloat());
  const data = allocTyped(dt, n);
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return fromTyped(data, [n], dt);
}

/**
 * `num` evenly spaced values from `start` to `stop` inclusive.
 * @throws {ValueError} when `num` is negative or not an integer.
 * @example
 * ```ts
 * linspace(0, 1, 3).toArray(); // [0, 0.5, 1]
 * ```
 */
export function linspace(start: number, stop: number, num: number, dtype?: DType): Tensor {
  checkDTypeArg('linspace', dtype);
  checkInt('linspace', num, 'num', { min: 0, max: MAX_SIZE });
  for (const [v, name] of [[start, 'start'], [stop, 'stop']] as const) {
    if (typeof v !== 'number') throw new ValueError(`linspace: ${name} must be a number, got ${describeValue(v)}.`, { op: 'linspace', argument: name, received: describeValue(v) });
  }
  const dt = dtype ?? getDefaultFloat();
  const data = allocTyped(dt, num);
  for (let i = 0; i < num; i++) data[i] = num === 1 ? start : start + ((stop - start) * i) / (num - 1);
  return fromTyped(data, [num], dt);
}

/**
 * The `n × m` identity matrix (ones on the diagonal).
 * @example
 * ```ts
 * eye(2).toArray(); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, m = n, dtype?: DType): Tensor {
  checkDTypeArg('eye', dtype);
  const s = checkShape('eye', [n, m]);
  const dt = dtype ?? getDefaultFloat();
  const data = allocTyped(dt, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromTyped(data, s, dt);
}

/** @internal A scalar tensor. */
export function scalar(value: number, dtype: DType): ConcreteTensor {
  const data = allocTyped(dtype, 1);
  data[0] = dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  return fromTyped(data, [], dtype);
}
