/**
 * `select` primitive: `pred ? x : y` elementwise with broadcasting (the `where` op).
 * Linear in `x` and `y`.
 *
 * ```text
 * d select(p, x, y) = select(p, dx, dy)     transpose: x̄ = select(p, ct, 0), ȳ = select(p, 0, ct)
 * ```
 * @module
 */
import { DTypeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import { broadcastShapes } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { broadcastTo, broadcastingBatch, instantiate, runKernel, unbroadcast } from './_rules.js';
import { constLike } from './_consts.js';

/** @internal */
export const selectP = definePrimitive<object>({
  name: 'select',
  abstractEval: ([ap, ax, ay]) => {
    if (ap!.dtype !== 'bool') throw new DTypeError(`where: condition must be bool, got ${ap!.toString()}. Compare with greater()/equal() first.`, { op: 'where', argument: 'condition', received: ap!.toString() });
    if (ax!.dtype !== ay!.dtype) throw new DTypeError(`where: branches must have the same dtype, got ${ax!.toString()} and ${ay!.toString()}.`, { op: 'where', argument: 'x, y', received: `${ax!.toString()} and ${ay!.toString()}` });
    return [new Aval(broadcastShapes('where', [ap!.shape, ax!.shape, ay!.shape], () => `${ap!.toString()}, ${ax!.toString()} and ${ay!.toString()}`), ax!.dtype)];
  },
  impl: (args, _p, outs) => runKernel(args, outs[0]!, (k, [p, x, y]) => k.select(p, x, y, args[0]!.aval, args[1]!.aval, args[2]!.aval, outs[0]!)),
  jvp: ([p, x, y], [, tx, ty]) => {
    const z = select(p!, x!, y!);
    if (tx instanceof Zero && ty instanceof Zero) return [[z], [new Zero(z.aval)]];
    return [[z], [broadcastTo(select(p!, instantiate(tx!), instantiate(ty!)), z.shape)]];
  },
  transpose: ([ct], [p, x, y]) => {
    if (ct instanceof Zero) return [null, null, null];
    const zero = constLike(0, ct!);
    return [
      null,
      x instanceof UndefPrimal ? unbroadcast(select(p as Tensor, ct!, zero), x.aval) : null,
      y instanceof UndefPrimal ? unbroadcast(select(p as Tensor, zero, ct!), y.aval) : null,
    ];
  },
  batch: broadcastingBatch(([p, x, y]) => select(p!, x!, y!)),
});

/** @internal `pred ? x : y` without promotion. */
export function select(p: Tensor, x: Tensor, y: Tensor): Tensor {
  return bind1(selectP, [p, x, y], {});
}
