/**
 * `slice` primitive: the contiguous window `x[starts : starts + sizes]`. Linear.
 *
 * ```text
 * transpose: zero-pad the cotangent back to the operand's shape
 * ```
 * @module
 */
import { ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { moveAxis, runKernel } from './_rules.js';
import { pad } from './pad.js';

/** @internal */
export interface SliceParams {
  readonly starts: readonly number[];
  readonly sizes: readonly number[];
}

/** @internal */
export const sliceP = definePrimitive<SliceParams>({
  name: 'slice',
  abstractEval: ([a], { starts, sizes }) => {
    const bad = starts.length !== a!.ndim || sizes.length !== a!.ndim || starts.some((s, i) => !Number.isInteger(s) || !Number.isInteger(sizes[i]) || s < 0 || sizes[i]! < 0 || s + sizes[i]! > a!.shape[i]!);
    if (bad) throw new ShapeError(`slice: window starts [${starts.join(',')}] sizes [${sizes.join(',')}] is out of bounds for ${a!.toString()}.`, { op: 'slice', argument: 'starts', received: `[${starts.join(',')}] + [${sizes.join(',')}]` });
    return [new Aval(sizes, a!.dtype)];
  },
  impl: (args, { starts }, outs) => runKernel(args, outs[0]!, (k, [x]) => k.slice(x, args[0]!.aval, starts, outs[0]!)),
  jvp: ([x], [t], p) => {
    const y = slice(x!, p.starts, p.sizes);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : slice(t!, p.starts, p.sizes)]];
  },
  transpose: ([ct], [x], { starts, sizes }) => {
    if (ct instanceof Zero) return [null];
    const a = (x as UndefPrimal).aval;
    return [pad(ct!, starts, a.shape.map((d, i) => d - starts[i]! - sizes[i]!))];
  },
  batch: (size, [x], [d], { starts, sizes }) => [[slice(moveAxis(x!, d!, 0), [0, ...starts], [size, ...sizes])], [0]],
  pretty: ({ starts, sizes }) => `starts=[${starts.join(',')}] sizes=[${sizes.join(',')}]`,
});

/** @internal */
export function slice(x: Tensor, starts: readonly number[], sizes: readonly number[]): Tensor {
  if (starts.every((s) => s === 0) && sizes.every((s, i) => s === x.shape[i])) return x;
  return bind1(sliceP, [x], { starts, sizes });
}
