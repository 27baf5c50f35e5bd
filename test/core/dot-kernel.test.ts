// The reference dotGeneral kernel (src/backend/js/dot.ts) against the definition: every output
// element is the float64 sum, in ascending contraction order from 0, of exact products, rounded
// once to the output dtype — bit for bit, for every operand layout (strided views, permuted
// copies), batch, block remainders and dtype; and its planned form equals the unplanned one.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Aval } from '../../src/tensor/aval.js';
import { allocTyped, type DType, type TypedArray } from '../../src/tensor/dtype.js';
import { sizeOf, stridesOf } from '../../src/tensor/shape.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { wasmBackend } from '../../src/backend/wasm/adapter.js';
import type { DotDims } from '../../src/backend/backend.js';

/** The definition, by explicit multi-indices. */
function definition(x: TypedArray, y: TypedArray, ax: Aval, ay: Aval, d: DotDims, out: Aval): TypedArray {
  const xFree = ax.shape.map((_, i) => i).filter((i) => !d.lhsContract.includes(i) && !d.lhsBatch.includes(i));
  const yFree = ay.shape.map((_, i) => i).filter((i) => !d.rhsContract.includes(i) && !d.rhsBatch.includes(i));
  const sx = stridesOf(ax.shape), sy = stridesOf(ay.shape);
  const cShape = d.lhsContract.map((a) => ax.shape[a]!);
  const res = allocTyped(out.dtype, out.size);
  const oShape = out.shape;
  const nb = d.lhsBatch.length, nxf = xFree.length;
  const unravel = (i: number, shape: readonly number[]) => { const idx = new Array<number>(shape.length); for (let a = shape.length - 1; a >= 0; a--) { idx[a] = i % shape[a]!; i = Math.floor(i / shape[a]!); } return idx; };
  for (let o = 0; o < out.size; o++) {
    const oi = unravel(o, oShape);
    let s = 0;
    for (let c = 0; c < sizeOf(cShape); c++) {
      const ci = unravel(c, cShape);
      let xo = 0, yo = 0;
      d.lhsBatch.forEach((a, j) => { xo += oi[j]! * sx[a]!; });
      d.rhsBatch.forEach((a, j) => { yo += oi[j]! * sy[a]!; });
      xFree.forEach((a, j) => { xo += oi[nb + j]! * sx[a]!; });
      yFree.forEach((a, j) => { yo += oi[nb + nxf + j]! * sy[a]!; });
      d.lhsContract.forEach((a, j) => { xo += ci[j]! * sx[a]!; });
      d.rhsContract.forEach((a, j) => { yo += ci[j]! * sy[a]!; });
      s += x[xo]! * y[yo]!;
    }
    res[o] = s;
  }
  return res;
}

const fill = (dtype: DType, n: number, seed: number): TypedArray => {
  const a = allocTyped(dtype, n);
  let u = seed * 7919 + 17;
  for (let i = 0; i < n; i++) { u = (u * 1103515245 + 12345) % 2147483648; a[i] = dtype === 'int32' ? (u % 19) - 9 : (u / 2147483648 - 0.5) * 3; }
  if (n > 2 && dtype !== 'int32') a[1] = -0;
  return a;
};
const bitsOf = (a: TypedArray) => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));

/** A random dot_general: sizes per role, then each operand's axes shuffled. */
const arbCase = fc.record({
  b: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  m: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 2 }),
  n: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 2 }),
  k: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 2 }),
  px: fc.nat(), py: fc.nat(),
  dtype: fc.constantFrom<DType>('float32', 'float64', 'int32'),
});
const shuffle = (n: number, seed: number): number[] => { const p = [...Array(n).keys()]; for (let i = n - 1; i > 0; i--) { const j = (seed = (seed * 48271) % 2147483647) % (i + 1); [p[i], p[j]] = [p[j]!, p[i]!]; } return p; };

type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case) {
  // logical axes of x: batch, free, contract; of y: batch, contract, free; then shuffled
  const xl = [...c.b, ...c.m, ...c.k], yl = [...c.b, ...c.k, ...c.n];
  const xp = shuffle(xl.length, c.px + 1), yp = shuffle(yl.length, c.py + 1); // physical axis i holds logical xp[i]
  const pos = (p: number[], l: number) => p.indexOf(l);
  const nb = c.b.length, nm = c.m.length, nk = c.k.length;
  const d: DotDims = {
    lhsBatch: c.b.map((_, i) => pos(xp, i)), rhsBatch: c.b.map((_, i) => pos(yp, i)),
    lhsContract: c.k.map((_, i) => pos(xp, nb + nm + i)), rhsContract: c.k.map((_, i) => pos(yp, nb + i)),
  };
  const ax = new Aval(xp.map((l) => xl[l]!), c.dtype), ay = new Aval(yp.map((l) => yl[l]!), c.dtype);
  const out = new Aval([...c.b, ...[...ax.shape.keys()].filter((i) => !d.lhsContract.includes(i) && !d.lhsBatch.includes(i)).map((i) => ax.shape[i]!), ...[...ay.shape.keys()].filter((i) => !d.rhsContract.includes(i) && !d.rhsBatch.includes(i)).map((i) => ay.shape[i]!)], c.dtype);
  return { ax, ay, d, out, nk };
}

describe('reference dotGeneral kernel', () => {
  it('equals the definition bit for bit over random layouts, batches and dtypes', () => {
    fc.assert(fc.property(arbCase, (c) => {
      const { ax, ay, d, out } = build(c);
      const x = fill(c.dtype, ax.size, c.px), y = fill(c.dtype, ay.size, c.py);
      const want = bitsOf(definition(x, y, ax, ay, d, out));
      expect(bitsOf(jsBackend.kernels.dotGeneral(x, y, ax, ay, d, out))).toEqual(want);
      expect(bitsOf(jsBackend.kernels.planDotGeneral!(ax, ay, d, out)(x, y))).toEqual(want);
    }), { seed: 1207, numRuns: 300 });
  });

  it('matrix layouts of a small MLP (plain, transposed operands, outer product, column/row blocks with remainders)', () => {
    const mm = { lhsContract: [1], rhsContract: [0], lhsBatch: [], rhsBatch: [] };
    const tn = { lhsContract: [0], rhsContract: [0], lhsBatch: [], rhsBatch: [] };
    const nt = { lhsContract: [1], rhsContract: [1], lhsBatch: [], rhsBatch: [] };
    const cases: [number[], number[], DotDims, number[]][] = [
      [[64, 8], [8, 32], mm, [64, 32]], [[64, 32], [32, 1], mm, [64, 1]], [[64, 32], [64, 1], tn, [32, 1]],
      [[64, 1], [32, 1], nt, [64, 32]], [[64, 8], [64, 32], tn, [8, 32]], [[7, 5], [5, 6], mm, [7, 6]], [[6, 3], [6, 3], tn, [3, 3]],
    ];
    for (const [sa, sb, d, so] of cases) for (const dtype of ['float32', 'float64'] as const) {
      const ax = new Aval(sa, dtype), ay = new Aval(sb, dtype), out = new Aval(so, dtype);
      const x = fill(dtype, ax.size, 3), y = fill(dtype, ay.size, 4);
      const want = bitsOf(definition(x, y, ax, ay, d, out));
      expect(bitsOf(jsBackend.kernels.dotGeneral(x, y, ax, ay, d, out))).toEqual(want);
      // the wasm backend's planned product equals its unplanned one (same kernel choice)
      const w = wasmBackend.kernels;
      expect(bitsOf(w.planDotGeneral!(ax, ay, d, out)(x, y))).toEqual(bitsOf(w.dotGeneral(x, y, ax, ay, d, out)));
    }
  });
});
