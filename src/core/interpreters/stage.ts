/**
 * The staging interpreter: records primitives into a jaxpr (partial evaluation).
 *
 * Only primitives that touch one of its own tracers are recorded; everything else is
 * forwarded to the parent interpreter ("known" values). `makeJaxpr` uses it directly, and
 * `linearize` runs the JVP interpreter on top of it with staged tangents: the primal
 * computation runs now, the tangent computation is recorded as a linear jaxpr whose
 * constants are the primal residuals.
 * @module
 */
import type { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkAlive, Tracer, withInterpreter, bind, type CustomJvpCall, type Interpreter } from '../interpreter.js';
import { Jaxpr, Var, type Eqn } from '../jaxpr.js';
import type { Primitive } from '../primitive.js';

/** @internal A staged value. */
export class StageTracer extends Tracer {
  constructor(readonly interp: StageInterpreter, readonly v: Var) {
    super();
  }
  get aval(): Aval {
    return this.v.aval;
  }
}

/** @internal The staging interpreter. */
export class StageInterpreter implements Interpreter {
  closed = false;
  readonly kind: string;
  readonly eqns: Eqn[] = [];
  readonly constVars = new Map<Tensor, Var>();
  constructor(readonly parent: Interpreter, kind = 'makeJaxpr') {
    this.kind = kind;
  }

  newInput(aval: Aval): StageTracer {
    return new StageTracer(this, new Var(aval));
  }

  owns(x: Tensor): x is StageTracer {
    return x instanceof StageTracer && x.interp === this;
  }

  varOf(x: Tensor, op: string): Var {
    if (this.owns(x)) return x.v;
    if (x instanceof Tracer) checkAlive(op, x);
    let v = this.constVars.get(x);
    if (v === undefined) {
      v = new Var(x.aval);
      this.constVars.set(x, v);
    }
    return v;
  }

  process(prim: Primitive<any>, args: readonly Tensor[], params: any): Tensor[] {
    let any = false;
    for (const a of args) if (this.owns(a)) { any = true; break; }
    if (!any) return withInterpreter(this.parent, () => bind(prim, args, params));
    const inputs = args.map((a) => this.varOf(a, prim.name));
    const outAvals = prim.abstractEval(inputs.map((v) => v.aval), params);
    const outputs = outAvals.map((a) => new Var(a));
    this.eqns.push({ prim, params, inputs, outputs });
    return outputs.map((v) => new StageTracer(this, v));
  }

  processCustomJvp(call: CustomJvpCall, args: readonly Tensor[]): Tensor[] {
    if (!args.some((a) => this.owns(a))) return withInterpreter(this.parent, () => this.parent.processCustomJvp(call, args));
    // Staging inlines the primal function; the custom rule only matters to differentiation.
    return call.fun(args);
  }

  /** Builds the jaxpr with `inputs` as invars; outputs that are not own tracers become constants or null (zero). */
  finish(inputs: readonly StageTracer[], outs: readonly (Tensor | null)[], outAvals: readonly Aval[]): Jaxpr {
    const outvars = outs.map((o) => (o === null ? null : this.varOf(o, 'stage')));
    const constvars = [...this.constVars.values()];
    const consts = [...this.constVars.keys()];
    this.closed = true;
    return new Jaxpr(inputs.map((t) => t.v), constvars, consts, this.eqns, outvars, outAvals);
  }
}
