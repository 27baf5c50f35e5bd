/**
 * Shared rule helpers: kernel dispatch, broadcasting transposes, batch-dim movement.
 * @module
 */
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BDim } from '../primitive.js';
import { broadcastInDim } from './broadcast-in-dim.js';
import { reduceSum } from './reduce-sum.js';
import { reshape } from './reshape.js';
import { moveAxis } from './transpose.js';

export { instantiate, requireFloat, runKernel, zeroLike } from './_kernel.js';
export { moveAxis } from './transpose.js';

/** @internal Broadcasts `x` to `shape` with NumPy (right-aligned) rules. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const off = shape.length - x.shape.length;
  return broadcastInDim(x, shape, x.shape.map((_, i) => i + off));
}

/** @internal Sums `ct` down to `aval`'s shape: the transpose of NumPy broadcasting. */
export function unbroadcast(ct: Tensor, aval: Aval): Tensor {
  const shape = aval.shape;
  if (ct.shape.length === shape.length && ct.shape.every((d, i) => d === shape[i])) return ct;
  const off = ct.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < ct.shape.length; i++) if (i < off || (shape[i - off] === 1 && ct.shape[i] !== 1)) axes.push(i);
  const summed = axes.length ? reduceSum(ct, axes) : ct;
  return summed.shape.length === shape.length && summed.shape.every((d, i) => d === shape[i]) ? summed : reshape(summed, shape);
}

/** @internal Moves the batch dim to the front, broadcasting an unmapped value to `size`. */
export function batchToFront(x: Tensor, d: BDim, size: number): Tensor {
  if (d === null) return broadcastInDim(x, [size, ...x.shape], x.shape.map((_, i) => i + 1));
  return moveAxis(x, d, 0);
}

/**
 * @internal Moves each mapped argument's batch axis to the front and pads it with size-1 axes to
 * `1 + rank`, so NumPy broadcasting against the unmapped arguments (rank ≤ `rank`) lines up.
 */
export function alignBatchFront(args: readonly Tensor[], dims: readonly BDim[], rank: number): Tensor[] {
  return args.map((a, i) => {
    const d = dims[i]!;
    if (d === null) return a;
    const front = moveAxis(a, d, 0);
    const lr = a.ndim - 1;
    return lr === rank ? front : reshape(front, [front.shape[0]!, ...new Array<number>(rank - lr).fill(1), ...front.shape.slice(1)]);
  });
}

/** @internal Batching rule of elementwise ops with NumPy broadcasting: align mapped args at axis 0. */
export function broadcastingBatch(apply: (args: Tensor[]) => Tensor) {
  return (_size: number, args: readonly Tensor[], dims: readonly BDim[]): [Tensor[], BDim[]] => {
    let rank = 0;
    args.forEach((a, i) => { rank = Math.max(rank, a.ndim - (dims[i] === null ? 0 : 1)); });
    return [[apply(alignBatchFront(args, dims, rank))], [0]];
  };
}

/** @internal Batching rule of shape-preserving unary ops. */
export function unaryBatch(apply: (x: Tensor) => Tensor) {
  return (_size: number, args: readonly Tensor[], dims: readonly BDim[]): [Tensor[], BDim[]] => [[apply(args[0]!)], [dims[0]!]];
}

/** @internal Same aval as the first input. */
export function sameAval(avals: readonly Aval[]): Aval[] {
  return [avals[0]!];
}

/** @internal An aval with a new shape. */
export function withShape(a: Aval, shape: readonly number[]): Aval {
  return new Aval(shape, a.dtype);
}
