/**
 * `take` and `scatter_add` primitives: each one's transpose is the other.
 *
 * `take` primitive: `out[p, j…, q] = x[p, idx[j…], q]` along `axis` (indices clamped to range).
 * Linear in `x`; the transpose is `scatter_add`.
 *
 * Batching a mapped `idx` against a mapped `x` merges the batch axis into the indexed
 * axis and offsets the indices by `b·n`, so it stays a single gather.
 *
 * `scatter_add` primitive: zeros of shape `pre + [size] + post`, then
 * `out[p, idx[j…], q] += upd[p, j…, q]`. Linear in `upd`; the transpose of `take`.
 * @module
 */
import { DTypeError, ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive, type BDim } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { moveAxis, runKernel, batchToFront } from './_rules.js';
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

/** @internal */
export interface ScatterAddParams {
  readonly axis: number;
  readonly size: number;
}

function outShape(upd: readonly number[], idxRank: number, axis: number, size: number): number[] {
  return [...upd.slice(0, axis), size, ...upd.slice(axis + idxRank)];
}

/** @internal */
export const scatterAddP = definePrimitive<ScatterAddParams>({
  name: 'scatter_add',
  abstractEval: ([ai, au], { axis, size }) => [new Aval(outShape(au!.shape, ai!.ndim, axis, size), au!.dtype)],
  impl: (args, { axis }, outs) => runKernel(args, outs[0]!, (k, [i, u]) => k.scatterAdd(i, u, args[0]!.aval, args[1]!.aval, axis, outs[0]!)),
  jvp: ([idx, upd], [, t], { axis, size }) => {
    const y = scatterAdd(idx!, upd!, axis, size);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : scatterAdd(idx!, t!, axis, size)]];
  },
  transpose: ([ct], [idx], { axis }) => [null, ct instanceof Zero ? null : take(ct!, idx as Tensor, axis)],
  batch: (bsize, [idx, upd], [di, du], { axis, size }) => batchScatter(bsize, idx!, upd!, di!, du!, axis, size),
  pretty: ({ axis, size }) => `axis=${axis} size=${size}`,
});

function batchScatter(bsize: number, idx: Tensor, upd: Tensor, di: BDim, du: BDim, axis: number, size: number): [Tensor[], BDim[]] {
  if (di === null) return [[scatterAdd(idx, moveAxis(upd, du!, 0), axis + 1, size)], [0]];
  const i0 = moveAxis(idx, di, 0);
  // upd → [B, pre, idx…, post] then batch axis next to the index axes: [pre, B, idx…, post]
  const u = moveAxis(batchToFront(upd, du, bsize), 0, axis);
  const out = scatterAdd(batchedIndexOffsets(i0, size), u, axis, bsize * size);
  return [[reshape(out, [...out.shape.slice(0, axis), bsize, size, ...out.shape.slice(axis + 1)])], [axis]];
}

/** @internal */
export function scatterAdd(idx: Tensor, upd: Tensor, axis: number, size: number): Tensor {
  return bind1(scatterAddP, [idx, upd], { axis, size });
}
