/**
 * Shapes and axes: NumPy broadcasting, axis normalisation, strides.
 * @module
 */
import { AxisError, ShapeError } from '../errors.js';

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

/**
 * Normalises a possibly negative axis into `[0, rank)`.
 * @throws {AxisError} when the axis is out of range.
 * @internal
 */
export function normalizeAxis(op: string, axis: number, rank: number, argument = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const range = rank === 0 ? 'none (the tensor is a scalar)' : `[${-rank}, ${rank})`;
    throw new AxisError(`${op}: ${argument} ${axis} is out of range for a tensor of rank ${rank}; valid axes are ${range}.`, {
      op, argument, expected: `axis in [${-rank}, ${rank})`, received: String(axis),
    });
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises `axis` (a number, a list, or undefined for all axes), sorted and deduplicated.
 * @throws {AxisError} on an out-of-range or repeated axis.
 * @internal
 */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  const sorted = [...out].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) {
      throw new AxisError(`${op}: repeated axis ${sorted[i]} in ${JSON.stringify(list)}.`, { op, argument: 'axis', received: JSON.stringify(list) });
    }
  }
  return sorted;
}

/** @internal Validates a user-provided shape (non-negative integers). */
export function checkShape(op: string, shape: readonly number[], argument = 'shape'): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${op}: ${argument} must be a list of non-negative integers, got ${JSON.stringify(shape)}.`, {
      op, argument, received: JSON.stringify(shape),
    });
  }
  return [...shape];
}
