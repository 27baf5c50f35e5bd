/**
 * Rule helpers that call no primitive (kernel dispatch, symbolic zeros, dtype checks), so that
 * the primitives used by `_rules.ts` can import them without an import cycle.
 * @module
 */
import { getBackend } from '../../backend/backend.js';
import { DTypeError } from '../../errors.js';
import type { Aval } from '../../tensor/aval.js';
import { zeros } from '../../tensor/creation.js';
import { isFloat } from '../../tensor/dtype.js';
import { ConcreteTensor, type Tensor } from '../../tensor/tensor.js';
import type { Backend } from '../../backend/backend.js';
import { Zero, type Tangent } from '../zero.js';

/** @internal Runs a kernel on the active backend, moving foreign buffers over first. */
export function runKernel(args: readonly ConcreteTensor[], out: Aval, f: (k: Backend['kernels'], bufs: any[]) => unknown): ConcreteTensor[] {
  const b = getBackend();
  const bufs = args.map((a) => (a.backend === b ? a.buffer() : b.fromTyped(a.readData().slice(), a.aval)));
  return [new ConcreteTensor(out, b, f(b.kernels, bufs))];
}

/** @internal Materialises a symbolic zero. */
export function instantiate(t: Tangent): Tensor {
  return t instanceof Zero ? zeros(t.aval.shape, t.aval.dtype) : t;
}

/** @internal Zero tangent of the same aval as `x`. */
export function zeroLike(x: Tensor): Zero {
  return new Zero(x.aval);
}

/** @internal Throws a DTypeError unless the aval is floating point. */
export function requireFloat(op: string, a: Aval, argument = 'x'): void {
  if (!isFloat(a.dtype)) {
    throw new DTypeError(`${op}: expected a floating-point tensor for '${argument}', got ${a.toString()}. Cast it with cast(x, 'float32').`, {
      op, argument, expected: 'float32 or float64', received: a.toString(),
    });
  }
}
