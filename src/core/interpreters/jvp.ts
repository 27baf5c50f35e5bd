/**
 * The JVP interpreter: forward-mode differentiation.
 *
 * A `JvpTracer` carries a primal value and a tangent (a tensor or a symbolic `Zero`). For
 * each primitive the interpreter unboxes its own tracers, treats everything else as a
 * constant with a zero tangent, and runs the primitive's `jvp` rule under its parent. When
 * every tangent is zero, the primitive is simply re-bound on the primals (no cost).
 * @module
 */
import type { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkAlive, Tracer, withInterpreter, bind, type CustomJvpCall, type Interpreter } from '../interpreter.js';
import type { Primitive } from '../primitive.js';
import { Zero, type Tangent } from '../zero.js';
import { instantiate } from '../primitives/_rules.js';

/** @internal A primal/tangent pair inside a JVP transformation. */
export class JvpTracer extends Tracer {
  constructor(readonly interp: JvpInterpreter, readonly primal: Tensor, readonly tangent: Tangent) {
    super();
  }
  get aval(): Aval {
    return this.primal.aval;
  }
}

/** @internal Forward-mode interpreter. */
export class JvpInterpreter implements Interpreter {
  closed = false;
  readonly kind = 'jvp';
  constructor(readonly parent: Interpreter) {}

  lift(x: Tensor, op: string): [Tensor, Tangent] {
    if (x instanceof JvpTracer && x.interp === this) return [x.primal, x.tangent];
    if (x instanceof Tracer) checkAlive(op, x);
    return [x, new Zero(x.aval)];
  }

  box(primal: Tensor, tangent: Tangent): Tensor {
    return tangent instanceof Zero ? primal : new JvpTracer(this, primal, tangent);
  }

  process(prim: Primitive<any>, args: readonly Tensor[], params: any): Tensor[] {
    const primals: Tensor[] = new Array(args.length);
    const tangents: Tangent[] = new Array(args.length);
    let allZero = true;
    for (let i = 0; i < args.length; i++) {
      const [p, t] = this.lift(args[i]!, prim.name);
      primals[i] = p;
      tangents[i] = t;
      if (!(t instanceof Zero)) allZero = false;
    }
    if (allZero) return withInterpreter(this.parent, () => bind(prim, primals, params));
    const [outs, outTangents] = withInterpreter(this.parent, () => prim.jvp(primals, tangents, params));
    return outs.map((o, i) => this.box(o, outTangents[i]!));
  }

  processCustomJvp(call: CustomJvpCall, args: readonly Tensor[]): Tensor[] {
    const lifted = args.map((a) => this.lift(a, call.name));
    if (lifted.every(([, t]) => t instanceof Zero)) {
      return withInterpreter(this.parent, () => this.parent.processCustomJvp(call, lifted.map(([p]) => p)));
    }
    const [outs, touts] = withInterpreter(this.parent, () => call.jvp(lifted.map(([p]) => p), lifted.map(([, t]) => instantiate(t))));
    return outs.map((o, i) => this.box(o, touts[i]!));
  }
}
