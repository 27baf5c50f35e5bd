/**
 * The wasm kernel runtime: one {@link WasmMemory} holding every tensor, and lazily generated,
 * compiled and instantiated SIMD kernels (GEMM, elementwise, reductions) that operate on
 * `(byte offset, length)` views of it. This is the layer the core's wasm backend adapter calls;
 * it knows nothing about tensors, shapes beyond 2-D views, or autodiff.
 *
 * Addresses are byte offsets into {@link WasmRuntime.memory}; sizes, strides and leading
 * dimensions are in elements. Kernels trust their arguments only after the cheap checks here
 * (integers, alignment, bounds), so a bad call throws a `RangeError` before touching memory.
 * @module
 */
import { detectRelaxedSimd } from './features.js';
import { buildGemmModule, defaultGemmConfig, gemmWarmBytes, gemmWorkspace, packedBBytes, type Dtype, type GemmConfig } from './gemm.js';
import { buildElementwiseModule, type BinaryOp, type UnaryOp } from './elementwise.js';
import { buildReduceModule, type ExactReduceOp } from './reduce.js';
import { buildTransposeModule } from './transpose.js';
import { WasmMemory, type WasmMemoryOptions } from './memory.js';
import { resolveGemm, type GemmParams, type ResolvedGemm } from './gemm-params.js';
import { ThreadPool } from './threads.js';
import { recordSplit, splitChoice, splitCostOf, type SplitCost } from './split-choice.js';
import { buildSkinnyModule, SKINNY_OVERREAD } from './skinny.js';

export type { Dtype, GemmConfig } from './gemm.js';
export type { BinaryOp, UnaryOp } from './elementwise.js';
export type { ExactReduceOp } from './reduce.js';
export type { GemmParams } from './gemm-params.js';
export { WasmMemory, sharedMemorySupported, type WasmMemoryOptions } from './memory.js';
export { detectRelaxedSimd, simdSupported } from './features.js';
export { defaultThreadCount } from './threads.js';

/**
 * Options for {@link WasmRuntime}.
 * @example
 * ```ts
 * new WasmRuntime({ memory: { initialPages: 256 }, relaxedSimd: 'off', threads: 'off' });
 * ```
 */
export interface WasmRuntimeOptions {
  /** An existing memory to use, or options for a new one. */
  readonly memory?: WasmMemory | WasmMemoryOptions | undefined;
  /**
   * Relaxed SIMD (fused multiply-add) policy: `'auto'` (default) uses it when the engine
   * validates it as it is (not Node 20, where it is behind a V8 flag); `'flag'` also switches
   * Node's `--experimental-wasm-relaxed-simd` on at run time (process-wide, opt-in); `'off'`
   * never uses it.
   */
  readonly relaxedSimd?: 'auto' | 'flag' | 'off' | undefined;
  /**
   * Worker threads for large GEMMs: `'auto'` (default) starts a pool of one thread per core
   * (caller included) on the first GEMM of at least {@link WasmRuntime.autoThreadWork}
   * multiply-adds, without blocking that call; `'off'` stays on the calling thread unless
   * {@link WasmRuntime.startThreads} is called.
   */
  readonly threads?: 'auto' | 'off' | undefined;
}

type Kernel = (...args: number[]) => void;
interface Modules { gemm?: Kernel; packB?: Kernel; elementwise?: Record<string, Kernel>; reduce?: Record<string, Kernel>; skinny?: Record<string, Kernel> }

/**
 * SIMD kernels over one wasm memory.
 * @example
 * ```ts
 * const rt = new WasmRuntime();
 * const c = rt.matmulArrays(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), 2, 2, 2);
 * // c = Float32Array [19, 22, 43, 50]
 * ```
 */
export class WasmRuntime {
  /** The memory every kernel reads and writes. */
  readonly memory: WasmMemory;
  /** Whether the GEMM kernels use relaxed-SIMD fused multiply-add. */
  readonly relaxed: boolean;
  /** The GEMM configuration per dtype. */
  readonly gemmConfig: Readonly<Record<Dtype, GemmConfig>>;
  private readonly mods: Record<Dtype, Modules> = { f32: {}, f64: {} };
  private readonly workspace: Partial<Record<Dtype, number>> = {};
  /** Generated GEMM module bytes per dtype (built once; workers instantiate the same bytes). */
  private readonly gemmBytes: Partial<Record<Dtype, Uint8Array<ArrayBuffer>>> = {};
  private pool: ThreadPool | undefined;
  private threadMode: 'auto' | 'off';
  private autoTried = false;
  /**
   * Whether a running pool is used only while it measures faster than one thread (default);
   * false splits every large product (tests, benchmarks of the pool itself).
   */
  adaptiveThreads = true;
  /** Per product size: what large products cost on one thread and on the pool (`split-choice.ts`). */
  private readonly splitCost = new Map<string, SplitCost>();
  /**
   * Smallest GEMM (`m·n·k·batch` multiply-adds) that starts the automatic pool. Two threads with
   * parked workers were measured to pay from n ≈ 128–256 on an idle 2-core machine (192³ sits in
   * between); on a busy one the adaptive choice keeps products on this thread (docs/performance.md).
   */
  autoThreadWork = 192 * 192 * 192;
  /** Smallest GEMM (`m·n·k·batch` multiply-adds) that a running pool splits; smaller ones run on the calling thread. */
  threadSplitWork = 192 * 192 * 192;
  private transposer: Record<string, Kernel> | undefined;
  private readonly generatedCache = new Map<string, Record<string, Kernel>>();

  /**
   * Creates a runtime (kernels are generated and compiled on first use, synchronously).
   * @param options - memory and feature policy, see {@link WasmRuntimeOptions}
   */
  constructor(options: WasmRuntimeOptions = {}) {
    const m = options.memory;
    this.memory = m instanceof WasmMemory ? m : new WasmMemory(m);
    this.relaxed = options.relaxedSimd === 'off' ? false : detectRelaxedSimd(options.relaxedSimd === 'flag');
    this.threadMode = options.threads ?? 'auto';
    this.gemmConfig = { f32: defaultGemmConfig('f32', this.relaxed), f64: defaultGemmConfig('f64', this.relaxed) };
  }

  /** How generated modules declare the imported memory. */
  private get memoryDecl(): { shared: boolean; maximum: number | undefined } {
    return { shared: this.memory.shared, maximum: this.memory.shared ? this.memory.maximumPages : undefined };
  }

  private instantiate(bytes: Uint8Array<ArrayBuffer>): Record<string, Kernel> {
    const mod = new WebAssembly.Module(bytes);
    return new WebAssembly.Instance(mod, { env: { memory: this.memory.memory } }).exports as Record<string, Kernel>;
  }

  /**
   * Instantiates a module generated on demand (e.g. a fused elementwise kernel) on this
   * runtime's memory, cached by `key` (at most 256 modules; the oldest is dropped first).
   * @param key - cache key, unique per generated code
   * @param build - generates the module bytes given how to declare the imported memory
   * @returns the instance's exports
   * @example
   * ```ts
   * const { run } = rt.generated('fused:f32:ff:' + program.key, (m) => buildFusedModule(program, 'f32', 'ff', m));
   * ```
   */
  generated(key: string, build: (memory: { shared: boolean; maximum: number | undefined }) => Uint8Array<ArrayBuffer>): Record<string, (...args: number[]) => void> {
    let exp = this.generatedCache.get(key);
    if (exp === undefined) {
      exp = this.instantiate(build(this.memoryDecl));
      if (this.generatedCache.size >= 256) this.generatedCache.delete(this.generatedCache.keys().next().value!);
      this.generatedCache.set(key, exp);
    }
    return exp;
  }

  /**
   * The compiled GEMM module bytes for a dtype (what worker threads instantiate).
   * @param dtype - `'f32'` or `'f64'`
   * @returns the module bytes
   */
  gemmModuleBytes(dtype: Dtype): Uint8Array<ArrayBuffer> {
    return (this.gemmBytes[dtype] ??= buildGemmModule(this.gemmConfig[dtype], this.memoryDecl));
  }

  private gemmKernel(dtype: Dtype): Kernel {
    const mods = this.mods[dtype];
    if (mods.gemm) return mods.gemm;
    const exp = this.instantiate(this.gemmModuleBytes(dtype));
    const fn = exp['gemm'] as Kernel;
    mods.gemm = fn;
    mods.packB = exp['packB'] as Kernel;
    // Warm-up: small products through every function of the module until V8 has swapped in its
    // optimized code (see warmUntilOptimized), so that a short script's first products are fast.
    const tmp = this.memory.alloc(gemmWarmBytes(this.gemmConfig[dtype]), 64);
    warmUntilOptimized(exp['warm'] as Kernel, tmp, this.gemmWorkspace(dtype));
    this.memory.free(tmp);
    return fn;
  }

  private gemmWorkspace(dtype: Dtype): number {
    let ws = this.workspace[dtype];
    if (ws === undefined) {
      ws = this.allocWorkspace(dtype);
      this.workspace[dtype] = ws;
    }
    return ws;
  }

  private elementwise(dtype: Dtype): Record<string, Kernel> {
    const mods = this.mods[dtype];
    return (mods.elementwise ??= this.instantiate(buildElementwiseModule(dtype, this.memoryDecl)));
  }

  /**
   * The matrix-vector and small `Aᵀ·B` kernels (`skinny.ts`), instantiated on first use. Not
   * warmed up as the GEMM is: their products take microseconds, and V8 tiers them up by itself
   * within ~100 calls (a 569 × 31 matrix-vector product: ~20 µs on baseline code, 4 µs after,
   * ~2–8 ms in all), where a timed warm-up loop costs 20–40 ms of every process that uses them.
   */
  private skinny(dtype: Dtype): Record<string, Kernel> {
    const mods = this.mods[dtype];
    return (mods.skinny ??= this.instantiate(buildSkinnyModule(this.gemmConfig[dtype], this.memoryDecl)));
  }
  /**
   * Whether `[off, off + bytes)` plus the {@link SKINNY_OVERREAD} bytes that a skinny kernel may
   * read past it lie in memory; throws on an unaligned or negative offset.
   */
  private skinnyFits(dtype: Dtype, bytes: number, ...offs: number[]): boolean {
    const E = dtype === 'f32' ? 4 : 8;
    for (const off of offs) {
      if (!Number.isInteger(off) || off < 0 || off % E !== 0) throw new RangeError(`wasm: byte offset ${off} is unaligned or negative`);
      if (off + bytes + SKINNY_OVERREAD > this.memory.byteLength) return false;
    }
    return true;
  }
  /**
   * Row vector times matrix, `c = v · B` (`v` of `k` contiguous elements, `B` `k×n` with rows
   * `rsB` bytes apart and unit column stride, `c` of `n` contiguous elements), with the bits the
   * GEMM gives for the same product (`m = 1`). No packing: for `Xᵀr` with X stored `[k, n]`.
   * @param dtype - `'f32'` or `'f64'`
   * @param k - length of `v` (≥ 1)
   * @param n - columns of B (≥ 1)
   * @param vOff - byte offset of `v`
   * @param bOff - byte offset of B
   * @param rsB - byte stride between rows of B (≥ n elements)
   * @param cOff - byte offset of `c`
   * @returns false (nothing done) where memory ends too close behind an operand for the kernel's reads
   * @example
   * ```ts
   * rt.rowvec('f32', 569, 31, r, x, 31 * 4, out); // out = rᵀ·X, X stored [569, 31]
   * ```
   */
  rowvec(dtype: Dtype, k: number, n: number, vOff: number, bOff: number, rsB: number, cOff: number): boolean {
    const E = dtype === 'f32' ? 4 : 8;
    this.checkSkinnySizes('rowvec', dtype, rsB, n, k, n);
    this.checkRanges(dtype, k, vOff); this.checkRanges(dtype, n, cOff);
    if (!this.skinnyFits(dtype, (k - 1) * rsB + n * E, bOff)) return false;
    (this.skinny(dtype)['rowvec'] as Kernel)(k, n, vOff, bOff, rsB, cOff);
    return true;
  }
  /**
   * Matrix times vector, `c = A · v` (`A` `m×k` with rows `rsA` bytes apart and unit column
   * stride, `v` of `k` and `c` of `m` contiguous elements), with the bits the GEMM gives for the
   * same product (`n = 1`). No packing: for `X·w` with X stored `[m, k]`.
   * @param dtype - `'f32'` or `'f64'`
   * @param m - rows of A (≥ 1)
   * @param k - columns of A, length of `v` (≥ 1)
   * @param aOff - byte offset of A
   * @param rsA - byte stride between rows of A (≥ k elements)
   * @param vOff - byte offset of `v`
   * @param cOff - byte offset of `c`
   * @returns false (nothing done) where memory ends too close behind an operand for the kernel's reads
   * @example
   * ```ts
   * rt.matvec('f32', 569, 31, x, 31 * 4, w, out); // out = X·w
   * ```
   */
  matvec(dtype: Dtype, m: number, k: number, aOff: number, rsA: number, vOff: number, cOff: number): boolean {
    const E = dtype === 'f32' ? 4 : 8;
    this.checkSkinnySizes('matvec', dtype, rsA, k, m, k);
    this.checkRanges(dtype, k, vOff); this.checkRanges(dtype, m, cOff);
    if (!this.skinnyFits(dtype, (m - 1) * rsA + k * E, aOff)) return false;
    (this.skinny(dtype)['matvec'] as Kernel)(m, k, aOff, rsA, vOff, cOff);
    return true;
  }
  /**
   * `C = Aᵀ·B` for A stored `k×m` and B stored `k×n` (rows `rsA`/`rsB` bytes apart, unit column
   * stride; C `m×n` with rows `ldc` bytes apart), read in place in register tiles, with the bits
   * the GEMM gives for the same product. `sym` (A and B the same array and layout, `m = n`: a Gram
   * matrix `XᵀX`) computes the upper triangle and mirrors it.
   * @param dtype - `'f32'` or `'f64'`
   * @param m - columns of A, rows of C (≥ 1)
   * @param n - columns of B and C (≥ 1)
   * @param k - rows of A and B (≥ 1)
   * @param aOff - byte offset of A
   * @param rsA - byte stride between rows of A
   * @param bOff - byte offset of B
   * @param rsB - byte stride between rows of B
   * @param cOff - byte offset of C
   * @param ldc - byte stride between rows of C
   * @param sym - whether B is A (same offset and stride, `m = n`)
   * @returns false (nothing done) where memory ends too close behind an operand for the kernel's reads
   * @example
   * ```ts
   * rt.gramT('f32', 31, 31, 569, x, 31 * 4, x, 31 * 4, g, 31 * 4, true); // g = XᵀX
   * ```
   */
  gramT(dtype: Dtype, m: number, n: number, k: number, aOff: number, rsA: number, bOff: number, rsB: number, cOff: number, ldc: number, sym: boolean): boolean {
    const E = dtype === 'f32' ? 4 : 8;
    this.checkSkinnySizes('gramT', dtype, rsA, m, k, m);
    this.checkSkinnySizes('gramT', dtype, rsB, n, k, n);
    this.checkSkinnySizes('gramT', dtype, ldc, n, m, n);
    if (sym && (aOff !== bOff || rsA !== rsB || m !== n)) throw new RangeError('gramT: sym needs A and B to be the same array (offset, stride, size)');
    if (!Number.isInteger(cOff) || cOff < 0 || cOff % E !== 0 || cOff + (m - 1) * ldc + n * E > this.memory.byteLength) {
      throw new RangeError(`gramT: C at ${cOff} is unaligned or outside memory`);
    }
    if (!this.skinnyFits(dtype, (k - 1) * rsA + m * E, aOff) || !this.skinnyFits(dtype, (k - 1) * rsB + n * E, bOff)) return false;
    (this.skinny(dtype)['gramT'] as Kernel)(m, n, k, aOff, rsA, bOff, rsB, cOff, ldc, sym ? 1 : 0);
    return true;
  }
  /** Checks a skinny kernel's sizes (positive integers) and a row stride (a whole number of elements covering `width`). */
  private checkSkinnySizes(op: string, dtype: Dtype, stride: number, width: number, ...sizes: number[]): void {
    const E = dtype === 'f32' ? 4 : 8;
    for (const v of sizes) if (!Number.isInteger(v) || v < 1) throw new RangeError(`${op}: sizes must be positive integers, got ${sizes.join(', ')}`);
    if (!Number.isInteger(stride) || stride % E !== 0 || stride < width * E) throw new RangeError(`${op}: row stride ${stride} bytes must be a multiple of ${E} covering ${width} elements`);
  }
  private reducer(dtype: Dtype): Record<string, Kernel> {
    const mods = this.mods[dtype];
    return (mods.reduce ??= this.instantiate(buildReduceModule(dtype, this.memoryDecl)));
  }

  /**
   * Batched GEMM `C (+)= op(A) · op(B)` on resident data, see {@link GemmParams}.
   * @param dtype - `'f32'` or `'f64'`
   * @param params - sizes, byte offsets and options
   * @example
   * ```ts
   * rt.gemm('f32', { m: 2, n: 3, k: 4, aOff: a, bOff: b, cOff: c, transB: true });
   * ```
   */
  gemm(dtype: Dtype, params: GemmParams): void {
    const r = resolveGemm(dtype, params, this.memory.byteLength);
    if (r.m === 0 || r.n === 0 || r.batch === 0) return;
    const fn = this.gemmKernel(dtype);
    const ws = this.gemmWorkspace(dtype);
    if (this.pool === undefined && this.threadMode === 'auto' && !this.autoTried && r.k > 0 && r.m * r.n * r.k * r.batch >= this.autoThreadWork) this.autoStart();
    const work = r.m * r.n * r.k * r.batch;
    if (this.pool && work >= this.threadSplitWork && this.pool.accepts(r)) {
      if (!this.adaptiveThreads) { this.poolGemm(dtype, r, fn, ws); return; }
      const c = splitCostOf(this.splitCost, r);
      const usePool = splitChoice(c);
      const t0 = performance.now();
      if (usePool) this.poolGemm(dtype, r, fn, ws);
      else fn(r.m, r.n, r.k, r.a, r.rsA, r.csA, r.b, r.rsB, r.csB, r.c, r.ldc, r.accumulate, ws, r.batch, r.sA, r.sB, r.sC, 0);
      recordSplit(c, usePool, (performance.now() - t0) / work);
      return;
    }
    fn(r.m, r.n, r.k, r.a, r.rsA, r.csA, r.b, r.rsB, r.csB, r.c, r.ldc, r.accumulate, ws, r.batch, r.sA, r.sB, r.sC, 0);
  }

  /**
   * Runs a GEMM on the pool. Where every batch uses the same B, this thread packs B once into a
   * shared block and the items use it (else each item would pack all of B again).
   */
  private poolGemm(dtype: Dtype, r: ResolvedGemm, fn: Kernel, ws: number): void {
    const pool = this.pool!;
    let pre = 0;
    if ((r.batch === 1 || r.sB === 0) && pool.sharesPackedB(r)) {
      try {
        pre = this.memory.alloc(packedBBytes(this.gemmConfig[dtype], r.k, r.n), 64);
      } catch { /* no room for a shared copy of B: the items pack their own */ }
    }
    if (pre === 0) { pool.gemm(dtype, r, fn, ws); return; }
    pool.wake(); // workers wake while B is packed
    try {
      (this.mods[dtype].packB as Kernel)(r.b, r.rsB, r.csB, r.k, r.n, pre);
      pool.gemm(dtype, r, fn, ws, pre);
    } finally {
      this.memory.free(pre);
    }
  }

  /**
   * Allocates a GEMM workspace (packing buffers) for one more thread.
   * @param dtype - `'f32'` or `'f64'`
   * @returns the workspace's byte offset (64-byte aligned)
   */
  allocWorkspace(dtype: Dtype): number {
    return this.memory.alloc(gemmWorkspace(this.gemmConfig[dtype]).bytes, 64);
  }

  /**
   * Elementwise `out[i] = a[i] op b[i]` over `n` contiguous elements.
   * @param dtype - `'f32'` or `'f64'`
   * @param op - `'add' | 'sub' | 'mul' | 'div' | 'max' | 'min'`
   * @param aOff - byte offset of `a`
   * @param bOff - byte offset of `b`
   * @param outOff - byte offset of `out` (may equal `aOff` or `bOff`)
   * @param n - number of elements
   * @example
   * ```ts
   * rt.binary('f64', 'mul', x, y, z, 1000);
   * ```
   */
  binary(dtype: Dtype, op: BinaryOp, aOff: number, bOff: number, outOff: number, n: number): void {
    this.checkRanges(dtype, n, aOff, bOff, outOff);
    (this.elementwise(dtype)[op] as Kernel)(aOff, bOff, outOff, n);
  }

  /**
   * Elementwise op with one scalar operand stored in memory: `out[i] = v[i] op s` (or `s op v[i]`
   * when `scalarFirst`).
   * @param dtype - `'f32'` or `'f64'`
   * @param op - the binary op
   * @param vOff - byte offset of the vector operand
   * @param sOff - byte offset of the one-element scalar operand
   * @param outOff - byte offset of `out`
   * @param n - number of elements
   * @param scalarFirst - put the scalar on the left (matters for `sub` and `div`)
   * @example
   * ```ts
   * rt.binaryScalar('f32', 'div', x, two, y, 1000, true); // y = 2 / x
   * ```
   */
  binaryScalar(dtype: Dtype, op: BinaryOp, vOff: number, sOff: number, outOff: number, n: number, scalarFirst = false): void {
    this.checkRanges(dtype, n, vOff, outOff);
    this.checkRanges(dtype, 1, sOff);
    const k = this.elementwise(dtype);
    if (scalarFirst) (k[`${op}_sv`] as Kernel)(sOff, vOff, outOff, n);
    else (k[`${op}_vs`] as Kernel)(vOff, sOff, outOff, n);
  }

  /**
   * Elementwise unary op, all in SIMD: `neg`, `abs`, `sqrt` exact; `exp` and `log` within 1 ulp
   * of `Math.exp`/`Math.log`, `tanh` within 2 ulp (f32) / 3 ulp (f64) of `Math.tanh`.
   * @param dtype - `'f32'` or `'f64'`
   * @param op - the unary op
   * @param aOff - byte offset of the input
   * @param outOff - byte offset of the output (may equal `aOff`)
   * @param n - number of elements
   * @example
   * ```ts
   * rt.unary('f32', 'sqrt', x, y, 1000);
   * ```
   */
  unary(dtype: Dtype, op: UnaryOp, aOff: number, outOff: number, n: number): void {
    this.checkRanges(dtype, n, aOff, outOff);
    (this.elementwise(dtype)[op] as Kernel)(aOff, outOff, n);
  }

  /**
   * Reduction over the last axis of a contiguous `[rows, cols]` array with the reference
   * backend's semantics: sums accumulate in float64 (float32 inputs are widened, the result is
   * rounded once), in 8 interleaved SIMD accumulators; `max`/`min` take an element when it is
   * strictly greater (less) than the running value or NaN, so NaN propagates. Among ties of
   * `+0` and `-0` the lane order decides, which may differ from the first-in-row rule of the
   * reference kernel (the wasm backend adapter re-resolves rows whose result is zero).
   * @param dtype - `'f32'` or `'f64'`
   * @param op - `'sum'`, `'max'` or `'min'`
   * @param aOff - byte offset of the input
   * @param outOff - byte offset of the `rows` outputs (same dtype)
   * @param rows - number of rows
   * @param cols - row length (0 gives 0, -Infinity, +Infinity)
   * @example
   * ```ts
   * rt.reduceRows('f32', 'max', x, rowMax, 128, 1000);
   * ```
   */
  reduceRows(dtype: Dtype, op: ExactReduceOp, aOff: number, outOff: number, rows: number, cols: number): void {
    this.checkRanges(dtype, rows * cols, aOff);
    this.checkRanges(dtype, rows, outOff);
    (this.reducer(dtype)[`r${op}`] as Kernel)(aOff, outOff, rows, cols);
  }

  /**
   * Reduction over the middle axis of a contiguous `[batch, rows, cols]` array into
   * `[batch, cols]`: each output is accumulated over the rows in order, in one SIMD lane (sums in
   * float64, rounded once), so the result equals the reference backend's bit for bit, ties of
   * ±0 and NaN propagation included (NaN payloads aside).
   * @param dtype - `'f32'` or `'f64'`
   * @param op - `'sum'`, `'max'` or `'min'`
   * @param aOff - byte offset of the input
   * @param outOff - byte offset of the `batch · cols` outputs (same dtype)
   * @param batch - number of independent `[rows, cols]` slabs
   * @param rows - the reduced length
   * @param cols - the kept length
   * @example
   * ```ts
   * rt.reduceCols('f32', 'sum', grads, biasGrad, 1, 256, 512); // column sums of [256, 512]
   * ```
   */
  reduceCols(dtype: Dtype, op: ExactReduceOp, aOff: number, outOff: number, batch: number, rows: number, cols: number): void {
    this.checkRanges(dtype, batch * rows * cols, aOff);
    this.checkRanges(dtype, batch * cols, outOff);
    (this.reducer(dtype)[`c${op}`] as Kernel)(aOff, outOff, batch, rows, cols);
  }

  /**
   * Transposes the last two axes of a contiguous `[batch, m, n]` array into `[batch, n, m]`,
   * moving elements as bits (exact for any 4- or 8-byte element type).
   * @param bytes - element size, 4 or 8
   * @param srcOff - byte offset of the input
   * @param dstOff - byte offset of the output (must not overlap the input)
   * @param batch - number of matrices
   * @param m - rows of each input matrix
   * @param n - columns of each input matrix
   * @example
   * ```ts
   * rt.transpose(4, x, xt, 1, 300, 500); // [300, 500] -> [500, 300]
   * ```
   */
  transpose(bytes: 4 | 8, srcOff: number, dstOff: number, batch: number, m: number, n: number): void {
    const dtype: Dtype = bytes === 4 ? 'f32' : 'f64';
    if (bytes !== 4 && bytes !== 8) throw new RangeError(`transpose: element size must be 4 or 8, got ${String(bytes)}`);
    for (const v of [batch, m, n]) if (!Number.isInteger(v) || v < 0) throw new RangeError(`transpose: sizes must be non-negative integers, got ${batch}, ${m}, ${n}`);
    const count = batch * m * n;
    this.checkRanges(dtype, count, srcOff, dstOff);
    if (count > 0 && srcOff < dstOff + count * bytes && dstOff < srcOff + count * bytes) throw new RangeError('transpose: input and output overlap');
    if (count === 0) return;
    this.transposer ??= this.instantiate(buildTransposeModule(this.memoryDecl));
    (this.transposer[`t${bytes}`] as Kernel)(srcOff, dstOff, batch, m, n);
  }

  /**
   * Convenience matmul on JS arrays: copies in, runs {@link WasmRuntime.gemm}, copies out and
   * frees. The dtype follows the array type. Meant for tests and benchmarks.
   * @param a - `A` as stored: `[batch, m, k]` (or `[batch, k, m]` with `transA`)
   * @param b - `B` as stored: `[batch, k, n]` (or `[batch, n, k]` with `transB`)
   * @param m - rows of `op(A)`
   * @param k - inner dimension
   * @param n - columns of `op(B)`
   * @param options - transposes and batch count
   * @returns `C = op(A)·op(B)`, `[batch, m, n]`, same array type as `a`
   * @example
   * ```ts
   * rt.matmulArrays(new Float64Array(6), new Float64Array(12), 2, 3, 4).length; // 8
   * ```
   */
  matmulArrays<T extends Float32Array | Float64Array>(a: T, b: T, m: number, k: number, n: number,
    options: { transA?: boolean; transB?: boolean; batch?: number } = {}): T {
    const f32 = a instanceof Float32Array;
    const dtype: Dtype = f32 ? 'f32' : 'f64';
    const batch = options.batch ?? 1;
    if (a.length !== batch * m * k || b.length !== batch * k * n) {
      throw new RangeError(`matmulArrays: expected ${batch * m * k} and ${batch * k * n} elements, got ${a.length} and ${b.length}`);
    }
    const mem = this.memory;
    const aOff = f32 ? mem.allocF32(a) : mem.allocF64(a);
    const bOff = f32 ? mem.allocF32(b) : mem.allocF64(b);
    const cOff = mem.alloc(batch * m * n * (f32 ? 4 : 8));
    try {
      this.gemm(dtype, { m, n, k, aOff, bOff, cOff, batch, transA: options.transA ?? false, transB: options.transB ?? false });
      return (f32 ? mem.readF32(cOff, batch * m * n) : mem.readF64(cOff, batch * m * n)) as T;
    } finally {
      mem.free(aOff); mem.free(bOff); mem.free(cOff);
    }
  }

  /**
   * Starts a worker pool sharing the memory (Node worker threads, or Web Workers in a
   * cross-origin-isolated page; needs a shared memory) and waits until it is ready; large GEMMs
   * are then split by rows over the workers and this thread. Without this call a pool starts by
   * itself on the first large GEMM (option `threads: 'auto'`, the default).
   * @param threads - total threads including this one (default: the number of cores)
   * @returns resolves once the workers are ready; false when threads are unavailable
   * @example
   * ```ts
   * await rt.startThreads(); // later rt.gemm(...) calls use every core
   * ```
   */
  async startThreads(threads?: number): Promise<boolean> {
    this.threadMode = 'auto';
    const p = this.pool;
    if (p && (threads === undefined || threads === p.size + 1)) {
      try {
        await p.whenReady;
        return true;
      } catch { /* start afresh below */ }
    }
    if (p) {
      this.pool = undefined;
      await p.terminate();
    }
    if (!this.memory.shared) return false;
    const pool = await ThreadPool.create(this, threads);
    if (!pool) return false;
    this.pool = pool;
    return true;
  }

  /**
   * Starts the pool without waiting (the automatic start); a failed start leaves this runtime
   * single-threaded. Never throws.
   */
  private autoStart(): void {
    this.autoTried = true; // one attempt per runtime
    try {
      this.pool = ThreadPool.startSync(this);
    } catch {
      this.pool = undefined;
    }
  }

  /**
   * Number of threads a large GEMM runs on now (1 without a pool, or while an automatically
   * started pool is still starting).
   */
  get threads(): number { return this.pool?.ready ? this.pool.size + 1 : 1; }

  /** Whether threads start by themselves (`'auto'`) or stay off until {@link WasmRuntime.startThreads} (`'off'`). */
  get threadSetting(): 'auto' | 'off' { return this.threadMode; }

  /** GEMM work items completed by the pool's workers (not this thread) since it started; 0 without a pool. */
  get workerItems(): number { return this.pool ? this.pool.workerItems : 0; }

  /**
   * Stops the worker pool, if any, and turns threads off (the automatic start included) until
   * the next {@link WasmRuntime.startThreads}. The runtime stays usable single-threaded.
   * @returns resolves when the workers have exited
   * @example
   * ```ts
   * await rt.stopThreads();
   * ```
   */
  async stopThreads(): Promise<void> {
    this.threadMode = 'off';
    const p = this.pool;
    this.pool = undefined;
    if (p) await p.terminate();
  }

  /** Throws unless each offset is element-aligned and `[off, off + n·E)` lies in memory. */
  private checkRanges(dtype: Dtype, n: number, ...offs: number[]): void {
    const E = dtype === 'f32' ? 4 : 8;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`wasm: element count must be a non-negative integer, got ${n}`);
    const size = this.memory.byteLength;
    for (const off of offs) {
      if (!Number.isInteger(off) || off < 0 || off % E !== 0 || off + n * E > size) {
        throw new RangeError(`wasm: byte offset ${off} (+${n} × ${E} bytes) is unaligned or outside memory (${size} bytes)`);
      }
    }
  }
}

/** Upper bound on the time a GEMM module's warm-up may take (ms). */
const WARM_CAP_MS = 40;

/**
 * Runs a module's `warm(scratch, ws)` export until its optimized code is in place. V8 first runs
 * a wasm function as baseline (Liftoff) code, 2–3× slower, and compiles optimized code in the
 * background only once the function has run long enough; measured on the 2-core bench machine,
 * a 128×128 product then stayed at 0.5–0.6 ms for its first ~8 calls and fell to 0.18 ms after.
 * So: one call to compile lazily and fault the scratch in, one timed reference call, then calls
 * until one takes under half the reference (the optimized code is in), or {@link WARM_CAP_MS}.
 */
function warmUntilOptimized(warm: Kernel, scratch: number, ws: number): void {
  warm(scratch, ws);
  let t = performance.now();
  warm(scratch, ws);
  const start = performance.now(), reference = start - t;
  while (performance.now() - start < WARM_CAP_MS) {
    t = performance.now();
    warm(scratch, ws);
    if (performance.now() - t < 0.5 * reference) break;
  }
}
