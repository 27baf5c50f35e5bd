/**
 * Shapes and axes: NumPy broadcasting, axis normalisation, strides.
 * @module
 */
import { AxisError, ShapeError, ValueError } from '../errors.js';

/** A tensor shape: sizes of each axis, outermost first. */
export type Shape = readonly number[];

/** @internal Product of the sizes (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** @internal Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** @internal Shape equality. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** @internal Prints a shape as `[3,4]`. */
export function shapeString(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/**
 * NumPy broadcasting of several shapes (right-aligned; sizes must be equal or 1).
 * @throws {ShapeError} when two sizes differ and neither is 1.
 * @internal
 */
export function broadcastShapes(op: string, shapes: readonly Shape[], describe?: () => string): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      const o = out[j]!;
      if (o === 1) out[j] = d;
      else if (d !== 1 && d !== o) {
        const detail = describe ? describe() : shapes.map(shapeString).join(' and ');
        throw new ShapeError(`${op}: shapes are not broadcast-compatible, got ${detail} (axis ${j - rank}: ${o} vs ${d}). Trailing axes must be equal or 1; align them with reshape or expandDims.`, {
          op, expected: 'broadcast-compatible shapes', received: detail,
        });
      }
    }
  }
  return out;
}

/** @internal Prints any user value briefly for an error message: `1.5`, `"1"` (string), `NaN`, `[1,2]`, `object`. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return `${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)} (a string)`;
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (v === null || v === undefined || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) {
    try {
      const j = JSON.stringify(v);
      return j.length > 40 ? `an array of length ${v.length}` : j;
    } catch {
      return `an array of length ${v.length}`;
    }
  }
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Limits of {@link checkInt}. */
export interface IntBounds {
  /** Smallest allowed value. @defaultValue no bound */
  readonly min?: number | undefined;
  /** Largest allowed value. @defaultValue no bound */
  readonly max?: number | undefined;
  /** Error class to throw. @defaultValue ValueError */
  readonly error?: typeof ValueError | typeof ShapeError | typeof AxisError | undefined;
}

/**
 * Requires an integer-valued JS number in `[min, max]` (sizes, counts, indices): a typed error
 * naming the op and the argument otherwise, never truncation.
 * @throws {ValueError} (or `bounds.error`) for a non-number, a fractional value, NaN, ±∞ or an out-of-range value.
 * @internal
 */
export function checkInt(op: string, value: unknown, argument: string, bounds: IntBounds = {}): number {
  const E = bounds.error ?? ValueError;
  const range = bounds.min !== undefined && bounds.max !== undefined ? ` in [${bounds.min}, ${bounds.max}]`
    : bounds.min !== undefined ? (bounds.min === 0 ? ' ≥ 0' : ` ≥ ${bounds.min}`) : bounds.max !== undefined ? ` ≤ ${bounds.max}` : '';
  if (typeof value !== 'number' || !Number.isInteger(value) || (bounds.min !== undefined && value < bounds.min) || (bounds.max !== undefined && value > bounds.max)) {
    const got = describeValue(value);
    throw new E(`${op}: ${argument} must be an integer${range}, got ${got}.`, { op, argument, expected: `integer${range}`, received: got });
  }
  return value;
}

/**
 * Normalises a possibly negative axis into `[0, rank)`.
 * @throws {AxisError} when the axis is not an integer or is out of range.
 * @internal
 */
export function normalizeAxis(op: string, axis: unknown, rank: number, argument = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    const got = describeValue(axis);
    throw new AxisError(`${op}: ${argument} must be an integer, got ${got}.`, { op, argument, expected: 'an integer axis', received: got });
  }
  if (axis < -rank || axis >= rank) {
    const range = rank === 0 ? 'none (the tensor is a scalar)' : `[${-rank}, ${rank})`;
    throw new AxisError(`${op}: ${argument} ${axis} is out of range for a tensor of rank ${rank}; valid axes are ${range}.`, {
      op, argument, expected: `axis in [${-rank}, ${rank})`, received: String(axis),
    });
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises `axis` (a number, a list, or undefined/null for all axes), sorted and deduplicated.
 * @throws {AxisError} on a non-integer, out-of-range or repeated axis, or a value that is not a number or a list.
 * @internal
 */
export function normalizeAxes(op: string, axis: unknown, rank: number, argument = 'axis'): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axis !== 'number' && !Array.isArray(axis)) {
    const got = describeValue(axis);
    throw new AxisError(`${op}: ${argument} must be an integer or a list of integers, got ${got}.`, { op, argument, expected: 'an integer or a list of integers', received: got });
  }
  const list: readonly unknown[] = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => normalizeAxis(op, a, rank, argument));
  const sorted = [...out].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) {
      throw new AxisError(`${op}: repeated axis ${sorted[i]} in ${describeValue(list)}.`, { op, argument, received: describeValue(list) });
    }
  }
  return sorted;
}

/** Largest number of elements a tensor may have (the typed-array limit of every backend). */
export const MAX_SIZE = 2 ** 31 - 1;

/** @internal Validates a user-provided shape (a list of non-negative integers whose product fits a typed array). */
export function checkShape(op: string, shape: unknown, argument = 'shape'): number[] {
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
    const got = describeValue(shape);
    throw new ShapeError(`${op}: ${argument} must be a list of non-negative integers, got ${got}.`, {
      op, argument, expected: 'a list of non-negative integers', received: got,
    });
  }
  const n = sizeOf(shape as number[]);
  if (n > MAX_SIZE || (shape as number[]).some((d) => d > MAX_SIZE)) {
    throw new ShapeError(`${op}: ${argument} ${shapeString(shape as number[])} is too large: at most ${MAX_SIZE} elements, and along each axis.`, {
      op, argument, expected: `at most ${MAX_SIZE} elements`, received: shapeString(shape as number[]),
    });
  }
  return [...(shape as number[])];
}
