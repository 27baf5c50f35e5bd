/**
 * Converting op arguments to tensors, with weak typing of JS numbers and dtype promotion.
 * @module
 */
import { DisposedTensorError, DTypeError } from '../errors.js';
import { scalar } from '../tensor/creation.js';
import { getDefaultFloat, isFloat, promoteTypes, type DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, describeValue } from '../tensor/shape.js';
import { cast } from '../core/primitives/cast.js';

/** A tensor, or a JS number/boolean (weakly typed: it adopts the other operand's dtype when it can). */
export type TensorLike = Tensor | number | boolean;

/** @internal The dtype a JS scalar takes next to a tensor of dtype `d`. */
export function weakDType(v: number | boolean, d: DType): DType {
  if (typeof v === 'boolean') return d;
  if (isFloat(d)) return d;
  return Number.isInteger(v) ? (d === 'bool' ? 'int32' : d) : getDefaultFloat();
}

/** @internal Validates and converts one argument. */
export function asTensor(op: string, x: TensorLike, argument = 'x', dtype?: DType): Tensor {
  if (x instanceof Tensor) {
    if ((x as { isDisposed?: boolean }).isDisposed === true) {
      throw new DisposedTensorError(`${op}: argument '${argument}' (${x.aval.toString()}) was used after dispose(). Keep a tensor alive while it is used, or recompute it.`, { op, argument, received: x.aval.toString() });
    }
    return x;
  }
  if (typeof x === 'number') return scalar(x, dtype ?? getDefaultFloat());
  if (typeof x === 'boolean') return scalar(x ? 1 : 0, dtype ?? 'bool');
  throw new DTypeError(`${op}: argument '${argument}' must be a Tensor or a number, got ${describe(x)}.`, { op, argument, received: describe(x) });
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return 'a JS array (wrap it with tensor(...))';
  if (ArrayBuffer.isView(x)) return `a ${(x as object).constructor.name} (wrap it with tensor(...))`;
  return describeValue(x);
}

/** @internal Converts and promotes operands to one dtype. */
export function promoteArgs(op: string, args: readonly TensorLike[], names: readonly string[] = ['x', 'y', 'z']): Tensor[] {
  let dt: DType | undefined;
  for (const a of args) if (a instanceof Tensor) dt = dt === undefined ? a.dtype : promoteTypes(dt, a.dtype);
  if (dt === undefined) {
    const t = asTensor(op, args[0]!, names[0]);
    dt = t.dtype;
  }
  let final: DType = dt;
  for (const a of args) if (!(a instanceof Tensor) && typeof a === 'number') final = promoteTypes(final, weakDType(a, dt));
  return args.map((a, i) => {
    const t = asTensor(op, a, names[i] ?? `arg${i}`, final);
    return t.dtype === final ? t : cast(t, final);
  });
}

/** @internal Promotes integer/bool tensors to the default float dtype (for exp, log, …). */
export function asFloat(op: string, x: TensorLike): Tensor {
  const t = asTensor(op, x);
  return isFloat(t.dtype) ? t : cast(t, getDefaultFloat());
}

/** @internal Validates a binary op's operands under its public name (shapes broadcast; bool-only ops). */
export function checkBinary(op: string, a: Tensor, b: Tensor, boolOnly = false): void {
  if (boolOnly && (a.dtype !== 'bool' || b.dtype !== 'bool')) {
    const bad = a.dtype !== 'bool' ? a : b;
    throw new DTypeError(`${op}: expected bool operands, got ${bad.aval.toString()}.`, { op, argument: a.dtype !== 'bool' ? 'x' : 'y', received: bad.aval.toString() });
  }
  broadcastShapes(op, [a.shape, b.shape], () => `${a.aval.toString()} and ${b.aval.toString()}`);
}
