/**
 * `stop_gradient` primitive: identity whose derivative is zero.
 * A primitive because no composition has a zero JVP and identity value.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { Zero } from '../zero.js';
import { sameAval, unaryBatch } from './_rules.js';

/** @internal */
export const stopGradientP = definePrimitive<object>({
  name: 'stop_gradient',
  abstractEval: sameAval,
  impl: (args) => [args[0]!],
  jvp: ([x]) => [[stopGradientRaw(x!)], [new Zero(x!.aval)]],
  batch: unaryBatch((x) => stopGradientRaw(x)),
});

/** @internal */
export function stopGradientRaw(x: Tensor): Tensor {
  return bind1(stopGradientP, [x], {});
}
