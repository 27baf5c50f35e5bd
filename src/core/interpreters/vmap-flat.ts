/**
 * The flat core of `vmap`: map a function of flat tensor lists over given axes.
 * @module
 */
import { TransformError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { currentInterpreter, withInterpreter } from '../interpreter.js';
import type { BDim } from '../primitive.js';
import { BatchInterpreter, BatchTracer, matchAxis } from './batch.js';

/**
 * @internal Runs `f` on inputs batched along `dims` (null = unmapped) and returns outputs
 * with the batch axis at `outAxis` (0 by default; unmapped outputs are broadcast).
 */
export function vmapFlat(
  f: (xs: Tensor[]) => Tensor[],
  size: number,
  dims: readonly BDim[],
  xs: readonly Tensor[],
  outAxes?: readonly (number | null)[] | ((outs: readonly Tensor[]) => readonly (number | null)[]),
): Tensor[] {
  const interp = new BatchInterpreter(currentInterpreter(), size);
  try {
    const outs = withInterpreter(interp, () => f(xs.map((x, i) => (dims[i] === null ? x : new BatchTracer(interp, x, dims[i]!)))));
    const axes = typeof outAxes === 'function' ? outAxes(outs) : outAxes;
    return outs.map((o, i) => {
      const to = axes ? axes[i] : 0;
      const [val, d] = o instanceof BatchTracer && o.interp === interp ? [o.val, o.bdim] : [o, null];
      if (to === null || to === undefined) {
        if (d !== null) throw new TransformError(`vmap: output ${i} is mapped over the batch axis but its outAxes entry is null.`, { op: 'vmap', argument: 'outAxes' });
        return val;
      }
      return matchAxis(val, d, to, size);
    });
  } finally {
    interp.closed = true;
  }
}
