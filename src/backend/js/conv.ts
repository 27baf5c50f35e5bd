/**
 * The reference convolution kernel (`conv_general_dilated`), channels-last, on the host.
 *
 * ```text
 * out[n, o…, g·Og + j] = Σ_{k…} Σ_i  x̃[n, o·s + k·rd − lo, g·Cg + i] · w[k…, i, g·Og + j]
 * x̃ = x with (ld − 1) zeros between elements (input dilation), zero outside
 * ```
 * Every output element is accumulated in float64 in a fixed order (kernel taps in row-major
 * order, then input channels) and rounded once to the output dtype. One to three spatial axes
 * are handled as three (missing leading axes have size 1). Used by the `js` backend and, through
 * the primitive's host fallback, by every backend without its own `conv` kernel.
 * @module
 */
import type { ConvParams } from '../backend.js';
import type { Aval } from '../../tensor/aval.js';
import { allocTyped, type TypedArray } from '../../tensor/dtype.js';

/** @internal Size of an axis of `n` elements with `d − 1` zeros inserted between them. */
export function dilatedSize(n: number, d: number): number {
  return n === 0 ? 0 : (n - 1) * d + 1;
}

/** @internal Output length of one spatial axis (0 when the padded input is shorter than the dilated window). */
export function convOutSize(n: number, k: number, s: number, lo: number, hi: number, ld: number, rd: number): number {
  const padded = dilatedSize(n, ld) + lo + hi;
  const dk = dilatedSize(k, rd);
  return padded < dk ? 0 : Math.floor((padded - dk) / s) + 1;
}

/** @internal The convolution's sizes, spatial axes padded to three. */
export interface ConvGeometry {
  readonly n: number; readonly c: number; readonly o: number; readonly g: number; readonly cg: number; readonly og: number;
  /** Input, kernel and output spatial sizes (3 each). */
  readonly inS: number[]; readonly kS: number[]; readonly outS: number[];
  /** For each spatial axis and kernel tap, the input index read by each output index (−1: zero). */
  readonly taps: Int32Array[][];
}

/** @internal Sizes and tap tables of a convolution of avals `ax` (input) and `aw` (kernel). */
export function convGeometry(ax: Aval, aw: Aval, p: ConvParams, out: Aval): ConvGeometry {
  const d = ax.ndim - 2;
  const lead = 3 - d;
  const pad3 = (v: readonly number[]): number[] => [...new Array<number>(lead).fill(1), ...v];
  const inS = pad3(ax.shape.slice(1, 1 + d)), kS = pad3(aw.shape.slice(0, d)), outS = pad3(out.shape.slice(1, 1 + d));
  const s = pad3(p.strides), ld = pad3(p.lhsDilation), rd = pad3(p.rhsDilation);
  const lo = [...new Array<number>(lead).fill(0), ...p.padding.map((q) => q[0])];
  const taps = [0, 1, 2].map((a) => {
    const per: Int32Array[] = [];
    for (let k = 0; k < kS[a]!; k++) {
      const t = new Int32Array(outS[a]!);
      for (let o = 0; o < outS[a]!; o++) {
        const q = o * s[a]! + k * rd[a]! - lo[a]!;
        const i = q / ld[a]!;
        t[o] = q < 0 || q % ld[a]! !== 0 || i >= inS[a]! ? -1 : i;
      }
      per.push(t);
    }
    return per;
  });
  const c = ax.shape[ax.ndim - 1]!, o = aw.shape[aw.ndim - 1]!;
  return { n: ax.shape[0]!, c, o, g: p.groups, cg: c / p.groups, og: o / p.groups, inS, kS, outS, taps };
}

/**
 * @internal The reference convolution (float64 accumulation, one rounding per output element).
 * `x` is `[N, ...spatial, C]`, `w` is `[...window, C / groups, O]`, both of `out.dtype`.
 */
export function convKernel(x: TypedArray, w: TypedArray, ax: Aval, aw: Aval, p: ConvParams, out: Aval): TypedArray {
  const geo = convGeometry(ax, aw, p, out);
  const { n: nb, c, o, g, cg, og, inS, kS, outS, taps } = geo;
  const [i0, i1, i2] = inS as [number, number, number];
  const [o0, o1, o2] = outS as [number, number, number];
  const [k0n, k1n, k2n] = kS as [number, number, number];
  const [t0, t1, t2] = taps as [Int32Array[], Int32Array[], Int32Array[]];
  const res = allocTyped(out.dtype, out.size);
  // Output-stationary: one output row (all O channels) accumulates in float64 while the window
  // slides over it, so the accumulator stays in L1 whatever the output size.
  const acc = new Float64Array(o);
  let oOff = 0;
  for (let n = 0; n < nb; n++) {
    for (let a = 0; a < o0; a++) {
      for (let b = 0; b < o1; b++) {
        for (let e = 0; e < o2; e++, oOff += o) {
          acc.fill(0);
          for (let q0 = 0; q0 < k0n; q0++) {
            const z = t0[q0]![a]!;
            if (z < 0) continue;
            for (let q1 = 0; q1 < k1n; q1++) {
              const y = t1[q1]![b]!;
              if (y < 0) continue;
              const xRow = ((n * i0 + z) * i1 + y) * i2;
              const wRow = (q0 * k1n + q1) * k2n;
              for (let q2 = 0; q2 < k2n; q2++) {
                const xi = t2[q2]![e]!;
                if (xi < 0) continue;
                const xOff = (xRow + xi) * c, wTap = (wRow + q2) * cg * o;
                if (cg === 1 && og === 1) {
                  // depthwise, one output per group (avgPool's kernel): one product per channel
                  for (let gi = 0; gi < g; gi++) acc[gi]! += x[xOff + gi]! * w[wTap + gi]!;
                  continue;
                }
                for (let gi = 0; gi < g; gi++) {
                  const ob = gi * og, xg = xOff + gi * cg;
                  if (og < cg) {
                    // few outputs, many inputs: one running sum per output (same order of terms)
                    for (let j = 0; j < og; j++) {
                      let sum = acc[ob + j]!;
                      const wc = wTap + ob + j;
                      for (let ci = 0; ci < cg; ci++) sum += x[xg + ci]! * w[wc + ci * o]!;
                      acc[ob + j] = sum;
                    }
                    continue;
                  }
                  for (let ci = 0; ci < cg; ci++) {
                    const xv = x[xg + ci]!;
                    const wr = wTap + ci * o + ob;
                    for (let j = 0; j < og; j++) acc[ob + j]! += xv * w[wr + j]!;
                  }
                }
              }
            }
          }
          for (let j = 0; j < o; j++) res[oOff + j] = acc[j]!;
        }
      }
    }
  }
  return res;
}
