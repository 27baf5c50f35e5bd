/**
 * Generated SIMD reductions following the `js` reference kernels: `rsum`/`rmax`/`rmin(a, out,
 * rows, cols)` reduce the last axis of a contiguous `[rows, cols]` array (addresses in **bytes**;
 * sums in float64 lanes, float32 inputs widened by `f64x2.promote_low_f32x4` and the result
 * rounded once; max/min take an element when it is greater/less than the running value or NaN,
 * so NaN propagates; an empty row gives 0, −∞, +∞); `csum`/`cmax`/`cmin(a, out, batch, rows,
 * cols)` reduce the middle axis of `[batch, rows, cols]` with one lane per column, in row order,
 * hence bit-identical to `js`.
 * @module
 */
import { I32, ModuleBuilder, V128, F32, F64, type Code, type SimdOpName, type OpName } from './encoder.js';
import type { Dtype } from './gemm.js';

/**
 * Reductions with a reference-exact kernel (`WasmRuntime.reduceRows`, `WasmRuntime.reduceCols`).
 * @example
 * ```ts
 * rt.reduceCols('f64', 'min' satisfies ExactReduceOp, x, out, 1, rows, cols);
 * ```
 */
export type ExactReduceOp = 'sum' | 'max' | 'min';

/**
 * Generates the reduction module for one dtype.
 * @param dtype - `'f32'` or `'f64'`
 * @param memory - how to declare the imported `env.memory` (must match the real memory)
 * @returns the module bytes
 * @example
 * ```ts
 * WebAssembly.validate(buildReduceModule('f32', { shared: false, maximum: undefined })); // true
 * ```
 */
export function buildReduceModule(dtype: Dtype, memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });
  emitExactReductions(mb, dtype);
  return mb.build();
}

/**
 * The backend-grade reductions (see the module doc): `rsum`/`rmax`/`rmin` over rows and
 * `csum`/`cmax`/`cmin` over the middle axis of `[batch, rows, cols]`.
 */
function emitExactReductions(mb: ModuleBuilder, dtype: Dtype): void {
  const E = dtype === 'f32' ? 4 : 8;
  const f32 = dtype === 'f32';
  for (const kind of ['sum', 'max', 'min'] as const) {
    const sum = kind === 'sum';
    /** Lane type of the accumulators: float64 for every sum, the input type otherwise. */
    const acc64 = sum || !f32;
    const VT = acc64 ? 'f64x2' : 'f32x4';
    const sT = acc64 ? F64 : F32;
    const sp = acc64 ? 'f64' : 'f32';
    /** Input bytes one accumulator consumes per step. */
    const IN = sum && f32 ? 8 : 16;
    /** Columns (input elements) one accumulator covers. */
    const W = IN / E;
    const init = sum ? 0 : kind === 'max' ? -Infinity : Infinity;
    const pushInit = (c: Code): void => { if (acc64) c.f64(init); else c.f32(init); };
    const vload = (c: Code, p: number, off: number): void => {
      if (IN === 8) c.get(p).vmem('v128_load64_splat', off).simd('f64x2_promote_low_f32x4');
      else c.get(p).vmem('v128_load', off);
    };
    const sload = (c: Code, p: number, off: number): void => {
      if (f32) { c.get(p).mem('f32_load', off); if (acc64) c.op('f64_promote_f32'); } else c.get(p).mem('f64_load', off);
    };
    /** acc ← combine(acc, v) with the v128 `v` in a local; max/min: take v when v > acc (v < acc) or v is NaN. */
    const vcombine = (c: Code, acc: number, v: number): void => {
      if (sum) { c.get(acc).get(v).simd(`${VT}_add` as SimdOpName).set(acc); return; }
      const cmp = `${VT}_${kind === 'max' ? 'gt' : 'lt'}` as SimdOpName;
      c.get(v).get(acc).get(v).get(acc).simd(cmp).get(v).get(v).simd(`${VT}_ne` as SimdOpName, 'v128_or', 'v128_bitselect').set(acc);
    };
    const scombine = (c: Code, s: number, x: number): void => {
      if (sum) { c.get(s).get(x).op(`${sp}_add` as OpName).set(s); return; }
      const cmp = `${sp}_${kind === 'max' ? 'gt' : 'lt'}` as OpName;
      c.get(x).get(s).get(x).get(s).op(cmp).get(x).get(x).op(`${sp}_ne` as OpName, 'i32_or', 'select').set(s);
    };
    /** Stores the scalar accumulator on the stack's address (rounded once to float32 for f32 sums). */
    const sstore = (c: Code, addr: () => void, s: number, off = 0): void => {
      addr(); c.get(s);
      if (f32 && acc64) c.op('f32_demote_f64');
      c.mem(f32 ? 'f32_store' : 'f64_store', off);
    };

    // rows: out[r] = reduce_c a[r, c]
    const NACC = 8;
    const STEP = IN * NACC;
    const rowFn = mb.func([I32, I32, I32, I32], [], (c, local) => {
      const [a, out, rows, cols] = [0, 1, 2, 3];
      const r = local(I32), p = local(I32), end = local(I32), endV = local(I32), rowBytes = local(I32);
      const acc = Array.from({ length: NACC }, () => local(V128));
      const v = local(V128);
      const s = local(sT), x = local(sT);
      c.get(cols).i32(E).op('i32_mul').set(rowBytes);
      c.get(a).set(p);
      c.block(() => c.loop(() => {
        c.get(r).get(rows).op('i32_ge_u').brIf(1);
        c.get(p).get(rowBytes).op('i32_add').set(end);
        // whole steps only: (rowBytes / E) rounded down to a multiple of STEP / E elements
        c.get(p).get(rowBytes).i32(-STEP).op('i32_and').op('i32_add').set(endV);
        for (const y of acc) { pushInit(c); c.simd(`${VT}_splat` as SimdOpName).set(y); }
        c.block(() => c.loop(() => {
          c.get(p).get(endV).op('i32_ge_u').brIf(1);
          acc.forEach((y, j) => { vload(c, p, IN * j); c.set(v); vcombine(c, y, v); });
          c.get(p).i32(STEP).op('i32_add').set(p).br(0);
        }));
        for (let w = NACC / 2; w >= 1; w /= 2) for (let j = 0; j < w; j++) vcombine(c, acc[j] as number, acc[j + w] as number);
        c.get(acc[0] as number).lane(`${VT}_extract_lane` as 'f64x2_extract_lane', 0).set(s);
        for (let l = 1; l < 16 / (acc64 ? 8 : 4); l++) { c.get(acc[0] as number).lane(`${VT}_extract_lane` as 'f64x2_extract_lane', l).set(x); scombine(c, s, x); }
        c.block(() => c.loop(() => {
          c.get(p).get(end).op('i32_ge_u').brIf(1);
          sload(c, p, 0); c.set(x); scombine(c, s, x);
          c.get(p).i32(E).op('i32_add').set(p).br(0);
        }));
        sstore(c, () => c.get(out).get(r).i32(E).op('i32_mul', 'i32_add'), s);
        c.get(r).i32(1).op('i32_add').set(r).br(0);
      }));
    });
    mb.export(`r${kind}`, rowFn);

    // columns: out[b, j] = reduce_r a[b, r, j], each lane accumulating its column in row order
    const colFn = mb.func([I32, I32, I32, I32, I32], [], (c, local) => {
      const [a, out, batch, rows, cols] = [0, 1, 2, 3, 4];
      const b = local(I32), base = local(I32), obase = local(I32), col = local(I32), p = local(I32), r = local(I32), rowBytes = local(I32);
      const acc = Array.from({ length: 16 / W }, () => local(V128));
      const v = local(V128);
      const s = local(sT), x = local(sT);
      c.get(cols).i32(E).op('i32_mul').set(rowBytes);
      c.get(a).set(base).get(out).set(obase);
      /** Columns [col, col + width) over all rows, with `nv` vector accumulators (or one scalar when nv = 0). */
      const strip = (nv: number): void => {
        const width = nv === 0 ? 1 : nv * W;
        c.block(() => c.loop(() => {
          c.get(col).i32(width).op('i32_add').get(cols).op('i32_gt_u').brIf(1);
          if (nv === 0) { pushInit(c); c.set(s); } else for (let j = 0; j < nv; j++) { pushInit(c); c.simd(`${VT}_splat` as SimdOpName).set(acc[j] as number); }
          c.get(base).get(col).i32(E).op('i32_mul', 'i32_add').set(p);
          c.i32(0).set(r);
          c.block(() => c.loop(() => {
            c.get(r).get(rows).op('i32_ge_u').brIf(1);
            if (nv === 0) { sload(c, p, 0); c.set(x); scombine(c, s, x); } else for (let j = 0; j < nv; j++) { vload(c, p, IN * j); c.set(v); vcombine(c, acc[j] as number, v); }
            c.get(p).get(rowBytes).op('i32_add').set(p);
            c.get(r).i32(1).op('i32_add').set(r).br(0);
          }));
          const oaddr = (): void => { c.get(obase).get(col).i32(E).op('i32_mul', 'i32_add'); };
          if (nv === 0) sstore(c, oaddr, s);
          else if (f32 && acc64) {
            for (let j = 0; j < nv; j++) for (let l = 0; l < 2; l++) {
              c.get(acc[j] as number).lane('f64x2_extract_lane', l).set(s);
              sstore(c, oaddr, s, 8 * j + 4 * l);
            }
          } else for (let j = 0; j < nv; j++) { oaddr(); c.get(acc[j] as number).vmem('v128_store', 16 * j); }
          c.get(col).i32(width).op('i32_add').set(col).br(0);
        }));
      };
      c.block(() => c.loop(() => {
        c.get(b).get(batch).op('i32_ge_u').brIf(1);
        c.i32(0).set(col);
        strip(16 / W);
        strip(1);
        strip(0);
        c.get(base).get(rows).get(rowBytes).op('i32_mul', 'i32_add').set(base);
        c.get(obase).get(rowBytes).op('i32_add').set(obase);
        c.get(b).i32(1).op('i32_add').set(b).br(0);
      }));
    });
    mb.export(`c${kind}`, colFn);
  }
}
