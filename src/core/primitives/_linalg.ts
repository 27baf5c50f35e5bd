/**
 * Rule helpers of the linear-algebra primitives (`cholesky`, `triangular_solve`, `eigh`): shape
 * checks, host-kernel dispatch, and batched matrix algebra over leading axes built from
 * `dot_general` and `transpose`.
 * @module
 */
import { getBackend, type Backend } from '../../backend/backend.js';
import { DTypeError, ShapeError } from '../../errors.js';
import type { Aval } from '../../tensor/aval.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { fromTyped } from '../../tensor/creation.js';
import { ConcreteTensor, type Tensor } from '../../tensor/tensor.js';
import { dotGeneral } from './dot-general.js';
import { transpose } from './transpose.js';

/** @internal Throws unless `a` is a float `[..., n, n]` matrix (batch); returns n. */
export function checkSquare(op: string, a: Aval, argument = 'a'): number {
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    throw new DTypeError(`${op}: '${argument}' must be float32 or float64, got ${a.toString()}.`, { op, argument, expected: 'float32 or float64', received: a.toString() });
  }
  const n = a.shape[a.ndim - 1];
  if (a.ndim < 2 || a.shape[a.ndim - 2] !== n) {
    throw new ShapeError(`${op}: '${argument}' must be a square matrix or a batch of them [..., n, n], got ${a.toString()}.`, { op, argument, expected: '[..., n, n]', received: a.toString() });
  }
  return n!;
}

/**
 * @internal Runs the backend's optional linear-algebra kernel `name` when it has one, else the host
 * kernel on the arguments' data, and wraps the results on the active backend.
 */
export function runLinalg(args: readonly ConcreteTensor[], outs: readonly Aval[], name: 'cholesky' | 'triangularSolve' | 'eigh',
  viaBackend: (k: Backend['kernels'], bufs: unknown[]) => unknown[], host: (data: TypedArray[]) => TypedArray[]): ConcreteTensor[] {
  const b = getBackend();
  if (b.kernels[name] !== undefined) {
    const bufs = args.map((a) => (a.backend === b ? a.buffer() : b.fromTyped(a.readData().slice(), a.aval)));
    return viaBackend(b.kernels, bufs).map((buf, i) => new ConcreteTensor(outs[i]!, b, buf));
  }
  return host(args.map((a) => a.readData(name))).map((d, i) => new ConcreteTensor(outs[i]!, b, b.fromTyped(d, outs[i]!)));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** @internal Swaps the last two axes. */
export function mT(x: Tensor): Tensor {
  const r = x.ndim;
  return transpose(x, [...range(r - 2), r - 1, r - 2]);
}

/** @internal Batched matrix product over equal leading axes: `[..., n, k] @ [..., k, m]`. */
export function bmm(x: Tensor, y: Tensor): Tensor {
  const r = x.ndim;
  const b = range(r - 2);
  return dotGeneral(x, y, { lhsContract: [r - 1], rhsContract: [r - 2], lhsBatch: b, rhsBatch: b });
}

/** @internal A constant n×n matrix `f(i, j)` of `dtype` (broadcasts against `[..., n, n]`). */
export function constMatrix(n: number, dtype: DType, f: (i: number, j: number) => number): Tensor {
  const data = dtype === 'float32' ? new Float32Array(n * n) : new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = f(i, j);
  return fromTyped(data, [n, n], dtype);
}
