/**
 * The reference `dotGeneral` kernel: float64 accumulation, each output element summed over the
 * contracted index in ascending order starting from 0, rounded once to the output dtype.
 *
 * ```text
 * plan     operands viewed as x [B, M, K] and y [B, K, N] by strides (no copy) when every axis
 *          group (batch, free, contracting) is one strided run; else permuted copies
 * loops    4 outputs per pass (4 columns, or 4 rows when N < 4): independent float64 sums,
 *          so the loop is bound by throughput, not by one addition chain
 * ```
 * Every output element is `((0 + x₀y₀) + x₁y₁) + …` in float64 (the products of float32 or
 * int32 operands are exact in float64), whatever the loop order, so results do not depend on
 * the operands' layout or on which loop computes them.
 * @module
 */
import type { DotDims } from '../backend.js';
import type { Aval } from '../../tensor/aval.js';
import { allocTyped, type TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import { gather } from './strided.js';

type Buf = TypedArray;

/** @internal A product resolved for fixed avals and dims: sizes and operand strides. */
export interface DotPlan {
  readonly B: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  /** x as [B, M, K]: batch, row and contraction strides (null: copy through `xPerm`). */
  readonly xs: readonly [number, number, number] | null;
  /** y as [B, K, N]: batch, contraction and column strides (null: copy through `yPerm`). */
  readonly ys: readonly [number, number, number] | null;
  readonly xPerm: readonly number[];
  readonly yPerm: readonly number[];
  readonly ax: Aval;
  readonly ay: Aval;
  readonly out: Aval;
}

/**
 * The single stride of `axes` (in this order) seen as one merged axis, 0 for no axis, or -1 when
 * they are not one strided run. Size-1 axes are ignored.
 */
function runStride(shape: readonly number[], strides: readonly number[], axes: readonly number[]): number {
  let inner = -1;
  let expect = 0;
  for (let i = axes.length - 1; i >= 0; i--) {
    const a = axes[i]!, n = shape[a]!;
    if (n === 1) continue;
    if (inner < 0) inner = strides[a]!;
    else if (strides[a] !== expect) return -1;
    expect = strides[a]! * n;
  }
  return inner < 0 ? 0 : inner;
}

/** @internal Resolves a product (see the module comment). */
export function planDot(ax: Aval, ay: Aval, dims: DotDims, out: Aval): DotPlan {
  const xFree = ax.shape.map((_, i) => i).filter((i) => !dims.lhsContract.includes(i) && !dims.lhsBatch.includes(i));
  const yFree = ay.shape.map((_, i) => i).filter((i) => !dims.rhsContract.includes(i) && !dims.rhsBatch.includes(i));
  const B = sizeOf(dims.lhsBatch.map((d) => ax.shape[d]!));
  const K = sizeOf(dims.lhsContract.map((d) => ax.shape[d]!));
  const M = sizeOf(xFree.map((d) => ax.shape[d]!));
  const N = sizeOf(yFree.map((d) => ay.shape[d]!));
  const sx = stridesOf(ax.shape), sy = stridesOf(ay.shape);
  const x3 = [runStride(ax.shape, sx, dims.lhsBatch), runStride(ax.shape, sx, xFree), runStride(ax.shape, sx, dims.lhsContract)] as const;
  const y3 = [runStride(ay.shape, sy, dims.rhsBatch), runStride(ay.shape, sy, dims.rhsContract), runStride(ay.shape, sy, yFree)] as const;
  return {
    B, M, N, K, ax, ay, out,
    xs: x3.includes(-1) ? null : x3,
    ys: y3.includes(-1) ? null : y3,
    xPerm: [...dims.lhsBatch, ...xFree, ...dims.lhsContract],
    yPerm: [...dims.rhsBatch, ...dims.rhsContract, ...yFree],
  };
}

/** @internal Runs a planned product into a fresh output array. */
export function runDot(p: DotPlan, x: Buf, y: Buf): Buf {
  const res = allocTyped(p.out.dtype, p.out.size);
  const { B, M, N, K } = p;
  if (B * M * N === 0) return res;
  let xb: number, xm: number, xk: number, yb: number, yk: number, yn: number;
  if (p.xs !== null) [xb, xm, xk] = p.xs;
  else { x = permuted(x, p.ax, p.xPerm); xb = M * K; xm = K; xk = 1; }
  if (p.ys !== null) [yb, yk, yn] = p.ys;
  else { y = permuted(y, p.ay, p.yPerm); yb = K * N; yk = N; yn = 1; }
  for (let b = 0; b < B; b++) {
    if (K === 1) outer(x, y, res, b * xb, xm, b * yb, yn, b * M * N, M, N);
    else if (N >= 4) dotCols(x, y, res, b * xb, xm, xk, b * yb, yk, yn, b * M * N, M, N, K);
    else if (N === 1 && M >= 8) matVec8(x, y, res, b * xb, xm, xk, b * yb, yk, b * M, M, K);
    else dotRowsBlocked(x, y, res, b * xb, xm, xk, b * yb, yk, yn, b * M * N, M, N, K);
  }
  return res;
}

/** One batch of an outer product (K = 1): each output is `0 + x·y`, as the general loops compute it. */
function outer(x: Buf, y: Buf, out: Buf, x0: number, xm: number, y0: number, yn: number, o0: number, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const a = x[x0 + i * xm]!, orow = o0 + i * N;
    if (yn === 1) for (let j = 0; j < N; j++) out[orow + j] = 0 + a * y[y0 + j]!;
    else for (let j = 0; j < N; j++) out[orow + j] = 0 + a * y[y0 + j * yn]!;
  }
}

/** One batch: 4 columns of a row per pass. */
function dotCols(x: Buf, y: Buf, out: Buf, x0: number, xm: number, xk: number, y0: number, yk: number, yn: number, o0: number, M: number, N: number, K: number): void {
  const N4 = N - (N % 4);
  for (let i = 0; i < M; i++) {
    const xr = x0 + i * xm, orow = o0 + i * N;
    let j = 0;
    for (; j < N4; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let xi = xr, yi = y0 + j * yn;
      for (let k = 0; k < K; k++) {
        const a = x[xi]!;
        s0 += a * y[yi]!;
        s1 += a * y[yi + yn]!;
        s2 += a * y[yi + 2 * yn]!;
        s3 += a * y[yi + 3 * yn]!;
        xi += xk;
        yi += yk;
      }
      out[orow + j] = s0;
      out[orow + j + 1] = s1;
      out[orow + j + 2] = s2;
      out[orow + j + 3] = s3;
    }
    for (; j < N; j++) {
      let s = 0;
      let xi = xr, yi = y0 + j * yn;
      for (let k = 0; k < K; k++) { s += x[xi]! * y[yi]!; xi += xk; yi += yk; }
      out[orow + j] = s;
    }
  }
}

/** One batch of a matrix-vector product (N = 1): 8 rows per pass, each its own in-order float64 sum. */
function matVec8(x: Buf, y: Buf, out: Buf, x0: number, xm: number, xk: number, y0: number, yk: number, o0: number, M: number, K: number): void {
  const M8 = M - (M % 8);
  let i = 0;
  for (; i < M8; i += 8) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    let xi = x0 + i * xm, yi = y0;
    for (let k = 0; k < K; k++) {
      const b = y[yi]!;
      s0 += x[xi]! * b;
      s1 += x[xi + xm]! * b;
      s2 += x[xi + 2 * xm]! * b;
      s3 += x[xi + 3 * xm]! * b;
      s4 += x[xi + 4 * xm]! * b;
      s5 += x[xi + 5 * xm]! * b;
      s6 += x[xi + 6 * xm]! * b;
      s7 += x[xi + 7 * xm]! * b;
      xi += xk;
      yi += yk;
    }
    out[o0 + i] = s0; out[o0 + i + 1] = s1; out[o0 + i + 2] = s2; out[o0 + i + 3] = s3;
    out[o0 + i + 4] = s4; out[o0 + i + 5] = s5; out[o0 + i + 6] = s6; out[o0 + i + 7] = s7;
  }
  // the last M mod 8 rows: the same in-order sums, as a one-column product
  if (i < M) dotRowsBlocked(x, y, out, x0 + i * xm, xm, xk, y0, yk, 0, o0 + i, M - i, 1, K);
}

/** One batch with few columns: 4 rows of a column per pass. */
function dotRowsBlocked(x: Buf, y: Buf, out: Buf, x0: number, xm: number, xk: number, y0: number, yk: number, yn: number, o0: number, M: number, N: number, K: number): void {
  const M4 = M - (M % 4);
  for (let j = 0; j < N; j++) {
    const yc = y0 + j * yn;
    let i = 0;
    for (; i < M4; i += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let xi = x0 + i * xm, yi = yc;
      for (let k = 0; k < K; k++) {
        const b = y[yi]!;
        s0 += x[xi]! * b;
        s1 += x[xi + xm]! * b;
        s2 += x[xi + 2 * xm]! * b;
        s3 += x[xi + 3 * xm]! * b;
        xi += xk;
        yi += yk;
      }
      out[o0 + i * N + j] = s0;
      out[o0 + (i + 1) * N + j] = s1;
      out[o0 + (i + 2) * N + j] = s2;
      out[o0 + (i + 3) * N + j] = s3;
    }
    for (; i < M; i++) {
      let s = 0;
      let xi = x0 + i * xm, yi = yc;
      for (let k = 0; k < K; k++) { s += x[xi]! * y[yi]!; xi += xk; yi += yk; }
      out[o0 + i * N + j] = s;
    }
  }
}

/** `x` with axes permuted into a contiguous copy. */
function permuted(x: Buf, ax: Aval, perm: readonly number[]): Buf {
  const s = stridesOf(ax.shape);
  const shape = perm.map((p) => ax.shape[p]!);
  const res = allocTyped(ax.dtype, sizeOf(shape));
  gather(res, x, shape, perm.map((p) => s[p]!));
  return res;
}
