/**
 * Generated SIMD transposes: `[batch, m, n] → [batch, n, m]` for 4- and 8-byte elements.
 *
 * One module exports `t4(src, dst, batch, m, n)` and `t8(src, dst, batch, m, n)` (addresses in
 * **bytes**). The interior moves `T×T` micro-tiles (`T = 16 / bytes`: 4×4 for 4-byte elements,
 * 2×2 for 8-byte ones) through `i8x16.shuffle`, with the columns visited in blocks of
 * {@link TRANSPOSE_BLOCK_BYTES} so that the destination lines being filled stay in L1; the ragged
 * right and bottom edges are copied by scalar loops. Elements are moved as bits (never through a
 * float register), so the result is bit-identical for any element type, NaN payloads included.
 * @module
 */
import { I32, ModuleBuilder, V128 } from './encoder.js';

/**
 * Width in bytes of the column blocks of the interior loop.
 * @example
 * ```ts
 * TRANSPOSE_BLOCK_BYTES / 4; // columns per block for float32
 * ```
 */
export const TRANSPOSE_BLOCK_BYTES = 64;

/**
 * Generates the transpose module.
 * @param memory - how to declare the imported `env.memory` (must match the real memory)
 * @returns the module bytes
 * @example
 * ```ts
 * WebAssembly.validate(buildTransposeModule({ shared: false, maximum: undefined })); // true
 * ```
 */
export function buildTransposeModule(memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });
  for (const E of [4, 8] as const) {
    const T = 16 / E;
    const JB = TRANSPOSE_BLOCK_BYTES / E;
    const load = E === 4 ? 'i32_load' : 'i64_load';
    const store = E === 4 ? 'i32_store' : 'i64_store';
    const fn = mb.func([I32, I32, I32, I32, I32], [], (c, local) => {
      const [src, dst, batch, m, n] = [0, 1, 2, 3, 4];
      const b = local(I32), sb = local(I32), db = local(I32), i = local(I32), j = local(I32), jb = local(I32), jend = local(I32);
      const mT = local(I32), nT = local(I32), nE = local(I32), mE = local(I32), ps = local(I32), pd = local(I32);
      const r = Array.from({ length: T }, () => local(V128));
      const t = Array.from({ length: T }, () => local(V128));
      c.get(n).i32(E).op('i32_mul').set(nE);
      c.get(m).i32(E).op('i32_mul').set(mE);
      c.get(m).i32(-T).op('i32_and').set(mT);
      c.get(n).i32(-T).op('i32_and').set(nT);
      c.get(src).set(sb).get(dst).set(db);
      /** dst[j, i] = src[i, j] for i in [i0, m), j in [j0, j1), one element at a time. */
      const scalar = (i0: () => void, j0: () => void, j1: number): void => {
        i0(); c.set(i);
        c.block(() => c.loop(() => {
          c.get(i).get(m).op('i32_ge_u').brIf(1);
          j0(); c.set(j);
          c.block(() => c.loop(() => {
            c.get(j).get(j1).op('i32_ge_u').brIf(1);
            c.get(db).get(j).get(mE).op('i32_mul', 'i32_add').get(i).i32(E).op('i32_mul', 'i32_add');
            c.get(sb).get(i).get(nE).op('i32_mul', 'i32_add').get(j).i32(E).op('i32_mul', 'i32_add').mem(load).mem(store);
            c.get(j).i32(1).op('i32_add').set(j).br(0);
          }));
          c.get(i).i32(1).op('i32_add').set(i).br(0);
        }));
      };
      const tile = (): void => {
        for (let k = 0; k < T; k++) { c.get(ps); if (k > 0) c.get(nE).i32(k).op('i32_mul', 'i32_add'); c.vmem('v128_load').set(r[k] as number); }
        const out = (k: number, v: () => void): void => { c.get(pd); if (k > 0) c.get(mE).i32(k).op('i32_mul', 'i32_add'); v(); c.vmem('v128_store'); };
        if (T === 2) {
          out(0, () => c.get(r[0] as number).get(r[1] as number).shuffle([0, 1, 4, 5]));
          out(1, () => c.get(r[0] as number).get(r[1] as number).shuffle([2, 3, 6, 7]));
        } else {
          const [r0, r1, r2, r3] = r as [number, number, number, number];
          const [t0, t1, t2, t3] = t as [number, number, number, number];
          c.get(r0).get(r1).shuffle([0, 4, 1, 5]).set(t0);
          c.get(r0).get(r1).shuffle([2, 6, 3, 7]).set(t1);
          c.get(r2).get(r3).shuffle([0, 4, 1, 5]).set(t2);
          c.get(r2).get(r3).shuffle([2, 6, 3, 7]).set(t3);
          out(0, () => c.get(t0).get(t2).shuffle([0, 1, 4, 5]));
          out(1, () => c.get(t0).get(t2).shuffle([2, 3, 6, 7]));
          out(2, () => c.get(t1).get(t3).shuffle([0, 1, 4, 5]));
          out(3, () => c.get(t1).get(t3).shuffle([2, 3, 6, 7]));
        }
      };
      c.block(() => c.loop(() => {
        c.get(b).get(batch).op('i32_ge_u').brIf(1);
        // interior: column blocks [jb, jend) of whole tiles, all whole row tiles
        c.i32(0).set(jb);
        c.block(() => c.loop(() => {
          c.get(jb).get(nT).op('i32_ge_u').brIf(1);
          c.get(jb).i32(JB).op('i32_add').set(jend);
          c.get(jend).get(nT).op('i32_gt_u').if(() => { c.get(nT).set(jend); });
          c.i32(0).set(i);
          c.block(() => c.loop(() => {
            c.get(i).get(mT).op('i32_ge_u').brIf(1);
            c.get(sb).get(i).get(nE).op('i32_mul', 'i32_add').get(jb).i32(E).op('i32_mul', 'i32_add').set(ps);
            c.get(db).get(jb).get(mE).op('i32_mul', 'i32_add').get(i).i32(E).op('i32_mul', 'i32_add').set(pd);
            c.get(jb).set(j);
            c.block(() => c.loop(() => {
              c.get(j).get(jend).op('i32_ge_u').brIf(1);
              tile();
              c.get(ps).i32(16).op('i32_add').set(ps);
              c.get(pd).get(mE).i32(T).op('i32_mul', 'i32_add').set(pd);
              c.get(j).i32(T).op('i32_add').set(j).br(0);
            }));
            c.get(i).i32(T).op('i32_add').set(i).br(0);
          }));
          c.get(jend).set(jb).br(0);
        }));
        // right edge (all rows, columns nT..n), then bottom edge (rows mT..m, columns 0..nT)
        scalar(() => c.i32(0), () => c.get(nT), n);
        scalar(() => c.get(mT), () => c.i32(0), nT);
        c.get(sb).get(m).get(nE).op('i32_mul', 'i32_add').set(sb);
        c.get(db).get(m).get(nE).op('i32_mul', 'i32_add').set(db);
        c.get(b).i32(1).op('i32_add').set(b).br(0);
      }));
    });
    mb.export(`t${E}`, fn);
  }
  return mb.build();
}
