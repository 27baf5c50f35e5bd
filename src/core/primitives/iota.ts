/**
 * `iota` primitive: `out[…, i, …] = i` along `dim` (no operands, so nothing to differentiate or batch).
 * @module
 */
import { Aval } from '../../tensor/aval.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { Zero } from '../zero.js';
import { runKernel } from './_rules.js';

/** @internal */
export interface IotaParams {
  readonly shape: readonly number[];
  readonly dim: number;
  readonly dtype: DType;
}

/** @internal */
export const iotaP = definePrimitive<IotaParams>({
  name: 'iota',
  abstractEval: (_a, { shape, dtype }) => [new Aval(shape, dtype)],
  impl: (args, { dim }, outs) => runKernel(args, outs[0]!, (k) => k.iota(dim, outs[0]!)),
  jvp: (_p, _t, params) => {
    const y = iota(params.shape, params.dim, params.dtype);
    return [[y], [new Zero(y.aval)]];
  },
  batch: (_s, _a, _d, p) => [[iota(p.shape, p.dim, p.dtype)], [null]],
  pretty: ({ shape, dim }) => `shape=[${shape.join(',')}] dim=${dim}`,
});

/** @internal */
export function iota(shape: readonly number[], dim: number, dtype: DType): Tensor {
  return bind1(iotaP, [], { shape, dim, dtype });
}
