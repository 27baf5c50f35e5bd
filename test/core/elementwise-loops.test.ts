// The js backend's monomorphic elementwise loops (src/backend/js/elementwise-loops.ts) compute
// exactly what the per-element UNARY/BINARY functions compute, bit for bit, in every dtype,
// on special values included (NaN, ±0, ±∞, subnormals, large magnitudes).
import { describe, expect, it } from 'vitest';
import type { BinaryOp, UnaryOp } from '../../src/backend/backend.js';
import { BINARY, UNARY } from '../../src/backend/js/scalar-ops.js';
import { arithRowLeft, arithRowRight, arithScalarLeft, arithScalarRight, binarySame, unaryLoop } from '../../src/backend/js/elementwise-loops.js';
import type { TypedArray } from '../../src/tensor/dtype.js';

const SPECIAL = [0, -0, 1, -1, 0.5, -2.75, 3, 1e-40, -1e-310, 88.5, -104, 710, 1e30, -1e300, Infinity, -Infinity, NaN, 7, -7.25, 0.1];
const CTORS = [Float32Array, Float64Array, Int32Array, Uint8Array] as const;
const bytes = (a: TypedArray) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
const make = (C: (typeof CTORS)[number], vals: readonly number[]) => C.from(vals) as TypedArray;

describe('monomorphic elementwise loops = per-element functions, bit for bit', () => {
  const ys = [...SPECIAL].reverse();
  for (const C of CTORS) {
    it(`unary ops, ${C.name}`, () => {
      for (const op of Object.keys(UNARY) as UnaryOp[]) {
        const x = make(C, SPECIAL);
        const got = new C(x.length) as TypedArray, want = new C(x.length) as TypedArray;
        unaryLoop(op, x, got);
        for (let i = 0; i < x.length; i++) want[i] = UNARY[op](x[i]!);
        expect(bytes(got), op).toEqual(bytes(want));
      }
    });
    it(`binary ops, ${C.name}`, () => {
      const x = make(C, SPECIAL), y = make(C, ys);
      for (const op of Object.keys(BINARY) as BinaryOp[]) {
        const got = new C(x.length) as TypedArray, want = new C(x.length) as TypedArray;
        const done = binarySame(op, x, y, got);
        expect(done).toBe(op !== 'pow');
        if (!done) continue;
        for (let i = 0; i < x.length; i++) want[i] = BINARY[op](x[i]!, y[i]!);
        expect(bytes(got), op).toEqual(bytes(want));
      }
      for (const op of ['add', 'sub', 'mul', 'div'] as const) {
        const f = BINARY[op], n = x.length, half = n / 2;
        for (const b of [2.5, -0, NaN]) {
          const r1 = new C(n) as TypedArray, r2 = new C(n) as TypedArray, w1 = new C(n) as TypedArray, w2 = new C(n) as TypedArray;
          arithScalarRight(op, x, b, r1, 0, n);
          arithScalarLeft(op, b, x, r2, 0, n);
          for (let i = 0; i < n; i++) { w1[i] = f(x[i]!, b); w2[i] = f(b, x[i]!); }
          expect(bytes(r1), `${op} right ${b}`).toEqual(bytes(w1));
          expect(bytes(r2), `${op} left ${b}`).toEqual(bytes(w2));
        }
        // a row of `half` values against both halves of x
        const vec = y.subarray(0, half);
        const r1 = new C(n) as TypedArray, r2 = new C(n) as TypedArray, w1 = new C(n) as TypedArray, w2 = new C(n) as TypedArray;
        for (const base of [0, half]) { arithRowRight(op, x, vec, r1, base, half); arithRowLeft(op, vec, x, r2, base, half); }
        for (let i = 0; i < n; i++) { w1[i] = f(x[i]!, vec[i % half]!); w2[i] = f(vec[i % half]!, x[i]!); }
        expect(bytes(r1), `${op} rows right`).toEqual(bytes(w1));
        expect(bytes(r2), `${op} rows left`).toEqual(bytes(w2));
      }
    });
  }
});
