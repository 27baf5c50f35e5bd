/**
 * SIMD exp against Math.exp: at most 2 ulp apart (float32: against Math.exp rounded to float32;
 * measured worst case 1 ulp for both dtypes over the sweep below), exact at the special values.
 */
import { describe, expect, it } from 'vitest';
import { WasmRuntime } from '../../src/backend/wasm/index.js';
import { randoms } from './helpers.js';

const rt = new WasmRuntime();
const mem = rt.memory;

/** Distance in units in the last place (same-sign finite or infinite values). */
function ulps(dtype: 'f32' | 'f64', a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  if (dtype === 'f32') {
    const i = new Int32Array(new Float32Array([a, b]).buffer);
    return Math.abs((i[0] as number) - (i[1] as number));
  }
  const i = new BigInt64Array(new Float64Array([a, b]).buffer);
  const d = (i[0] as bigint) - (i[1] as bigint);
  return Number(d < 0n ? -d : d);
}

function runExp(dtype: 'f32' | 'f64', xs: ArrayLike<number>): { x: Float32Array | Float64Array; y: Float32Array | Float64Array } {
  const x = dtype === 'f32' ? Float32Array.from(xs) : Float64Array.from(xs);
  const off = dtype === 'f32' ? mem.allocF32(x) : mem.allocF64(x);
  const out = mem.alloc(x.length * (dtype === 'f32' ? 4 : 8));
  rt.unary(dtype, 'exp', off, out, x.length);
  const y = dtype === 'f32' ? mem.readF32(out, x.length) : mem.readF64(out, x.length);
  mem.free(off); mem.free(out);
  return { x, y };
}

describe.each(['f32', 'f64'] as const)('SIMD exp %s', (dtype) => {
  const ref = (x: number): number => (dtype === 'f32' ? Math.fround(Math.exp(x)) : Math.exp(x));

  it('is within 2 ulp of Math.exp over the whole range, subnormal results included', () => {
    const [lo, hi] = dtype === 'f32' ? [-110, 90] : [-760, 712];
    const n = 200_003;
    const sweep = Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
    const small = Array.from(randoms(5000, 9), (v) => v * 1e-3);
    const { x, y } = runExp(dtype, [...sweep, ...small]);
    let worst = 0;
    let at = 0;
    for (let i = 0; i < x.length; i++) {
      const u = ulps(dtype, y[i] as number, ref(x[i] as number));
      if (u > worst) { worst = u; at = x[i] as number; }
    }
    expect(worst, `worst case at x = ${at}`).toBeLessThanOrEqual(2);
  });

  it('handles special values and the overflow/underflow edges exactly', () => {
    const edges = dtype === 'f32'
      ? [88.72, 88.73, 89, 100, -87.3, -103.2, -103.3, -104, -200]
      : [709.78, 709.79, 710, 1000, -708.3, -745.1, -745.2, -746, -1000];
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, ...edges];
    const { x, y } = runExp(dtype, specials);
    for (let i = 0; i < x.length; i++) {
      const want = ref(x[i] as number);
      if (!Number.isFinite(want) || want === 0 || Number.isNaN(want)) expect(y[i]).toBe(want);
      else expect(ulps(dtype, y[i] as number, want)).toBeLessThanOrEqual(2);
    }
    expect(y[3]).toBe(1); // exp(0) = 1 exactly
    expect(y[4]).toBe(1);
  });

  it('works for every tail length and in place', () => {
    for (const n of [0, 1, 2, 3, 5, 8, 13]) {
      const xs = Array.from(randoms(n, n + 1), (v) => v * 20);
      const { x, y } = runExp(dtype, xs);
      for (let i = 0; i < n; i++) expect(ulps(dtype, y[i] as number, ref(x[i] as number))).toBeLessThanOrEqual(2);
    }
    const x = dtype === 'f32' ? Float32Array.from([0, 1, 2]) : Float64Array.from([0, 1, 2]);
    const off = dtype === 'f32' ? mem.allocF32(x) : mem.allocF64(x);
    rt.unary(dtype, 'exp', off, off, 3);
    const y = dtype === 'f32' ? mem.readF32(off, 3) : mem.readF64(off, 3);
    expect(y[0]).toBe(1);
    expect(ulps(dtype, y[2] as number, ref(2))).toBeLessThanOrEqual(2);
  });
});
