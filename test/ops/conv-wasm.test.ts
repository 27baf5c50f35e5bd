// The wasm convolution (im2col + the backend's GEMM, or the direct loop below the crossover)
// against the js reference kernel, forced down each path, float32 and float64.
import { describe, expect, it } from 'vitest';
import { Aval, random } from '../../src/index.js';
import { convKernel } from '../../src/backend/js/conv.js';
import { wasmBackend } from '../../src/backend/wasm/adapter.js';
import { convUsesGemm, setConvPatchChunk, wasmConv } from '../../src/backend/wasm/conv.js';
import { convAval } from '../../src/core/primitives/conv-general-dilated.js';
import type { Kernels, TypedArray } from '../../src/index.js';
import type { ConvParams } from '../../src/backend/backend.js';

const k = wasmBackend.kernels as Kernels<TypedArray>;
const P = (d: number, o: Partial<ConvParams> = {}): ConvParams => ({
  strides: new Array<number>(d).fill(1), padding: new Array(d).fill([0, 0]), lhsDilation: new Array<number>(d).fill(1), rhsDilation: new Array<number>(d).fill(1), groups: 1, ...o,
});
const CASES: [string, number[], number[], ConvParams][] = [
  ['1-D stride 2 dilation 2 padding', [3, 11, 2], [3, 2, 5], P(1, { strides: [2], rhsDilation: [2], padding: [[2, 1]] })],
  ['2-D groups 3', [2, 7, 6, 6], [3, 2, 2, 9], P(2, { groups: 3, padding: [[1, 1], [0, 2]] })],
  ['2-D input dilation (transposed) and negative padding', [2, 5, 4, 3], [3, 3, 3, 4], P(2, { lhsDilation: [2, 3], padding: [[-1, 2], [2, -1]] })],
  ['3-D strides', [2, 5, 6, 4, 2], [2, 3, 2, 2, 3], P(3, { strides: [1, 2, 2], padding: [[1, 0], [1, 1], [0, 1]] })],
  ['2-D large enough for the GEMM path by itself', [8, 12, 12, 8], [3, 3, 8, 16], P(2, { padding: [[1, 1], [1, 1]] })],
];

describe('wasm conv = js reference', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, xs, ws, p] of CASES) {
      it(`${dtype} ${name}`, () => {
        const ax = new Aval(xs, dtype), aw = new Aval(ws, dtype);
        const out = convAval(ax, aw, p);
        const x = random.normal(random.key(1), xs, { dtype }).toTypedArray();
        const w = random.normal(random.key(2), ws, { dtype }).toTypedArray();
        const ref = convKernel(x, w, ax, aw, p, out);
        const direct = wasmConv(x, w, ax, aw, p, out, k, 'direct');
        expect(Array.from(direct)).toEqual(Array.from(ref)); // the same loop
        const gemm = wasmConv(x, w, ax, aw, p, out, k, 'gemm');
        expect(gemm.length).toBe(out.size);
        const tol = dtype === 'float32' ? 2e-6 : 1e-14;
        const scale = Math.max(1, ...Array.from(ref, Math.abs));
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(gemm[i]! - ref[i]!));
        expect(worst).toBeLessThanOrEqual(tol * scale * Math.sqrt(ws.slice(0, -1).reduce((a, b) => a * b, 1)));
        const auto = k.conv!(x, w, ax, aw, p, out);
        expect(Array.from(auto)).toEqual(Array.from(convUsesGemm(ax, aw, p, out) ? gemm : direct));
      });
    }
  }
  it('the GEMM path in row chunks (bounded scratch) equals the js kernel, with and without groups', () => {
    for (const [, xs, ws, p] of [CASES[1]!, CASES[3]!, CASES[4]!]) {
      for (const dtype of ['float32', 'float64'] as const) {
        const ax = new Aval(xs, dtype), aw = new Aval(ws, dtype), out = convAval(ax, aw, p);
        const x = random.normal(random.key(3), xs, { dtype }).toTypedArray(), w = random.normal(random.key(4), ws, { dtype }).toTypedArray();
        const ref = convKernel(x, w, ax, aw, p, out);
        const prev = setConvPatchChunk(7 * ws.slice(0, -1).reduce((a, b) => a * b, 1) * p.groups); // 7 output rows per chunk
        let chunked: TypedArray;
        try { chunked = wasmConv(x, w, ax, aw, p, out, k, 'gemm'); } finally { setConvPatchChunk(prev); }
        const scale = Math.max(1, ...Array.from(ref, Math.abs));
        const tol = (dtype === 'float32' ? 2e-6 : 1e-14) * scale * Math.sqrt(ws.slice(0, -1).reduce((a, b) => a * b, 1));
        expect(chunked.length).toBe(out.size);
        for (let i = 0; i < ref.length; i++) expect(Math.abs(chunked[i]! - ref[i]!)).toBeLessThanOrEqual(tol);
      }
    }
  });

  it('the large case takes the GEMM path and the small ones do not', () => {
    const [, xs, ws, p] = CASES[4]!;
    expect(convUsesGemm(new Aval(xs, 'float32'), new Aval(ws, 'float32'), p, convAval(new Aval(xs, 'float32'), new Aval(ws, 'float32'), p))).toBe(true);
    const [, xs0, ws0, p0] = CASES[0]!;
    expect(convUsesGemm(new Aval(xs0, 'float32'), new Aval(ws0, 'float32'), p0, convAval(new Aval(xs0, 'float32'), new Aval(ws0, 'float32'), p0))).toBe(false);
  });
});
