/**
 * The one axis-argument convention of every op that takes axes: a number, a list of numbers,
 * or an options object `{ axis, keepDims }` (`keepDims` only for reductions). `undefined`/`null`
 * mean the op's default (all axes for reductions).
 * @module
 */
import { AxisError, ValueError } from '../errors.js';
import { describeValue, normalizeAxes, normalizeAxis } from '../tensor/shape.js';
import { isPlainObject } from '../tree/tree.js';

/** Options of reductions (and, without `keepDims`, of every other op that takes axes). */
export interface ReduceOptions {
  /** Axes to reduce; negative counts from the end. @defaultValue all axes */
  readonly axis?: number | readonly number[] | null | undefined;
  /** Keep reduced axes with size 1. @defaultValue false */
  readonly keepDims?: boolean | undefined;
}

/** An axis, a list of axes, or an options object `{ axis, keepDims }`. */
export type AxisArg = number | readonly number[] | ReduceOptions | null | undefined;

/** @internal Splits an axis argument into its axis value (unchecked) and `keepDims`. */
export function axisOptions(op: string, arg: unknown, allowKeepDims = true): { axis: unknown; keepDims: boolean } {
  if (arg === undefined || arg === null) return { axis: undefined, keepDims: false };
  if (typeof arg === 'number' || Array.isArray(arg)) return { axis: arg, keepDims: false };
  if (isPlainObject(arg)) {
    for (const k of Object.keys(arg)) {
      if (k !== 'axis' && !(allowKeepDims && k === 'keepDims')) {
        const allowed = allowKeepDims ? "'axis' and 'keepDims'" : "'axis'";
        throw new ValueError(`${op}: unknown option '${k}'; the options object takes ${allowed}.`, { op, argument: 'axis', expected: allowed, received: k });
      }
    }
    const kd = arg['keepDims'];
    if (kd !== undefined && typeof kd !== 'boolean') {
      throw new ValueError(`${op}: keepDims must be a boolean, got ${describeValue(kd)}.`, { op, argument: 'keepDims', received: describeValue(kd) });
    }
    return { axis: arg['axis'] ?? undefined, keepDims: kd === true };
  }
  const got = describeValue(arg);
  throw new AxisError(`${op}: axis must be an integer, a list of integers or { axis }, got ${got}.`, { op, argument: 'axis', expected: 'number | number[] | { axis }', received: got });
}

/** @internal Normalised, sorted axes of a reduction-like op (default: all axes) and `keepDims`. */
export function reduceAxes(op: string, arg: unknown, rank: number, allowKeepDims = true): { axes: number[]; keepDims: boolean } {
  const o = axisOptions(op, arg, allowKeepDims);
  return { axes: normalizeAxes(op, o.axis, rank), keepDims: o.keepDims };
}

/**
 * @internal One normalised axis (a number, a one-element list, or `{ axis }`); `fallback` when omitted.
 * @throws {AxisError} for several axes, a non-integer or an out-of-range axis.
 */
export function oneAxis(op: string, arg: unknown, rank: number, fallback: number | undefined, allowKeepDims = false): { axis: number | undefined; keepDims: boolean } {
  const o = axisOptions(op, arg, allowKeepDims);
  let a = o.axis;
  if (Array.isArray(a)) {
    if (a.length !== 1) {
      throw new AxisError(`${op}: takes a single axis, got ${describeValue(a)}.`, { op, argument: 'axis', expected: 'one axis', received: describeValue(a) });
    }
    a = a[0];
  }
  if (a === undefined) return { axis: fallback === undefined ? undefined : normalizeAxis(op, fallback, rank), keepDims: o.keepDims };
  return { axis: normalizeAxis(op, a, rank), keepDims: o.keepDims };
}
