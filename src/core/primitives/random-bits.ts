/**
 * `random_bits` primitive: Threefry-2x32 bits from a key `[…K, 2]` (int32 words read as
 * uint32) to int32 words of shape `[…K, …shape]`. Zero derivative; batching over keys is
 * native (leading key axes).
 * @module
 */
import { DTypeError, ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { Zero } from '../zero.js';
import { moveAxis, runKernel } from './_rules.js';

/** @internal */
export interface RandomBitsParams {
  readonly shape: readonly number[];
  /** `bits`: int32 words; `uniform`: floats in [0, 1); `normal`: standard normal floats. */
  readonly dist: RandomDist;
  /** Output dtype (int32 for bits). */
  readonly dtype: DType;
}

/** @internal What `random_bits` produces from the Threefry stream. */
export type RandomDist = 'bits' | 'uniform' | 'normal';

/** @internal */
export const randomBitsP = definePrimitive<RandomBitsParams>({
  name: 'random_bits',
  abstractEval: ([k], p) => {
    const shape = p.shape;
    if (k!.dtype !== 'int32' || k!.shape[k!.ndim - 1] !== 2) {
      const E = k!.dtype !== 'int32' ? DTypeError : ShapeError;
      throw new E(`random: key must be an int32 tensor of shape [2] (from random.key), got ${k!.toString()}.`, { op: 'random', argument: 'key', received: k!.toString() });
    }
    return [new Aval([...k!.shape.slice(0, -1), ...shape], p.dtype)];
  },
  impl: (args, p, outs) => runKernel(args, outs[0]!, (k, [key]) => k.randomBits(key, args[0]!.aval, p.dist, outs[0]!)),
  jvp: ([k], _t, p) => {
    const y = randomBits(k!, p.shape, p.dist, p.dtype);
    return [[y], [new Zero(y.aval)]];
  },
  batch: (_s, [k], [d], p) => [[randomBits(moveAxis(k!, d!, 0), p.shape, p.dist, p.dtype)], [0]],
  pretty: ({ shape, dist }) => `shape=[${shape.join(',')}] dist=${dist}`,
});

/** @internal */
export function randomBits(key: Tensor, shape: readonly number[], dist: RandomDist = 'bits', dtype: DType = 'int32'): Tensor {
  return bind1(randomBitsP, [key], { shape, dist, dtype });
}
