/**
 * Row inputs of the fused SIMD generator (`r` layout, `fused-simd.ts`): an input that is a
 * trailing block of the output (a bias `[m]` over `[R, m]`) is read in place at the output index
 * modulo its length. Random programs over every supported op (transcendentals included), both
 * float dtypes and special values must give exactly what the same kernel gives on the input
 * broadcast to full size first (`Object.is` per element); and a jitted bias + tanh layer runs on
 * SIMD with the eager bits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FusedOp, FusedProgram } from '../../src/backend/backend.js';
import { WasmRuntime } from '../../src/backend/wasm/index.js';
import { fusedSimdDtype, fusedSimdRowLayout, fusedSimdRuns, runFusedSimd } from '../../src/backend/wasm/fused-simd.js';
import { allocTyped, type DType, type TypedArray } from '../../src/tensor/dtype.js';
import { jit, matmul, random, type Tensor } from '../../src/index.js';
import { getBackend } from '../../src/backend/backend.js';

const rt = new WasmRuntime();
const OPS = ['add', 'sub', 'mul', 'div', 'neg', 'abs', 'sqrt', 'max', 'min', 'exp', 'log', 'tanh'] as const;
const ONE_ARG = new Set<string>(['neg', 'abs', 'sqrt', 'exp', 'log', 'tanh']);
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 1e-40, -1e-310, 3e38, 88.7, -745.1];

function program(dtype: DType, nIn: number, specs: readonly { op: number; a: number; b: number }[]): FusedProgram {
  const ops: FusedOp[] = [];
  for (const s of specs) {
    const k = nIn + ops.length;
    const op = OPS[s.op % OPS.length]!;
    ops.push({ op, args: ONE_ARG.has(op) ? [s.a % k] : [s.a % k, s.b % k], dtype });
  }
  const last = nIn + ops.length - 1;
  const outputs = last > nIn ? [last, last - 1] : [last];
  return { inputs: Array.from({ length: nIn }, () => dtype), literals: [], ops, outputs, key: `rows|${dtype}|${nIn}|${ops.map((o) => `${o.op}(${o.args.join(',')})`).join(';')}` };
}

function data(dtype: DType, n: number, seed: number): TypedArray {
  const x = allocTyped(dtype, n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    x[i] = u < 0.15 ? SPECIAL[s % SPECIAL.length]! : (u - 0.5) * 8;
  }
  return x;
}

describe('fused SIMD row inputs', () => {
  it('equal the same kernel on inputs broadcast to full size, bit for bit', () => {
    fc.assert(fc.property(fc.record({
      f64: fc.boolean(),
      layout: fc.array(fc.constantFrom('f', 's', 'r'), { minLength: 1, maxLength: 4 }).map((l) => l.join('')).filter((l) => l.includes('r') && l.includes('f')),
      vectors: fc.constantFrom(1, 2, 3, 8),
      rows: fc.constantFrom(1, 2, 3, 7, 64),
      specs: fc.array(fc.record({ op: fc.nat(), a: fc.nat(), b: fc.nat() }), { minLength: 1, maxLength: 10 }),
      seed: fc.nat(),
    }), (g) => {
      const dtype: DType = g.f64 ? 'float64' : 'float32';
      const m = g.vectors * (g.f64 ? 2 : 4), n = g.rows * m;
      const p = program(dtype, g.layout.length, g.specs);
      const d = fusedSimdDtype(p)!;
      const xs = g.layout.split('').map((k, i) => data(dtype, k === 'f' ? n : k === 's' ? 1 : m, g.seed + i));
      const expanded = xs.map((x, i) => {
        if (g.layout[i] !== 'r') return x;
        const full = allocTyped(dtype, n);
        for (let q = 0; q < n; q++) full[q] = x[q % m]!;
        return full;
      });
      const got = runFusedSimd(rt, p, d, g.layout, xs, n);
      const want = runFusedSimd(rt, p, d, g.layout.replace(/r/g, 'f'), expanded, n);
      got.forEach((y, j) => {
        for (let q = 0; q < n; q++) if (!Object.is(y[q], want[j]![q])) throw new Error(`${p.key} ${g.layout} n=${n} output ${j} element ${q}: ${y[q]} vs ${want[j]![q]}`);
      });
    }), { numRuns: 120, seed: 7 });
  });

  it('row layouts: trailing blocks of whole vectors, one row length per kernel', () => {
    expect(fusedSimdRowLayout([[64, 32], [32], []], [64, 32], 4)).toEqual({ layout: 'frs', rowLen: 32 });
    expect(fusedSimdRowLayout([[64, 32], [1, 32]], [64, 32], 8)).toEqual({ layout: 'fr', rowLen: 32 });
    expect(fusedSimdRowLayout([[64, 32], [64, 1]], [64, 32], 4)).toBeUndefined(); // a column
    expect(fusedSimdRowLayout([[64, 30], [30]], [64, 30], 4)).toBeUndefined(); // 120 bytes: not whole vectors
    expect(fusedSimdRowLayout([[8, 4, 8], [4, 8], [8]], [8, 4, 8], 4)).toBeUndefined(); // two row lengths
    expect(fusedSimdRowLayout([[8, 4, 8], [4, 8]], [8, 4, 8], 4)).toEqual({ layout: 'fr', rowLen: 32 });
  });

  it.runIf(getBackend().name === 'wasm')('a jitted bias + tanh layer runs on SIMD and equals eager bit for bit', () => {
    const x = random.normal(random.key(1), [64, 8]), w = random.normal(random.key(2), [8, 32]), b = random.normal(random.key(3), [32]);
    const f = (x: Tensor, w: Tensor, b: Tensor) => { const t = matmul(x, w).add(b).tanh(); return [t, t.mul(t).neg().add(1)]; };
    const g = jit(f);
    g(x, w, b);
    const before = fusedSimdRuns();
    const got = g(x, w, b);
    expect(fusedSimdRuns() - before).toBe(1);
    const want = f(x, w, b);
    got.forEach((t, i) => expect(Array.from(t.toTypedArray())).toEqual(Array.from(want[i]!.toTypedArray())));
  });
});
