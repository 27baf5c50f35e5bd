/**
 * `take` primitive: `out[p, j…, q] = x[p, idx[j…], q]` along `axis` (indices clamped to range).
 * Linear in `x`; the transpose is `scatter_add`.
 *
 * Batching a mapped `idx` against a mapped `x` merges the batch axis into the indexed
 * axis and offsets the indices by `b·n`, so it stays a single gather.
 * @module
 */
import { DTypeError, ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive, type BDim } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { moveAxis, runKernel } from './_rules.js';
import { scatterAdd } from './scatter-add.js';
import { batchedIndexOffsets } from './_gather.js';
import { reshape } from './reshape.js';

/** @internal */
export interface TakeParams {
  readonly axis: number;
}

/** @internal */
export const takeP = definePrimitive<TakeParams>({
  name: 'take',
  abstractEval: ([ax, ai], { axis }) => {
    if (ai!.dtype !== 'int32') throw new DTypeError(`take: indices must be int32, got ${ai!.toString()}.`, { op: 'take', argument: 'indices', received: ai!.toString() });
    if (ax!.shape[axis] === 0 && ai!.size > 0) {
      throw new ShapeError(`take: cannot gather from the empty axis ${axis} of ${ax!.toString()} (indices ${ai!.toString()}).`, { op: 'take', argument: 'indices', received: `${ax!.toString()} and ${ai!.toString()}` });
    }
    return [new Aval([...ax!.shape.slice(0, axis), ...ai!.shape, ...ax!.shape.slice(axis + 1)], ax!.dtype)];
  },
  impl: (args, { axis }, outs) => runKernel(args, outs[0]!, (k, [x, i]) => k.take(x, i, args[0]!.aval, args[1]!.aval, axis, outs[0]!)),
  jvp: ([x, idx], [t], { axis }) => {
    const y = take(x!, idx!, axis);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : take(t!, idx!, axis)]];
  },
  transpose: ([ct], [x, idx], { axis }) => {
    const a = (x as UndefPrimal).aval;
    return [ct instanceof Zero ? null : scatterAdd(idx as Tensor, ct!, axis, a.shape[axis]!), null];
  },
  batch: (size, [x, idx], [dx, di], { axis }) => batchTake(size, x!, idx!, dx!, di!, axis),
  pretty: ({ axis }) => `axis=${axis}`,
});

function batchTake(size: number, x: Tensor, idx: Tensor, dx: BDim, di: BDim, axis: number): [Tensor[], BDim[]] {
  if (di === null) return [[take(moveAxis(x, dx!, 0), idx, axis + 1)], [0]];
  const i0 = moveAxis(idx, di, 0);
  if (dx === null) return [[take(x, i0, axis)], [axis]];
  // both mapped: x → [pre, B·n, post], idx + b·n
  const xb = moveAxis(moveAxis(x, dx, 0), 0, axis);
  const n = xb.shape[axis + 1]!;
  const merged = reshape(xb, [...xb.shape.slice(0, axis), size * n, ...xb.shape.slice(axis + 2)]);
  return [[take(merged, batchedIndexOffsets(i0, n), axis)], [axis]];
}

/** @internal */
export function take(x: Tensor, idx: Tensor, axis: number): Tensor {
  return bind1(takeP, [x, idx], { axis });
}
