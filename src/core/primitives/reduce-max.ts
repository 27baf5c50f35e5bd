/**
 * `reduce_max` and `reduce_min` primitives: maximum / minimum over `axes` (removed).
 *
 * ```text
 * d max(x) = Σ dx·[x = max] / Σ [x = max]     (ties share the derivative evenly)
 * ```
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive, type Primitive } from '../primitive.js';
import { Zero } from '../zero.js';
import { runKernel } from './_rules.js';
import { keptDims, reduceAval, shiftAxes, type ReduceParams } from './_reduce.js';
import { broadcastInDim } from './broadcast-in-dim.js';
import { cast } from './cast.js';
import { eq } from './compare.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { reduceSum } from './reduce-sum.js';

function reducer(name: 'reduce_max' | 'reduce_min', op: 'max' | 'min'): [Primitive<ReduceParams>, (x: Tensor, axes: readonly number[]) => Tensor] {
  const bindIt = (x: Tensor, axes: readonly number[]): Tensor => (axes.length === 0 ? x : bind1(prim, [x], { axes }));
  const prim: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
    name,
    abstractEval: ([a], { axes }) => [reduceAval(a!, axes)],
    impl: (args, { axes }, outs) => runKernel(args, outs[0]!, (k, [x]) => k.reduce(op, x, args[0]!.aval, axes, outs[0]!)),
    jvp: ([x], [t], { axes }) => {
      const y = bindIt(x!, axes);
      if (t instanceof Zero) return [[y], [new Zero(y.aval)]];
      const mask = cast(eq(x!, broadcastInDim(y, x!.shape, keptDims(x!.ndim, axes))), x!.dtype);
      return [[y], [div(reduceSum(mul(t!, mask), axes), reduceSum(mask, axes))]];
    },
    batch: (_s, [x], [d], { axes }) => {
      const [ax, od] = shiftAxes(axes, d!);
      return [[bindIt(x!, ax)], [od]];
    },
    pretty: ({ axes }) => `axes=[${axes.join(',')}]`,
  });
  return [prim, bindIt];
}

/** @internal */
export const [reduceMaxP, reduceMax] = reducer('reduce_max', 'max');
/** @internal */
export const [reduceMinP, reduceMin] = reducer('reduce_min', 'min');
