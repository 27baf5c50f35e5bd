/**
 * `reshape` primitive: same data in a new shape of equal size. Linear.
 * @module
 */
import { ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import { sizeOf, shapesEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { runKernel } from './_kernel.js';
import { moveAxis } from './transpose.js';

/** @internal */
export interface ReshapeParams {
  readonly shape: readonly number[];
}

/** @internal */
export const reshapeP = definePrimitive<ReshapeParams>({
  name: 'reshape',
  abstractEval: ([a], { shape }) => {
    if (sizeOf(shape) !== a!.size) {
      throw new ShapeError(`reshape: cannot reshape ${a!.toString()} (${a!.size} elements) to [${shape.join(',')}] (${sizeOf(shape)} elements).`, {
        op: 'reshape', argument: 'shape', expected: `${a!.size} elements`, received: `[${shape.join(',')}]`,
      });
    }
    return [new Aval(shape, a!.dtype)];
  },
  impl: (args, _p, outs) => runKernel(args, outs[0]!, (k, [x]) => k.reshape(x, args[0]!.aval, outs[0]!)),
  jvp: ([x], [t], { shape }) => {
    const y = reshape(x!, shape);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : reshape(t!, shape)]];
  },
  transpose: ([ct], [x]) => [ct instanceof Zero ? null : reshape(ct!, (x as UndefPrimal).aval.shape)],
  batch: (_s, [x], [d], { shape }) => {
    const f = moveAxis(x!, d!, 0);
    return [[reshape(f, [f.shape[0]!, ...shape])], [0]];
  },
  pretty: ({ shape }) => `shape=[${shape.join(',')}]`,
});

/** @internal Reshape (no-op when the shape is unchanged). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return shapesEqual(x.shape, shape) ? x : bind1(reshapeP, [x], { shape });
}
