/**
 * The `wasm` backend's convolution: im2col into a scratch array, then the backend's own matrix
 * product (the SIMD GEMM above its size threshold), one batched product over feature groups.
 *
 * ```text
 * patches[g, m, tap, i] = x̃[n, o·s + k·rd − lo, g·Cg + i]      (m = (n, o…), zero outside)
 * out[m, g, j] = Σ_{tap, i} patches[g, m, tap, i] · w[tap, i, g, j]
 * ```
 * Convolutions below {@link CONV_GEMM_MIN_WORK} multiply-adds or with fewer than
 * {@link CONV_GEMM_MIN_COLS} output channels per group (depthwise convolutions such as `avgPool`,
 * input transposes of few-channel layers) run the reference direct loop (`backend/js/conv.ts`),
 * which needs no scratch copy; the crossover was measured on this backend with
 * `bench/conv-kernels.ts` (docs/conv.md).
 * @module
 */
import type { ConvParams, Kernels } from '../backend.js';
import { Aval } from '../../tensor/aval.js';
import { allocTyped, type TypedArray } from '../../tensor/dtype.js';
import { convGeometry, convKernel } from '../js/conv.js';

type Buf = TypedArray;

/** @internal Fewest multiply-adds for which the im2col + GEMM path runs. */
export const CONV_GEMM_MIN_WORK = 1 << 15;
/** @internal Fewest output channels per group for which the im2col + GEMM path runs. */
export const CONV_GEMM_MIN_COLS = 4;
/** @internal Most elements of one patches scratch block (output rows are processed in chunks). */
export let CONV_PATCH_CHUNK = 1 << 22;

/** @internal Sets {@link CONV_PATCH_CHUNK} (tests of the chunked path); returns the previous value. */
export function setConvPatchChunk(n: number): number {
  const prev = CONV_PATCH_CHUNK;
  CONV_PATCH_CHUNK = n;
  return prev;
}

/** @internal Whether {@link wasmConv} takes the im2col + GEMM path for these avals. */
export function convUsesGemm(ax: Aval, aw: Aval, p: ConvParams, out: Aval): boolean {
  const d = ax.ndim - 2;
  const taps = aw.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const m = out.size / out.shape[out.ndim - 1]!;
  const o = out.shape[out.ndim - 1]!, cg = aw.shape[d]!;
  return out.size > 0 && o / p.groups >= CONV_GEMM_MIN_COLS && m * taps * cg * o >= CONV_GEMM_MIN_WORK;
}

/**
 * @internal The convolution on the `wasm` backend: im2col + `k.dotGeneral` (the backend's product),
 * or the reference loop for small or channel-starved convolutions (see the module comment).
 * `path` forces one of the two (tests and the crossover measurement).
 */
export function wasmConv(x: Buf, w: Buf, ax: Aval, aw: Aval, p: ConvParams, out: Aval, k: Kernels<Buf>, path: 'auto' | 'gemm' | 'direct' = 'auto'): Buf {
  const gemm = path === 'auto' ? convUsesGemm(ax, aw, p, out) : path === 'gemm' && out.size > 0;
  if (!gemm) return convKernel(x, w, ax, aw, p, out);
  const { n, c, g, cg, og, inS, kS, outS, taps } = convGeometry(ax, aw, p, out);
  const [i0, i1, i2] = inS as [number, number, number];
  const [o0, o1, o2] = outS as [number, number, number];
  const [k0n, k1n, k2n] = kS as [number, number, number];
  const kp = k0n * k1n * k2n, m = n * o0 * o1 * o2, row = kp * cg;
  const f64 = out.dtype === 'float64';
  const alloc = (len: number): Buf => (f64 ? new Float64Array(len) : new Float32Array(len));
  let wt: Buf = w;
  if (g > 1) {
    // [tap, Cg, G, Og] → [G, tap·Cg, Og]
    wt = alloc(w.length);
    for (let r = 0; r < row; r++) for (let gi = 0; gi < g; gi++) for (let j = 0; j < og; j++) wt[(gi * row + r) * og + j] = w[(r * g + gi) * og + j]!;
  }
  // Output rows in chunks, so the patches scratch stays below CONV_PATCH_CHUNK elements.
  const rows = Math.max(1, Math.min(m, Math.floor(CONV_PATCH_CHUNK / (g * row))));
  const res: Buf | undefined = rows < m ? allocTyped(out.dtype, out.size) : undefined;
  const dims = { lhsContract: [2], rhsContract: [1], lhsBatch: [0], rhsBatch: [0] };
  const perImage = o0 * o1 * o2;
  for (let m0 = 0; m0 < m; m0 += rows) {
    const mc = Math.min(rows, m - m0);
    const patches = alloc(g * mc * row);
    for (let r = 0; r < mc; r++) {
      const mi = m0 + r;
      const b = Math.floor(mi / perImage), rest = mi % perImage;
      const a0 = Math.floor(rest / (o1 * o2)), a1 = Math.floor(rest / o2) % o1, a2 = rest % o2;
      let t = 0;
      for (let q0 = 0; q0 < k0n; q0++) {
        const z = taps[0]![q0]![a0]!;
        for (let q1 = 0; q1 < k1n; q1++) {
          const y = taps[1]![q1]![a1]!;
          for (let q2 = 0; q2 < k2n; q2++, t++) {
            const xi = taps[2]![q2]![a2]!;
            if (z < 0 || y < 0 || xi < 0) continue;
            const src = (((b * i0 + z) * i1 + y) * i2 + xi) * c;
            for (let gi = 0; gi < g; gi++) {
              const dst = (gi * mc + r) * row + t * cg, from = src + gi * cg;
              if (cg >= 32) patches.set(x.subarray(from, from + cg), dst);
              else for (let i = 0; i < cg; i++) patches[dst + i] = x[from + i]!;
            }
          }
        }
      }
    }
    const prod = new Aval([g, mc, og], out.dtype);
    const part = k.dotGeneral(patches, wt, new Aval([g, mc, row], out.dtype), new Aval([g, row, og], out.dtype), dims, prod);
    if (res === undefined) return g === 1 ? part : k.transpose(part, prod, [1, 0, 2], new Aval([mc, g, og], out.dtype));
    const o = g * og;
    for (let gi = 0; gi < g; gi++) for (let r = 0; r < mc; r++) for (let j = 0; j < og; j++) res[(m0 + r) * o + gi * og + j] = part[(gi * mc + r) * og + j]!;
  }
  return res!;
}
