/**
 * Host kernels of the linear-algebra primitives (`cholesky`, `triangular_solve`, `eigh`) over
 * leading batch axes of row-major typed arrays. Every matrix is computed in float64 and rounded
 * once to the output dtype. Backends without their own linear-algebra kernels (`wasm`, `gpujs`)
 * run these on the host.
 *
 * Unlike the other kernels these throw on values: a matrix that is not symmetric (beyond the
 * dtype's tolerance) or not positive definite, or a triangular matrix with a zero diagonal, is a
 * typed error naming the operation, the batch element and the pivot — eagerly and under `jit`
 * alike (the compiled program runs the same kernel), instead of JAX's NaN fill.
 * @module
 */
import { NotPositiveDefiniteError, ValueError } from '../../errors.js';
import { choleskyF64 } from '../../linalg/dense.js';
import { eighSymmetric } from '../../linalg/eigh.js';
import { fmt } from '../../linalg/util.js';
import type { Aval } from '../../tensor/aval.js';
import { allocTyped, type TypedArray } from '../../tensor/dtype.js';

/** @internal Parameters of `triangular_solve` (see the primitive). */
export interface TriangularSolveParams {
  /** Solve op(A) X = B (true) or X op(A) = B (false). */
  readonly leftSide: boolean;
  /** A is lower (true) or upper (false) triangular; the other triangle is never read. */
  readonly lower: boolean;
  /** op(A) = Aᵀ (true) or A (false). */
  readonly transposeA: boolean;
  /** The diagonal of A is taken as 1 (never read). */
  readonly unitDiagonal: boolean;
}

const where = (b: number, count: number): string => (count > 1 ? ` (batch element ${b})` : '');

/** Reads one n×n float matrix of a batch as a float32/float64 view the host routines accept. */
function matrixView(x: TypedArray, off: number, len: number): Float64Array | Float32Array {
  return x instanceof Float32Array ? x.subarray(off, off + len) : Float64Array.from(x.subarray(off, off + len));
}

/**
 * @internal `L` with `L Lᵀ = (A + Aᵀ)/2` for each matrix of `a` (`[..., n, n]`); zeros above the
 * diagonal. Throws ValueError when A is not symmetric within the dtype's tolerance or has non-finite
 * entries, NotPositiveDefiniteError (naming the pivot) when a pivot is ≤ n·ε·max diag.
 */
export function choleskyKernel(a: TypedArray, aa: Aval, out: Aval): TypedArray {
  const n = aa.shape[aa.ndim - 1]!;
  const nn = n * n;
  const count = nn === 0 ? 0 : aa.size / nn;
  const res = allocTyped(out.dtype, out.size);
  for (let b = 0; b < count; b++) {
    let l: Float64Array;
    try {
      l = choleskyF64('cholesky', matrixView(a, b * nn, nn), n, 0);
    } catch (e) {
      if (count <= 1 || !(e instanceof ValueError)) throw e;
      const Ctor = e instanceof NotPositiveDefiniteError ? NotPositiveDefiniteError : ValueError;
      throw new Ctor(`${e.message.replace(/^cholesky:/, `cholesky${where(b, count)}:`)}`, { op: 'cholesky', argument: e.argument, expected: e.expected, received: `batch element ${b}: ${e.received ?? ''}` });
    }
    res.set(l, b * nn);
  }
  return res;
}

/** Solves op(A) X = B in place for one matrix: `x` is n×k row-major (float64), `t` the n×n A. */
function solveLeft(t: TypedArray, toff: number, x: Float64Array, n: number, k: number, p: TriangularSolveParams, b: number, count: number): void {
  const si = p.transposeA ? 1 : n;
  const sj = p.transposeA ? n : 1;
  const effLower = p.lower !== p.transposeA;
  for (let step = 0; step < n; step++) {
    const i = effLower ? step : n - 1 - step;
    const d = p.unitDiagonal ? 1 : t[toff + i * (n + 1)]!;
    if (d === 0 || !Number.isFinite(d)) {
      throw new ValueError(`triangularSolve${where(b, count)}: the triangular matrix is singular, got diagonal ${i} = ${fmt(d)}.`, {
        op: 'triangularSolve', argument: 'a', expected: 'a non-zero finite diagonal', received: `diagonal ${i} = ${fmt(d)}`,
      });
    }
    const j0 = effLower ? 0 : i + 1;
    const j1 = effLower ? i : n;
    const row = i * k;
    for (let r = 0; r < k; r++) {
      let s = x[row + r]!;
      for (let j = j0; j < j1; j++) s -= t[toff + i * si + j * sj]! * x[j * k + r]!;
      x[row + r] = s / d;
    }
  }
}

/**
 * @internal X with op(A) X = B (`leftSide`) or X op(A) = B, for `a` `[..., n, n]` and `b`
 * `[..., n, k]` (left) or `[..., k, n]` (right) with equal batch shapes.
 */
export function triangularSolveKernel(a: TypedArray, b: TypedArray, aa: Aval, ab: Aval, p: TriangularSolveParams, out: Aval): TypedArray {
  const n = aa.shape[aa.ndim - 1]!;
  const nn = n * n;
  const rows = ab.shape[ab.ndim - 2]!;
  const cols = ab.shape[ab.ndim - 1]!;
  const nb = rows * cols;
  const k = p.leftSide ? cols : rows;
  const count = nb === 0 ? 0 : ab.size / nb;
  const res = allocTyped(out.dtype, out.size);
  const x = new Float64Array(nb);
  for (let bi = 0; bi < count; bi++) {
    const off = bi * nb;
    if (p.leftSide) for (let i = 0; i < nb; i++) x[i] = b[off + i]!;
    else for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) x[c * k + r] = b[off + r * cols + c]!; // Bᵀ, n×k
    // X op(A) = B  ⇔  op(A)ᵀ Xᵀ = Bᵀ
    solveLeft(a, bi * nn, x, n, k, p.leftSide ? p : { ...p, transposeA: !p.transposeA }, bi, count);
    if (p.leftSide) for (let i = 0; i < nb; i++) res[off + i] = x[i]!;
    else for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) res[off + r * cols + c] = x[c * k + r]!;
  }
  return res;
}

/**
 * @internal Eigenvalues (ascending, `[..., n]`) and eigenvectors (columns, `[..., n, n]`) of each
 * symmetric matrix of `a`, each eigenvector signed so that its largest-magnitude component (the
 * first one on a tie) is positive. Throws ValueError when A is not symmetric or not finite.
 */
export function eighKernel(a: TypedArray, aa: Aval, outW: Aval, outV: Aval): [TypedArray, TypedArray] {
  const n = aa.shape[aa.ndim - 1]!;
  const nn = n * n;
  const count = nn === 0 ? 0 : aa.size / nn;
  const w = allocTyped(outW.dtype, outW.size);
  const v = allocTyped(outV.dtype, outV.size);
  for (let b = 0; b < count; b++) {
    let r: { values: Float64Array; vectors: Float64Array };
    try {
      r = eighSymmetric(matrixView(a, b * nn, nn), n);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      throw new ValueError(e.message.replace(/^eighSymmetric:/, `eigh${where(b, count)}:`), { op: 'eigh', argument: 'a', expected: e.expected, received: e.received });
    }
    w.set(r.values, b * n);
    v.set(r.vectors, b * nn);
  }
  return [w, v];
}
