/**
 * Validation and lowering of GEMM call parameters (elements, transposes) to the byte strides the
 * generated kernel takes.
 * @module
 */
import type { Dtype } from './gemm.js';

/**
 * A batched GEMM on resident data: for each `t < batch`,
 * `C_t (+)= op(A_t) · op(B_t)` with `op(A_t)` `m×k`, `op(B_t)` `k×n`, `C_t` `m×n` row-major.
 * Offsets are in bytes; every other number is in elements.
 * @example
 * ```ts
 * const p: GemmParams = { m: 64, n: 32, k: 16, aOff, bOff, cOff, transB: true, batch: 4, strideB: 0 };
 * rt.gemm('f32', p); // C_t = A_t · Bᵀ for t < 4, one shared B
 * ```
 */
export interface GemmParams {
  /** Rows of `op(A)` and `C`. */
  readonly m: number;
  /** Columns of `op(B)` and `C`. */
  readonly n: number;
  /** Inner dimension (0 gives `C = 0`, or leaves `C` unchanged when accumulating). */
  readonly k: number;
  /** Byte offset of `A_0`. */
  readonly aOff: number;
  /** Byte offset of `B_0`. */
  readonly bOff: number;
  /** Byte offset of `C_0`. */
  readonly cOff: number;
  /** `A` is stored as `k×m` (row-major) and used transposed. */
  readonly transA?: boolean | undefined;
  /** `B` is stored as `n×k` (row-major) and used transposed. */
  readonly transB?: boolean | undefined;
  /** Number of matrices (default 1). */
  readonly batch?: number | undefined;
  /** Elements between consecutive `A_t` (default `m·k`; 0 reuses one `A`). */
  readonly strideA?: number | undefined;
  /** Elements between consecutive `B_t` (default `k·n`; 0 reuses one `B`). */
  readonly strideB?: number | undefined;
  /** Elements between consecutive `C_t` (default `m·n`). */
  readonly strideC?: number | undefined;
  /** Row stride of the stored `A` (default: its column count, `k`, or `m` when transposed). */
  readonly lda?: number | undefined;
  /** Row stride of the stored `B` (default `n`, or `k` when transposed). */
  readonly ldb?: number | undefined;
  /** Row stride of `C` (default `n`). */
  readonly ldc?: number | undefined;
  /** Add into `C` instead of overwriting it. */
  readonly accumulate?: boolean | undefined;
}

/**
 * A GEMM lowered to the kernel's arguments: `rs*`/`cs*` are row/column strides, `s*` batch strides, `ldc` C's row stride, all in bytes.
 * @example
 * ```ts
 * const r = resolveGemm('f64', { m: 2, n: 2, k: 2, aOff: 64, bOff: 96, cOff: 128 }, 65536); // r.ldc === 16
 * ```
 */
export interface ResolvedGemm {
  /** Rows of C. */ readonly m: number;
  /** Columns of C. */ readonly n: number;
  /** Inner dimension. */ readonly k: number;
  /** Number of matrices. */ readonly batch: number;
  /** Byte offset of A_0. */ readonly a: number;
  /** Byte stride between rows of op(A). */ readonly rsA: number;
  /** Byte stride between columns of op(A). */ readonly csA: number;
  /** Byte stride between batches of A. */ readonly sA: number;
  /** Byte offset of B_0. */ readonly b: number;
  /** Byte stride between rows of op(B). */ readonly rsB: number;
  /** Byte stride between columns of op(B). */ readonly csB: number;
  /** Byte stride between batches of B. */ readonly sB: number;
  /** Byte offset of C_0. */ readonly c: number;
  /** Byte stride between rows of C. */ readonly ldc: number;
  /** Byte stride between batches of C. */ readonly sC: number;
  /** 1 to accumulate, else 0. */ readonly accumulate: number;
}

const nat = (name: string, v: number): number => {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`gemm: ${name} must be a non-negative integer, got ${v}`);
  return v;
};

/** Last element index touched (+1) in an operand of `batch` matrices, for the bounds check. */
function extent(batch: number, rows: number, cols: number, ld: number, stride: number): number {
  return rows === 0 || cols === 0 || batch === 0 ? 0 : (batch - 1) * stride + (rows - 1) * ld + cols;
}

/** Throws unless `off` is an `E`-aligned offset with `elems` elements below `memoryBytes`. */
function check(name: string, off: number, elems: number, E: number, memoryBytes: number): void {
  if (!Number.isInteger(off) || off < 0 || off % E !== 0) throw new RangeError(`gemm: ${name} must be a ${E}-byte aligned offset, got ${off}`);
  if (off + elems * E > memoryBytes) throw new RangeError(`gemm: ${name} + ${elems} elements exceeds memory (${memoryBytes} bytes)`);
}

/**
 * Checks a {@link GemmParams} and lowers it to byte strides.
 * @param dtype - `'f32'` or `'f64'`
 * @param p - the call's parameters
 * @param memoryBytes - current memory size; every touched element must lie below it
 * @returns the resolved call
 * @example
 * ```ts
 * resolveGemm('f32', { m: 2, n: 2, k: 2, aOff: 64, bOff: 80, cOff: 96 }, 65536).rsA; // 8
 * ```
 */
export function resolveGemm(dtype: Dtype, p: GemmParams, memoryBytes: number): ResolvedGemm {
  const E = dtype === 'f32' ? 4 : 8;
  const m = nat('m', p.m), n = nat('n', p.n), k = nat('k', p.k);
  const batch = nat('batch', p.batch ?? 1);
  const transA = p.transA ?? false, transB = p.transB ?? false;
  const lda = nat('lda', p.lda ?? (transA ? m : k));
  const ldb = nat('ldb', p.ldb ?? (transB ? k : n));
  const ldc = nat('ldc', p.ldc ?? n);
  const strideA = nat('strideA', p.strideA ?? m * k);
  const strideB = nat('strideB', p.strideB ?? k * n);
  const strideC = nat('strideC', p.strideC ?? m * n);
  if (ldc < n) throw new RangeError(`gemm: ldc must be ≥ n = ${n}, got ${ldc}`);
  if (lda < (transA ? m : k)) throw new RangeError(`gemm: lda too small (${lda})`);
  if (ldb < (transB ? k : n)) throw new RangeError(`gemm: ldb too small (${ldb})`);
  const work = m > 0 && n > 0;
  check('aOff', p.aOff, work && k > 0 ? extent(batch, transA ? k : m, transA ? m : k, lda, strideA) : 0, E, memoryBytes);
  check('bOff', p.bOff, work && k > 0 ? extent(batch, transB ? n : k, transB ? k : n, ldb, strideB) : 0, E, memoryBytes);
  check('cOff', p.cOff, extent(batch, m, n, ldc, strideC), E, memoryBytes);
  return {
    m, n, k, batch,
    a: p.aOff, rsA: (transA ? 1 : lda) * E, csA: (transA ? lda : 1) * E, sA: strideA * E,
    b: p.bOff, rsB: (transB ? 1 : ldb) * E, csB: (transB ? ldb : 1) * E, sB: strideB * E,
    c: p.cOff, ldc: ldc * E, sC: strideC * E,
    accumulate: p.accumulate ? 1 : 0,
  };
}
