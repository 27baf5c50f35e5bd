/**
 * Element types and the promotion table.
 *
 * ```text
 * promotion (lattice join):  bool < int32 < float32 < float64
 * JS numbers are weakly typed: they take the tensor's dtype when it is a float (or when
 * both are integral), otherwise the default float dtype.
 * ```
 * @module
 */
import { DTypeError } from '../errors.js';

/** The element types a tensor can hold. `bool` is stored as bytes (0/1). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The typed-array class backing each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
const SHORT: Record<DType, string> = { bool: 'bool', int32: 'i32', float32: 'f32', float64: 'f64' };

/**
 * True for `float32` and `float64`.
 * @example
 * ```ts
 * isFloat('float32'); // true
 * ```
 */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * The dtype both operands are promoted to: the larger of the two in `bool < int32 < float32 < float64`.
 * @example
 * ```ts
 * promoteTypes('int32', 'float32'); // 'float32'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  const okA = Object.hasOwn(RANK, a);
  if (!okA || !Object.hasOwn(RANK, b)) {
    const bad = String(okA ? b : a);
    throw new DTypeError(`promoteTypes: unknown dtype ${JSON.stringify(bad)}; use float32, float64, int32 or bool.`, { op: 'promoteTypes', argument: okA ? 'b' : 'a', received: bad });
  }
  return RANK[a] >= RANK[b] ? a : b;
}

/** @internal Short name used when printing avals (`f32`, `f64`, `i32`, `bool`). */
export function shortDType(dtype: DType): string {
  return SHORT[dtype];
}

/**
 * @internal Where kernel outputs come from while a backend installs one (the `wasm` backend's
 * buffer pool, around each of its kernel calls); null otherwise. It must return a zeroed array.
 */
let allocator: ((dtype: DType, size: number) => TypedArray) | null = null;

/** @internal Installs the allocator used by {@link allocTyped} (null restores `new`); returns the previous one. */
export function swapAllocator(a: ((dtype: DType, size: number) => TypedArray) | null): ((dtype: DType, size: number) => TypedArray) | null {
  const prev = allocator;
  allocator = a;
  return prev;
}

/** @internal Allocates a zeroed typed array for `dtype`. */
export function allocTyped(dtype: DType, size: number): TypedArray {
  if (allocator !== null) return allocator(dtype, size);
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

/** @internal The dtype a typed array naturally holds. */
export function dtypeOfTyped(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

/** @internal Validates a dtype string. */
export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'float64' || x === 'int32' || x === 'bool';
}

let defaultFloat: DType = 'float32';

/**
 * Sets the dtype used for JS numbers and nested arrays when none is given (default `float32`).
 * @param dtype - `float32` or `float64`.
 * @example
 * ```ts
 * setDefaultFloat('float64');
 * tensor([1, 2]).dtype; // 'float64'
 * ```
 */
export function setDefaultFloat(dtype: 'float32' | 'float64'): void {
  defaultFloat = dtype;
}

/**
 * The dtype used for JS numbers when none is given.
 * @example
 * ```ts
 * getDefaultFloat(); // 'float32' unless changed
 * ```
 */
export function getDefaultFloat(): DType {
  return defaultFloat;
}
