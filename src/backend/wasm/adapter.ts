/**
 * The `wasm` backend: the reference kernels for everything, with the compute-bound kernels
 * (`dotGeneral`, and `exp`/`log`/`tanh` on large float arrays) run by the WebAssembly SIMD
 * runtime.
 *
 * Buffers are ordinary typed arrays, exactly as in the `js` backend; a wasm kernel copies its
 * operands into the runtime's memory, runs, and copies the result out. The copies are O(size)
 * against O(m·n·k) work for a matrix product, so they cost little where wasm pays, and no tensor
 * ever owns wasm memory (nothing to leak, nothing invalidated by memory growth). Keeping tensor
 * data resident in wasm memory, fused elementwise kernels and threads by default are the next
 * steps (see docs/performance.md).
 * @module
 */
import type { Backend, DotDims, FusedProgram, Kernels } from '../backend.js';
import { registerBackend } from '../backend.js';
import { Aval } from '../../tensor/aval.js';
import { allocTyped, type TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import { jsBackend } from '../js/index.js';
import { gather } from '../js/strided.js';
import { WasmRuntime } from './index.js';

type Buf = TypedArray;

/** Products below this many multiply-adds stay in JS (call and copy overhead dominates). */
const GEMM_MIN_WORK = 16_384;
/** Transcendental maps below this many elements stay in JS. */
const UNARY_MIN_SIZE = 2_048;

let runtime: WasmRuntime | undefined;
let unavailable = false;
/** The shared runtime, or undefined where WebAssembly SIMD is missing (the reference kernels then run). */
function rt(): WasmRuntime | undefined {
  if (runtime || unavailable) return runtime;
  try {
    runtime = new WasmRuntime();
  } catch {
    unavailable = true;
  }
  return runtime;
}

/** Layout of an operand for GEMM: `[B, rows, cols]` contiguous, possibly stored transposed. */
interface Operand { readonly data: Buf; readonly trans: boolean }

function isPerm(perm: readonly number[], order: readonly number[]): boolean {
  return perm.length === order.length && perm.every((p, i) => p === order[i]);
}

/** `x` as `[batch, a, b]` (trans = false) or `[batch, b, a]` (trans = true) with no copy when possible. */
function operand(x: Buf, ax: Aval, batch: readonly number[], a: readonly number[], b: readonly number[]): Operand {
  const identity = ax.shape.map((_, i) => i);
  if (isPerm([...batch, ...a, ...b], identity)) return { data: x, trans: false };
  if (isPerm([...batch, ...b, ...a], identity)) return { data: x, trans: true };
  const perm = [...batch, ...a, ...b];
  const s = stridesOf(ax.shape);
  const res = allocTyped(ax.dtype, ax.size);
  gather(res, x, perm.map((p) => ax.shape[p]!), perm.map((p) => s[p]!));
  return { data: res, trans: false };
}

function wasmDot(x: Buf, y: Buf, ax: Aval, ay: Aval, d: DotDims, out: Aval): Buf | undefined {
  if (out.dtype !== 'float32' && out.dtype !== 'float64') return undefined;
  const xFree = ax.shape.map((_, i) => i).filter((i) => !d.lhsContract.includes(i) && !d.lhsBatch.includes(i));
  const yFree = ay.shape.map((_, i) => i).filter((i) => !d.rhsContract.includes(i) && !d.rhsBatch.includes(i));
  const B = sizeOf(d.lhsBatch.map((i) => ax.shape[i]!));
  const M = sizeOf(xFree.map((i) => ax.shape[i]!));
  const K = sizeOf(d.lhsContract.map((i) => ax.shape[i]!));
  const N = sizeOf(yFree.map((i) => ay.shape[i]!));
  if (B * M * N * K < GEMM_MIN_WORK || M * N * B === 0) return undefined;
  const r = rt();
  if (!r) return undefined;
  const A = operand(x, ax, d.lhsBatch, xFree, d.lhsContract); // [B, M, K] or stored [B, K, M]
  const Bm = operand(y, ay, d.rhsBatch, d.rhsContract, yFree); // [B, K, N] or stored [B, N, K]
  const f64 = out.dtype === 'float64';
  const mem = r.memory;
  const el = f64 ? 8 : 4;
  const aOff = mem.alloc(A.data.length * el, 64), bOff = mem.alloc(Bm.data.length * el, 64), cOff = mem.alloc(out.size * el, 64);
  try {
    if (f64) { mem.writeF64(aOff, A.data); mem.writeF64(bOff, Bm.data); } else { mem.writeF32(aOff, A.data); mem.writeF32(bOff, Bm.data); }
    r.gemm(f64 ? 'f64' : 'f32', { m: M, n: N, k: K, aOff, bOff, cOff, transA: A.trans, transB: Bm.trans, batch: B });
    return f64 ? mem.readF64(cOff, out.size) : mem.readF32(cOff, out.size);
  } finally {
    mem.free(aOff); mem.free(bOff); mem.free(cOff);
  }
}

/** Whether the unfused `unary` kernel would run `op` on an output of `out` in wasm SIMD. */
function simdUnary(op: string, out: Aval): op is 'exp' | 'log' | 'tanh' {
  return (op === 'exp' || op === 'log' || op === 'tanh') && out.size >= UNARY_MIN_SIZE && (out.dtype === 'float32' || out.dtype === 'float64');
}

function wasmUnary(op: string, x: Buf, out: Aval): Buf | undefined {
  if (!simdUnary(op, out)) return undefined;
  const f64 = out.dtype === 'float64';
  const r = rt();
  if (!r) return undefined;
  const mem = r.memory;
  const off = mem.alloc(out.size * (f64 ? 8 : 4), 64);
  try {
    if (f64) mem.writeF64(off, x); else mem.writeF32(off, x);
    r.unary(f64 ? 'f64' : 'f32', op, off, off, out.size);
    return f64 ? mem.readF64(off, out.size) : mem.readF32(off, out.size);
  } finally {
    mem.free(off);
  }
}

const js = jsBackend.kernels as Kernels<Buf>;

/**
 * Fused elementwise programs run as the reference backend's generated loops, except where the
 * unfused path would use a wasm SIMD transcendental (exp/log/tanh on ≥ UNARY_MIN_SIZE floats):
 * such programs are declined and run kernel by kernel, so fused results equal unfused ones bit
 * for bit on this backend too, and large transcendental maps keep their SIMD speed.
 */
function wasmFused(p: FusedProgram, xs: readonly Buf[], axs: readonly Aval[], outs: readonly Aval[]): Buf[] | undefined {
  const out0 = outs[0]!;
  if (out0.size >= UNARY_MIN_SIZE && rt() !== undefined && p.ops.some((o) => simdUnary(o.op, new Aval(out0.shape, o.dtype)))) return undefined;
  return js.fused!(p, xs, axs, outs);
}

const kernels: Kernels<Buf> = {
  ...js,
  dotGeneral: (x, y, ax, ay, d, out) => wasmDot(x, y, ax, ay, d, out) ?? js.dotGeneral(x, y, ax, ay, d, out),
  unary: (op, x, ax, out) => wasmUnary(op, x, out) ?? js.unary(op, x, ax, out),
  fused: wasmFused,
};

/**
 * The `wasm` backend (WebAssembly SIMD matrix products and transcendentals; reference kernels elsewhere).
 * @example
 * ```ts
 * setBackend('wasm');
 * ```
 */
export const wasmBackend: Backend<Buf> = { name: 'wasm', fromTyped: (d) => d, read: (b) => b, dispose: () => {}, kernels };

/**
 * Starts worker threads for large matrix products (Node; shared memory required).
 * @returns whether threads are running.
 * @example
 * ```ts
 * await startWasmThreads();
 * ```
 */
export async function startWasmThreads(threads?: number): Promise<boolean> {
  const r = rt();
  return r ? r.startThreads(threads) : false;
}

/**
 * Stops the worker threads.
 * @example
 * ```ts
 * await stopWasmThreads();
 * ```
 */
export async function stopWasmThreads(): Promise<void> {
  await runtime?.stopThreads();
}

registerBackend('wasm', () => wasmBackend as Backend);
