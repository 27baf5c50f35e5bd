/**
 * Factory for elementwise binary primitives with NumPy broadcasting.
 * Both operands must already share a dtype (the ops layer promotes).
 * @module
 */
import type { BinaryOp } from '../../backend/backend.js';
import { DTypeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import { broadcastShapes } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive, type Primitive } from '../primitive.js';
import { Zero, type Tangent, type UndefPrimal } from '../zero.js';
import { broadcastingBatch, requireFloat, runKernel } from './_rules.js';

/** @internal Options of a binary primitive. */
export interface BinaryOptions {
  /** Output tangent from primals x, y, output z and tangents (possibly Zero); omit for zero derivative. */
  readonly jvp?: (x: Tensor, y: Tensor, z: Tensor, tx: Tangent, ty: Tangent) => Tangent;
  /** Cotangents of the linear arguments (those passed as UndefPrimal). */
  readonly transpose?: (ct: Tensor, x: Tensor | UndefPrimal, y: Tensor | UndefPrimal) => [Tangent | null, Tangent | null];
  /** Comparison: output dtype bool. */
  readonly outBool?: boolean;
  /** Only floating inputs. */
  readonly floatOnly?: boolean;
  /** Only bool inputs. */
  readonly boolOnly?: boolean;
}

/** @internal Output aval of a broadcasting binary op, with errors naming both operands. */
export function binaryAval(name: string, ax: Aval, ay: Aval, outBool = false): Aval {
  if (ax.dtype !== ay.dtype) {
    throw new DTypeError(`${name}: operands must have the same dtype, got ${ax.toString()} and ${ay.toString()}. Cast one of them with cast().`, {
      op: name, expected: 'equal dtypes', received: `${ax.toString()} and ${ay.toString()}`,
    });
  }
  const shape = broadcastShapes(name, [ax.shape, ay.shape], () => `${ax.toString()} and ${ay.toString()}`);
  return new Aval(shape, outBool ? 'bool' : ax.dtype);
}

/** @internal Defines an elementwise binary primitive and its binder. */
export function binaryPrimitive(name: BinaryOp, opts: BinaryOptions): [Primitive<object>, (x: Tensor, y: Tensor) => Tensor] {
  const bindIt = (x: Tensor, y: Tensor): Tensor => bind1(prim, [x, y], {});
  const transpose = opts.transpose;
  const prim: Primitive<object> = definePrimitive<object>({
    name,
    abstractEval: ([ax, ay]) => {
      if (opts.floatOnly) requireFloat(name, ax!, 'x');
      if (opts.boolOnly && ax!.dtype !== 'bool') {
        throw new DTypeError(`${name}: expected bool operands, got ${ax!.toString()}.`, { op: name, argument: 'x', received: ax!.toString() });
      }
      return [binaryAval(name, ax!, ay!, opts.outBool)];
    },
    impl: (args, _p, outs) => runKernel(args, outs[0]!, (k, [x, y]) => k.binary(name, x, y, args[0]!.aval, args[1]!.aval, outs[0]!)),
    jvp: ([x, y], [tx, ty], _p) => {
      const z = bindIt(x!, y!);
      const rule = opts.jvp;
      const zeroIn = tx instanceof Zero && ty instanceof Zero;
      return [[z], [zeroIn || rule === undefined ? new Zero(z.aval) : rule(x!, y!, z, tx!, ty!)]];
    },
    ...(transpose ? { transpose: ([ct]: readonly Tangent[], [x, y]: readonly (Tensor | UndefPrimal)[]) => (ct instanceof Zero ? [null, null] : transpose(ct!, x!, y!)) } : {}),
    batch: broadcastingBatch(([x, y]) => bindIt(x!, y!)),
  });
  return [prim, bindIt];
}
