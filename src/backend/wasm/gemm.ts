/**
 * Generated GEMM kernels: `C[m,n] (+)= A[m,k] · B[k,n]` for float32 and float64, with arbitrary
 * row/column strides (so transposed operands cost nothing extra) and a batch loop.
 *
 * The module follows the GotoBLAS loop nest: for each `NC`-wide column block and `KC`-deep slice
 * it packs a panel of B into `NR`-wide strips, for each `MC`-tall row block it packs A into
 * `MR`-tall strips, then a register-tiled micro-kernel computes each `MR×NR` tile of C from two
 * packed strips. Packing zero-pads partial strips. An edge tile of `r ≤ MR` rows and `v` vectors
 * runs a micro-kernel generated for that size (the module holds one per `r×v`, and one more per
 * size that stores its last, partial vector lane by lane), storing into C directly; either way
 * each element of C gets the bits a full tile would give it. A product of one
 * row strip (`m ≤ MR`) with unit-stride B rows reads B in place instead of packing it (B is read
 * once there, so packing would only copy it), and an outer product (`k = 1`, contiguous B row)
 * skips the loop nest altogether. The k loop is not unrolled (TurboFan would hoist every load of
 * an unrolled body and spill). A `warm` export runs every function on small products so that V8
 * tiers each one up before real work.
 *
 * Tiles (chosen so accumulators + B vectors + A broadcasts fit V8's 15 XMM registers, measured
 * with `bench/wasm/gemm-tiles.ts`): f32 3×12 with `f32x4.relaxed_madd`, 4×8 without; f64 3×6 with
 * `f64x2.relaxed_madd`, 4×4 without. Relaxed SIMD is used only where the engine has it.
 * @module
 */
import { Code, F32, F64, I32, ModuleBuilder, V128, type SimdOpName, type ValType } from './encoder.js';
import { forLoop, minLocals } from './loops.js';

/**
 * Element type of a kernel: float32 or float64.
 * @example
 * ```ts
 * const d: Dtype = 'f64';
 * ```
 */
export type Dtype = 'f32' | 'f64';

/**
 * Shape of the generated kernel: register tile and cache blocking.
 * @example
 * ```ts
 * const cfg: GemmConfig = { ...defaultGemmConfig('f32', false), kc: 128 };
 * ```
 */
export interface GemmConfig {
  /** Element type. */
  readonly dtype: Dtype;
  /** Rows of the register tile. */
  readonly mr: number;
  /** Columns of the register tile (a multiple of the SIMD lane count). */
  readonly nr: number;
  /** Depth of a packed slice (k blocking). */
  readonly kc: number;
  /** Rows of a packed A block (rounded up to a multiple of `mr`). */
  readonly mc: number;
  /** Columns of a packed B panel (rounded up to a multiple of `nr`). */
  readonly nc: number;
  /** Use relaxed-SIMD fused multiply-add. */
  readonly relaxed: boolean;
}

/**
 * The default kernel shape for a dtype, depending on relaxed-SIMD availability.
 * @param dtype - `'f32'` or `'f64'`
 * @param relaxed - whether `relaxed_madd` is available
 * @returns a {@link GemmConfig}
 * @example
 * ```ts
 * defaultGemmConfig('f32', false); // { dtype: 'f32', mr: 4, nr: 8, kc: 256, mc: 96, nc: 1024, relaxed: false }
 * ```
 */
export function defaultGemmConfig(dtype: Dtype, relaxed: boolean): GemmConfig {
  if (dtype === 'f32') {
    return relaxed ? { dtype, mr: 3, nr: 12, kc: 256, mc: 96, nc: 1020, relaxed }
      : { dtype, mr: 4, nr: 8, kc: 256, mc: 96, nc: 1024, relaxed };
  }
  return relaxed ? { dtype, mr: 3, nr: 6, kc: 256, mc: 96, nc: 516, relaxed }
    : { dtype, mr: 4, nr: 4, kc: 256, mc: 96, nc: 512, relaxed };
}

/**
 * Byte sizes of the per-thread workspace of a kernel.
 * @example
 * ```ts
 * const { bytes } = gemmWorkspace(defaultGemmConfig('f32', true));
 * ```
 */
export interface GemmWorkspace {
  /** Bytes for the packed A block. */
  readonly aBytes: number;
  /** Bytes for the packed B panel. */
  readonly bBytes: number;
  /** Total bytes (A block, B panel and the scratch tile). */
  readonly bytes: number;
}

/**
 * Workspace a kernel needs per calling thread (packed A, packed B and the edge scratch tile).
 * @param cfg - the kernel configuration
 * @returns the byte sizes
 * @example
 * ```ts
 * gemmWorkspace(defaultGemmConfig('f64', false)).bytes; // about 1.2 MB
 * ```
 */
export function gemmWorkspace(cfg: GemmConfig): GemmWorkspace {
  const e = cfg.dtype === 'f32' ? 4 : 8;
  const mc = Math.ceil(cfg.mc / cfg.mr) * cfg.mr;
  const nc = Math.ceil(cfg.nc / cfg.nr) * cfg.nr;
  const aBytes = mc * cfg.kc * e;
  const bBytes = nc * cfg.kc * e;
  return { aBytes, bBytes, bytes: aBytes + bBytes + cfg.mr * cfg.nr * e };
}

/**
 * Bytes of a B of `k×n` packed whole (the kernel's `packB` export, for `bPre`).
 * @param cfg - the kernel configuration
 * @param k - rows of op(B)
 * @param n - columns of op(B)
 * @returns the byte size
 * @example
 * ```ts
 * packedBBytes(defaultGemmConfig('f32', false), 256, 100); // 256 · 104 · 4
 * ```
 */
export function packedBBytes(cfg: GemmConfig, k: number, n: number): number {
  const e = cfg.dtype === 'f32' ? 4 : 8;
  const NC = Math.ceil(cfg.nc / cfg.nr) * cfg.nr;
  let cols = 0;
  for (let jc = 0; jc < n; jc += NC) cols += Math.ceil(Math.min(NC, n - jc) / cfg.nr) * cfg.nr;
  return k * cols * e;
}

/**
 * Generates the GEMM module's bytes. Exports `gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, add,
 * ws, batch, sA, sB, sC, bPre)`: every address, stride and leading dimension is in **bytes**;
 * `add ≠ 0` accumulates into C; `ws` points at {@link gemmWorkspace}`(cfg).bytes` of 16-byte
 * aligned scratch; `bPre ≠ 0` is the address of B packed whole by the other export,
 * `packB(b, rsB, csB, k, n, dst)` ({@link packedBBytes} bytes, 16-byte aligned), used by every
 * batch instead of packing B again (threads share one packed B).
 * @param cfg - tile and blocking configuration
 * @param memory - how to declare the imported `env.memory` (must match the real memory)
 * @returns the module bytes
 * @example
 * ```ts
 * const bytes = buildGemmModule(defaultGemmConfig('f32', false), { shared: false, maximum: undefined });
 * WebAssembly.validate(bytes); // true
 * ```
 */
export function buildGemmModule(cfg: GemmConfig, memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  // One copy of the bytes per configuration in the process: generation costs milliseconds of cold
  // JavaScript, and identical bytes also share V8's compiled (and tiered-up) code.
  const key = `${cfg.dtype} ${cfg.mr} ${cfg.nr} ${cfg.kc} ${cfg.mc} ${cfg.nc} ${cfg.relaxed} ${memory.shared} ${memory.maximum}`;
  let bytes = moduleCache.get(key);
  if (bytes === undefined) {
    bytes = generate(cfg, memory);
    if (moduleCache.size >= 32) moduleCache.delete(moduleCache.keys().next().value!);
    moduleCache.set(key, bytes);
  }
  return bytes;
}

const moduleCache = new Map<string, Uint8Array<ArrayBuffer>>();

/** {@link buildGemmModule} without the cache. */
function generate(cfg: GemmConfig, memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const E = cfg.dtype === 'f32' ? 4 : 8;
  const LANES = 16 / E;
  const { mr: MR, nr: NR, kc: KC } = cfg;
  if (NR % LANES !== 0) throw new Error(`buildGemmModule: nr must be a multiple of ${LANES}`);
  const NV = NR / LANES;
  const MC = Math.ceil(cfg.mc / MR) * MR;
  const NC = Math.ceil(cfg.nc / NR) * NR;
  const ws = gemmWorkspace(cfg);
  const t = cfg.dtype;
  const vadd: SimdOpName = t === 'f32' ? 'f32x4_add' : 'f64x2_add';
  const vmul: SimdOpName = t === 'f32' ? 'f32x4_mul' : 'f64x2_mul';
  const vmadd: SimdOpName = t === 'f32' ? 'f32x4_relaxed_madd' : 'f64x2_relaxed_madd';
  const splat = t === 'f32' ? 'v128_load32_splat' : 'v128_load64_splat';
  const sload = t === 'f32' ? 'f32_load' : 'f64_load';
  const sstore = t === 'f32' ? 'f32_store' : 'f64_store';
  const sT = t === 'f32' ? F32 : F64;

  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });
  const zero = (c: Code): void => { if (E === 4) c.f32(0); else c.f64(0); };

  // micro[r][v](kc, ap, bp, bs, c, ldc, add): C (+)= Ap strip · B rows for the top-left r×(v·LANES)
  // of a tile, kc ≥ 1. The A strip is packed (MR wide whatever r); the B rows are `bs` bytes apart:
  // a packed strip (bs = NR·E) or, for products of one row strip, B itself. micro[MR][NV] is the
  // full tile; the others serve the edges, so that a partial tile costs what its size costs.
  // With `partial`, an eighth parameter `last` (1..LANES−1) says how many lanes of the last vector
  // are stored (lane by lane): C (+)= only the tile's top-left r × ((nv−1)·LANES + last).
  const microFn = (mr: number, nv: number, partial = false): number => mb.func(Array<ValType>(partial ? 8 : 7).fill(I32), [], (c, local) => {
    const [kc, ap, bp, bs, cp, ldc, add, last] = [0, 1, 2, 3, 4, 5, 6, 7];
    const acc = Array.from({ length: mr * nv }, () => local(V128));
    const bv = Array.from({ length: nv }, () => local(V128));
    const av = local(V128), bEnd = local(I32), row = local(I32);
    c.get(bp).get(kc).get(bs).op('i32_mul', 'i32_add').set(bEnd);
    c.loop(() => {
      for (let v = 0; v < nv; v++) c.get(bp).vmem('v128_load', v * 16).set(bv[v] as number);
      for (let r = 0; r < mr; r++) {
        c.get(ap).vmem(splat, r * E).set(av);
        for (let v = 0; v < nv; v++) {
          const a = acc[r * nv + v] as number;
          if (cfg.relaxed) c.get(av).get(bv[v] as number).get(a).simd(vmadd).set(a);
          else c.get(a).get(av).get(bv[v] as number).simd(vmul, vadd).set(a);
        }
      }
      c.get(ap).i32(MR * E).op('i32_add').set(ap);
      c.get(bp).get(bs).op('i32_add').tee(bp).get(bEnd).op('i32_ne').brIf(0);
    });
    const epilogue = (accumulate: boolean): void => {
      c.get(cp).set(row);
      for (let r = 0; r < mr; r++) {
        for (let v = 0; v < nv; v++) {
          const a = acc[r * nv + v] as number;
          if (partial && v === nv - 1) {
            // lanes 0 .. last−1 one at a time: C + lane, what the full tile's vector add gives each lane
            const lane = t === 'f32' ? 'f32x4_extract_lane' : 'f64x2_extract_lane';
            for (let q = 0; q < LANES - 1; q++) {
              c.get(last).i32(q).op('i32_gt_u').if(() => {
                c.get(row);
                if (accumulate) c.get(row).mem(sload, v * 16 + q * E).get(a).lane(lane, q).op(t === 'f32' ? 'f32_add' : 'f64_add');
                else c.get(a).lane(lane, q);
                c.mem(sstore, v * 16 + q * E);
              });
            }
            continue;
          }
          c.get(row);
          if (accumulate) c.get(row).vmem('v128_load', v * 16).get(a).simd(vadd);
          else c.get(a);
          c.vmem('v128_store', v * 16);
        }
        if (r + 1 < mr) c.get(row).get(ldc).op('i32_add').set(row);
      }
    };
    c.get(add).if(() => epilogue(true), () => epilogue(false));
  });
  const micros = Array.from({ length: MR }, (_, r) => Array.from({ length: NV }, (_, v) => microFn(r + 1, v + 1)));
  const micro = micros[MR - 1]![NV - 1]!;
  const microsP = Array.from({ length: MR }, (_, r) => Array.from({ length: NV }, (_, v) => microFn(r + 1, v + 1, true)));

  // pack(src, rs, cs, rows, cols, dst): copies a rows×cols block into R-row strips (strip s holds
  // rows s*R.., laid out [col][R]), zero-padding the last strip. Used for A (R = MR, rows = m,
  // cols = k) and for B with a non-unit column stride (R = NR, rows = n, cols = k). Whole strips
  // take a vector path where a stride is one element: unit row stride (a transposed A: a strip's
  // column is R contiguous elements, copied as such) or unit column stride (a row-major A: blocks
  // of LANES×LANES are transposed with shuffles, when R is a multiple of LANES). Columns left over
  // by the vector path (f rows, from column cv on) and the rows of a partial strip go one element
  // at a time.
  const packFn = (R: number): number => mb.func([I32, I32, I32, I32, I32, I32], [], (c, local) => {
    const [src, rs, cs, rows, cols, dst] = [0, 1, 2, 3, 4, 5];
    const i = local(I32), p = local(I32), s = local(I32), d = local(I32), h = local(I32), f = local(I32), cv = local(I32);
    const g = local(I32), gs = local(I32), gd = local(I32);
    const rv = Array.from({ length: LANES }, () => local(V128)), tv = Array.from({ length: LANES }, () => local(V128));
    const rowStart = (): void => {
      c.get(dst).get(i).i32(R).op('i32_div_u').get(cols).op('i32_mul').i32(R * E).op('i32_mul', 'i32_add');
      c.get(i).i32(R).op('i32_rem_u').i32(E).op('i32_mul', 'i32_add').set(d);
    };
    const stripLoop = (colStep: number, body: () => void, rowStride: () => void): void => {
      forLoop(c, i, () => c.i32(0), () => c.get(f), () => c.i32(R), () => {
        c.get(src).get(i).get(rs).op('i32_mul', 'i32_add').set(s);
        rowStart();
        forLoop(c, p, () => c.i32(0), () => c.get(cv), () => c.i32(colStep), () => {
          body();
          rowStride();
          c.get(d).i32(colStep * R * E).op('i32_add').set(d);
        });
      });
    };
    c.i32(0).set(f).i32(0).set(cv);
    c.get(rs).i32(E).op('i32_eq').if(() => {
      c.get(rows).i32(R).op('i32_div_u').i32(R).op('i32_mul').set(f);
      c.get(cols).set(cv);
      stripLoop(1, () => {
        for (let o = 0; o < R * E;) {
          const w = R * E - o >= 16 ? 16 : R * E - o >= 8 ? 8 : 4;
          c.get(d).get(s);
          if (w === 16) c.vmem('v128_load', o).vmem('v128_store', o);
          else if (w === 8) c.mem('i64_load', o).mem('i64_store', o);
          else c.mem('i32_load', o).mem('i32_store', o);
          o += w;
        }
      }, () => c.get(s).get(cs).op('i32_add').set(s));
    }, () => {
      if (R % LANES !== 0) return;
      c.get(cs).i32(E).op('i32_eq').if(() => {
        c.get(rows).i32(R).op('i32_div_u').i32(R).op('i32_mul').set(f);
        c.get(cols).i32(-LANES).op('i32_and').set(cv);
        stripLoop(LANES, () => forLoop(c, g, () => c.i32(0), () => c.i32(R), () => c.i32(LANES), () => { // groups of LANES rows
          {
            c.get(s).get(g).get(rs).op('i32_mul', 'i32_add').set(gs);
            c.get(d).get(g).i32(E).op('i32_mul', 'i32_add').set(gd);
            for (let r = 0; r < LANES; r++) c.get(gs).get(rs).i32(r).op('i32_mul', 'i32_add').vmem('v128_load').set(rv[r]!);
            if (LANES === 4) { // 4×4 transpose of f32 lanes
              const sh = (x: number, y: number, lanes: number[], out: number): void => { c.get(x).get(y).shuffle(lanes).set(out); };
              sh(rv[0]!, rv[1]!, [0, 4, 1, 5], tv[0]!); sh(rv[2]!, rv[3]!, [0, 4, 1, 5], tv[1]!);
              sh(rv[0]!, rv[1]!, [2, 6, 3, 7], tv[2]!); sh(rv[2]!, rv[3]!, [2, 6, 3, 7], tv[3]!);
              sh(tv[0]!, tv[1]!, [0, 1, 4, 5], rv[0]!); sh(tv[0]!, tv[1]!, [2, 3, 6, 7], rv[1]!);
              sh(tv[2]!, tv[3]!, [0, 1, 4, 5], rv[2]!); sh(tv[2]!, tv[3]!, [2, 3, 6, 7], rv[3]!);
            } else { // 2×2 transpose of f64 lanes
              c.get(rv[0]!).get(rv[1]!).shuffle([0, 1, 4, 5]).set(tv[0]!);
              c.get(rv[0]!).get(rv[1]!).shuffle([2, 3, 6, 7]).set(rv[1]!);
              c.get(tv[0]!).set(rv[0]!);
            }
            for (let q = 0; q < LANES; q++) c.get(gd).get(rv[q]!).vmem('v128_store', q * R * E);
          }
        }), () => c.get(s).i32(LANES * E).op('i32_add').set(s));
      });
    });
    // element by element: rows below f from column cv on, then every column of the other rows
    forLoop(c, i, () => c.i32(0), () => c.get(rows), () => c.i32(1), () => {
      c.get(i).get(f).op('i32_lt_u').if(() => c.get(cv).set(p), () => c.i32(0).set(p));
      c.get(src).get(i).get(rs).op('i32_mul', 'i32_add').get(p).get(cs).op('i32_mul', 'i32_add').set(s);
      rowStart();
      c.get(d).get(p).i32(R * E).op('i32_mul', 'i32_add').set(d);
      forLoop(c, p, () => c.get(p), () => c.get(cols), () => c.i32(1), () => {
        c.get(d).get(s).mem(sload).mem(sstore);
        c.get(s).get(cs).op('i32_add').set(s);
        c.get(d).i32(R * E).op('i32_add').set(d);
      });
    });
    c.get(rows).i32(R - 1).op('i32_add').i32(R).op('i32_div_u').i32(R).op('i32_mul').set(h);
    forLoop(c, i, () => c.get(rows), () => c.get(h), () => c.i32(1), () => {
      rowStart();
      forLoop(c, p, () => c.i32(0), () => c.get(cols), () => c.i32(1), () => {
        c.get(d); zero(c); c.mem(sstore);
        c.get(d).i32(R * E).op('i32_add').set(d);
      });
    });
  });
  const packA = packFn(MR);
  const packBT = NR === MR ? packA : packFn(NR);

  // packBRows(src, rs, kc, nc, dst): B with unit column stride: vector copies of NR-wide rows.
  const packBRows = mb.func([I32, I32, I32, I32, I32], [], (c, local) => {
    const [src, rs, kc, nc, dst] = [0, 1, 2, 3, 4];
    const j = local(I32), p = local(I32), s = local(I32), d = local(I32), w = local(I32), q = local(I32), wv = local(I32);
    forLoop(c, j, () => c.i32(0), () => c.get(nc), () => c.i32(NR), () => {
      c.get(src).get(j).i32(E).op('i32_mul', 'i32_add').set(s);
      c.get(dst).get(j).get(kc).op('i32_mul').i32(E).op('i32_mul', 'i32_add').set(d);
      c.get(nc).get(j).op('i32_sub').set(w);
      c.get(w).i32(NR).op('i32_ge_s').if(() => {
        forLoop(c, p, () => c.i32(0), () => c.get(kc), () => c.i32(1), () => {
          for (let v = 0; v < NV; v++) c.get(d).get(s).vmem('v128_load', v * 16).vmem('v128_store', v * 16);
          c.get(s).get(rs).op('i32_add').set(s);
          c.get(d).i32(NR * E).op('i32_add').set(d);
        });
      }, () => {
        // a partial strip (w < NR columns): per row, zero vectors, then the whole vectors of the
        // w columns copied as vectors and the rest element by element
        c.get(w).i32(-LANES).op('i32_and').i32(E).op('i32_mul').set(wv);
        forLoop(c, p, () => c.i32(0), () => c.get(kc), () => c.i32(1), () => {
          for (let v = 0; v < NV; v++) c.get(d).v128i32([0, 0, 0, 0]).vmem('v128_store', v * 16);
          forLoop(c, q, () => c.i32(0), () => c.get(wv), () => c.i32(16), () => {
            c.get(d).get(q).op('i32_add').get(s).get(q).op('i32_add').vmem('v128_load').vmem('v128_store');
          });
          forLoop(c, q, () => c.get(wv), () => c.get(w).i32(E).op('i32_mul'), () => c.i32(E), () => {
            c.get(d).get(q).op('i32_add').get(s).get(q).op('i32_add').mem(sload).mem(sstore);
          });
          c.get(s).get(rs).op('i32_add').set(s);
          c.get(d).i32(NR * E).op('i32_add').set(d);
        });
      });
    });
  });

  // Offset (bytes) of panel (jc, pc) in a B packed whole by packB: column blocks one after the
  // other (each k deep), their KC slices one after the other (each ncR = ⌈nc/NR⌉·NR wide).
  const panelOffset = (g: Code, jc: number, pc: number, k: number, nc: number): void => {
    g.get(jc).get(k).op('i32_mul').get(pc).get(nc).i32(NR - 1).op('i32_add').i32(NR).op('i32_div_u').i32(NR).op('i32_mul', 'i32_mul', 'i32_add').i32(E).op('i32_mul');
  };

  // packB(b, rsB, csB, k, n, dst): packs all of B, panel by panel, for gemm's bPre.
  const packB = mb.func([I32, I32, I32, I32, I32, I32], [], (g, local) => {
    const [b, rsB, csB, k, n, dst] = [0, 1, 2, 3, 4, 5] as const;
    const jc = local(I32), pc = local(I32), nc = local(I32), kcL = local(I32), x = local(I32), d = local(I32);
    const NCc = local(I32), KCc = local(I32);
    g.i32(NC).set(NCc).i32(KC).set(KCc);
    forLoop(g, jc, () => g.i32(0), () => g.get(n), () => g.get(NCc), () => {
      g.get(n).get(jc).op('i32_sub').set(nc); minLocals(g, nc, NCc); g.set(nc);
      forLoop(g, pc, () => g.i32(0), () => g.get(k), () => g.get(KCc), () => {
        g.get(k).get(pc).op('i32_sub').set(kcL); minLocals(g, kcL, KCc); g.set(kcL);
        g.get(b).get(pc).get(rsB).op('i32_mul', 'i32_add').get(jc).get(csB).op('i32_mul', 'i32_add').set(x);
        g.get(dst); panelOffset(g, jc, pc, k, nc); g.op('i32_add').set(d);
        g.get(csB).i32(E).op('i32_eq').if(
          () => g.get(x).get(rsB).get(kcL).get(nc).get(d).call(packBRows),
          () => g.get(x).get(csB).get(rsB).get(nc).get(kcL).get(d).call(packBT),
        );
      });
    });
  });

  // outer(m, n, a, rsA, b, c, ldc, add): k = 1 with a contiguous B row, C (+)= a·bᵀ without packing.
  // Each element is C + (a_i·b_j + 0), exactly what the micro-kernel stores for k = 1 (its
  // accumulators start at +0, with or without FMA), so the bits do not depend on the path.
  const outer = mb.func(Array<ValType>(8).fill(I32), [], (g, local) => {
    const [m, n, a, rsA, b, cp, ldc, add] = [0, 1, 2, 3, 4, 5, 6, 7];
    const i = local(I32), j = local(I32), row = local(I32), nv = local(I32), av = local(V128), zv = local(V128);
    const splatOp = t === 'f32' ? 'f32x4_splat' : 'f64x2_splat';
    const sadd = t === 'f32' ? 'f32_add' : 'f64_add', smul = t === 'f32' ? 'f32_mul' : 'f64_mul';
    zero(g); g.simd(splatOp).set(zv);
    g.get(n).i32(-LANES).op('i32_and').i32(E).op('i32_mul').set(nv); // bytes of whole vectors per row
    forLoop(g, i, () => g.i32(0), () => g.get(m), () => g.i32(1), () => {
      g.get(cp).get(i).get(ldc).op('i32_mul', 'i32_add').set(row);
      g.get(a).get(i).get(rsA).op('i32_mul', 'i32_add').vmem(splat).set(av);
      const body = (accumulate: boolean): void => {
        forLoop(g, j, () => g.i32(0), () => g.get(nv), () => g.i32(16), () => {
          g.get(row).get(j).op('i32_add');
          if (accumulate) g.get(row).get(j).op('i32_add').vmem('v128_load');
          g.get(av).get(b).get(j).op('i32_add').vmem('v128_load').simd(vmul).get(zv).simd(vadd);
          if (accumulate) g.simd(vadd);
          g.vmem('v128_store');
        });
        forLoop(g, j, () => g.get(nv), () => g.get(n).i32(E).op('i32_mul'), () => g.i32(E), () => {
          g.get(row).get(j).op('i32_add');
          if (accumulate) g.get(row).get(j).op('i32_add').mem(sload);
          g.get(av).lane(t === 'f32' ? 'f32x4_extract_lane' : 'f64x2_extract_lane', 0).get(b).get(j).op('i32_add').mem(sload).op(smul);
          zero(g); g.op(sadd);
          if (accumulate) g.op(sadd);
          g.mem(sstore);
        });
      };
      g.get(add).if(() => body(true), () => body(false));
    });
  });

  // gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, add, ws, batch, sA, sB, sC, bPre): the driver.
  // bPre ≠ 0: B was packed whole at bPre by packB (every batch uses it) and is not packed here.
  const gemm = mb.func(Array<ValType>(18).fill(I32), [], (g, local) => {
    const [m, n, k, a, rsA, csA, b, rsB, csB, cc, ldc, add, wsp, batch, sA, sB, sC, bPre] =
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17] as const;
    const bt = local(I32), jc = local(I32), pc = local(I32), ic = local(I32), jr = local(I32), ir = local(I32);
    const nc = local(I32), kcL = local(I32), mc = local(I32), nrL = local(I32), mrL = local(I32);
    const apS = local(I32), bpS = local(I32), bpk = local(I32), scr = local(I32), cptr = local(I32);
    const addF = local(I32), x = local(I32), y = local(I32), nvL = local(I32), skinny = local(I32), bsL = local(I32);
    // calls micro[mrL][nvL] (an edge tile) with C at `dst` (pushes address, row stride, add)
    const edge = (dst: () => void): void => {
      for (let r = 1; r <= MR; r++) {
        for (let v = 1; v <= NV; v++) {
          g.get(mrL).i32(r).op('i32_eq').get(nvL).i32(v).op('i32_eq').op('i32_and').if(() => {
            g.get(kcL).get(apS).get(bpS).get(bsL); dst(); g.call(micros[r - 1]![v - 1]!);
          });
        }
      }
    };
    // calls microsP[mrL][nvL] with C at cptr: the last of its nvL vectors holds nrL mod LANES columns
    const edgeP = (): void => {
      for (let r = 1; r <= MR; r++) {
        for (let v = 1; v <= NV; v++) {
          g.get(mrL).i32(r).op('i32_eq').get(nvL).i32(v).op('i32_eq').op('i32_and').if(() => {
            g.get(kcL).get(apS).get(bpS).get(bsL).get(cptr).get(ldc).get(addF).get(nrL).i32(LANES - 1).op('i32_and').call(microsP[r - 1]![v - 1]!);
          });
        }
      }
    };
    const MCc = local(I32), NCc = local(I32), KCc = local(I32), MRc = local(I32), NRc = local(I32);
    const cElem = (): void => { // pushes cptr + x*ldc + y*E
      g.get(cptr).get(x).get(ldc).op('i32_mul', 'i32_add').get(y).i32(E).op('i32_mul', 'i32_add');
    };
    g.i32(MC).set(MCc).i32(NC).set(NCc).i32(KC).set(KCc).i32(MR).set(MRc).i32(NR).set(NRc);
    g.get(wsp).i32(ws.aBytes + ws.bBytes).op('i32_add').set(scr);
    // One row strip with unit-stride B rows: B is read once, so the micro-kernel reads it in place
    // (packing would only copy it); partial column strips are still packed (zero padding).
    g.get(m).i32(MR).op('i32_le_s').get(csB).i32(E).op('i32_eq').op('i32_and').get(bPre).op('i32_eqz').op('i32_and').set(skinny);
    forLoop(g, bt, () => g.i32(0), () => g.get(batch), () => g.i32(1), () => {
      g.get(k).i32(1).op('i32_eq').get(csB).i32(E).op('i32_eq').op('i32_and').if(() => {
        g.get(m).get(n).get(a).get(rsA).get(b).get(cc).get(ldc).get(add).call(outer);
      }, () => {
      // k == 0: C = 0 (or unchanged when accumulating)
      g.get(k).op('i32_eqz').get(add).op('i32_eqz').op('i32_and').if(() => {
        g.get(cc).set(cptr);
        forLoop(g, x, () => g.i32(0), () => g.get(m), () => g.i32(1), () => {
          forLoop(g, y, () => g.i32(0), () => g.get(n), () => g.i32(1), () => { cElem(); zero(g); g.mem(sstore); });
        });
      });
      forLoop(g, jc, () => g.i32(0), () => g.get(n), () => g.get(NCc), () => {
        g.get(n).get(jc).op('i32_sub').set(nc); minLocals(g, nc, NCc); g.set(nc);
        forLoop(g, pc, () => g.i32(0), () => g.get(k), () => g.get(KCc), () => {
          g.get(k).get(pc).op('i32_sub').set(kcL); minLocals(g, kcL, KCc); g.set(kcL);
          g.get(add).get(pc).op('i32_or').set(addF);
          g.get(bPre).if(() => {
            g.get(bPre); panelOffset(g, jc, pc, k, nc); g.op('i32_add').set(bpk);
          }, () => g.get(skinny).op('i32_eqz').if(() => {
            g.get(wsp).i32(ws.aBytes).op('i32_add').set(bpk);
            g.get(b).get(pc).get(rsB).op('i32_mul', 'i32_add').get(jc).get(csB).op('i32_mul', 'i32_add').set(x);
            g.get(csB).i32(E).op('i32_eq').if(
              () => g.get(x).get(rsB).get(kcL).get(nc).get(bpk).call(packBRows),
              () => g.get(x).get(csB).get(rsB).get(nc).get(kcL).get(bpk).call(packBT),
            );
          }));
          forLoop(g, ic, () => g.i32(0), () => g.get(m), () => g.get(MCc), () => {
            g.get(m).get(ic).op('i32_sub').set(mc); minLocals(g, mc, MCc); g.set(mc);
            g.get(a).get(ic).get(rsA).op('i32_mul', 'i32_add').get(pc).get(csA).op('i32_mul', 'i32_add');
            g.get(rsA).get(csA).get(mc).get(kcL).get(wsp).call(packA);
            forLoop(g, jr, () => g.i32(0), () => g.get(nc), () => g.get(NRc), () => {
              g.get(nc).get(jr).op('i32_sub').set(nrL); minLocals(g, nrL, NRc); g.set(nrL);
              g.get(nrL).i32(LANES - 1).op('i32_add').i32(LANES).op('i32_div_u').set(nvL);
              g.get(bpk).get(jr).get(kcL).op('i32_mul').i32(E).op('i32_mul', 'i32_add').set(bpS);
              g.i32(NR * E).set(bsL);
              g.get(skinny).if(() => {
                g.get(b).get(pc).get(rsB).op('i32_mul', 'i32_add').get(jc).get(jr).op('i32_add').i32(E).op('i32_mul', 'i32_add').set(x);
                g.get(nrL).get(NRc).op('i32_eq').if(() => g.get(x).set(bpS).get(rsB).set(bsL), () => {
                  g.get(wsp).i32(ws.aBytes).op('i32_add').set(bpS);
                  g.get(x).get(rsB).get(kcL).get(nrL).get(bpS).call(packBRows);
                });
              });
              forLoop(g, ir, () => g.i32(0), () => g.get(mc), () => g.get(MRc), () => {
                g.get(mc).get(ir).op('i32_sub').set(mrL); minLocals(g, mrL, MRc); g.set(mrL);
                g.get(cc).get(ic).get(ir).op('i32_add').get(ldc).op('i32_mul', 'i32_add');
                g.get(jc).get(jr).op('i32_add').i32(E).op('i32_mul', 'i32_add').set(cptr);
                g.get(wsp).get(ir).get(kcL).op('i32_mul').i32(E).op('i32_mul', 'i32_add').set(apS);
                g.get(mrL).get(MRc).op('i32_eq').get(nrL).get(NRc).op('i32_eq').op('i32_and').if(() => {
                  g.get(kcL).get(apS).get(bpS).get(bsL).get(cptr).get(ldc).get(addF).call(micro);
                }, () => g.get(nrL).i32(LANES - 1).op('i32_and').op('i32_eqz').if(() => {
                  // whole vectors: the edge micro-kernel of this size writes C directly
                  edge(() => g.get(cptr).get(ldc).get(addF));
                }, () => {
                  // a partial vector: the edge micro-kernel stores its last vector lane by lane
                  edgeP();
                }));
              });
            });
          });
        });
      });
      });
      g.get(a).get(sA).op('i32_add').set(a);
      g.get(b).get(sB).op('i32_add').set(b);
      g.get(cc).get(sC).op('i32_add').set(cc);
    });
  });
  // warm(s, ws): runs every function of the module on small products (see gemmWarmBytes).
  const warm = mb.func([I32, I32], [], (g, local) => {
    const [s, wsp] = [0, 1] as const;
    const p = local(I32), q = local(I32), r = local(I32), v = local(I32), w = local(I32);
    const W = WARM_N, A = 0, B = W * W * E, C = 2 * W * W * E, P = 3 * W * W * E;
    forLoop(g, p, () => g.i32(0), () => g.i32(P), () => g.i32(4), () => g.get(s).get(p).op('i32_add').i32(0).mem('i32_store'));
    // gemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, add, ws, batch, sA, sB, sC, bPre) on the scratch;
    // m and n are constants or locals (loops below keep the function small: it is generated cold)
    type Dim = number | { local: number };
    const dim = (d: Dim): void => { if (typeof d === 'number') g.i32(d); else g.get(d.local); };
    const call = (m: Dim, n: Dim, rsA: number, csA: number, rsB: number, csB: number, add: number, pre: boolean): void => {
      dim(m); dim(n); g.i32(W).get(s).i32(A).op('i32_add').i32(rsA * E).i32(csA * E);
      g.get(s).i32(B).op('i32_add').i32(rsB * E).i32(csB * E);
      g.get(s).i32(C).op('i32_add'); dim(n); g.i32(E).op('i32_mul').i32(add).get(wsp).i32(1).i32(0).i32(0).i32(0);
      if (pre) g.get(s).i32(P).op('i32_add'); else g.i32(0);
      g.call(gemm);
    };
    const H = W / 2;
    forLoop(g, p, () => g.i32(0), () => g.i32(WARM_ROUNDS), () => g.i32(1), () => {
      call(H, H, W, 1, W, 1, 0, false); // packA, packBRows, the full tile
      call(H, H, 1, W, 1, W, 1, false); // transposed operands (packBT), accumulating
      g.get(s).i32(B).op('i32_add').i32(W * E).i32(E).i32(W).i32(W).get(s).i32(P).op('i32_add').call(packB);
      call(H, W, 1, W, 0, 0, 0, true); // B packed whole (threads)
      // packing-heavy shapes: the packing functions need as much execution as the micro-kernel to tier up
      forLoop(g, q, () => g.i32(0), () => g.i32(4), () => g.i32(1), () => {
        call(W, NR, W, 1, W, 1, 0, false);
        call(W, NR, 1, W, 1, W, 0, false);
        call(MR, W, W, 1, W, 1, 0, false);
        call(MR, W, W, 1, 1, W, 0, false);
      });
      // every edge tile: r rows (1..MR) by v vectors (1..NV), whole (w = v·LANES) and partial (w − 1)
      forLoop(g, r, () => g.i32(1), () => g.i32(MR + 1), () => g.i32(1), () => {
        forLoop(g, v, () => g.i32(1), () => g.i32(NV + 1), () => g.i32(1), () => {
          g.get(v).i32(LANES).op('i32_mul').set(w);
          call({ local: r }, { local: w }, W, 1, W, 1, 0, false);
          g.get(w).i32(1).op('i32_sub').set(w);
          call({ local: r }, { local: w }, W, 1, W, 1, 1, false);
        });
      });
    });
  });
  mb.export('gemm', gemm);
  mb.export('packB', packB);
  mb.export('warm', warm);
  return mb.build();
}

/** Side of the square products a warm-up runs, and how many rounds of them (measured: enough for V8 to tier every function up). */
const WARM_N = 64, WARM_ROUNDS = 3;

/**
 * Bytes of scratch the kernel's `warm(scratch, ws)` export needs (16-byte aligned): it zeroes
 * that scratch and runs small products through every function of the module, so that V8
 * tiers each one up (a fresh module runs baseline code, several times slower) before real work.
 * @param cfg - the kernel configuration
 * @returns the byte size
 * @example
 * ```ts
 * const scratch = rt.memory.alloc(gemmWarmBytes(cfg), 64);
 * for (let i = 0; i < 4; i++) exports.warm(scratch, ws);
 * ```
 */
export function gemmWarmBytes(cfg: GemmConfig): number {
  const e = cfg.dtype === 'f32' ? 4 : 8;
  return 3 * WARM_N * WARM_N * e + packedBBytes(cfg, WARM_N, WARM_N);
}
