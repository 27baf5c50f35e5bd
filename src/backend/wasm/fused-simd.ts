/**
 * WebAssembly SIMD code generator for fused elementwise programs ({@link FusedProgram}).
 *
 * One module is generated per (program, input layout) and cached on the runtime. Its function
 * `run(in…, out…, n)` loops over the output in `f32x4` / `f64x2` vectors, one vector per
 * iteration, computing every op of the program in v128 locals, then runs the same code on a
 * splatted scalar for the tail (the unfused transcendental kernels do the same, so a tail lane
 * equals a vector lane). Layouts: each input is full-size contiguous (`f`, a byte offset into the
 * runtime's memory, read at the output index), a size-1 scalar (`s`, passed by value and
 * splatted once before the loop), or a row (`r`: a trailing block of the output's shape, such as
 * a bias `[32]` added to `[64, 32]`, read at the output index modulo its length, which must be a
 * whole number of vectors); other broadcasts are not handled here.
 *
 * Supported programs: every input, literal and op of one float dtype (float32 or float64), made
 * of `add sub mul div neg abs sqrt max min copy exp log tanh logistic`, plus comparisons
 * (`eq ne lt le gt ge`, whose bool results stay lane masks) read only as the predicate of
 * `select`. Anything else (casts, int32/bool values, other transcendentals, comparisons read
 * elsewhere or written out) makes {@link fusedSimdDtype} return undefined.
 *
 * Exactness: the arithmetic ops are IEEE correctly rounded in wasm SIMD, as they are in the `js`
 * kernels (for float32 computing in float64 and rounding once gives the same value for
 * `+ − × ÷ √`), so results equal the unfused `js` kernels' bit for bit, NaN payloads aside.
 * `max`/`min` follow the `js` rule, not wasm's `f32x4.max`: NaN if either operand is NaN (the
 * canonical NaN), else `x > y ? x : y` (`x < y ? x : y`), so ties of ±0 return the second
 * operand, by compare and `v128.bitselect`. exp/log/tanh/logistic inline the generators of
 * `transcendental.ts`, the exact code of the unfused wasm kernels (lane-wise, no FMA), so they
 * equal the unfused wasm path wherever that path uses them (the backend adapter routes programs
 * with transcendentals here only at the sizes where it does).
 * @module
 */
import type { FusedOp, FusedProgram } from '../backend.js';
import type { DType } from '../../tensor/dtype.js';
import { Code, F32, F64, I32, ModuleBuilder, V128, type SimdOpName, type ValType } from './encoder.js';
import type { Dtype } from './gemm.js';
import type { WasmRuntime } from './index.js';
import { emitExp, emitLog, emitLogistic, emitTanh, expConstants, logConstants, type ExpConstants, type LogConstants } from './transcendental.js';
import { outputArray } from './pool.js';
import { stagingBlock } from './staging.js';

const ARITH = new Set<FusedOp['op']>(['add', 'sub', 'mul', 'div', 'neg', 'abs', 'sqrt', 'max', 'min', 'copy', 'exp', 'log', 'tanh', 'logistic']);
const COMPARE = new Set<FusedOp['op']>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const TRANSCENDENTAL = new Set<FusedOp['op']>(['exp', 'log', 'tanh', 'logistic']);

/**
 * Input layout of a generated fused kernel, one letter per input: `f` full-size contiguous,
 * `s` a size-1 scalar splatted over the output, `r` a row repeated along the output (a trailing
 * block; every `r` input of a kernel has the same length, a multiple of 16 bytes).
 * @example
 * ```ts
 * const layout: FusedSimdLayout = 'fsr'; // input 0 full-size, input 1 a scalar, input 2 a row
 * ```
 */
export type FusedSimdLayout = string;

const eligibility = new WeakMap<FusedProgram, Dtype | null>();

/**
 * The wasm element type a program runs in on the SIMD generator, or undefined when the program
 * is not supported (see the module notes). Cached per program object.
 * @param p - the program
 * @returns `'f32'`, `'f64'` or undefined
 * @example
 * ```ts
 * fusedSimdDtype(program); // 'f32' for a float32 chain of mul/add/exp
 * ```
 */
export function fusedSimdDtype(p: FusedProgram): Dtype | undefined {
  let d = eligibility.get(p);
  if (d === undefined) eligibility.set(p, (d = check(p)));
  return d ?? undefined;
}

function check(p: FusedProgram): Dtype | null {
  const dt: DType | undefined = p.inputs[0] ?? p.literals[0]?.dtype ?? p.ops[0]?.dtype;
  if (dt !== 'float32' && dt !== 'float64') return null;
  if (p.inputs.some((d) => d !== dt) || p.literals.some((l) => l.dtype !== dt)) return null;
  const nIn = p.inputs.length, base = nIn + p.literals.length;
  const isMask = (r: number): boolean => r >= base && COMPARE.has(p.ops[r - base]!.op);
  for (const op of p.ops) {
    if (COMPARE.has(op.op)) {
      if (op.dtype !== 'bool' || op.args.some(isMask)) return null;
    } else if (op.op === 'select') {
      if (op.dtype !== dt || !isMask(op.args[0]!) || isMask(op.args[1]!) || isMask(op.args[2]!)) return null;
    } else if (!ARITH.has(op.op) || op.dtype !== dt || op.args.some(isMask)) return null;
  }
  if (p.outputs.some(isMask) || p.outputs.length === 0) return null;
  return dt === 'float32' ? 'f32' : 'f64';
}

/**
 * Whether a program contains exp, log, tanh or logistic (the ops whose fused SIMD result equals the
 * unfused one only where the unfused path uses the SIMD transcendentals too).
 * @param p - the program
 * @returns true when an op is exp, log, tanh or logistic
 * @example
 * ```ts
 * hasTranscendental(program); // true for x.mul(2).exp()
 * ```
 */
export function hasTranscendental(p: FusedProgram): boolean {
  return p.ops.some((o) => TRANSCENDENTAL.has(o.op));
}

/**
 * Generates the module of one program and input layout. It exports `run(in…, out…, n[, rowBytes])`:
 * for each input a byte offset (`f`, `r`) or the scalar's value (`s`, an f32/f64 parameter), then
 * one byte offset per output, then the element count, then (with `r` inputs) the rows' length in
 * bytes (a multiple of 16 dividing `n` elements). Buffers must not overlap partially.
 * @param p - a program accepted by {@link fusedSimdDtype}
 * @param dtype - its element type
 * @param layout - one letter per input (`f` or `s`)
 * @param memory - how to declare the imported `env.memory` (must match the real memory)
 * @returns the module bytes
 * @example
 * ```ts
 * WebAssembly.validate(buildFusedModule(program, 'f32', 'fs', { shared: false, maximum: undefined })); // true
 * ```
 */
export function buildFusedModule(p: FusedProgram, dtype: Dtype, layout: FusedSimdLayout, memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const f32 = dtype === 'f32';
  const E = f32 ? 4 : 8;
  const V = (op: string): SimdOpName => `${f32 ? 'f32x4' : 'f64x2'}_${op}` as SimdOpName;
  const nIn = p.inputs.length, nLit = p.literals.length, base = nIn + nLit, nOps = p.ops.length, nOut = p.outputs.length;
  if (layout.length !== nIn || /[^fsr]/.test(layout)) throw new RangeError(`buildFusedModule: bad layout "${layout}" for ${nIn} inputs`);
  const scalarT: ValType = f32 ? F32 : F64;
  const rows = layout.includes('r');
  const params: ValType[] = [...[...layout].map((k): ValType => (k === 's' ? scalarT : I32)), ...p.outputs.map((): ValType => I32), I32, ...(rows ? [I32 as ValType] : [])];
  const nParam = nIn + nOut;
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });
  const fn = mb.func(params, [], (c, local) => {
    const i = local(I32), endV = local(I32), end = local(I32);
    // j: the byte offset within the row (r inputs), i modulo rowBytes
    const j = rows ? local(I32) : -1, rowBytes = nParam + 1;
    // Loop-invariant values: literals and scalar inputs (splatted), constants of the transcendentals.
    const fixed = new Map<number, number>(); // value ref → v128 local
    const used = new Set<number>();
    for (const op of p.ops) for (const r of op.args) used.add(r);
    for (const r of p.outputs) used.add(r);
    for (let r = 0; r < base; r++) {
      if (!used.has(r)) continue;
      if (r < nIn && layout[r] !== 's') continue;
      const l = local(V128);
      if (r < nIn) c.get(r); else if (f32) c.f32(p.literals[r - nIn]!.value); else c.f64(p.literals[r - nIn]!.value);
      c.simd(f32 ? 'f32x4_splat' : 'f64x2_splat').set(l);
      fixed.set(r, l);
    }
    const ops = new Set(p.ops.map((o) => o.op));
    let nan = -1;
    if (ops.has('max') || ops.has('min')) { nan = local(V128); (f32 ? c.f32(NaN) : c.f64(NaN)).simd(f32 ? 'f32x4_splat' : 'f64x2_splat').set(nan); }
    const ek: ExpConstants | undefined = ops.has('exp') || ops.has('tanh') || ops.has('logistic') ? expConstants(c, local, dtype) : undefined;
    const lk: LogConstants | undefined = ops.has('log') ? logConstants(c, local, dtype) : undefined;
    const scratch = ek || lk ? local(V128) : -1;
    // Full inputs get a local each, loaded at the top of every iteration.
    const loaded = new Map<number, number>();
    for (let r = 0; r < nIn; r++) if (layout[r] !== 's' && used.has(r)) loaded.set(r, local(V128));
    // Op values: v128 locals reused once their last reader has run.
    const lastUse = new Int32Array(nOps).fill(-1);
    p.ops.forEach((op, k) => { for (const r of op.args) if (r >= base) lastUse[r - base] = k; });
    const slot = new Int32Array(nOps);
    const free: number[] = [];
    for (let k = 0; k < nOps; k++) {
      for (const r of new Set(p.ops[k]!.args)) if (r >= base && lastUse[r - base] === k) free.push(slot[r - base]!);
      slot[k] = free.length > 0 ? free.pop()! : local(V128);
    }
    const ref = (r: number): number => (r >= base ? slot[r - base]! : r < nIn && layout[r] !== 's' ? loaded.get(r)! : fixed.get(r)!);

    const body = (vector: boolean): void => {
      for (const [r, l] of loaded) c.get(r).get(layout[r] === 'r' ? j : i).op('i32_add').vmem(vector ? 'v128_load' : f32 ? 'v128_load32_splat' : 'v128_load64_splat').set(l);
      const store = (j: number, l: number): void => {
        c.get(nIn + j).get(i).op('i32_add').get(l);
        if (vector) c.vmem('v128_store');
        else c.lane(f32 ? 'f32x4_extract_lane' : 'f64x2_extract_lane', 0).mem(f32 ? 'f32_store' : 'f64_store');
      };
      for (let k = 0; k < nOps; k++) {
        const op = p.ops[k]!;
        const [a = -1, b = -1, s = -1] = op.args.map(ref);
        emitOp(c, op, a, b, s, slot[k]!);
        p.outputs.forEach((r, j) => { if (r === base + k) store(j, slot[k]!); });
      }
      p.outputs.forEach((r, j) => { if (r < base) store(j, ref(r)); });
    };
    /** Pushes nothing; computes `op` into local `dst`. */
    function emitOp(c: Code, op: FusedOp, a: number, b: number, s: number, dst: number): void {
      switch (op.op) {
        case 'add': case 'sub': case 'mul': case 'div':
          c.get(a).get(b).simd(V(op.op)); break;
        case 'neg': case 'abs': case 'sqrt':
          c.get(a).simd(V(op.op)); break;
        case 'copy': c.get(a); break;
        case 'max': case 'min':
          // js rule: NaN if either is NaN, else (a > b ? a : b) / (a < b ? a : b)
          c.get(nan).get(a).get(b).get(a).get(b).simd(V(op.op === 'max' ? 'gt' : 'lt'), 'v128_bitselect');
          c.get(a).get(a).simd(V('ne')).get(b).get(b).simd(V('ne'), 'v128_or', 'v128_bitselect');
          break;
        case 'eq': case 'ne': case 'lt': case 'gt': case 'le': case 'ge':
          c.get(a).get(b).simd(V(op.op)); break;
        case 'select': c.get(b).get(s).get(a).simd('v128_bitselect'); break;
        case 'exp': c.get(a).set(scratch); emitExp(c, ek!, scratch); break;
        case 'tanh': c.get(a).set(scratch); emitTanh(c, ek!, scratch); break;
        case 'logistic': c.get(a).set(scratch); emitLogistic(c, ek!, scratch); break;
        case 'log': c.get(a).set(scratch); emitLog(c, lk!, scratch); break;
        default: throw new Error(`buildFusedModule: unsupported op ${op.op}`);
      }
      c.set(dst);
    }

    c.get(nParam).i32(E).op('i32_mul').tee(end).i32(-16).op('i32_and').set(endV);
    /** j += step, wrapping to 0 at the end of a row (rowBytes is a multiple of both steps). */
    const advanceRow = (step: number): void => {
      if (!rows) return;
      c.get(j).i32(step).op('i32_add').tee(j).i32(0).get(j).get(rowBytes).op('i32_lt_u', 'select').set(j);
    };
    c.block(() => c.loop(() => {
      c.get(i).get(endV).op('i32_ge_u').brIf(1);
      body(true);
      c.get(i).i32(16).op('i32_add').set(i);
      advanceRow(16);
      c.br(0);
    }));
    c.block(() => c.loop(() => {
      c.get(i).get(end).op('i32_ge_u').brIf(1);
      body(false);
      c.get(i).i32(E).op('i32_add').set(i);
      advanceRow(E);
      c.br(0);
    }));
  });
  mb.export('run', fn);
  return mb.build();
}

type Run = (...args: number[]) => void;
const runs = new WeakMap<WasmRuntime, WeakMap<FusedProgram, Map<string, Run>>>();
let simdRuns = 0;

/**
 * @internal Number of fused programs run by the SIMD generator so far (routing tests, benchmarks).
 * @returns the count
 * @example
 * ```ts
 * const before = fusedSimdRuns(); jitted(x); fusedSimdRuns() - before; // 1 when routed to SIMD
 * ```
 */
export function fusedSimdRuns(): number {
  return simdRuns;
}

/**
 * The layout of the inputs (`f` full-size, `s` size 1) for an output of `n` elements, or
 * undefined when some input is broadcast otherwise.
 * @param sizes - the inputs' element counts
 * @param n - the output's element count
 * @returns the layout string
 * @example
 * ```ts
 * fusedSimdLayout([4096, 1], 4096); // 'fs'
 * ```
 */
export function fusedSimdLayout(sizes: readonly number[], n: number): FusedSimdLayout | undefined {
  let layout = '';
  for (const s of sizes) {
    if (s === n) layout += 'f';
    else if (s === 1) layout += 's';
    else return undefined;
  }
  return layout;
}

/**
 * The layout of inputs of shapes `shapes` broadcast to `out`, rows (`r`) included: an input that
 * is a trailing block of `out` (its shape, leading size-1 axes dropped, equals `out`'s last axes)
 * of `rowLen` elements, the same for every such input, a whole number of 16-byte vectors.
 * Undefined for any other broadcast.
 * @param shapes - the inputs' shapes
 * @param out - the output's shape
 * @param bytes - the element size (4 or 8)
 * @returns the layout and the rows' length in elements (0 without rows)
 * @example
 * ```ts
 * fusedSimdRowLayout([[64, 32], [32]], [64, 32], 4); // { layout: 'fr', rowLen: 32 }
 * ```
 */
export function fusedSimdRowLayout(shapes: readonly (readonly number[])[], out: readonly number[], bytes: number): { layout: FusedSimdLayout; rowLen: number } | undefined {
  let n = 1;
  for (const d of out) n *= d;
  let layout = '', rowLen = 0;
  for (const sh of shapes) {
    let m = 1;
    for (const d of sh) m *= d;
    if (m === n) { layout += 'f'; continue; }
    if (m === 1) { layout += 's'; continue; }
    let lead = 0;
    while (lead < sh.length && sh[lead] === 1) lead++;
    const off = out.length - sh.length;
    if (off < 0) return undefined;
    for (let i = lead; i < sh.length; i++) if (sh[i] !== out[i + off]) return undefined;
    if ((rowLen !== 0 && m !== rowLen) || (m * bytes) % 16 !== 0) return undefined;
    rowLen = m;
    layout += 'r';
  }
  return { layout, rowLen };
}

/** Staging needs above this many bytes get a block of their own per call. */
const STAGING_KEEP_BYTES = 1 << 20;

const callers = new Map<number, (k: Run, a: readonly number[]) => void>();
/** `(k, a) => k(a[0], …, a[m − 1])` for `m` arguments: a fixed-arity call (a spread call costs ~2.5× as much). */
function caller(m: number): (k: Run, a: readonly number[]) => void {
  let f = callers.get(m);
  if (f === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    f = new Function('k', 'a', `k(${Array.from({ length: m }, (_, i) => `a[${i}]`).join(', ')});`) as (k: Run, a: readonly number[]) => void;
    callers.set(m, f);
  }
  return f;
}

/**
 * @internal A program's SIMD kernel resolved once for a layout and size: the returned function
 * runs it on the inputs and returns fresh outputs (what {@link runFusedSimd} does, without the
 * per-call lookups). Resident inputs and outputs are used in place; the others go through a
 * staging block of the memory (inputs copied in, outputs copied out).
 * @param rt - the runtime
 * @param p - a program accepted by {@link fusedSimdDtype}
 * @param dtype - {@link fusedSimdDtype}`(p)`
 * @param layout - from {@link fusedSimdLayout} or {@link fusedSimdRowLayout}
 * @param n - the output's element count
 * @param rowLen - the `r` inputs' element count (0 without `r` inputs)
 * @param residentAt - the byte offset of an array resident in the runtime's memory, or -1 (default: none is)
 */
export function planFusedSimd(rt: WasmRuntime, p: FusedProgram, dtype: Dtype, layout: FusedSimdLayout, n: number, rowLen: number, residentAt?: (x: unknown) => number): (xs: readonly ArrayLike<number>[]) => (Float32Array | Float64Array)[] {
  let perRt = runs.get(rt);
  if (perRt === undefined) runs.set(rt, (perRt = new WeakMap()));
  let perProgram = perRt.get(p);
  if (perProgram === undefined) perRt.set(p, (perProgram = new Map()));
  let run = perProgram.get(layout);
  if (run === undefined) {
    run = rt.generated(`fused|${dtype}|${layout}|${p.key}`, (m) => buildFusedModule(p, dtype, layout, m))['run']!;
    perProgram.set(layout, run);
  }
  const kernel = run;
  const E = dtype === 'f32' ? 4 : 8;
  const stride = Math.ceil((n * E) / 64) * 64, rowStride = Math.ceil((rowLen * E) / 64) * 64;
  const nIn = layout.length, nOut = p.outputs.length;
  const mem = rt.memory;
  const f32 = dtype === 'f32', dt = f32 ? 'float32' : 'float64';
  const at = residentAt ?? (() => -1);
  const args: number[] = new Array(nIn + nOut + (rowLen > 0 ? 2 : 1));
  const call = caller(args.length);
  if (rowLen > 0) args[nIn + nOut + 1] = rowLen * E;
  args[nIn + nOut] = n;
  const inAt: number[] = new Array(nIn), outAt: number[] = new Array(nOut);
  return (xs) => {
    // Inputs and outputs that are resident blocks of the memory are used in place; the others
    // go through the staging block (inputs copied in, outputs copied out).
    const outs: (Float32Array | Float64Array)[] = new Array(nOut);
    let need = 0;
    for (let i = 0; i < nIn; i++) {
      const k = layout[i];
      if (k === 's') continue;
      const o = at(xs[i]);
      inAt[i] = o;
      if (o < 0) need += k === 'r' ? rowStride : stride;
    }
    for (let j = 0; j < nOut; j++) {
      const res = outputArray(dt, n) as Float32Array | Float64Array;
      outs[j] = res;
      const o = at(res);
      outAt[j] = o;
      if (o < 0) need += stride;
    }
    const own = need > STAGING_KEEP_BYTES;
    const block = need === 0 ? 0 : own ? mem.alloc(need, 64) : stagingBlock(mem, need);
    try {
      let off = block;
      for (let i = 0; i < nIn; i++) {
        const x = xs[i]!;
        const k = layout[i];
        if (k === 's') { args[i] = x[0]!; continue; }
        if (inAt[i]! >= 0) { args[i] = inAt[i]!; continue; }
        // a typed set of the program's element type: a plain block copy, no byte view to make
        if (f32) mem.f32.set(x as Float32Array, off >> 2);
        else mem.f64.set(x as Float64Array, off >> 3);
        args[i] = off;
        off += k === 'r' ? rowStride : stride;
      }
      for (let j = 0; j < nOut; j++) {
        if (outAt[j]! >= 0) { args[nIn + j] = outAt[j]!; continue; }
        outAt[j] = -off - 1;
        args[nIn + j] = off;
        off += stride;
      }
      call(kernel, args);
      simdRuns++;
      for (let j = 0; j < nOut; j++) if (outAt[j]! < 0) mem.readBytes(-outAt[j]! - 1, outs[j]!);
    } finally {
      if (own) mem.free(block);
    }
    return outs;
  };
}

/**
 * Runs a program on the SIMD generator: runs the cached kernel for (program, layout) on the
 * inputs and outputs in the runtime's memory, reading resident ones in place and copying the
 * others in (inputs) and out (outputs).
 * @param rt - the runtime
 * @param p - a program accepted by {@link fusedSimdDtype}
 * @param dtype - {@link fusedSimdDtype}`(p)`
 * @param layout - from {@link fusedSimdLayout} or {@link fusedSimdRowLayout}
 * @param xs - the inputs (typed arrays of the program's dtype; size `n`, 1 or the row length as the layout says)
 * @param n - the output's element count
 * @param residentAt - the byte offset of an array resident in the runtime's memory, or -1 (default: none is)
 * @returns one fresh array of `n` elements per output
 * @example
 * ```ts
 * const [y] = runFusedSimd(rt, program, 'f32', 'fs', [x, new Float32Array([2])], x.length);
 * ```
 */
export function runFusedSimd(rt: WasmRuntime, p: FusedProgram, dtype: Dtype, layout: FusedSimdLayout, xs: readonly ArrayLike<number>[], n: number, residentAt?: (x: unknown) => number): (Float32Array | Float64Array)[] {
  const r = layout.indexOf('r');
  return planFusedSimd(rt, p, dtype, layout, n, r < 0 ? 0 : xs[r]!.length, residentAt)(xs);
}
