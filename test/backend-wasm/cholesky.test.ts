/**
 * The `wasm` backend's generated Cholesky and triangular solve (src/backend/wasm/cholesky.ts) must
 * equal the host kernels (`choleskyKernel`, `triangularSolveKernel`, the reference every other
 * backend runs) bit for bit: float32 and
 * float64, one matrix and batches, copied and resident operands, orders around the four-row
 * blocking; and every matrix the host kernel rejects (not finite, not symmetric, not positive
 * definite, exactly singular) must be rejected with the same typed error and message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { choleskyKernel, triangularSolveKernel } from '../../src/backend/js/linalg.js';
import { wasmCholesky, wasmTriangularSolve } from '../../src/backend/wasm/cholesky.js';
import { WasmRuntime } from '../../src/backend/wasm/index.js';
import { Aval } from '../../src/tensor/aval.js';
import { CurvaxError } from '../../src/errors.js';
import { randoms } from './helpers.js';

const rt = new WasmRuntime({ threads: 'off' });

/** A batch of `count` SPD matrices G Gᵀ/k + δ I of order n (non-symmetric by at most rounding when float32). */
function spdBatch(count: number, n: number, seed: number, delta: number, f64: boolean): Float32Array | Float64Array {
  const k = n + 2, g = randoms(count * n * k, seed);
  const out = f64 ? new Float64Array(count * n * n) : new Float32Array(count * n * n);
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += g[b * n * k + i * k + q]! * g[b * n * k + j * k + q]!;
      out[b * n * n + i * n + j] = s / k + (i === j ? delta : 0);
    }
  }
  return out;
}

/** Runs both kernels; returns both results, or both errors (type and message). */
function both(a: Float32Array | Float64Array, shape: number[], resident: boolean): [unknown, unknown] {
  const aval = new Aval(shape, a instanceof Float32Array ? 'float32' : 'float64');
  const run = (f: () => ArrayLike<number>): unknown => {
    try { return Array.from(f()); } catch (e) { if (e instanceof CurvaxError) return `${e.constructor.name}: ${e.message}`; throw e; }
  };
  const host = run(() => choleskyKernel(a, aval, aval));
  let off = -1;
  if (resident) off = a instanceof Float32Array ? rt.memory.allocF32(a) : rt.memory.allocF64(a);
  try {
    const view = resident ? (a instanceof Float32Array ? rt.memory.f32.subarray(off / 4, off / 4 + a.length) : rt.memory.f64.subarray(off / 8, off / 8 + a.length)) : a;
    return [host, run(() => wasmCholesky(rt, view, off, aval, aval))];
  } finally {
    if (resident) rt.memory.free(off);
  }
}

describe('wasm cholesky kernel', () => {
  it('equals the host kernel bit for bit (orders 1–40, batches, float32/float64, copied/resident)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1e6 }), (n, count, f64, resident, seed) => {
      const a = spdBatch(count, n, seed, 0.1, f64);
      const [h, w] = both(a, count === 1 ? [n, n] : [count, n, n], resident);
      expect(Array.isArray(h)).toBe(true);
      expect(w).toEqual(h);
    }), { seed: 1206, numRuns: 120 });
  });

  it('rejects what the host kernel rejects, with the same error', () => {
    const n = 9;
    for (const f64 of [false, true]) {
      const base = spdBatch(2, n, 7, 0.05, f64);
      const cases: [string, (a: Float32Array | Float64Array) => void][] = [
        ['NaN entry', (a) => { a[n * n + 3 * n + 2] = NaN; }],
        ['infinite diagonal', (a) => { a[4 * n + 4] = Infinity; }],
        ['not symmetric', (a) => { a[1 * n + 5] = a[1 * n + 5]! + 0.5; }],
        // twice the tolerance (3.5e-4 float32, 1.5e-8 float64, relative to max |a|)
        ['just not symmetric', (a) => {
          let m = 0;
          for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
          a[n * n + 1 * n + 5] = a[n * n + 1 * n + 5]! + (f64 ? 3e-8 : 7e-4) * m;
        }],
        ['negative pivot', (a) => { a[n * n + 6 * n + 6] = -1; }],
        ['exactly singular (two equal rows and columns)', (a) => { for (let j = 0; j < n; j++) { a[3 * n + j] = a[2 * n + j]!; a[j * n + 3] = a[j * n + 2]!; } a[3 * n + 3] = a[2 * n + 2]!; }],
      ];
      for (const [what, spoil] of cases) {
        const a = base.slice();
        spoil(a);
        for (const resident of [false, true]) {
          const [h, w] = both(a, [2, n, n], resident);
          expect(typeof h, what).toBe('string');
          expect(w, what).toEqual(h);
        }
      }
    }
  });

  it('takes the same side of the pivot threshold n·ε·max diag', () => {
    const n = 9;
    for (const [last, accepted] of [[1e-11, true], [3e-15, true], [1e-15, false], [0, false]] as const) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) a[i * n + i] = i === n - 1 ? last : 1;
      const [h, w] = both(a, [n, n], false);
      expect(Array.isArray(h), `last pivot ${last}`).toBe(accepted);
      expect(w).toEqual(h);
    }
  });

  it('triangular solves equal the host kernel bit for bit (every side, triangle, transposition, diagonal; batches; copied/resident)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1e6 }),
      (n, k, count, f64, leftSide, lower, transposeA, unitDiagonal, resident, seed) => {
        const ra = randoms(count * n * n, seed);
        for (let i = 0; i < ra.length; i++) if ((i % (n * n)) % (n + 1) === 0) ra[i] = 2 + ra[i]!; // a dominant diagonal
        const a = f64 ? ra : Float32Array.from(ra);
        const b = f64 ? randoms(count * n * k, seed + 1) : Float32Array.from(randoms(count * n * k, seed + 1));
        const dt = f64 ? 'float64' : 'float32';
        const aa = new Aval(count === 1 ? [n, n] : [count, n, n], dt);
        const ab = new Aval(leftSide ? (count === 1 ? [n, k] : [count, n, k]) : (count === 1 ? [k, n] : [count, k, n]), dt);
        const p = { leftSide, lower, transposeA, unitDiagonal };
        const host = Array.from(triangularSolveKernel(a, b, aa, ab, p, ab));
        let off = -1;
        if (resident) off = f64 ? rt.memory.allocF64(a) : rt.memory.allocF32(a);
        try {
          const view = resident ? (f64 ? rt.memory.f64.subarray(off / 8, off / 8 + a.length) : rt.memory.f32.subarray(off / 4, off / 4 + a.length)) : a;
          expect(Array.from(wasmTriangularSolve(rt, view, off, b, aa, ab, p, ab))).toEqual(host);
        } finally {
          if (resident) rt.memory.free(off);
        }
      }), { seed: 612, numRuns: 150 });
  });

  it('a zero or non-finite diagonal is the host kernel\'s error', () => {
    const n = 5;
    for (const bad of [0, NaN, Infinity]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) a[i * n + i] = i === 3 ? bad : 1 + i;
      const b = Float64Array.from(randoms(n, 3)), aa = new Aval([n, n], 'float64'), ab = new Aval([n, 1], 'float64');
      const p = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false };
      expect(() => wasmTriangularSolve(rt, a, -1, b, aa, ab, p, ab)).toThrow(/diagonal 3/);
      expect(Array.from(wasmTriangularSolve(rt, a, -1, b, aa, ab, { ...p, unitDiagonal: true }, ab))).toEqual(Array.from(triangularSolveKernel(a, b, aa, ab, { ...p, unitDiagonal: true }, ab)));
    }
  });
});
