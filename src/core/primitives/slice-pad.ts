/**
 * `slice` and `pad` primitives: each one's transpose is the other.
 *
 * `slice` primitive: the contiguous window `x[starts : starts + sizes]`. Linear.
 *
 * ```text
 * transpose: zero-pad the cotangent back to the operand's shape
 * ```
 *
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
