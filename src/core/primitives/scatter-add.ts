/**
 * `scatter_add` primitive: zeros of shape `pre + [size] + post`, then
 * `out[p, idx[j…], q] += upd[p, j…, q]`. Linear in `upd`; the transpose of `take`.
 * @module
 */
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive, type BDim } from '../primitive.js';
import { Zero } from '../zero.js';
import { batchToFront, moveAxis, runKernel } from './_rules.js';
import { take } from './take.js';
import { batchedIndexOffsets } from './_gather.js';
import { reshape } from './reshape.js';

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
