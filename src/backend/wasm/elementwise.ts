/**
 * Generated SIMD elementwise kernels over contiguous float32/float64 arrays.
 *
 * One module per dtype exports, with every address in **bytes** and `n` in elements:
 * - binary `add|sub|mul|div|max|min(a, b, out, n)`; the scalar-broadcast variants
 *   `<op>_vs(a, s, out, n)` (`out[i] = a[i] op s[0]`) and `<op>_sv(s, b, out, n)` (`s[0] op b[i]`);
 * - unary `neg|abs|sqrt(a, out, n)`, exact, and `exp|log|tanh|logistic(a, out, n)`, SIMD polynomial
 *   approximations within 1 ulp (exp, log), 2 ulp (f32) / 3 ulp (f64) (tanh) of `Math.*`, logistic within 2 ulp of the `js` kernel
 *   (see `transcendental.ts`): about 1.1–1.7 ns per element in f32 and 3.4–5.2 ns in f64, against
 *   10–22 ns for the `Math.*` call in a JS loop.
 *
 * Loops process two vectors per iteration (one for exp/log/tanh), then a scalar tail (the
 * transcendental tails run the vector code on a splatted scalar). `out` may alias an input exactly
 * (in-place), but not partially. `max`/`min` follow wasm (and `Math.max`) semantics: NaN
 * propagates and `-0 < +0`.
 * @module
 */
import { Code, I32, ModuleBuilder, V128, F32, F64, type OpName, type SimdOpName, type ValType } from './encoder.js';
import type { Dtype } from './gemm.js';
import { emitExp, emitLog, emitLogistic, emitTanh, expConstants, logConstants } from './transcendental.js';

/**
 * Binary elementwise operations with a SIMD kernel.
 * @example
 * ```ts
 * rt.binary('f32', 'max' satisfies BinaryOp, x, y, out, n);
 * ```
 */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';
/**
 * Unary elementwise operations with a SIMD kernel (neg/abs/sqrt exact, exp/log/tanh approximations).
 * @example
 * ```ts
 * const op: SimdUnaryOp = 'sqrt';
 * ```
 */
export type SimdUnaryOp = 'neg' | 'abs' | 'sqrt' | 'exp' | 'log' | 'tanh' | 'logistic';
/**
 * Every unary operation accepted by `WasmRuntime.unary`.
 * @example
 * ```ts
 * rt.unary('f64', 'exp' satisfies UnaryOp, x, y, n);
 * ```
 */
export type UnaryOp = SimdUnaryOp;

/**
 * All binary ops (each also exported as `<op>_vs` and `<op>_sv`).
 * @example
 * ```ts
 * for (const op of BINARY_OPS) rt.binary('f32', op, x, y, out, n);
 * ```
 */
export const BINARY_OPS: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];
/**
 * All SIMD unary ops.
 * @example
 * ```ts
 * SIMD_UNARY_OPS.includes('abs'); // true
 * ```
 */
export const SIMD_UNARY_OPS: readonly SimdUnaryOp[] = ['neg', 'abs', 'sqrt', 'exp', 'log', 'tanh', 'logistic'];
type Operand = 'vec' | 'scalar';

/**
 * Generates the elementwise module for one dtype.
 * @param dtype - `'f32'` or `'f64'`
 * @param memory - how to declare the imported `env.memory` (must match the real memory)
 * @returns the module bytes
 * @example
 * ```ts
 * WebAssembly.validate(buildElementwiseModule('f64', { shared: false, maximum: undefined })); // true
 * ```
 */
export function buildElementwiseModule(dtype: Dtype, memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const E = dtype === 'f32' ? 4 : 8;
  const VT = dtype === 'f32' ? 'f32x4' : 'f64x2';
  const ST = dtype;
  const sT = dtype === 'f32' ? F32 : F64;
  const sload = dtype === 'f32' ? 'f32_load' : 'f64_load';
  const sstore = dtype === 'f32' ? 'f32_store' : 'f64_store';
  const splat = dtype === 'f32' ? 'v128_load32_splat' : 'v128_load64_splat';
  const STEP = 32; // bytes per unrolled iteration (two vectors)
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });

  /**
   * Emits a unary loop over params a(0), out(1), n(2). `vecBody(i, off)` pushes the vector result
   * at byte position `i + off`, `scalarBody(i)` the scalar result at `i`.
   */
  const unaryFn = (vecBody: (c: Code, i: number, off: number) => void, scalarBody: (c: Code, i: number) => void): number =>
    mb.func([I32, I32, I32], [], (c, local) => {
      const out = 1, n = 2;
      const i = local(I32), endV = local(I32), end = local(I32);
      c.get(n).i32(E).op('i32_mul').tee(end).i32(-STEP).op('i32_and').set(endV);
      c.block(() => c.loop(() => {
        c.get(i).get(endV).op('i32_ge_u').brIf(1);
        for (const off of [0, 16]) {
          c.get(out).get(i).op('i32_add');
          vecBody(c, i, off);
          c.vmem('v128_store', off);
        }
        c.get(i).i32(STEP).op('i32_add').set(i).br(0);
      }));
      c.block(() => c.loop(() => {
        c.get(i).get(end).op('i32_ge_u').brIf(1);
        c.get(out).get(i).op('i32_add');
        scalarBody(c, i);
        c.mem(sstore);
        c.get(i).i32(E).op('i32_add').set(i).br(0);
      }));
    });

  for (const op of BINARY_OPS) {
    const vop = `${VT}_${op}` as SimdOpName;
    const sop = `${ST}_${op}` as OpName;
    for (const [suffix, ka, kb] of [['', 'vec', 'vec'], ['_vs', 'vec', 'scalar'], ['_sv', 'scalar', 'vec']] as
      [string, Operand, Operand][]) {
      // A scalar operand is loaded (and splatted) once, before the loops.
      const fi = mb.func([I32, I32, I32, I32], [], (c, local) => {
        const i = local(I32), endV = local(I32), end = local(I32);
        const vs = local(V128), ss = local(sT);
        const scalarArg = ka === 'scalar' ? 0 : kb === 'scalar' ? 1 : -1;
        if (scalarArg >= 0) c.get(scalarArg).vmem(splat).set(vs).get(scalarArg).mem(sload).set(ss);
        c.get(3).i32(E).op('i32_mul').tee(end).i32(-STEP).op('i32_and').set(endV);
        const operand = (arg: number, kind: Operand, vector: boolean, off: number): void => {
          if (kind === 'scalar') c.get(vector ? vs : ss);
          else if (vector) c.get(arg).get(i).op('i32_add').vmem('v128_load', off);
          else c.get(arg).get(i).op('i32_add').mem(sload);
        };
        c.block(() => c.loop(() => {
          c.get(i).get(endV).op('i32_ge_u').brIf(1);
          for (const off of [0, 16]) {
            c.get(2).get(i).op('i32_add');
            operand(0, ka, true, off); operand(1, kb, true, off);
            c.simd(vop).vmem('v128_store', off);
          }
          c.get(i).i32(STEP).op('i32_add').set(i).br(0);
        }));
        c.block(() => c.loop(() => {
          c.get(i).get(end).op('i32_ge_u').brIf(1);
          c.get(2).get(i).op('i32_add');
          operand(0, ka, false, 0); operand(1, kb, false, 0);
          c.op(sop).mem(sstore);
          c.get(i).i32(E).op('i32_add').set(i).br(0);
        }));
      });
      mb.export(`${op}${suffix}`, fi);
    }
  }

  for (const op of SIMD_UNARY_OPS) {
    if (op === 'exp' || op === 'tanh' || op === 'log' || op === 'logistic') continue;
    const vop = `${VT}_${op}` as SimdOpName;
    const sop = `${ST}_${op}` as OpName;
    const fi = unaryFn(
      (c, i, off) => { c.get(0).get(i).op('i32_add').vmem('v128_load', off).simd(vop); },
      (c, i) => { c.get(0).get(i).op('i32_add').mem(sload).op(sop); });
    mb.export(op, fi);
  }

  // exp, log, tanh and logistic (a, out, n): one vector per iteration; the tail runs the same code on a splatted scalar.
  const kernels = [
    ['exp', (c: Code, local: (t: ValType) => number) => { const k = expConstants(c, local, dtype); return (x: number) => emitExp(c, k, x); }],
    ['log', (c: Code, local: (t: ValType) => number) => { const k = logConstants(c, local, dtype); return (x: number) => emitLog(c, k, x); }],
    ['tanh', (c: Code, local: (t: ValType) => number) => { const k = expConstants(c, local, dtype); return (x: number) => emitTanh(c, k, x); }],
    ['logistic', (c: Code, local: (t: ValType) => number) => { const k = expConstants(c, local, dtype); return (x: number) => emitLogistic(c, k, x); }],
  ] as const;
  for (const [name, setup] of kernels) {
    mb.export(name, mb.func([I32, I32, I32], [], (c, local) => {
      const emit = setup(c, local);
      const x = local(V128), i = local(I32), endV = local(I32), end = local(I32);
      c.get(2).i32(E).op('i32_mul').tee(end).i32(-16).op('i32_and').set(endV);
      c.block(() => c.loop(() => {
        c.get(i).get(endV).op('i32_ge_u').brIf(1);
        c.get(0).get(i).op('i32_add').vmem('v128_load').set(x);
        c.get(1).get(i).op('i32_add');
        emit(x);
        c.vmem('v128_store');
        c.get(i).i32(16).op('i32_add').set(i).br(0);
      }));
      c.block(() => c.loop(() => {
        c.get(i).get(end).op('i32_ge_u').brIf(1);
        c.get(0).get(i).op('i32_add').vmem(splat).set(x);
        c.get(1).get(i).op('i32_add');
        emit(x);
        c.lane(dtype === 'f32' ? 'f32x4_extract_lane' : 'f64x2_extract_lane', 0).mem(sstore);
        c.get(i).i32(E).op('i32_add').set(i).br(0);
      }));
    }));
  }
  return mb.build();
}

/**
 * Generates the broadcast-binary module for one dtype: `+ − × ÷ max min` where one operand `v`
 * broadcasts along the trailing or the leading axes of the full-size operand `a`, seen as a
 * `[rows, cols]` matrix. Exports, with addresses in bytes:
 * - `<op>_row_vs(a, v, out, rows, cols)`: `out[r, j] = a[r, j] op v[r]` (row scaling),
 *   `<op>_row_sv`: `v[r] op a[r, j]`;
 * - `<op>_col_vs(a, v, out, rows, cols)`: `out[r, j] = a[r, j] op v[j]` (column scaling),
 *   `<op>_col_sv`: `v[j] op a[r, j]`.
 *
 * Each row runs one vector per iteration, then a scalar tail; every element is the one IEEE op
 * of the scalar kernel, so results equal the `js` kernel's. `out` may alias `a` exactly.
 * @param dtype - `'f32'` or `'f64'`
 * @param memory - how to declare the imported `env.memory` (must match the real memory)
 * @returns the module bytes
 * @example
 * ```ts
 * WebAssembly.validate(buildBroadcastModule('f32', { shared: false, maximum: undefined })); // true
 * ```
 */
export function buildBroadcastModule(dtype: Dtype, memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const E = dtype === 'f32' ? 4 : 8;
  const VT = dtype === 'f32' ? 'f32x4' : 'f64x2';
  const sT = dtype === 'f32' ? F32 : F64;
  const sload = dtype === 'f32' ? 'f32_load' : 'f64_load';
  const sstore = dtype === 'f32' ? 'f32_store' : 'f64_store';
  const splat = dtype === 'f32' ? 'v128_load32_splat' : 'v128_load64_splat';
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });
  for (const op of BINARY_OPS) {
    const vop = `${VT}_${op}` as SimdOpName;
    const sop = `${dtype}_${op}` as OpName;
    for (const kind of ['row', 'col'] as const) {
      for (const vFirst of [false, true]) {
        const fi = mb.func([I32, I32, I32, I32, I32], [], (c, local) => {
          const A = 0, V = 1, OUT = 2, ROWS = 3, COLS = 4;
          const r = local(I32), i = local(I32), endV = local(I32), end = local(I32);
          const vs = local(V128), ss = local(sT);
          c.get(COLS).i32(E).op('i32_mul').tee(end).i32(-16).op('i32_and').set(endV);
          // Pushes both operands at byte i of the row: the broadcast one is the row's splatted value or v at i.
          const operands = (vector: boolean): void => {
            const full = (): void => { c.get(A).get(i).op('i32_add'); if (vector) c.vmem('v128_load'); else c.mem(sload); };
            const bc = (): void => {
              if (kind === 'row') c.get(vector ? vs : ss);
              else { c.get(V).get(i).op('i32_add'); if (vector) c.vmem('v128_load'); else c.mem(sload); }
            };
            if (vFirst) { bc(); full(); } else { full(); bc(); }
          };
          c.block(() => c.loop(() => {
            c.get(r).get(ROWS).op('i32_ge_u').brIf(1);
            if (kind === 'row') c.get(V).vmem(splat).set(vs).get(V).mem(sload).set(ss);
            c.i32(0).set(i);
            c.block(() => c.loop(() => {
              c.get(i).get(endV).op('i32_ge_u').brIf(1);
              c.get(OUT).get(i).op('i32_add');
              operands(true);
              c.simd(vop).vmem('v128_store');
              c.get(i).i32(16).op('i32_add').set(i).br(0);
            }));
            c.block(() => c.loop(() => {
              c.get(i).get(end).op('i32_ge_u').brIf(1);
              c.get(OUT).get(i).op('i32_add');
              operands(false);
              c.op(sop).mem(sstore);
              c.get(i).i32(E).op('i32_add').set(i).br(0);
            }));
            c.get(A).get(end).op('i32_add').set(A);
            c.get(OUT).get(end).op('i32_add').set(OUT);
            if (kind === 'row') c.get(V).i32(E).op('i32_add').set(V);
            c.get(r).i32(1).op('i32_add').set(r).br(0);
          }));
        });
        mb.export(`${op}_${kind}_${vFirst ? 'sv' : 'vs'}`, fi);
      }
    }
  }
  return mb.build();
}
