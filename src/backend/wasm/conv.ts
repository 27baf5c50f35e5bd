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
import type { TypedArray } from '../../tensor/dtype.js';
import { convGeometry, convKernel } from '../js/conv.js';

type Buf = TypedArray;

/** @internal Fewest multiply-adds for which the im2col + GEMM path runs. */
export const CONV_GEMM_MIN_WORK = 1 << 15;
/** @internal Fewest output channels per group for which the im2col + GEMM path runs. */
export const CONV_GEMM_MIN_COLS = 4;

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
  const patches = f64 ? new Float64Array(g * m * row) : new Float32Array(g * m * row);
  let mi = 0;
  for (let b = 0; b < n; b++) {
    for (let a0 = 0; a0 < o0; a0++) {
      for (let a1 = 0; a1 < o1; a1++) {
        for (let a2 = 0; a2 < o2; a2++, mi++) {
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
                  const dst = (gi * m + mi) * row + t * cg, from = src + gi * cg;
                  if (cg >= 32) patches.set(x.subarray(from, from + cg), dst);
                  else for (let i = 0; i < cg; i++) patches[dst + i] = x[from + i]!;
                }
              }
            }
          }
        }
      }
    }
  }
  let wt: Buf = w;
  if (g > 1) {
    // [tap, Cg, G, Og] → [G, tap·Cg, Og]
    wt = f64 ? new Float64Array(w.length) : new Float32Array(w.length);
    for (let r = 0; r < row; r++) for (let gi = 0; gi < g; gi++) wt.set(w.subarray((r * g + gi) * og, (r * g + gi + 1) * og), (gi * row + r) * og);
  }
  const dims = { lhsContract: [2], rhsContract: [1], lhsBatch: [0], rhsBatch: [0] };
  const prod = new Aval([g, m, og], out.dtype);
  const r = k.dotGeneral(patches, wt, new Aval([g, m, row], out.dtype), new Aval([g, row, og], out.dtype), dims, prod);
  return g === 1 ? r : k.transpose(r, prod, [1, 0, 2], new Aval([m, g, og], out.dtype));
}
