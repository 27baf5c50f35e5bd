/**
 * The batching interpreter: `vmap`.
 *
 * A `BatchTracer` carries a value with one extra axis (`bdim`) of size `axisSize`. Values
 * of other interpreters are unmapped (`bdim = null`). A primitive whose arguments are all
 * unmapped is re-bound unchanged; otherwise its batching rule runs under the parent.
 * `vmapFlat`, the flat core of `vmap`, lives here too: the interpreter re-enters it for custom rules.
 * @module
 */
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { TransformError } from '../../errors.js';
import { checkAlive, currentInterpreter, Tracer, withInterpreter, bind, bindCustomJvp, type CustomJvpCall, type Interpreter } from '../interpreter.js';
import type { BDim, Primitive } from '../primitive.js';
import { moveAxis } from '../primitives/_rules.js';
import { broadcastInDim as broadcastInDimLazy } from '../primitives/broadcast-in-dim.js';

/** @internal A batched value inside `vmap`. */
export class BatchTracer extends Tracer {
  readonly aval: Aval;
  constructor(readonly interp: BatchInterpreter, readonly val: Tensor, readonly bdim: number) {
    super();
    const s = val.shape;
    this.aval = new Aval([...s.slice(0, bdim), ...s.slice(bdim + 1)], val.dtype);
  }
}

/** @internal The vmap interpreter. */
export class BatchInterpreter implements Interpreter {
  closed = false;
  readonly kind = 'vmap';
  constructor(readonly parent: Interpreter, readonly axisSize: number) {}

  lift(x: Tensor, op: string): [Tensor, BDim] {
    if (x instanceof BatchTracer && x.interp === this) return [x.val, x.bdim];
    if (x instanceof Tracer) checkAlive(op, x);
    return [x, null];
  }

  box(val: Tensor, d: BDim): Tensor {
    return d === null ? val : new BatchTracer(this, val, d);
  }

  process(prim: Primitive<any>, args: readonly Tensor[], params: any): Tensor[] {
    const vals: Tensor[] = new Array(args.length);
    const dims: BDim[] = new Array(args.length);
    let any = false;
    for (let i = 0; i < args.length; i++) {
      const [v, d] = this.lift(args[i]!, prim.name);
      vals[i] = v;
      dims[i] = d;
      if (d !== null) any = true;
    }
    if (!any) return withInterpreter(this.parent, () => bind(prim, vals, params));
    const [outs, outDims] = withInterpreter(this.parent, () => prim.batch(this.axisSize, vals, dims, params));
    return outs.map((o, i) => this.box(o, outDims[i]!));
  }

  processCustomJvp(call: CustomJvpCall, args: readonly Tensor[]): Tensor[] {
    const lifted = args.map((a) => this.lift(a, call.name));
    const vals = lifted.map(([v]) => v);
    const dims = lifted.map(([, d]) => d);
    if (dims.every((d) => d === null)) return withInterpreter(this.parent, () => this.parent.processCustomJvp(call, vals));
    const size = this.axisSize;
    const batched: CustomJvpCall = {
      name: call.name,
      fun: (xs) => vmapFlat((ys) => call.fun(ys), size, dims, xs),
      jvp: (ps, ts) => {
        const n = ps.length;
        const outs = vmapFlat((zs) => { const [o, t] = call.jvp(zs.slice(0, n), zs.slice(n)); return [...o, ...t]; }, size, [...dims, ...dims], [...ps, ...ts]);
        return [outs.slice(0, outs.length / 2), outs.slice(outs.length / 2)];
      },
    };
    const outs = withInterpreter(this.parent, () => bindCustomJvp(batched, vals));
    return outs.map((o) => this.box(o, 0));
  }
}

/** @internal Moves a value's batch dim (or broadcasts an unmapped value) to `to`. */
export function matchAxis(x: Tensor, from: BDim, to: number, size: number): Tensor {
  if (from === null) {
    const shape = [...x.shape];
    shape.splice(to, 0, size);
    const dims = x.shape.map((_, i) => (i < to ? i : i + 1));
    return broadcastInDimLazy(x, shape, dims);
  }
  return moveAxis(x, from, to);
}

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
