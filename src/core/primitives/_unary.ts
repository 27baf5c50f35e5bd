/**
 * Factory for elementwise unary primitives: one call per primitive file.
 * @module
 */
import type { UnaryOp } from '../../backend/backend.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive, type Primitive } from '../primitive.js';
import { Zero, type Tangent } from '../zero.js';
import { requireFloat, runKernel, sameAval, unaryBatch } from './_rules.js';

/** @internal Options of a unary primitive. */
export interface UnaryOptions {
  /** Tangent of the output given input `x`, output `y` and input tangent `t`; omit for a zero derivative. */
  readonly jvp?: (x: Tensor, y: Tensor, t: Tensor) => Tensor;
  /** Reject non-float inputs. */
  readonly floatOnly?: boolean;
  /** Linear in x (only `neg`): the transpose applies the op to the cotangent. */
  readonly linear?: boolean;
}

/** @internal Defines an elementwise unary primitive and its binder. */
export function unaryPrimitive(name: UnaryOp, opts: UnaryOptions): [Primitive<object>, (x: Tensor) => Tensor] {
  const bindIt = (x: Tensor): Tensor => bind1(prim, [x], {});
  const prim: Primitive<object> = definePrimitive<object>({
    name,
    abstractEval: (avals) => {
      if (opts.floatOnly) requireFloat(name, avals[0]!);
      return sameAval(avals);
    },
    impl: (args, _p, outs) => runKernel(args, outs[0]!, (k, [x]) => k.unary(name, x, args[0]!.aval, outs[0]!)),
    jvp: ([x], [t], _p) => {
      const y = bindIt(x!);
      const rule = opts.jvp;
      const tOut: Tangent = t instanceof Zero || rule === undefined ? new Zero(y.aval) : rule(x!, y, t!);
      return [[y], [tOut]];
    },
    ...(opts.linear ? { transpose: ([ct]: readonly Tangent[]) => [ct instanceof Zero ? ct : bindIt(ct!)] } : {}),
    batch: unaryBatch(bindIt),
  });
  return [prim, bindIt];
}
