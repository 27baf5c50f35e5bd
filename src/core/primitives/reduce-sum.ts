/**
 * `reduce_sum` primitive: sum over `axes` (removed). Linear.
 *
 * ```text
 * d Σx = Σdx        transpose: x̄ = broadcast(ct) back over the summed axes
 * ```
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { runKernel } from './_rules.js';
import { keptDims, reduceAval, shiftAxes, type ReduceParams } from './_reduce.js';
import { broadcastInDim } from './broadcast-in-dim.js';

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
