/**
 * `dotGeneral` on the `wasm` backend: which products run in the WebAssembly GEMM (`index.ts`
 * `gemm`), how their operands reach it (in place, read transposed, or gathered), and the run itself.
 * The adapter passes its runtime and resident heap in as a {@link WasmDotHost}.
 * @module
 */
import type { DotDims, Kernels } from '../backend.js';
import type { Aval } from '../../tensor/aval.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import { jsBackend } from '../js/index.js';
import { gather } from '../js/strided.js';
import type { WasmRuntime } from './index.js';
import { outputArray } from './pool.js';
import type { WasmMemory } from './memory.js';

type Buf = TypedArray;

const js = jsBackend.kernels as Kernels<Buf>;

/** What a product needs from the adapter: the shared runtime and the resident heap's offsets. */
export interface WasmDotHost {
  /** The shared runtime, or undefined where WebAssembly SIMD is missing. */
  runtime(): WasmRuntime | undefined;
  /** The byte offset of a resident array (read in place), or -1. */
  residentAt(x: unknown): number;
}

/** Products below this many multiply-adds stay in JS (call and copy overhead dominates). */
const GEMM_MIN_WORK = 16_384;
/**
 * Outer products (one contracted element) go to wasm from this many outputs: the GEMM's `k = 1`
 * loop (one splat-multiply per row, no packing) stores `a·b + 0` as the `js` kernel does, so the
 * bits do not depend on the choice, and the JS loop costs ~4 ns per element.
 */
const OUTER_MIN_WORK = 1_024;

/**
 * How an operand reaches the GEMM as `[batch, a, b]`: in place (`trans` false), in place read
 * transposed (`[batch, b, a]` stored, `trans` true), or gathered into that order first.
 */
interface OperandLayout {
  readonly trans: boolean;
  /** Shape and strides of the gather into `[batch, a, b]` order, or null when the data is used as stored. */
  readonly gather: { readonly shape: readonly number[]; readonly strides: readonly number[] } | null;
}

function isPerm(perm: readonly number[], order: readonly number[]): boolean {
  return perm.length === order.length && perm.every((p, i) => p === order[i]);
}

function operandLayout(ax: Aval, batch: readonly number[], a: readonly number[], b: readonly number[]): OperandLayout {
  const identity = ax.shape.map((_, i) => i);
  if (isPerm([...batch, ...a, ...b], identity)) return { trans: false, gather: null };
  if (isPerm([...batch, ...b, ...a], identity)) return { trans: true, gather: null };
  const perm = [...batch, ...a, ...b];
  const s = stridesOf(ax.shape);
  return { trans: false, gather: { shape: perm.map((p) => ax.shape[p]!), strides: perm.map((p) => s[p]!) } };
}

/** A product the wasm GEMM runs: sizes and operand layouts resolved from the avals and dims. */
export interface WasmDotPlan {
  readonly B: number; readonly M: number; readonly N: number; readonly K: number;
  readonly f64: boolean;
  readonly out: Aval;
  readonly xl: OperandLayout; readonly yl: OperandLayout;
  /** Byte offsets of B and C in the one wasm block (A at 0), and its size. */
  readonly bAt: number; readonly cAt: number; readonly bytes: number;
  /** What the block is for, named in a memory-limit error. */
  readonly what: string;
  /**
   * The `skinny.ts` kernel that runs the product without packing, with the GEMM's bits (see
   * {@link skinnyKind}), or undefined for the GEMM.
   */
  readonly skinny: SkinnyKind | undefined;
}

/**
 * Which `skinny.ts` kernel runs a product: `rowvec`/`matvec` with the matrix being the left (`x`)
 * or right (`y`) operand, `gram` (`gramT`), or `gramSym` (`gramT` where the two operands are one
 * array at run time, else the GEMM).
 */
type SkinnyKind = 'rowvecX' | 'matvecX' | 'rowvecY' | 'matvecY' | 'gram' | 'gramSym';

/**
 * Largest M = N of a Gram product `XᵀX` (one array for both operands) run by `gramT`, which
 * computes one triangle and mirrors it: 1.6× the GEMM at 569 × 31 and 2000 × 64
 * (bench/wasm/skinny.ts). With two arrays the GEMM's packed blocks are faster (0.85–0.9×).
 */
const GRAM_SYM_MAX = 96;
/**
 * `Aᵀ·B` with B this narrow (a small layer's weight gradient `hᵀ·δ`, N = 10) runs by `gramT`
 * whatever M, while B fits in L1 (`GRAM_NARROW_BYTES`) and the product stays below the sizes a
 * thread pool splits (`GRAM_NARROW_WORK` multiply-adds): 1.1–1.4× the GEMM (bench/wasm/skinny.ts).
 * A narrow A with a wide B stays on the GEMM (0.8–1.0× there).
 */
const GRAM_NARROW = 16, GRAM_NARROW_BYTES = 64 * 1024, GRAM_NARROW_WORK = 1 << 22;

/** The `skinny.ts` kernel for a product's sizes and layouts, or undefined (the GEMM runs it). */
function skinnyKind(B: number, M: number, N: number, K: number, E: number, xl: OperandLayout, yl: OperandLayout, symDims: boolean): SkinnyKind | undefined {
  // K = 1 (outer products) stays with the GEMM's unpacked outer-product loop
  if (B !== 1 || K <= 1) return undefined;
  if (N === 1 && M > 4) return xl.trans ? 'rowvecX' : 'matvecX';
  if (M === 1 && N > 4) return yl.trans ? 'matvecY' : 'rowvecY';
  if (xl.trans && !yl.trans && yl.gather === null) {
    if (N <= GRAM_NARROW && K * N * E <= GRAM_NARROW_BYTES && M * N * K <= GRAM_NARROW_WORK) return 'gram';
    if (symDims && M === N && M <= GRAM_SYM_MAX) return 'gramSym';
  }
  return undefined;
}

const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** The wasm plan of a product, or undefined when it stays in JS (small, not float, or empty). */
export function planWasmDot(ax: Aval, ay: Aval, d: DotDims, out: Aval): WasmDotPlan | undefined {
  if (out.dtype !== 'float32' && out.dtype !== 'float64') return undefined;
  const xFree = ax.shape.map((_, i) => i).filter((i) => !d.lhsContract.includes(i) && !d.lhsBatch.includes(i));
  const yFree = ay.shape.map((_, i) => i).filter((i) => !d.rhsContract.includes(i) && !d.rhsBatch.includes(i));
  const B = sizeOf(d.lhsBatch.map((i) => ax.shape[i]!));
  const M = sizeOf(xFree.map((i) => ax.shape[i]!));
  const K = sizeOf(d.lhsContract.map((i) => ax.shape[i]!));
  const N = sizeOf(yFree.map((i) => ay.shape[i]!));
  if (B * M * N * K < (K === 1 ? OUTER_MIN_WORK : GEMM_MIN_WORK) || M * N * B === 0) return undefined;
  const f64 = out.dtype === 'float64', el = f64 ? 8 : 4;
  const up = (n: number) => Math.ceil((n * el) / 64) * 64;
  const bAt = up(ax.size), cAt = bAt + up(ay.size);
  const xl = operandLayout(ax, d.lhsBatch, xFree, d.lhsContract); // [B, M, K] or stored [B, K, M]
  const yl = operandLayout(ay, d.rhsBatch, d.rhsContract, yFree); // [B, K, N] or stored [B, N, K]
  // the two operands being one array would make the product a Gram matrix XᵀX (same avals and dims)
  const symDims = sameList(ax.shape, ay.shape) && ax.dtype === ay.dtype && sameList(d.lhsContract, d.rhsContract) && sameList(d.lhsBatch, d.rhsBatch);
  return {
    B, M, N, K, f64, out, bAt, cAt, bytes: cAt + up(out.size), xl, yl,
    skinny: skinnyKind(B, M, N, K, el, xl, yl, symDims),
    what: `dotGeneral: operands ${ax.toString()}, ${ay.toString()} and result ${out.toString()}`,
  };
}

/** A typed view of `size` elements at byte offset `off` of the runtime's memory (valid for the current call). */
function memView(mem: WasmMemory, dtype: DType, off: number, size: number): Buf {
  const buf = mem.memory.buffer;
  switch (dtype) {
    case 'float32': return new Float32Array(buf, off, size);
    case 'float64': return new Float64Array(buf, off, size);
    case 'int32': return new Int32Array(buf, off, size);
    case 'bool': return new Uint8Array(buf, off, size);
  }
}

/** 64-byte rounded size of `n` elements of `E` bytes. */
const up64 = (n: number, E: number): number => Math.ceil((n * E) / 64) * 64;

/** Runs a planned product in wasm, or returns undefined where the runtime is missing (the caller then runs the reference kernel). */
export function runWasmDot(host: WasmDotHost, p: WasmDotPlan, x: Buf, y: Buf): Buf | undefined {
  const r = host.runtime();
  if (!r) return undefined;
  const { B, M, N, K, f64, out } = p;
  const E = f64 ? 8 : 4;
  const mem = r.memory;
  // Operands used as stored and resident are read in place; the result is written in place
  // when its array is resident. Everything else goes through one scratch block.
  const xo = p.xl.gather === null ? host.residentAt(x) : -1;
  const yo = p.yl.gather === null ? host.residentAt(y) : -1;
  const res = outputArray(out.dtype, out.size);
  const co = host.residentAt(res);
  const aBytes = xo < 0 ? up64(B * M * K, E) : 0, bBytes = yo < 0 ? up64(B * K * N, E) : 0, cBytes = co < 0 ? up64(out.size, E) : 0;
  const scratch = aBytes + bBytes + cBytes;
  const base = scratch === 0 ? 0 : mem.alloc(scratch, 64, p.what);
  try {
    const aOff = xo >= 0 ? xo : base, bOff = yo >= 0 ? yo : base + aBytes, cOff = co >= 0 ? co : base + aBytes + bBytes;
    // x·x of a Gram product: the y operand is x itself (its staged copy would be the same data)
    const sym = p.skinny === 'gramSym' && x === y;
    if (xo < 0) stage(mem, x, p.xl, out.dtype, B * M * K, aOff);
    if (yo < 0 && !sym) stage(mem, y, p.yl, out.dtype, B * K * N, bOff);
    if (p.skinny !== undefined && (p.skinny !== 'gramSym' || sym) && runSkinny(r, p, p.skinny, aOff, sym ? aOff : bOff, cOff, sym)) return co >= 0 ? res : mem.readBytes(cOff, res);
    if (sym && yo < 0) stage(mem, y, p.yl, out.dtype, B * K * N, bOff); // the kernel declined: the GEMM reads y
    if (N === 1 && B === 1 && M > 4) {
      // (Where the skinny kernel declined.) A matrix-vector product A·v runs as the row product vᵀ·Aᵀ (same memory for
      // v and C), whose one-row-strip path reads A without packing it into row strips: ~2× faster
      // for a 569 × 31 A. Each element is the same in-order sum of the same products
      // (multiplication commutes), so the bits are the same (tested).
      r.gemm(f64 ? 'f64' : 'f32', { m: 1, n: M, k: K, aOff: bOff, bOff: aOff, cOff, transA: false, transB: !p.xl.trans, batch: 1 });
    } else r.gemm(f64 ? 'f64' : 'f32', { m: M, n: N, k: K, aOff, bOff, cOff, transA: p.xl.trans, transB: p.yl.trans, batch: B });
    return co >= 0 ? res : mem.readBytes(cOff, res);
  } finally {
    if (base !== 0) mem.free(base);
  }
}

/** Runs a product by its `skinny.ts` kernel; false where the runtime declines (too close to the end of memory). */
function runSkinny(r: WasmRuntime, p: WasmDotPlan, kind: SkinnyKind, aOff: number, bOff: number, cOff: number, sym: boolean): boolean {
  const { M, N, K } = p;
  const dt = p.f64 ? 'f64' : 'f32', E = p.f64 ? 8 : 4;
  switch (kind) {
    case 'rowvecX': return r.rowvec(dt, K, M, bOff, aOff, M * E, cOff); // x stored [K, M]: c = yᵀ·x
    case 'matvecX': return r.matvec(dt, M, K, aOff, K * E, bOff, cOff);
    case 'rowvecY': return r.rowvec(dt, K, N, aOff, bOff, N * E, cOff);
    case 'matvecY': return r.matvec(dt, N, K, bOff, K * E, aOff, cOff); // y stored [N, K]: c = y·xᵀ
    case 'gram': case 'gramSym': return r.gramT(dt, M, N, K, aOff, M * E, bOff, N * E, cOff, N * E, sym);
  }
}

/** Copies an operand into wasm memory at `off` in GEMM order (gathered there directly when it must be re-laid out). */
function stage(mem: WasmMemory, x: Buf, l: OperandLayout, dtype: DType, size: number, off: number): void {
  if (l.gather === null) mem.writeBytes(off, x);
  else gather(memView(mem, dtype, off, size), x, l.gather.shape, l.gather.strides);
}

/** `dotGeneral` in wasm, or undefined when the product stays in JS (small, not float, empty, or no runtime). */
export function wasmDot(host: WasmDotHost, x: Buf, y: Buf, ax: Aval, ay: Aval, d: DotDims, out: Aval): Buf | undefined {
  const p = planWasmDot(ax, ay, d, out);
  return p === undefined ? undefined : runWasmDot(host, p, x, y);
}

/** `dotGeneral` for fixed avals and dims: the same kernel choice as {@link wasmDot}, made once. */
export function planWasmDotGeneral(host: WasmDotHost, ax: Aval, ay: Aval, d: DotDims, out: Aval): (x: Buf, y: Buf) => Buf {
  const jsRun = js.planDotGeneral!(ax, ay, d, out);
  const p = planWasmDot(ax, ay, d, out);
  if (p === undefined) return jsRun;
  return (x, y) => runWasmDot(host, p, x, y) ?? jsRun(x, y);
}
