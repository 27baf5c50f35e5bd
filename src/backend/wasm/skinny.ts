/**
 * Generated kernels for the products where the GEMM's packing costs as much as the arithmetic:
 * matrix-vector products and small `Aᵀ·B` products with a long contracted axis (a Gram matrix
 * `XᵀX` of a tall, narrow `X`). They read their operands in place (rows of unit stride) and
 * produce the bits the GEMM of `gemm.ts` gives for the same product: every element is the same
 * in-order sum of the same products, accumulated per depth slice of `kc` and the slices added into
 * C one after the other, with the same multiply-add (fused only where the GEMM's configuration is
 * relaxed). So a product's result does not depend on which of the two kernels ran it.
 *
 * - `rowvec(k, n, v, b, rsB, c)`: `c[0..n) = v[0..k) · B`, B `k×n` with rows `rsB` bytes apart
 *   (`Xᵀr` with X stored `[k, n]`), in column blocks of up to 8 vectors, one accumulator each.
 * - `matvec(m, k, a, rsA, v, c)`: `c[0..m) = A · v`, A `m×k` with rows `rsA` bytes apart (`X·w`):
 *   groups of one vector's worth of rows, transposed in registers in blocks of lanes×lanes, two
 *   groups at a time; left-over rows one at a time.
 * - `gramT(m, n, k, a, rsA, b, rsB, c, ldc, sym)`: `C[m×n] = Aᵀ·B` with A stored `k×m` and B
 *   stored `k×n`, in register tiles of the GEMM's shape read straight from the rows; `sym ≠ 0` (A
 *   and B the same array, `m = n`) computes the tiles that touch the upper triangle and mirrors
 *   it (the mirrored element is the same sum of the same products).
 *
 * Edges are not packed: a tile's last vector and rows past the edge read up to {@link SKINNY_OVERREAD} bytes beyond an
 * operand's last element (their lanes are computed and dropped), so callers keep that much memory
 * after each operand (`WasmRuntime` checks it).
 * @module
 */
import { Code, F32, F64, I32, ModuleBuilder, V128, type SimdOpName, type ValType } from './encoder.js';
import { forLoop, minLocals } from './loops.js';
import type { GemmConfig } from './gemm.js';

/**
 * Bytes a kernel of this module may read past an operand's last element (a partial vector, or
 * the splats of a partial row strip of `gramT`: at most `(mr − 1)` elements).
 */
export const SKINNY_OVERREAD = 32;

/** Column vectors of one `rowvec` block (accumulators). */
const ROW_VECTORS = 8;

/**
 * The module's bytes for a GEMM configuration (its `kc`, tile and relaxed choice), cached per
 * configuration and memory declaration.
 * @param cfg - the configuration of the GEMM whose results these kernels reproduce
 * @param memory - how to declare the imported `env.memory`
 * @returns the module bytes
 * @example
 * ```ts
 * const bytes = buildSkinnyModule(defaultGemmConfig('f32', false), { shared: false, maximum: undefined });
 * WebAssembly.validate(bytes); // true
 * ```
 */
export function buildSkinnyModule(cfg: GemmConfig, memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const key = `${cfg.dtype} ${cfg.mr} ${cfg.nr} ${cfg.kc} ${cfg.relaxed} ${memory.shared} ${memory.maximum}`;
  let bytes = cache.get(key);
  if (bytes === undefined) {
    bytes = generate(cfg, memory);
    if (cache.size >= 16) cache.delete(cache.keys().next().value!);
    cache.set(key, bytes);
  }
  return bytes;
}

const cache = new Map<string, Uint8Array<ArrayBuffer>>();

function generate(cfg: GemmConfig, memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const f32 = cfg.dtype === 'f32';
  const E = f32 ? 4 : 8, L = 16 / E;
  const { mr: MR, nr: NR, kc: KC } = cfg;
  const NV = NR / L;
  const vadd: SimdOpName = f32 ? 'f32x4_add' : 'f64x2_add';
  const vmul: SimdOpName = f32 ? 'f32x4_mul' : 'f64x2_mul';
  const vmadd: SimdOpName = f32 ? 'f32x4_relaxed_madd' : 'f64x2_relaxed_madd';
  const splat = f32 ? 'v128_load32_splat' : 'v128_load64_splat';
  const sload = f32 ? 'f32_load' : 'f64_load', sstore = f32 ? 'f32_store' : 'f64_store';
  const sadd = f32 ? 'f32_add' : 'f64_add';
  const extract = f32 ? 'f32x4_extract_lane' : 'f64x2_extract_lane';
  const iload = f32 ? 'i32_load' : 'i64_load', istore = f32 ? 'i32_store' : 'i64_store';
  const sT = f32 ? F32 : F64;

  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });

  /** acc = acc + x·y, as the GEMM's micro-kernel does it (x, y pushed by the callbacks). */
  const madd = (c: Code, acc: number, x: () => void, y: () => void): void => {
    if (cfg.relaxed) { x(); y(); c.get(acc).simd(vmadd).set(acc); } else { c.get(acc); x(); y(); c.simd(vmul, vadd).set(acc); }
  };
  /** Stores vector `acc` at `addr + off` (adding what is there when `add ≠ 0`). */
  const storeVec = (c: Code, addr: number, off: number, acc: number, add: number): void => {
    c.get(addr);
    c.get(add).if(() => c.get(addr).vmem('v128_load', off).get(acc).simd(vadd), () => c.get(acc), V128);
    c.vmem('v128_store', off);
  };
  /** Stores the first `last` lanes of `acc` (a local count, 1..L) at `addr + off`. */
  const storeLanes = (c: Code, addr: number, off: number, acc: number, add: number, last: number): void => {
    c.get(last).i32(L).op('i32_eq').if(() => storeVec(c, addr, off, acc, add), () => {
      for (let q = 0; q < L - 1; q++) {
        c.get(last).i32(q).op('i32_gt_u').if(() => {
          c.get(addr);
          c.get(add).if(() => { c.get(addr).mem(sload, off + q * E).get(acc).lane(extract, q).op(sadd); }, () => c.get(acc).lane(extract, q), sT);
          c.mem(sstore, off + q * E);
        });
      }
    });
  };

  // rowMicro[nv](kc, vp, bp, bs, cp, add, last): c[0 .. (nv−1)·L + last) (+)= Σ_p v[p]·B[p, ·] over kc ≥ 1 rows.
  const rowMicro = Array.from({ length: ROW_VECTORS }, (_, i) => i + 1).map((nv) => mb.func(Array<ValType>(7).fill(I32), [], (c, local) => {
    const [kc, vp, bp, bs, cp, add, last] = [0, 1, 2, 3, 4, 5, 6];
    const acc = Array.from({ length: nv }, () => local(V128));
    const s = local(V128), end = local(I32);
    c.get(vp).get(kc).i32(E).op('i32_mul', 'i32_add').set(end);
    c.loop(() => {
      c.get(vp).vmem(splat).set(s);
      for (let v = 0; v < nv; v++) madd(c, acc[v]!, () => c.get(s), () => c.get(bp).vmem('v128_load', 16 * v));
      c.get(bp).get(bs).op('i32_add').set(bp);
      c.get(vp).i32(E).op('i32_add').tee(vp).get(end).op('i32_ne').brIf(0);
    });
    for (let v = 0; v < nv - 1; v++) storeVec(c, cp, 16 * v, acc[v]!, add);
    storeLanes(c, cp, 16 * (nv - 1), acc[nv - 1]!, add, last);
  }));

  // rowvec(k, n, v, b, rsB, c)
  const rowvec = mb.func(Array<ValType>(6).fill(I32), [], (c, local) => {
    const [k, n, v, b, rsB, cp] = [0, 1, 2, 3, 4, 5];
    const pc = local(I32), kcL = local(I32), addF = local(I32), j = local(I32), bp = local(I32), rem = local(I32), nv = local(I32), last = local(I32), KCc = local(I32);
    c.i32(KC).set(KCc);
    forLoop(c, pc, () => c.i32(0), () => c.get(k), () => c.get(KCc), () => {
      c.get(k).get(pc).op('i32_sub').set(kcL); minLocals(c, kcL, KCc); c.set(kcL);
      c.get(pc).i32(0).op('i32_ne').set(addF);
      c.get(b).get(pc).get(rsB).op('i32_mul', 'i32_add').set(bp);
      const call = (fn: number, lastLanes: () => void): void => {
        c.get(kcL).get(v).get(pc).i32(E).op('i32_mul', 'i32_add').get(bp).get(j).i32(E).op('i32_mul', 'i32_add').get(rsB);
        c.get(cp).get(j).i32(E).op('i32_mul', 'i32_add').get(addF); lastLanes(); c.call(fn);
      };
      forLoop(c, j, () => c.i32(0), () => c.get(n).i32(ROW_VECTORS * L - 1).op('i32_sub'), () => c.i32(ROW_VECTORS * L), () => {
        call(rowMicro[ROW_VECTORS - 1]!, () => c.i32(L));
      });
      c.get(n).get(j).op('i32_sub').set(rem);
      c.get(rem).i32(0).op('i32_gt_s').if(() => {
        c.get(rem).i32(L - 1).op('i32_add').i32(L).op('i32_div_u').set(nv);
        c.get(rem).get(nv).i32(1).op('i32_sub').i32(L).op('i32_mul', 'i32_sub').set(last);
        for (let q = 1; q <= ROW_VECTORS; q++) c.get(nv).i32(q).op('i32_eq').if(() => call(rowMicro[q - 1]!, () => c.get(last)));
      });
    });
  });

  // matvec(m, k, a, rsA, v, c)
  const matvec = mb.func(Array<ValType>(6).fill(I32), [], (c, local) => {
    const [m, k, a, rsA, v, cp] = [0, 1, 2, 3, 4, 5];
    const i = local(I32), pc = local(I32), kcL = local(I32), kv = local(I32), addF = local(I32), p = local(I32), row = local(I32), tail = local(I32), KCc = local(I32);
    const off = Array.from({ length: 2 * L }, () => local(I32));
    const rv = Array.from({ length: L }, () => local(V128)), tv = Array.from({ length: L }, () => local(V128));
    const acc = [local(V128), local(V128)];
    const sv = Array.from({ length: L }, () => local(V128)), vp = local(I32), vEnd = local(I32);
    c.i32(KC).set(KCc);
    for (let q = 0; q < 2 * L; q++) c.get(rsA).i32(q).op('i32_mul').set(off[q]!);
    /** Loads L rows from `row + off[g·L + q]` (+ byte offset `o`) and leaves column q of the block in rv[q]. */
    const loadT = (g: number): void => {
      for (let q = 0; q < L; q++) c.get(row).get(off[g * L + q]!).op('i32_add').vmem('v128_load').set(rv[q]!);
      const sh = (x: number, y: number, lanes: number[], out: number): void => { c.get(x).get(y).shuffle(lanes).set(out); };
      if (L === 4) {
        sh(rv[0]!, rv[1]!, [0, 4, 1, 5], tv[0]!); sh(rv[2]!, rv[3]!, [0, 4, 1, 5], tv[1]!);
        sh(rv[0]!, rv[1]!, [2, 6, 3, 7], tv[2]!); sh(rv[2]!, rv[3]!, [2, 6, 3, 7], tv[3]!);
        sh(tv[0]!, tv[1]!, [0, 1, 4, 5], rv[0]!); sh(tv[0]!, tv[1]!, [2, 3, 6, 7], rv[1]!);
        sh(tv[2]!, tv[3]!, [0, 1, 4, 5], rv[2]!); sh(tv[2]!, tv[3]!, [2, 3, 6, 7], rv[3]!);
      } else {
        sh(rv[0]!, rv[1]!, [0, 1, 4, 5], tv[0]!); sh(rv[0]!, rv[1]!, [2, 3, 6, 7], rv[1]!);
        c.get(tv[0]!).set(rv[0]!);
      }
    };
    /** Rows [i, i + G·L): per depth slice, G accumulators of L outputs. */
    const groups = (G: number): void => {
      forLoop(c, pc, () => c.i32(0), () => c.get(k), () => c.get(KCc), () => {
        c.get(k).get(pc).op('i32_sub').set(kcL); minLocals(c, kcL, KCc); c.set(kcL);
        c.get(pc).i32(0).op('i32_ne').set(addF);
        c.get(kcL).i32(-L).op('i32_and').set(kv);
        for (let g = 0; g < G; g++) c.v128i32([0, 0, 0, 0]).set(acc[g]!);
        // running pointers: row (the group's first row at column pc + p) and vp (v[pc + p])
        c.get(a).get(i).get(rsA).op('i32_mul', 'i32_add').get(pc).i32(E).op('i32_mul', 'i32_add').set(row);
        c.get(v).get(pc).i32(E).op('i32_mul', 'i32_add').set(vp);
        c.get(vp).get(kv).i32(E).op('i32_mul', 'i32_add').set(vEnd);
        c.get(kv).if(() => c.loop(() => {
          for (let q = 0; q < L; q++) c.get(vp).vmem(splat, q * E).set(sv[q]!);
          for (let g = 0; g < G; g++) {
            loadT(g);
            for (let q = 0; q < L; q++) madd(c, acc[g]!, () => c.get(rv[q]!), () => c.get(sv[q]!));
          }
          c.get(row).i32(L * E).op('i32_add').set(row);
          c.get(vp).i32(L * E).op('i32_add').tee(vp).get(vEnd).op('i32_ne').brIf(0);
        }));
        c.get(kcL).get(kv).op('i32_sub').set(tail);
        c.get(tail).if(() => {
          c.get(a).get(i).get(rsA).op('i32_mul', 'i32_add').get(pc).get(kv).op('i32_add').i32(E).op('i32_mul', 'i32_add').set(row);
          for (let g = 0; g < G; g++) {
            loadT(g);
            for (let q = 0; q < L - 1; q++) {
              c.get(tail).i32(q).op('i32_gt_u').if(() => {
                madd(c, acc[g]!, () => c.get(rv[q]!), () => c.get(v).get(pc).get(kv).op('i32_add').i32(E).op('i32_mul', 'i32_add').vmem(splat, q * E));
              });
            }
          }
        });
        c.get(cp).get(i).i32(E).op('i32_mul', 'i32_add').set(row);
        for (let g = 0; g < G; g++) storeVec(c, row, 16 * g, acc[g]!, addF);
      });
    };
    c.i32(0).set(i);
    c.block(() => c.loop(() => {
      c.get(i).i32(2 * L).op('i32_add').get(m).op('i32_gt_s').brIf(1);
      groups(2);
      c.get(i).i32(2 * L).op('i32_add').set(i).br(0);
    }));
    c.get(i).i32(L).op('i32_add').get(m).op('i32_le_s').if(() => {
      groups(1);
      c.get(i).i32(L).op('i32_add').set(i);
    });
    // left-over rows, one at a time (lane 0 of a vector, so that the multiply-add is the GEMM's)
    forLoop(c, i, () => c.get(i), () => c.get(m), () => c.i32(1), () => {
      c.get(cp).get(i).i32(E).op('i32_mul', 'i32_add').set(row);
      forLoop(c, pc, () => c.i32(0), () => c.get(k), () => c.get(KCc), () => {
        c.get(k).get(pc).op('i32_sub').set(kcL); minLocals(c, kcL, KCc); c.set(kcL);
        c.get(pc).i32(0).op('i32_ne').set(addF);
        c.v128i32([0, 0, 0, 0]).set(acc[0]!);
        forLoop(c, p, () => c.get(pc), () => c.get(pc).get(kcL).op('i32_add'), () => c.i32(1), () => {
          madd(c, acc[0]!, () => c.get(a).get(i).get(rsA).op('i32_mul', 'i32_add').get(p).i32(E).op('i32_mul', 'i32_add').vmem(splat),
            () => c.get(v).get(p).i32(E).op('i32_mul', 'i32_add').vmem(splat));
        });
        c.get(row);
        c.get(addF).if(() => c.get(row).mem(sload).get(acc[0]!).lane(extract, 0).op(sadd), () => c.get(acc[0]!).lane(extract, 0), sT);
        c.mem(sstore);
      });
    });
  });

  // tile[nv](kc, ap, as, bp, bs, cp, ldc, add, rows, last): the top-left rows × ((nv−1)·L + last)
  // of an MR × nv·L tile of Aᵀ·B, A and B read along their rows (as, bs bytes apart per step).
  const tile = Array.from({ length: NV }, (_, i) => i + 1).map((nv) => mb.func(Array<ValType>(10).fill(I32), [], (c, local) => {
    const [kc, ap, as, bp, bs, cp, ldc, add, rows, last] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const acc = Array.from({ length: MR * nv }, () => local(V128));
    const bv = Array.from({ length: nv }, () => local(V128));
    const av = local(V128), end = local(I32), row = local(I32);
    c.get(ap).get(kc).get(as).op('i32_mul', 'i32_add').set(end);
    c.loop(() => {
      for (let v = 0; v < nv; v++) c.get(bp).vmem('v128_load', 16 * v).set(bv[v]!);
      for (let r = 0; r < MR; r++) {
        c.get(ap).vmem(splat, r * E).set(av);
        for (let v = 0; v < nv; v++) madd(c, acc[r * nv + v]!, () => c.get(av), () => c.get(bv[v]!));
      }
      c.get(bp).get(bs).op('i32_add').set(bp);
      c.get(ap).get(as).op('i32_add').tee(ap).get(end).op('i32_ne').brIf(0);
    });
    c.get(cp).set(row);
    for (let r = 0; r < MR; r++) {
      const store = (): void => {
        for (let v = 0; v < nv - 1; v++) storeVec(c, row, 16 * v, acc[r * nv + v]!, add);
        storeLanes(c, row, 16 * (nv - 1), acc[r * nv + nv - 1]!, add, last);
        c.get(row).get(ldc).op('i32_add').set(row);
      };
      if (r === 0) store(); else c.get(rows).i32(r).op('i32_gt_u').if(store);
    }
  }));

  // gramT(m, n, k, a, rsA, b, rsB, c, ldc, sym)
  const gramT = mb.func(Array<ValType>(10).fill(I32), [], (c, local) => {
    const [m, n, k, a, rsA, b, rsB, cp, ldc, sym] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const i = local(I32), j = local(I32), pc = local(I32), kcL = local(I32), rows = local(I32), cols = local(I32), nv = local(I32), last = local(I32);
    const KCc = local(I32), MRc = local(I32), NRc = local(I32), x = local(I32), y = local(I32);
    c.i32(KC).set(KCc).i32(MR).set(MRc).i32(NR).set(NRc);
    // depth slices outermost: a slice of A and B (kc rows) stays in cache while its tiles run
    forLoop(c, pc, () => c.i32(0), () => c.get(k), () => c.get(KCc), () => {
      c.get(k).get(pc).op('i32_sub').set(kcL); minLocals(c, kcL, KCc); c.set(kcL);
      forLoop(c, i, () => c.i32(0), () => c.get(m), () => c.get(MRc), () => {
        c.get(m).get(i).op('i32_sub').set(rows); minLocals(c, rows, MRc); c.set(rows);
        forLoop(c, j, () => c.i32(0), () => c.get(n), () => c.get(NRc), () => {
          // with sym, a tile whose columns all lie left of its first row is below the diagonal
          c.get(sym).get(j).i32(NR).op('i32_add').get(i).op('i32_le_s').op('i32_and').op('i32_eqz').if(() => {
            c.get(n).get(j).op('i32_sub').set(cols); minLocals(c, cols, NRc); c.set(cols);
            c.get(cols).i32(L - 1).op('i32_add').i32(L).op('i32_div_u').set(nv);
            c.get(cols).get(nv).i32(1).op('i32_sub').i32(L).op('i32_mul', 'i32_sub').set(last);
            for (let q = 1; q <= NV; q++) {
              const call = (): void => {
                c.get(kcL).get(a).get(pc).get(rsA).op('i32_mul', 'i32_add').get(i).i32(E).op('i32_mul', 'i32_add').get(rsA);
                c.get(b).get(pc).get(rsB).op('i32_mul', 'i32_add').get(j).i32(E).op('i32_mul', 'i32_add').get(rsB);
                c.get(cp).get(i).get(ldc).op('i32_mul', 'i32_add').get(j).i32(E).op('i32_mul', 'i32_add').get(ldc);
                c.get(pc).i32(0).op('i32_ne').get(rows).get(last).call(tile[q - 1]!);
              };
              if (NV === 1) call(); else c.get(nv).i32(q).op('i32_eq').if(call);
            }
          });
        });
      });
    });
    // mirror the upper triangle into the lower one (moved as bits)
    c.get(sym).if(() => {
      forLoop(c, x, () => c.i32(1), () => c.get(m), () => c.i32(1), () => {
        forLoop(c, y, () => c.i32(0), () => c.get(x), () => c.i32(1), () => {
          c.get(cp).get(x).get(ldc).op('i32_mul', 'i32_add').get(y).i32(E).op('i32_mul', 'i32_add');
          c.get(cp).get(y).get(ldc).op('i32_mul', 'i32_add').get(x).i32(E).op('i32_mul', 'i32_add').mem(iload);
          c.mem(istore);
        });
      });
    });
  });

  mb.export('rowvec', rowvec);
  mb.export('matvec', matvec);
  mb.export('gramT', gramT);
  return mb.build();
}
