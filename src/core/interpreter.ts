/**
 * Stackless dispatch (autodidax2 style).
 *
 * `bind(prim, args, params)` hands the primitive to the *current* interpreter. A
 * transformation installs its interpreter with {@link withInterpreter} while the user's
 * function runs; the interpreter unboxes its own tracers, treats everything else as a
 * constant, and runs the primitive's rule under its parent interpreter. The root is the
 * eval interpreter, which runs kernels. No trace levels are needed: an interpreter knows
 * its tracers by identity.
 * @module
 */
import { ConcretizationError, DisposedTensorError, EscapedTracerError } from '../errors.js';
import type { Aval } from '../tensor/aval.js';
import { ConcreteTensor, Tensor } from '../tensor/tensor.js';
import type { Primitive } from './primitive.js';

/** @internal A user-defined JVP rule attached to a function (see `customJvp`). */
export interface CustomJvpCall {
  readonly name: string;
  readonly fun: (args: readonly Tensor[]) => Tensor[];
  readonly jvp: (primals: readonly Tensor[], tangents: readonly Tensor[]) => [Tensor[], Tensor[]];
}

/** @internal The interpreter interface every transformation implements. */
export interface Interpreter {
  readonly parent: Interpreter | null;
  /** Set when the transformation has returned; its tracers are then dead. */
  closed: boolean;
  readonly kind: string;
  process(prim: Primitive<any>, args: readonly Tensor[], params: any): Tensor[];
  processCustomJvp(call: CustomJvpCall, args: readonly Tensor[]): Tensor[];
}

/** @internal Base class of the tracers of every interpreter. */
export abstract class Tracer extends Tensor {
  abstract readonly interp: Interpreter;
  override concrete(op: string): ConcreteTensor {
    throw new ConcretizationErrorLazy(op, this);
  }
}

class ConcretizationErrorLazy extends ConcretizationError {
  constructor(op: string, t: Tracer) {
    super(
      `${op}: cannot read the value of a traced tensor ${t.aval.toString()} inside ${t.interp.kind}. ` +
        'Values are abstract while a transformation traces the function; compute with tensor ops instead, or read the value outside the transformation.',
      { op, received: `${t.interp.kind} tracer ${t.aval.toString()}` },
    );
  }
}

/** @internal Throws EscapedTracerError for a tracer whose transformation has returned. */
export function checkAlive(op: string, t: Tracer): void {
  if (t.interp.closed) {
    throw new EscapedTracerError(
      `${op}: a tracer ${t.aval.toString()} from a finished ${t.interp.kind} transformation was used; it leaked out of the function being transformed. ` +
        'Return values from the transformed function instead of storing them in outer variables.',
      { op, received: `${t.interp.kind} tracer ${t.aval.toString()}` },
    );
  }
}

/** @internal Throws DisposedTensorError naming the primitive that read argument `i`, e.g. `add: argument 1 (f32[3]) was disposed.` */
function disposedArgument(op: string, i: number, t: ConcreteTensor): never {
  throw new DisposedTensorError(`${op}: argument ${i} (${t.aval.toString()}) was disposed. Keep a tensor alive while it is used, or recompute it.`, {
    op, argument: `argument ${i}`, expected: 'a live tensor', received: `disposed ${t.aval.toString()}`,
  });
}

/** @internal The root interpreter: runs primitives' kernels on concrete tensors. */
export class EvalInterpreter implements Interpreter {
  readonly parent = null;
  closed = false;
  readonly kind = 'eval';
  process(prim: Primitive<any>, args: readonly Tensor[], params: any): Tensor[] {
    const avals: Aval[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (!(a instanceof ConcreteTensor)) {
        if (a instanceof Tracer) checkAlive(prim.name, a);
        throw new EscapedTracerError(`${prim.name}: argument ${i} is a tracer outside of its transformation.`, { op: prim.name });
      }
      if (a.isDisposed) disposedArgument(prim.name, i, a);
      avals[i] = a.aval;
    }
    const outs = prim.abstractEval(avals, params);
    return prim.impl(args as readonly ConcreteTensor[], params, outs);
  }
  processCustomJvp(call: CustomJvpCall, args: readonly Tensor[]): Tensor[] {
    return call.fun(args);
  }
}

/** @internal The single eval interpreter. */
export const evalInterpreter = new EvalInterpreter();
let current: Interpreter = evalInterpreter;

/** @internal The interpreter that `bind` dispatches to. */
export function currentInterpreter(): Interpreter {
  return current;
}

/** @internal Runs `fn` with `interp` installed as the current interpreter. */
export function withInterpreter<T>(interp: Interpreter, fn: () => T): T {
  const prev = current;
  current = interp;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** @internal Dispatches a primitive application to the current interpreter. */
export function bind(prim: Primitive<any>, args: readonly Tensor[], params: any): Tensor[] {
  return current.process(prim, args, params);
}

/** @internal `bind` for single-output primitives. */
export function bind1(prim: Primitive<any>, args: readonly Tensor[], params: any): Tensor {
  return current.process(prim, args, params)[0]!;
}

/** @internal Dispatches a custom-JVP function call. */
export function bindCustomJvp(call: CustomJvpCall, args: readonly Tensor[]): Tensor[] {
  return current.processCustomJvp(call, args);
}
