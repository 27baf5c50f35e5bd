/**
 * `broadcast_in_dim` and `reduce_sum` primitives: each one's transpose uses the other.
 *
 * `broadcast_in_dim` primitive: operand axis `i` becomes output axis `dims[i]` (its size must
 * equal the output's or be 1); the other output axes are new. Linear.
 *
 * ```text
 * transpose: sum the cotangent over the new and the stretched axes, reshape to the operand
 * ```
 *
 * `reduce_sum` primitive: sum over `axes` (removed). Linear.
 *
 * ```text
 * d Σx = Σdx        transpose: x̄ = broadcast(ct) back over the summed axes
 * ```
 * @module
 */
import { ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import { shapesEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { runKernel } from './_kernel.js';
import { reshape } from './reshape.js';
import { keptDims, reduceAval, shiftAxes, type ReduceParams } from './_reduce.js';
import { moveAxis } from './transpose.js';

/** @internal */
export interface BroadcastParams {
  readonly shape: readonly number[];
  readonly dims: readonly number[];
}

/** @internal */
export const broadcastInDimP = definePrimitive<BroadcastParams>({
  name: 'broadcast_in_dim',
  abstractEval: ([a], { shape, dims }) => {
    const bad = dims.length !== a!.ndim || dims.some((d, i) => d < 0 || d >= shape.length || (i > 0 && d <= dims[i - 1]!) || (a!.shape[i] !== 1 && a!.shape[i] !== shape[d]));
    if (bad) {
      throw new ShapeError(`broadcastTo: cannot broadcast ${a!.toString()} to [${shape.join(',')}].`, {
        op: 'broadcastTo', argument: 'shape', expected: 'sizes equal or 1 (aligned from the right)', received: `${a!.toString()} → [${shape.join(',')}]`,
      });
    }
    return [new Aval(shape, a!.dtype)];
  },
  impl: (args, { dims }, outs) => runKernel(args, outs[0]!, (k, [x]) => k.broadcastInDim(x, args[0]!.aval, dims, outs[0]!)),
  jvp: ([x], [t], { shape, dims }) => {
    const y = broadcastInDim(x!, shape, dims);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : broadcastInDim(t!, shape, dims)]];
  },
  transpose: ([ct], [x], { shape, dims }) => {
    if (ct instanceof Zero) return [null];
    const a = (x as UndefPrimal).aval;
    const axes: number[] = [];
    for (let d = 0; d < shape.length; d++) {
      const i = dims.indexOf(d);
      if (i < 0 || (a.shape[i] === 1 && shape[d] !== 1)) axes.push(d);
    }
    return [reshape(reduceSum(ct!, axes), a.shape)];
  },
  batch: (size, [x], [d], { shape, dims }) => [[broadcastInDim(moveAxis(x!, d!, 0), [size, ...shape], [0, ...dims.map((v) => v + 1)])], [0]],
  pretty: ({ shape, dims }) => `shape=[${shape.join(',')}] dims=[${dims.join(',')}]`,
});

/** @internal Broadcast (no-op when nothing changes). */
export function broadcastInDim(x: Tensor, shape: readonly number[], dims: readonly number[]): Tensor {
  return shapesEqual(x.shape, shape) ? x : bind1(broadcastInDimP, [x], { shape, dims });
}

/** @internal */
export const reduceSumP = definePrimitive<ReduceParams>({
  name: 'reduce_sum',
  abstractEval: ([a], { axes }) => [reduceAval(a!, axes)],
  impl: (args, { axes }, outs) => runKernel(args, outs[0]!, (k, [x]) => k.reduce('sum', x, args[0]!.aval, axes, outs[0]!)),
  jvp: ([x], [t], { axes }) => {
    const y = reduceSum(x!, axes);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : reduceSum(t!, axes)]];
  },
  transpose: ([ct], [x], { axes }) => {
    const a = (x as UndefPrimal).aval;
    return [ct instanceof Zero ? null : broadcastInDim(ct!, a.shape, keptDims(a.ndim, axes))];
  },
  batch: (_s, [x], [d], { axes }) => {
    const [ax, od] = shiftAxes(axes, d!);
    return [[reduceSum(x!, ax)], [od]];
  },
  pretty: ({ axes }) => `axes=[${axes.join(',')}]`,
});

/** @internal Sum over sorted, normalised axes. */
export function reduceSum(x: Tensor, axes: readonly number[]): Tensor {
  return axes.length === 0 ? x : bind1(reduceSumP, [x], { axes });
}
