/**
 * `pad` primitive: zero padding with `lo[i]` zeros before and `hi[i]` after axis `i`. Linear.
 *
 * ```text
 * transpose: slice the cotangent back to the operand's window
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
import { slice } from './slice.js';

/** @internal */
export interface PadParams {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

/** @internal */
export const padP = definePrimitive<PadParams>({
  name: 'pad',
  abstractEval: ([a], { lo, hi }) => {
    if (lo.length !== a!.ndim || hi.length !== a!.ndim || [...lo, ...hi].some((v) => v < 0 || !Number.isInteger(v))) {
      throw new ShapeError(`pad: lo/hi must give a non-negative integer per axis of ${a!.toString()}, got lo [${lo.join(',')}] hi [${hi.join(',')}].`, { op: 'pad', argument: 'padding' });
    }
    return [new Aval(a!.shape.map((d, i) => d + lo[i]! + hi[i]!), a!.dtype)];
  },
  impl: (args, { lo }, outs) => runKernel(args, outs[0]!, (k, [x]) => k.pad(x, args[0]!.aval, lo, outs[0]!)),
  jvp: ([x], [t], { lo, hi }) => {
    const y = pad(x!, lo, hi);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : pad(t!, lo, hi)]];
  },
  transpose: ([ct], [x], { lo }) => [ct instanceof Zero ? null : slice(ct!, lo, (x as UndefPrimal).aval.shape)],
  batch: (_s, [x], [d], { lo, hi }) => [[pad(moveAxis(x!, d!, 0), [0, ...lo], [0, ...hi])], [0]],
  pretty: ({ lo, hi }) => `lo=[${lo.join(',')}] hi=[${hi.join(',')}]`,
});

/** @internal */
export function pad(x: Tensor, lo: readonly number[], hi: readonly number[]): Tensor {
  return lo.every((v) => v === 0) && hi.every((v) => v === 0) ? x : bind1(padP, [x], { lo, hi });
}
