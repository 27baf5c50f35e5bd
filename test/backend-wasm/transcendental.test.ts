/**
 * SIMD exp, log, tanh and logistic against Math.exp / Math.log / Math.tanh and the js kernel's
 * logistic (float32: against the float64 result rounded to float32). Bounds asserted: exp and log ≤ 2 ulp, tanh ≤ 2 ulp (f32) / 4 ulp
 * (f64); measured worst cases over dense sweeps are 1 ulp for exp and log, 2 (f32) and 3 (f64)
 * ulp for tanh. Special values must be exact.
 */
import { describe, expect, it } from 'vitest';
import { WasmRuntime } from '../../src/backend/wasm/index.js';
import { randoms } from './helpers.js';
import { UNARY } from '../../src/backend/js/scalar-ops.js';

const rt = new WasmRuntime();
const mem = rt.memory;
type D = 'f32' | 'f64';

/** Distance in units in the last place (same-sign finite or infinite values). */
function ulps(dtype: D, a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  if (dtype === 'f32') {
    const i = new Int32Array(new Float32Array([a, b]).buffer);
    return Math.abs((i[0] as number) - (i[1] as number));
  }
  const i = new BigInt64Array(new Float64Array([a, b]).buffer);
  const d = (i[0] as bigint) - (i[1] as bigint);
  return Number(d < 0n ? -d : d);
}

function run(dtype: D, op: 'exp' | 'log' | 'tanh' | 'logistic', xs: ArrayLike<number>): { x: Float32Array | Float64Array; y: Float32Array | Float64Array } {
  const x = dtype === 'f32' ? Float32Array.from(xs) : Float64Array.from(xs);
  const off = dtype === 'f32' ? mem.allocF32(x) : mem.allocF64(x);
  const out = mem.alloc(x.length * (dtype === 'f32' ? 4 : 8));
  rt.unary(dtype, op, off, out, x.length);
  const y = dtype === 'f32' ? mem.readF32(out, x.length) : mem.readF64(out, x.length);
  mem.free(off); mem.free(out);
  return { x, y };
}

const sweep = (lo: number, hi: number, n: number): number[] => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
const logSweep = (lo: number, hi: number, sign: boolean): number[] => {
  const out: number[] = [];
  for (let e = lo; e <= hi; e += 0.01) out.push(10 ** e, ...(sign ? [-(10 ** e)] : []));
  return out;
};

const CASES = [
  { op: 'exp', f: Math.exp, bound: { f32: 2, f64: 2 }, range: { f32: [-110, 90], f64: [-760, 712] },
    edges: { f32: [88.72, 88.73, 89, 100, -87.3, -103.2, -103.3, -104, -200], f64: [709.78, 709.79, 710, 1000, -708.3, -745.1, -745.2, -746, -1000] } },
  { op: 'log', f: Math.log, bound: { f32: 2, f64: 2 }, range: { f32: [0, 4], f64: [0, 4] },
    edges: { f32: [1e-45, 1e-40, 1.1754942e-38, 3.4e38, -1e-30, 0.9999999, 1.0000001], f64: [5e-324, 1e-310, 2.2250738585072014e-308, 1.7e308, -1e-300, 0.9999999999999999, 1.0000000000000002] } },
  { op: 'tanh', f: Math.tanh, bound: { f32: 2, f64: 4 }, range: { f32: [-25, 25], f64: [-25, 25] },
    edges: { f32: [1e-30, -1e-30, 1e-40, 8.2, 9.1, 10, 20, 1e30], f64: [1e-300, -1e-300, 5e-324, 18, 19.1, 20, 40, 1e300] } },
  // against the js kernel's formula (Math.exp in float64)
  { op: 'logistic', f: UNARY.logistic, bound: { f32: 2, f64: 2 }, range: { f32: [-110, 40], f64: [-760, 50] },
    edges: { f32: [17, 17.4, 18, 88, -87.3, -103.2, -103.3, -104, -200, 1e30, -1e30], f64: [36.7, 37, 38, 709, -708.3, -745.1, -745.2, -746, -1000, 1e300, -1e300] } },
] as const;

describe.each(['f32', 'f64'] as const)('SIMD transcendental %s', (dtype) => {
  describe.each(CASES)('$op', ({ op, f, bound, range, edges }) => {
    const ref = (x: number): number => (dtype === 'f32' ? Math.fround(f(x)) : f(x));

    it('stays within the ulp bound over a dense sweep and random small arguments', () => {
      const [lo, hi] = range[dtype];
      const extra = op === 'tanh' ? logSweep(-40, 1, true)
        : op === 'log' ? logSweep(dtype === 'f32' ? -45 : -323, dtype === 'f32' ? 38 : 308, false) : [];
      const small = Array.from(randoms(5000, 9), (v) => (op === 'log' ? 1 + v * 1e-3 : v * 1e-3));
      const xs = [...sweep(lo, hi, 200_003), ...small, ...extra];
      const { x, y } = run(dtype, op, xs);
      let worst = 0;
      let at = 0;
      for (let i = 0; i < x.length; i++) {
        const u = ulps(dtype, y[i] as number, ref(x[i] as number));
        if (u > worst) { worst = u; at = x[i] as number; }
      }
      expect(worst, `worst case at x = ${at}`).toBeLessThanOrEqual(bound[dtype]);
    });

    it('is exact at special values and saturates correctly at the edges', () => {
      const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, ...edges[dtype]];
      const { x, y } = run(dtype, op, specials);
      for (let i = 0; i < x.length; i++) {
        const want = ref(x[i] as number);
        const exactExpected = !Number.isFinite(want) || want === 0 || Math.abs(want) === 1 || i < 5;
        if (exactExpected) expect(Object.is(y[i], want), `${op}(${x[i]}) = ${y[i]}, want ${want}`).toBe(true);
        else expect(ulps(dtype, y[i] as number, want)).toBeLessThanOrEqual(bound[dtype]);
      }
    });

    it('works for every tail length and in place', () => {
      for (const n of [0, 1, 2, 3, 5, 8, 13]) {
        const { x, y } = run(dtype, op, Array.from(randoms(n, n + 1), (v) => (op === 'log' ? Math.abs(v) * 20 : v * 20)));
        for (let i = 0; i < n; i++) expect(ulps(dtype, y[i] as number, ref(x[i] as number))).toBeLessThanOrEqual(bound[dtype]);
      }
      const x = dtype === 'f32' ? Float32Array.from([1, 1, 2]) : Float64Array.from([1, 1, 2]);
      const off = dtype === 'f32' ? mem.allocF32(x) : mem.allocF64(x);
      rt.unary(dtype, op, off, off, 3);
      const y = dtype === 'f32' ? mem.readF32(off, 3) : mem.readF64(off, 3);
      expect(ulps(dtype, y[0] as number, ref(1))).toBeLessThanOrEqual(bound[dtype]);
      expect(ulps(dtype, y[2] as number, ref(2))).toBeLessThanOrEqual(bound[dtype]);
      mem.free(off);
    });
  });
});
