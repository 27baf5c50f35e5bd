/**
 * Generated Cholesky factorization and triangular solve: the `js` host kernel's algorithm (src/linalg/dense.ts
 * `choleskyF64` after `symmetricCopy`, src/linalg/util.ts) as scalar float64 wasm, so that the
 * `wasm` backend's `cholesky` kernel is bit-identical to the host kernel and several times faster
 * on small matrices (31×31: the JavaScript kernel spends most of its time in bounds-checked
 * typed-array loops and in allocating its float64 copy).
 *
 * One module exports `chol32(src, dst, n, tolFactor, out)` and `chol64(…)` (addresses in bytes;
 * `chol32` also writes L rounded to float32 at `out`), and
 * `trsv32`/`trsv64`, the host kernel's row-by-row triangular solve in place on a float64 copy of B:
 * ```text
 * pass 1   dst (float64 n×n) = (A + Aᵀ)/2, with max|a|, max|lo − up| and Σ a·0 on the way
 *          → −2 when an entry is not finite or max|lo − up| > tolFactor · max|a|
 * pass 2   tol = (n·ε)·max diag; column by column, d = a_jj − Σₖ l_jk² (ascending k), then the
 *          column below the diagonal four rows per pass (each row's sum still in ascending k)
 *          → j when pivot j is not above tol or not finite, else −1 (dst holds L, zeros above)
 * ```
 * Every value is the same sequence of IEEE float64 operations as the host kernel (no fused
 * multiply-add in either), so the results are equal bit for bit; on −2 or a pivot the caller runs
 * the host kernel, which throws its typed error with the same verdict.
 * @module
 */
import { choleskyKernel, triangularSolveKernel, type TriangularSolveParams } from '../js/linalg.js';
import type { Aval } from '../../tensor/aval.js';
import { allocTyped, type TypedArray } from '../../tensor/dtype.js';
import { F64, I32, ModuleBuilder } from './encoder.js';
import { forLoop } from './loops.js';
import { stagingBlock } from './staging.js';
import type { WasmRuntime } from './index.js';

/** Result of the generated kernel when pass 1 rejects the matrix (not finite or not symmetric). */
export const CHOL_NOT_SYMMETRIC = -2;

/**
 * Generates the Cholesky module (see the module comment).
 * @param memory - how to declare the imported `env.memory` (must match the real memory)
 * @returns the module bytes
 * @example
 * ```ts
 * WebAssembly.validate(buildCholeskyModule({ shared: false, maximum: undefined })); // true
 * ```
 */
export function buildCholeskyModule(memory: { shared: boolean; maximum: number | undefined }): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: memory.maximum, shared: memory.shared });
  for (const E of [4, 8] as const) {
    const fn = mb.func([I32, I32, I32, F64, I32], [I32], (c, local) => {
      const [src, dst, n, tolFactor, outp] = [0, 1, 2, 3, 4];
      const i = local(I32), j = local(I32), k = local(I32), rowI = local(I32), rowJ = local(I32), n4 = local(I32);
      const d = local(F64), lo = local(F64), up = local(F64), m = local(F64), maxAbs = local(F64), maxDiff = local(F64), nonFinite = local(F64);
      const tol = local(F64), ljj = local(F64), cj = local(F64);
      const s = [local(F64), local(F64), local(F64), local(F64)];
      const r = [local(I32), local(I32), local(I32), local(I32)];
      const pr = [local(I32), local(I32), local(I32), local(I32)];
      const pJ = local(I32), kk = local(I32), kEnd = local(I32);
      /** for (v = 0; v < end; v += 8) body (byte offsets of float64 elements) */
      const forRange8 = (v: number, end: number, body: () => void): void => {
        c.i32(0).set(v);
        c.block(() => c.loop(() => {
          c.get(v).get(end).op('i32_ge_s').brIf(1);
          body();
          c.get(v).i32(8).op('i32_add').set(v).br(0);
        }));
      };
      const loadSrc = (addr: () => void): void => { addr(); if (E === 4) c.mem('f32_load').op('f64_promote_f32'); else c.mem('f64_load'); };
      /** Pushes the byte address of element `idx` (an i32 on the stack after `idx()`) of src / dst. */
      const at = (base: number, bytes: number, idx: () => void): void => { c.get(base); idx(); c.i32(bytes).op('i32_mul', 'i32_add'); };
      const dstAt = (idx: () => void): void => at(dst, 8, idx);
      const forRange = (v: number, from: () => void, to: () => void, body: () => void): void => forLoop(c, v, from, to, () => c.i32(1), body);
      const maxInto = (acc: number, val: () => void): void => {
        // acc = val > acc ? val : acc (the host kernel's `if (v > acc) acc = v`)
        val(); c.set(m);
        c.get(m).get(acc).get(m).get(acc).op('f64_gt', 'select').set(acc);
      };
      const absOf = (x: number) => (): void => { c.get(x).op('f64_abs'); };

      // pass 1: symmetric copy and checks
      c.f64(0).tee(maxAbs).tee(maxDiff).set(nonFinite);
      forRange(i, () => c.i32(0), () => c.get(n), () => {
        c.get(i).get(n).op('i32_mul').set(rowI);
        loadSrc(() => at(src, E, () => c.get(rowI).get(i).op('i32_add')));
        c.set(d);
        dstAt(() => c.get(rowI).get(i).op('i32_add')); c.get(d).mem('f64_store');
        c.get(nonFinite).get(d).f64(0).op('f64_mul', 'f64_add').set(nonFinite);
        maxInto(maxAbs, absOf(d));
        forRange(j, () => c.i32(0), () => c.get(i), () => {
          loadSrc(() => at(src, E, () => c.get(rowI).get(j).op('i32_add'))); c.set(lo);
          loadSrc(() => at(src, E, () => c.get(j).get(n).op('i32_mul').get(i).op('i32_add'))); c.set(up);
          c.get(nonFinite).get(lo).f64(0).op('f64_mul').get(up).f64(0).op('f64_mul', 'f64_add', 'f64_add').set(nonFinite);
          maxInto(maxAbs, absOf(lo));
          maxInto(maxAbs, absOf(up));
          // df = lo > up ? lo − up : up − lo
          maxInto(maxDiff, () => { c.get(lo).get(up).op('f64_sub').get(up).get(lo).op('f64_sub').get(lo).get(up).op('f64_gt', 'select'); });
          c.f64(0.5).get(lo).get(up).op('f64_add', 'f64_mul').set(m);
          dstAt(() => c.get(rowI).get(j).op('i32_add')); c.get(m).mem('f64_store');
          dstAt(() => c.get(j).get(n).op('i32_mul').get(i).op('i32_add')); c.get(m).mem('f64_store');
        });
      });
      // nonFinite ≠ 0 or maxDiff > tolFactor·maxAbs → reject
      c.get(nonFinite).f64(0).op('f64_ne').get(maxDiff).get(tolFactor).get(maxAbs).op('f64_mul', 'f64_gt', 'i32_or');
      c.if(() => { c.i32(CHOL_NOT_SYMMETRIC).op('return'); });

      // pass 2: tol = (n·ε)·max |l_jj + 0|
      c.f64(0).set(m);
      forRange(j, () => c.i32(0), () => c.get(n), () => {
        dstAt(() => c.get(j).get(n).op('i32_mul').get(j).op('i32_add')); c.mem('f64_load').f64(0).op('f64_add', 'f64_abs').set(d);
        c.get(m).get(d).op('f64_max').set(m);
      });
      c.get(n).op('f64_convert_i32_s').f64(Number.EPSILON).op('f64_mul').get(m).op('f64_mul').set(tol);
      const l = (row: () => void, col: () => void): void => dstAt(() => { row(); col(); c.op('i32_add'); });
      c.get(n).i32(3).op('i32_sub').set(n4);
      forRange(j, () => c.i32(0), () => c.get(n), () => {
        c.get(j).get(n).op('i32_mul').set(rowJ);
        l(() => c.get(rowJ), () => c.get(j)); c.mem('f64_load').f64(0).op('f64_add').set(d);
        forRange(k, () => c.i32(0), () => c.get(j), () => {
          l(() => c.get(rowJ), () => c.get(k)); c.mem('f64_load').set(cj);
          c.get(d).get(cj).get(cj).op('f64_mul', 'f64_sub').set(d);
        });
        // !(d > tol) || d − d ≠ 0 (not finite) → pivot j
        c.get(d).get(tol).op('f64_gt', 'i32_eqz').get(d).get(d).op('f64_sub').f64(0).op('f64_ne', 'i32_or');
        c.if(() => { c.get(j).op('return'); });
        c.get(d).op('f64_sqrt').set(ljj);
        l(() => c.get(rowJ), () => c.get(j)); c.get(ljj).mem('f64_store');
        // four rows per pass
        c.get(j).i32(1).op('i32_add').set(i);
        c.block(() => c.loop(() => {
          c.get(i).get(n4).op('i32_ge_s').brIf(1);
          for (let q = 0; q < 4; q++) {
            c.get(i).i32(q).op('i32_add').get(n).op('i32_mul').set(r[q]!);
            l(() => c.get(r[q]!), () => c.get(j)); c.mem('f64_load').set(s[q]!);
          }
          // byte pointers to row j and rows i…i+3 (one add per load in the inner loop)
          c.get(dst).get(rowJ).i32(8).op('i32_mul', 'i32_add').set(pJ);
          for (let q = 0; q < 4; q++) c.get(dst).get(r[q]!).i32(8).op('i32_mul', 'i32_add').set(pr[q]!);
          c.get(j).i32(8).op('i32_mul').set(kEnd);
          forRange8(kk, kEnd, () => {
            c.get(pJ).get(kk).op('i32_add').mem('f64_load').set(cj);
            for (let q = 0; q < 4; q++) {
              c.get(s[q]!).get(pr[q]!).get(kk).op('i32_add').mem('f64_load').get(cj).op('f64_mul', 'f64_sub').set(s[q]!);
            }
          });
          for (let q = 0; q < 4; q++) { l(() => c.get(r[q]!), () => c.get(j)); c.get(s[q]!).get(ljj).op('f64_div').mem('f64_store'); }
          c.get(i).i32(4).op('i32_add').set(i).br(0);
        }));
        // the remaining rows one at a time
        forRange(i, () => c.get(i), () => c.get(n), () => {
          c.get(i).get(n).op('i32_mul').set(rowI);
          l(() => c.get(rowI), () => c.get(j)); c.mem('f64_load').set(s[0]!);
          forRange(k, () => c.i32(0), () => c.get(j), () => {
            c.get(s[0]!);
            l(() => c.get(rowI), () => c.get(k)); c.mem('f64_load');
            l(() => c.get(rowJ), () => c.get(k)); c.mem('f64_load').op('f64_mul', 'f64_sub').set(s[0]!);
          });
          l(() => c.get(rowI), () => c.get(j)); c.get(s[0]!).get(ljj).op('f64_div').mem('f64_store');
        });
        // zeros above the diagonal
        forRange(k, () => c.get(j).i32(1).op('i32_add'), () => c.get(n), () => { l(() => c.get(rowJ), () => c.get(k)); c.f64(0).mem('f64_store'); });
      });
      if (E === 4) {
        // L rounded once to float32 at outp (what storing the float64 L into a Float32Array does)
        c.get(n).get(n).op('i32_mul').set(kEnd);
        forRange(k, () => c.i32(0), () => c.get(kEnd), () => {
          c.get(outp).get(k).i32(4).op('i32_mul', 'i32_add');
          c.get(dst).get(k).i32(8).op('i32_mul', 'i32_add').mem('f64_load').op('f32_demote_f64').mem('f32_store');
        });
      }
      c.i32(-1);
    });
    mb.export(E === 4 ? 'chol32' : 'chol64', fn);

    // trsv(t, x, n, k, si, sj, lower, unit): op(A) X = B in place on x (float64 n×k), A at t with
    // element strides si (row) and sj (column) — the host kernel's solveLeft, row by row.
    const trsv = mb.func([I32, I32, I32, I32, I32, I32, I32, I32], [I32], (c, local) => {
      const [t, x, n, k, si, sj, lower, unit] = [0, 1, 2, 3, 4, 5, 6, 7];
      const step = local(I32), i = local(I32), j = local(I32), j0 = local(I32), j1 = local(I32), r = local(I32), row = local(I32);
      const d = local(F64), s = local(F64);
      const forRange = (v: number, from: () => void, to: () => void, body: () => void): void => forLoop(c, v, from, to, () => c.i32(1), body);
      const loadT = (idx: () => void): void => { c.get(t); idx(); c.i32(E).op('i32_mul', 'i32_add'); if (E === 4) c.mem('f32_load').op('f64_promote_f32'); else c.mem('f64_load'); };
      const xAt = (idx: () => void): void => { c.get(x); idx(); c.i32(8).op('i32_mul', 'i32_add'); };
      forRange(step, () => c.i32(0), () => c.get(n), () => {
        // i = lower ? step : n − 1 − step
        c.get(step).get(n).i32(1).op('i32_sub').get(step).op('i32_sub').get(lower).op('select').set(i);
        c.get(unit).if(() => { c.f64(1).set(d); }, () => { loadT(() => c.get(i).get(n).i32(1).op('i32_add', 'i32_mul')); c.set(d); });
        // d === 0 || !isFinite(d) → singular at i
        c.get(d).f64(0).op('f64_eq').get(d).get(d).op('f64_sub').f64(0).op('f64_ne', 'i32_or');
        c.if(() => { c.get(i).op('return'); });
        // j over [0, i) (lower) or [i + 1, n)
        c.i32(0).get(i).i32(1).op('i32_add').get(lower).op('select').set(j0);
        c.get(i).get(n).get(lower).op('select').set(j1);
        c.get(i).get(k).op('i32_mul').set(row);
        forRange(r, () => c.i32(0), () => c.get(k), () => {
          xAt(() => c.get(row).get(r).op('i32_add')); c.mem('f64_load').set(s);
          forRange(j, () => c.get(j0), () => c.get(j1), () => {
            c.get(s);
            loadT(() => c.get(i).get(si).op('i32_mul').get(j).get(sj).op('i32_mul', 'i32_add'));
            xAt(() => c.get(j).get(k).op('i32_mul').get(r).op('i32_add')); c.mem('f64_load');
            c.op('f64_mul', 'f64_sub').set(s);
          });
          xAt(() => c.get(row).get(r).op('i32_add')); c.get(s).get(d).op('f64_div').mem('f64_store');
        });
      });
      c.i32(-1);
    });
    mb.export(E === 4 ? 'trsv32' : 'trsv64', trsv);
  }
  return mb.build();
}

/** Matrices above this order stay on the host kernel (its float64 copy dominates less there, and the scratch stays small). */
const MAX_ORDER = 512;

/**
 * The `wasm` backend's `cholesky` kernel: the generated factorization on each matrix of
 * `a` (`[..., n, n]`, float32 or float64), bit-identical to the host kernel
 * {@link choleskyKernel}, which runs instead whenever a matrix is rejected (so that it throws its
 * typed error) and for matrices above {@link MAX_ORDER}.
 * @param r - the runtime
 * @param a - the matrices (a resident block or an ordinary typed array)
 * @param aOff - byte offset of `a` in the runtime's memory when resident, else −1
 * @param aa - the aval of `a`
 * @param out - the aval of the result
 * @returns L, zeros above the diagonal
 * @example
 * ```ts
 * const l = wasmCholesky(rt, data, -1, new Aval([3, 3], 'float32'), new Aval([3, 3], 'float32'));
 * ```
 */
export function wasmCholesky(r: WasmRuntime, a: TypedArray, aOff: number, aa: Aval, out: Aval): TypedArray {
  const n = aa.shape[aa.ndim - 1]!, nn = n * n;
  if (n > MAX_ORDER || nn === 0 || !(a instanceof Float32Array || a instanceof Float64Array)) return choleskyKernel(a, aa, out);
  const f32 = a instanceof Float32Array, E = f32 ? 4 : 8, count = aa.size / nn;
  const mem = r.memory;
  const lBytes = up64(nn * 8), inBytes = up64(nn * E);
  const base = stagingBlock(r.memory, lBytes + inBytes + (f32 ? inBytes : 0));
  const src0 = base + lBytes, outp = src0 + inBytes;
  const run = r.generated('cholesky', buildCholeskyModule)[f32 ? 'chol32' : 'chol64'] as unknown as (src: number, dst: number, n: number, tolFactor: number, out: number) => number;
  const res = allocTyped(out.dtype, out.size);
  for (let b = 0; b < count; b++) {
    let src = src0;
    if (aOff >= 0) src = aOff + b * nn * E;
    else (f32 ? mem.f32 : mem.f64).set(a.subarray(b * nn, (b + 1) * nn), src0 / E);
    if (run(src, base, n, f32 ? 3.5e-4 : 1.5e-8, outp) !== -1) return choleskyKernel(a, aa, out); // throws the host kernel's typed error
    res.set(f32 ? mem.f32.subarray(outp / 4, outp / 4 + nn) : mem.f64.subarray(base / 8, base / 8 + nn), b * nn);
  }
  return res;
}

const up64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * The `wasm` backend's `triangular_solve` kernel: op(A) X = B (`leftSide`) or X op(A) = B for
 * `a` `[..., n, n]` and `b` `[..., n, k]` / `[..., k, n]`, by the generated solve, bit-identical to
 * the host kernel {@link triangularSolveKernel}, which runs instead when a diagonal entry is zero or
 * not finite (so that it throws its typed error) and for matrices above {@link MAX_ORDER}.
 * @param r - the runtime
 * @param a - the triangular matrices (a resident block or an ordinary typed array)
 * @param aOff - byte offset of `a` in the runtime's memory when resident, else −1
 * @param b - the right-hand sides
 * @param aa - the aval of `a`
 * @param ab - the aval of `b`
 * @param p - which side, triangle, transposition and diagonal
 * @param out - the aval of the result
 * @returns X
 * @example
 * ```ts
 * const x = wasmTriangularSolve(rt, l, -1, rhs, la, ra, { leftSide: true, lower: true, transposeA: false, unitDiagonal: false }, ra);
 * ```
 */
export function wasmTriangularSolve(r: WasmRuntime, a: TypedArray, aOff: number, b: TypedArray, aa: Aval, ab: Aval, p: TriangularSolveParams, out: Aval): TypedArray {
  const n = aa.shape[aa.ndim - 1]!, nn = n * n;
  const rows = ab.shape[ab.ndim - 2]!, cols = ab.shape[ab.ndim - 1]!, nb = rows * cols;
  if (n > MAX_ORDER || nb === 0 || !(a instanceof Float32Array || a instanceof Float64Array)) return triangularSolveKernel(a, b, aa, ab, p, out);
  const E = a.BYTES_PER_ELEMENT, k = p.leftSide ? cols : rows, count = ab.size / nb;
  const transposeA = p.leftSide ? p.transposeA : !p.transposeA; // X op(A) = B ⇔ op(A)ᵀ Xᵀ = Bᵀ
  const si = transposeA ? 1 : n, sj = transposeA ? n : 1, lower = p.lower !== transposeA ? 1 : 0;
  const mem = r.memory;
  const xBytes = up64(nb * 8);
  const base = stagingBlock(r.memory, xBytes + up64(nn * E));
  const t0 = base + xBytes;
  const run = r.generated('cholesky', buildCholeskyModule)[E === 4 ? 'trsv32' : 'trsv64'] as unknown as (...args: number[]) => number;
  const res = allocTyped(out.dtype, out.size);
  for (let bi = 0; bi < count; bi++) {
    let t = t0;
    if (aOff >= 0) t = aOff + bi * nn * E;
    else (E === 4 ? mem.f32 : mem.f64).set(a.subarray(bi * nn, (bi + 1) * nn), t0 / E);
    const x = mem.f64, x0 = base / 8, off = bi * nb;
    if (p.leftSide) for (let i = 0; i < nb; i++) x[x0 + i] = b[off + i]!;
    else for (let q = 0; q < rows; q++) for (let c = 0; c < cols; c++) x[x0 + c * k + q] = b[off + q * cols + c]!;
    if (run(t, base, n, k, si, sj, lower, p.unitDiagonal ? 1 : 0) !== -1) return triangularSolveKernel(a, b, aa, ab, p, out); // throws the host kernel's error
    if (p.leftSide) for (let i = 0; i < nb; i++) res[off + i] = x[x0 + i]!;
    else for (let q = 0; q < rows; q++) for (let c = 0; c < cols; c++) res[off + q * cols + c] = x[x0 + c * k + q]!;
  }
  return res;
}
