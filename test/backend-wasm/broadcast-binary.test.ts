/**
 * Broadcast binary arithmetic on `wasm` (`buildBroadcastModule` in `elementwise.ts`, routed by
 * `wasmBroadcastBinary` in the adapter): one operand broadcast along trailing axes (row scaling,
 * `[m, n] × [m, 1]`) or leading axes (`[m, n] × [n]`), on either side, float32 and float64, odd
 * shapes, resident or copied-in broadcast operands. Every result must equal the `js` kernel's bit
 * for bit (`Object.is` per element: each element is one IEEE op in both), and jit must equal eager.
 */
import { describe, expect, it } from 'vitest';
import { broadcastPattern, configureWasmBuffers, wasmBackend, wasmResidentOwners } from '../../src/backend/wasm/adapter.js';
import { buildBroadcastModule } from '../../src/backend/wasm/elementwise.js';
import { WasmRuntime, type Dtype } from '../../src/backend/wasm/index.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { sharedMemorySupported } from '../../src/backend/wasm/memory.js';
import { Aval } from '../../src/tensor/aval.js';
import { ConcreteTensor, jit, random, type Tensor } from '../../src/index.js';
import { randoms } from './helpers.js';

const OPS = ['add', 'sub', 'mul', 'div'] as const;
const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 1, -1, 1e-40, 3e38];
const data = (n: number, seed: number): Float64Array => {
  const x = randoms(n, seed).map((v) => v * 10);
  for (let i = 0; i < n; i += 7) x[i] = SPECIAL[(i / 7 + seed) % SPECIAL.length] as number;
  return x;
};
const same = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect({ what, i, got: got[i] }).toEqual({ what, i, got: want[i] });
  }
};

describe('broadcastPattern', () => {
  it('classifies trailing and leading broadcasts and rejects the rest', () => {
    expect(broadcastPattern([569, 1, 1], [569, 1, 31])).toEqual({ kind: 'row', rows: 569, cols: 31 });
    expect(broadcastPattern([569, 1], [569, 31])).toEqual({ kind: 'row', rows: 569, cols: 31 });
    expect(broadcastPattern([4, 5, 1, 1], [4, 5, 6, 7])).toEqual({ kind: 'row', rows: 20, cols: 42 });
    expect(broadcastPattern([31], [569, 31])).toEqual({ kind: 'col', rows: 569, cols: 31 });
    expect(broadcastPattern([1, 6, 7], [4, 5, 6, 7])).toEqual({ kind: 'col', rows: 20, cols: 42 });
    expect(broadcastPattern([6, 1, 7], [4, 6, 1, 7])).toEqual({ kind: 'col', rows: 4, cols: 42 });
    expect(broadcastPattern([4, 1, 7], [4, 5, 7])).toBeUndefined(); // middle axis broadcast
    expect(broadcastPattern([1, 5, 1], [4, 5, 7])).toBeUndefined();
    expect(broadcastPattern([4, 5], [4, 5])).toBeUndefined(); // same shape
    expect(broadcastPattern([1], [4, 5])).toBeUndefined(); // scalar
    expect(broadcastPattern([4, 5, 6], [5, 6])).toBeUndefined();
  });
});

describe.each(['f32', 'f64'] as const)('broadcast module %s', (d: Dtype) => {
  const rt = new WasmRuntime();
  const mem = rt.memory;
  const k = rt.generated(`broadcast-test|${d}`, (m) => buildBroadcastModule(d, m));
  const put = (x: ArrayLike<number>): number => (d === 'f32' ? mem.allocF32(x) : mem.allocF64(x));
  const get = (off: number, n: number): Float64Array => Float64Array.from(d === 'f32' ? mem.readF32(off, n) : mem.readF64(off, n));
  const round = (x: number): number => (d === 'f32' ? Math.fround(x) : x);
  const F: Record<string, (x: number, y: number) => number> = { add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y };
  it.each([[1, 1], [3, 7], [5, 8], [4, 9], [17, 31], [2, 33], [0, 5], [6, 0]])('rows=%i cols=%i: every op, row and column, both orders, in place', (rows, cols) => {
    const a = data(rows * cols, rows + cols).map(round), vr = data(rows, 3 + cols).map(round), vc = data(cols, 5 + rows).map(round);
    const ao = put(a.length ? a : [0]), ro = put(vr.length ? vr : [0]), co = put(vc.length ? vc : [0]);
    const out = put(new Float64Array(Math.max(1, rows * cols)));
    for (const op of OPS) {
      for (const kind of ['row', 'col'] as const) {
        for (const order of ['vs', 'sv'] as const) {
          k[`${op}_${kind}_${order}`]!(ao, kind === 'row' ? ro : co, out, rows, cols);
          const want = new Float64Array(rows * cols);
          for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) {
            const v = kind === 'row' ? vr[r]! : vc[j]!, x = a[r * cols + j]!;
            want[r * cols + j] = round(order === 'vs' ? F[op]!(x, v) : F[op]!(v, x));
          }
          same(get(out, rows * cols), want, `${op}_${kind}_${order}`);
        }
      }
    }
    // in place (out = a)
    k[`mul_row_vs`]!(ao, ro, ao, rows, cols);
    same(get(ao, rows * cols), a.map((x, i) => round(x * vr[Math.floor(i / Math.max(cols, 1))]!)), 'in place');
  });
});

describe.runIf(sharedMemorySupported())('wasm backend broadcast binary = js backend, bit for bit', () => {
  const K = wasmBackend.kernels, J = jsBackend.kernels;
  const cases: [number[], number[]][] = [
    [[569, 1, 31], [569, 1, 1]], [[569, 31], [569, 1]], [[569, 31], [31]], [[1, 569, 31], [1, 31]],
    [[4, 5, 13, 37], [4, 5, 1, 1]], [[4, 5, 13, 37], [13, 37]], [[97, 45], [97, 1]], [[9, 300], [300]],
    [[5000, 9], [5000, 1]], [[2100, 8], [8]], [[3, 4097, 11], [3, 4097, 1]], [[4, 300, 40], [300, 40]],
  ];
  it.each(['float32', 'float64'] as const)('%s: both sides, resident and copied-in broadcast operands', (dtype) => {
    configureWasmBuffers({ resident: true });
    let routedResident = 0, residentFull = 0;
    for (const [fs, ss] of cases) {
      const af = new Aval(fs, dtype), as = new Aval(ss, dtype);
      const typed = (x: Float64Array) => (dtype === 'float32' ? Float32Array.from(x) : x);
      const full = wasmBackend.fromTyped(typed(data(af.size, fs.length)), af);
      const small = wasmBackend.fromTyped(typed(data(as.size, ss[0]!)), as);
      const smallLocal = typed(data(as.size, ss[0]!)); // never resident
      if (wasmResidentOwners(full) !== undefined) residentFull++; // the others stay on the js kernel
      if (wasmResidentOwners(small) !== undefined) routedResident++;
      for (const op of OPS) {
        for (const s of [small, smallLocal]) {
          same(K.binary(op, full, s, af, as, af), J.binary(op, full, s, af, as, af), `${op} ${fs} ${ss}`);
          same(K.binary(op, s, full, as, af, af), J.binary(op, s, full, as, af, af), `${op} ${ss} ${fs}`);
        }
      }
    }
    expect(routedResident).toBeGreaterThan(0); // some broadcast operands were resident themselves
    expect(residentFull).toBeGreaterThan(cases.length / 2);
  });

  it('jit equals eager on a row-scaled Gram matrix and a column-shifted product', () => {
    const X = random.normal(random.key(1), [569, 31]);
    const f = (s: Tensor, b: Tensor): Tensor[] => [X.mul(s.reshape([569, 1])).transpose().matmul(X), X.sub(b).div(s.reshape([569, 1]).add(2)), b.reshape([1, 31]).div(X.add(0.5))];
    const jf = jit(f);
    const s = random.uniform(random.key(2), [569]), b = random.normal(random.key(3), [31]);
    const bytes = (t: Tensor): Buffer => Buffer.from((t as ConcreteTensor).toTypedArray().buffer);
    for (let i = 0; i < 2; i++) {
      const e = f(s, b), j = jf(s, b);
      e.forEach((t, q) => expect(Buffer.compare(bytes(j[q]!), bytes(t))).toBe(0));
    }
  });
});
