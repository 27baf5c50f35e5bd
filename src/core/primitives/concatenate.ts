/**
 * `concatenate` primitive: joins tensors along `axis`. Linear in every operand.
 *
 * ```text
 * transpose: slice the cotangent into the operands' windows
 * ```
 * @module
 */
import { DTypeError, ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { batchToFront, instantiate, runKernel } from './_rules.js';
import { slice } from './slice.js';

/** @internal */
export interface ConcatParams {
  readonly axis: number;
}

/** @internal */
export const concatenateP = definePrimitive<ConcatParams>({
  name: 'concatenate',
  abstractEval: (avals, { axis }) => {
    const a0 = avals[0]!;
    const desc = () => avals.map((a) => a.toString()).join(', ');
    if (avals.some((a) => a.dtype !== a0.dtype)) throw new DTypeError(`concat: operands must share a dtype, got ${desc()}.`, { op: 'concat', received: desc() });
    if (avals.some((a) => a.ndim !== a0.ndim || a.shape.some((d, i) => i !== axis && d !== a0.shape[i]))) {
      throw new ShapeError(`concat: operands must match on every axis but ${axis}, got ${desc()}.`, { op: 'concat', received: desc() });
    }
    const shape = [...a0.shape];
    shape[axis] = avals.reduce((s, a) => s + a.shape[axis]!, 0);
    return [new Aval(shape, a0.dtype)];
  },
  impl: (args, { axis }, outs) => runKernel(args, outs[0]!, (k, bufs) => k.concat(bufs, args.map((a) => a.aval), axis, outs[0]!)),
  jvp: (xs, ts, { axis }) => {
    const y = concatenate(xs, axis);
    if (!ts.some((t) => !(t instanceof Zero))) return [[y], [new Zero(y.aval)]];
    return [[y], [concatenate(ts.map(instantiate), axis)]];
  },
  transpose: ([ct], args, { axis }) => {
    let off = 0;
    return args.map((a) => {
      const aval = a instanceof UndefPrimal ? a.aval : (a as Tensor).aval;
      const starts = aval.shape.map((_, i) => (i === axis ? off : 0));
      off += aval.shape[axis]!;
      return a instanceof UndefPrimal && !(ct instanceof Zero) ? slice(ct!, starts, aval.shape) : null;
    });
  },
  batch: (size, xs, dims, { axis }) => [[concatenate(xs.map((x, i) => batchToFront(x, dims[i]!, size)), axis + 1)], [0]],
  pretty: ({ axis }) => `axis=${axis}`,
});

/** @internal */
export function concatenate(xs: readonly Tensor[], axis: number): Tensor {
  return xs.length === 1 ? xs[0]! : bind1(concatenateP, xs, { axis });
}
