/**
 * Shape manipulation: `reshape transpose expandDims squeeze broadcastTo concat stack slice flatten moveAxis`.
 * All are linear and differentiable.
 * @module
 */
import { AxisError, ShapeError } from '../errors.js';
import { checkInt, checkShape, describeValue, normalizeAxes, normalizeAxis, sizeOf, shapeString } from '../tensor/shape.js';
import { axisOptions, oneAxis, type AxisArg, type ReduceOptions } from './axis-arg.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape as reshapeP } from '../core/primitives/reshape.js';
import { transpose as transposeP } from '../core/primitives/transpose.js';
import { concatenate } from '../core/primitives/concatenate.js';
import { slice as sliceP } from '../core/primitives/slice.js';
import { broadcastTo as broadcastToP, moveAxis as moveAxisP } from '../core/primitives/_rules.js';
import { broadcastShapes } from '../tensor/shape.js';
import { asTensor, promoteArgs, type TensorLike } from './convert.js';

/**
 * Same data in a new shape; one entry may be `-1` (inferred).
 * @throws {ShapeError} when sizes differ.
 * @example
 * ```ts
 * reshape(arange(6), [2, -1]).shape; // [2, 3]
 * ```
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor('reshape', x);
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < -1) || shape.filter((d) => d === -1).length > 1) {
    const got = describeValue(shape);
    throw new ShapeError(`reshape: shape must be a list of non-negative integers with at most one -1, got ${got} for ${t.aval.toString()}.`, { op: 'reshape', argument: 'shape', received: got });
  }
  const infer = shape.indexOf(-1);
  let s = [...shape];
  if (infer >= 0) {
    const rest = sizeOf(shape.filter((_, i) => i !== infer));
    if (rest === 0 || t.size % rest !== 0) {
      throw new ShapeError(`reshape: cannot infer -1 in [${shape.join(',')}] for ${t.aval.toString()}.`, { op: 'reshape', argument: 'shape' });
    }
    s[infer] = t.size / rest;
  }
  s = checkShape('reshape', s);
  if (sizeOf(s) !== t.size) {
    throw new ShapeError(`reshape: cannot reshape ${t.aval.toString()} (${t.size} elements) to ${shapeString(s)} (${sizeOf(s)} elements).`, {
      op: 'reshape', argument: 'shape', expected: `${t.size} elements`, received: shapeString(s),
    });
  }
  return reshapeP(t, s);
}

/**
 * Permutes axes (reverses them by default).
 * @example
 * ```ts
 * transpose(zeros([2, 3])).shape; // [3, 2]
 * ```
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = asTensor('transpose', x);
  if (perm !== undefined && perm !== null && !Array.isArray(perm)) {
    throw new AxisError(`transpose: perm must be a list of axes, got ${describeValue(perm)}.`, { op: 'transpose', argument: 'perm', received: describeValue(perm) });
  }
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, t.ndim, 'perm')) : t.shape.map((_, i) => t.ndim - 1 - i);
  if (p.length !== t.ndim || new Set(p).size !== p.length) {
    throw new AxisError(`transpose: perm must be a permutation of the ${t.ndim} axes of ${t.aval.toString()}, got ${describeValue(perm)}.`, { op: 'transpose', argument: 'perm', received: describeValue(perm) });
  }
  return transposeP(t, p);
}

/**
 * Moves axis `source` to position `destination`.
 * @example
 * ```ts
 * moveAxis(zeros([2, 3, 4]), 0, -1).shape; // [3, 4, 2]
 * ```
 */
export function moveAxis(x: TensorLike, source: number, destination: number): Tensor {
  const t = asTensor('moveAxis', x);
  return moveAxisP(t, normalizeAxis('moveAxis', source, t.ndim, 'source'), normalizeAxis('moveAxis', destination, t.ndim, 'destination'));
}

/**
 * Inserts a size-1 axis at `axis`.
 * @example
 * ```ts
 * expandDims(zeros([3]), 0).shape; // [1, 3]
 * ```
 */
export function expandDims(x: TensorLike, axis: number | ReduceOptions): Tensor {
  const t = asTensor('expandDims', x);
  const a = oneAxis('expandDims', axis, t.ndim + 1, undefined).axis;
  if (a === undefined) throw new AxisError('expandDims: axis is required.', { op: 'expandDims', argument: 'axis' });
  const s = [...t.shape];
  s.splice(a, 0, 1);
  return reshapeP(t, s);
}

/**
 * Removes size-1 axes (all of them, or the given ones).
 * @throws {ShapeError} when a given axis does not have size 1.
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1])).shape; // [3]
 * ```
 */
export function squeeze(x: TensorLike, axis?: AxisArg): Tensor {
  const t = asTensor('squeeze', x);
  const o = axisOptions('squeeze', axis, false);
  const axes = o.axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', o.axis, t.ndim);
  for (const a of axes) {
    if (t.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of ${t.aval.toString()} has size ${t.shape[a]}, not 1.`, { op: 'squeeze', argument: 'axis', received: t.aval.toString() });
  }
  return reshapeP(t, t.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Flattens to one dimension.
 * @example
 * ```ts
 * flatten(zeros([2, 3])).shape; // [6]
 * ```
 */
export function flatten(x: TensorLike): Tensor {
  const t = asTensor('flatten', x);
  return reshapeP(t, [t.size]);
}

/**
 * Broadcasts to `shape` with NumPy rules.
 * @throws {ShapeError} when not broadcastable.
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [3, 2]).shape; // [3, 2]
 * ```
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor('broadcastTo', x);
  const s = checkShape('broadcastTo', shape);
  const b = broadcastShapes('broadcastTo', [t.shape, s]);
  if (b.length !== s.length || b.some((d, i) => d !== s[i])) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${t.aval.toString()} to ${shapeString(s)}.`, { op: 'broadcastTo', argument: 'shape', received: shapeString(s) });
  }
  return broadcastToP(t, s);
}

/**
 * Joins tensors along an existing axis.
 * @throws {ShapeError} when the other axes differ.
 * @example
 * ```ts
 * concat([zeros([2, 3]), ones([1, 3])], 0).shape; // [3, 3]
 * ```
 */
export function concat(xs: readonly TensorLike[], axis: number | ReduceOptions = 0): Tensor {
  const ts = tensorList('concat', xs);
  if (ts[0]!.ndim === 0) throw new ShapeError(`concat: cannot concatenate scalars (${ts[0]!.aval.toString()}); use stack.`, { op: 'concat', argument: 'xs[0]', received: ts[0]!.aval.toString() });
  const a = oneAxis('concat', axis, ts[0]!.ndim, 0).axis!;
  return concatenate(ts, a);
}

function tensorList(op: string, xs: unknown): Tensor[] {
  if (!Array.isArray(xs)) {
    const got = describeValue(xs);
    throw new ShapeError(`${op}: xs must be a list of tensors, got ${got}. Write ${op}([a, b], axis).`, { op, argument: 'xs', expected: 'a list of tensors', received: got });
  }
  if (xs.length === 0) throw new ShapeError(`${op}: needs at least one tensor, got an empty list.`, { op, argument: 'xs' });
  return promoteArgs(op, xs as TensorLike[], xs.map((_, i) => `xs[${i}]`));
}

/**
 * Stacks tensors of equal shape along a new axis.
 * @example
 * ```ts
 * stack([zeros([3]), ones([3])]).shape; // [2, 3]
 * ```
 */
export function stack(xs: readonly TensorLike[], axis: number | ReduceOptions = 0): Tensor {
  const ts = tensorList('stack', xs);
  const a = oneAxis('stack', axis, ts[0]!.ndim + 1, 0).axis!;
  const desc = ts.map((t) => t.aval.toString()).join(', ');
  if (ts.some((t) => t.ndim !== ts[0]!.ndim || t.shape.some((d, i) => d !== ts[0]!.shape[i]))) {
    throw new ShapeError(`stack: all tensors must have the same shape, got ${desc}.`, { op: 'stack', argument: 'xs', received: desc });
  }
  return concatenate(ts.map((t) => expandDims(t, a)), a);
}

/**
 * The window starting at `starts` with sizes `sizes` (`-1` = to the end; negative starts count from the end).
 * @throws {ShapeError} when the window is out of bounds.
 * @example
 * ```ts
 * slice(arange(5), [1], [3]).toArray(); // [1, 2, 3]
 * ```
 */
export function slice(x: TensorLike, starts: readonly number[], sizes?: readonly number[]): Tensor {
  const t = asTensor('slice', x);
  if (!Array.isArray(starts)) throw new ShapeError(`slice: starts must be a list of integers, got ${describeValue(starts)}.`, { op: 'slice', argument: 'starts', received: describeValue(starts) });
  if (sizes !== undefined && !Array.isArray(sizes)) throw new ShapeError(`slice: sizes must be a list of integers, got ${describeValue(sizes)}.`, { op: 'slice', argument: 'sizes', received: describeValue(sizes) });
  if (starts.length > t.ndim || (sizes && sizes.length !== starts.length)) {
    throw new ShapeError(`slice: got ${starts.length} starts${sizes ? ` and ${sizes.length} sizes` : ''} for ${t.aval.toString()}.`, { op: 'slice', argument: 'starts', received: t.aval.toString() });
  }
  starts.forEach((v, i) => checkInt('slice', v, `starts[${i}]`, { min: -t.shape[i]!, max: t.shape[i]!, error: ShapeError }));
  sizes?.forEach((v, i) => checkInt('slice', v, `sizes[${i}]`, { min: -1, error: ShapeError }));
  const st = t.shape.map((d, i) => (i < starts.length ? (starts[i]! < 0 ? starts[i]! + d : starts[i]!) : 0));
  const sz = t.shape.map((d, i) => {
    const s = sizes && i < sizes.length ? sizes[i]! : -1;
    return s === -1 ? d - st[i]! : s;
  });
  return sliceP(t, st, sz);
}
