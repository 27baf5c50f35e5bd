/**
 * `argmax` primitive: index of the first maximum along one axis (int32; zero derivative).
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { Zero } from '../zero.js';
import { runKernel } from './_rules.js';
import { reduceAval, shiftAxes } from './_reduce.js';

/** @internal */
export interface ArgmaxParams {
  readonly axis: number;
}

/** @internal */
export const argmaxP = definePrimitive<ArgmaxParams>({
  name: 'argmax',
  abstractEval: ([a], { axis }) => [reduceAval(a!, [axis], 'int32')],
  impl: (args, { axis }, outs) => runKernel(args, outs[0]!, (k, [x]) => k.reduce('argmax', x, args[0]!.aval, [axis], outs[0]!)),
  jvp: ([x], _t, { axis }) => {
    const y = argmaxRaw(x!, axis);
    return [[y], [new Zero(y.aval)]];
  },
  batch: (_s, [x], [d], { axis }) => {
    const [[ax], od] = shiftAxes([axis], d!);
    return [[argmaxRaw(x!, ax!)], [od]];
  },
  pretty: ({ axis }) => `axis=${axis}`,
});

/** @internal */
export function argmaxRaw(x: Tensor, axis: number): Tensor {
  return bind1(argmaxP, [x], { axis });
}
