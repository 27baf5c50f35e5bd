/**
 * `transpose` primitive: permutes axes, `out.shape[i] = x.shape[perm[i]]`. Linear.
 * @module
 */
import { AxisError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { Zero } from '../zero.js';
import { runKernel } from './_kernel.js';

/** @internal */
export interface TransposeParams {
  readonly perm: readonly number[];
}

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

/** @internal */
export const transposeP = definePrimitive<TransposeParams>({
  name: 'transpose',
  abstractEval: ([a], { perm }) => {
    const ok = perm.length === a!.ndim && [...perm].sort((x, y) => x - y).every((p, i) => p === i);
    if (!ok) throw new AxisError(`transpose: perm must be a permutation of 0..${a!.ndim - 1}, got [${perm.join(',')}] for ${a!.toString()}.`, { op: 'transpose', argument: 'perm', received: `[${perm.join(',')}]` });
    return [new Aval(perm.map((p) => a!.shape[p]!), a!.dtype)];
  },
  impl: (args, { perm }, outs) => runKernel(args, outs[0]!, (k, [x]) => k.transpose(x, args[0]!.aval, perm, outs[0]!)),
  jvp: ([x], [t], { perm }) => {
    const y = transpose(x!, perm);
    return [[y], [t instanceof Zero ? new Zero(y.aval) : transpose(t!, perm)]];
  },
  transpose: ([ct], _x, { perm }) => [ct instanceof Zero ? null : transpose(ct!, inverse(perm))],
  batch: (_s, [x], [d], { perm }) => [[transpose(moveAxis(x!, d!, 0), [0, ...perm.map((p) => p + 1)])], [0]],
  pretty: ({ perm }) => `perm=[${perm.join(',')}]`,
});

/** @internal Permute axes (no-op for the identity). */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  return perm.every((p, i) => p === i) && perm.length === x.ndim ? x : bind1(transposeP, [x], { perm });
}

/** @internal Moves axis `from` of `x` to position `to`. */
export function moveAxis(x: Tensor, from: number, to: number): Tensor {
  if (from === to) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
}
