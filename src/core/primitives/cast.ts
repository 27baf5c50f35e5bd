/**
 * `cast` primitive: converts to another dtype (float → int truncates toward zero; nonzero → true).
 * Linear between float dtypes; the tangent is zero into or out of integer/bool dtypes.
 * @module
 */
import { Aval } from '../../tensor/aval.js';
import { isFloat, type DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { runKernel, unaryBatch } from './_rules.js';

/** @internal */
export interface CastParams {
  readonly dtype: DType;
}

/** @internal */
export const castP = definePrimitive<CastParams>({
  name: 'cast',
  abstractEval: ([a], { dtype }) => [new Aval(a!.shape, dtype)],
  impl: (args, _p, outs) => runKernel(args, outs[0]!, (k, [x]) => k.cast(x, args[0]!.aval, outs[0]!)),
  jvp: ([x], [t], { dtype }) => {
    const y = cast(x!, dtype);
    const diff = isFloat(x!.dtype) && isFloat(dtype);
    return [[y], [t instanceof Zero || !diff ? new Zero(y.aval) : cast(t!, dtype)]];
  },
  transpose: ([ct], [x]) => [ct instanceof Zero ? null : cast(ct!, (x as UndefPrimal).aval.dtype)],
  batch: (_s, [x], [d], { dtype }) => [[cast(x!, dtype)], [d!]],
  pretty: ({ dtype }) => `dtype=${dtype}`,
});

/** @internal Converts to `dtype` (no-op when equal). */
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : bind1(castP, [x], { dtype });
}
