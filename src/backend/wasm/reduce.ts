/**
 * Generated SIMD reductions over the last axis of a contiguous `[rows, cols]` array.
 *
 * One module per dtype exports `sum(a, out, rows, cols)` and `max(a, out, rows, cols)` (addresses
 * in **bytes**): `out[r] = Σ_c a[r, c]` and `out[r] = max_c a[r, c]`. Each row is accumulated in
 * four vector accumulators for `sum` (16 float32 or 8 float64 partial sums) and eight for `max`,
 * combined pairwise, then the scalar tail is added. An empty row gives 0 for `sum` and `-Infinity` for `max`; `max`
 * propagates NaN. The float32 sum's error is at most about `(cols / 16 + 4) · ε · Σ|a|`
 * (ε = 2^-24), usually far less.
 * @module
 */
import { I32, ModuleBuilder, V128, F32, F64, type SimdOpName, type OpName } from './encoder.js';
import type { Dtype } from './gemm.js';

/**
 * Reductions with a generated kernel.
 * @example
 * ```ts
 * rt.reduce('f32', 'max' satisfies ReduceOp, x, out, rows, cols);
 * ```
 */
export type ReduceOp = 'sum' | 'max';
/**
 * All reductions.
 * @example
 * ```ts
 * for (const op of REDUCE_OPS) rt.reduce('f64', op, x, out, rows, cols);
 * ```
 */
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max'];

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
  const E = dtype === 'f32' ? 4 : 8;
  const LANES = 16 / E;
  const VT = dtype === 'f32' ? 'f32x4' : 'f64x2';
  const sT = dtype === 'f32' ? F32 : F64;
  const sload = dtype === 'f32' ? 'f32_load' : 'f64_load';
  const sstore = dtype === 'f32' ? 'f32_store' : 'f64_store';
  const extract = dtype === 'f32' ? 'f32x4_extract_lane' : 'f64x2_extract_lane';
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });

  for (const op of ['sum', 'max'] as const) {
    // max lowers to a multi-instruction sequence (NaN and ±0 rules): more accumulators hide its latency
    const NACC = op === 'max' ? 8 : 4;
    const STEP = 16 * NACC;
    const vop = (op === 'sum' ? `${VT}_add` : `${VT}_max`) as SimdOpName;
    const sop = (op === 'sum' ? `${dtype}_add` : `${dtype}_max`) as OpName;
    const init = op === 'sum' ? 0 : -Infinity;
    const fi = mb.func([I32, I32, I32, I32], [], (c, local) => {
      const [a, out, rows, cols] = [0, 1, 2, 3];
      const r = local(I32), p = local(I32), end = local(I32), endV = local(I32), rowBytes = local(I32);
      const acc = Array.from({ length: NACC }, () => local(V128));
      const s = local(sT);
      const pushInit = (): void => { if (E === 4) c.f32(init); else c.f64(init); };
      c.get(cols).i32(E).op('i32_mul').set(rowBytes);
      c.get(a).set(p);
      c.block(() => c.loop(() => {
        c.get(r).get(rows).op('i32_ge_u').brIf(1);
        c.get(p).get(rowBytes).op('i32_add').set(end);
        c.get(p).get(rowBytes).i32(-STEP).op('i32_and').op('i32_add').set(endV);
        for (const x of acc) { pushInit(); c.simd(dtype === 'f32' ? 'f32x4_splat' : 'f64x2_splat').set(x); }
        c.block(() => c.loop(() => {
          c.get(p).get(endV).op('i32_ge_u').brIf(1);
          acc.forEach((x, j) => { c.get(x).get(p).vmem('v128_load', 16 * j).simd(vop).set(x); });
          c.get(p).i32(STEP).op('i32_add').set(p).br(0);
        }));
        // combine accumulators pairwise, then the lanes
        for (let w = NACC / 2; w >= 1; w /= 2) {
          for (let j = 0; j < w; j++) c.get(acc[j] as number).get(acc[j + w] as number).simd(vop).set(acc[j] as number);
        }
        c.get(acc[0] as number).lane(extract, 0);
        for (let l = 1; l < LANES; l++) c.get(acc[0] as number).lane(extract, l).op(sop);
        c.set(s);
        c.block(() => c.loop(() => {
          c.get(p).get(end).op('i32_ge_u').brIf(1);
          c.get(s).get(p).mem(sload).op(sop).set(s);
          c.get(p).i32(E).op('i32_add').set(p).br(0);
        }));
        c.get(out).get(r).i32(E).op('i32_mul', 'i32_add').get(s).mem(sstore);
        c.get(r).i32(1).op('i32_add').set(r).br(0);
      }));
    });
    mb.export(op, fi);
  }
  return mb.build();
}
