/**
 * Planned kernels (`Kernels.planFused`, `Kernels.planDotGeneral`), which `jit`'s executables
 * resolve once per program: on the `wasm` and `js` backends they must decline exactly when the
 * unplanned kernel declines and otherwise return the same bits, for every route (JS loop,
 * SIMD loop, broadcast inputs materialized for SIMD). The broadcast route must also equal the
 * unfused kernels run one by one (bit-identity of jit with eager).
 */
import { describe, expect, it } from 'vitest';
import type { FusedOp, FusedProgram, Kernels } from '../../src/backend/backend.js';
import { wasmBackend } from '../../src/backend/wasm/adapter.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { fusedSimdRuns } from '../../src/backend/wasm/fused-simd.js';
import { Aval } from '../../src/tensor/aval.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';
import { randoms } from './helpers.js';

const bits = (a: readonly TypedArray[] | undefined) => a?.map((x) => Array.from(x, (v) => (Object.is(v, -0) ? '-0' : String(v))));
const data = (dtype: DType, n: number, seed: number): TypedArray => (dtype === 'float64' ? Float64Array.from(randoms(n, seed), (v) => 3 * v) : Float32Array.from(randoms(n, seed), (v) => 3 * v));

/** `tanh(x + b)` and its derivative `1 - tanh²`, as jit fuses a dense layer's activation. */
const layer = (dtype: DType): FusedProgram => {
  const ops: FusedOp[] = [
    { op: 'add', args: [0, 1], dtype }, { op: 'tanh', args: [3], dtype }, { op: 'mul', args: [4, 4], dtype }, { op: 'sub', args: [2, 5], dtype },
  ];
  return { inputs: [dtype, dtype], literals: [{ value: 1, dtype }], ops, outputs: [4, 6], key: `plan-test|layer|${dtype}` };
};
const affine = (dtype: DType): FusedProgram => ({
  inputs: [dtype, dtype], literals: [], ops: [{ op: 'mul', args: [0, 1], dtype }, { op: 'add', args: [2, 1], dtype }], outputs: [3], key: `plan-test|affine|${dtype}`,
});

describe('planned fused kernels equal the unplanned ones', () => {
  const shapes: [number[], number[]][] = [
    [[64, 32], [32]], [[64, 32], [64, 32]], [[64, 32], [1]], [[16, 8], [8]], [[128, 128], [128]], [[64, 33], [64, 1]], [[2, 40, 32], [40, 1]], [[0, 4], [4]],
  ];
  for (const [name, backend] of [['wasm', wasmBackend], ['js', jsBackend]] as const) {
    const K = backend.kernels as Kernels<TypedArray>;
    for (const dtype of ['float32', 'float64'] as const) {
      for (const prog of [layer(dtype), affine(dtype)]) {
        it.each(shapes)(`${name} ${prog.key}: %j with %j`, (outShape, bShape) => {
          const axs = [new Aval(outShape, dtype), new Aval(bShape, dtype)];
          const outs = prog.outputs.map(() => new Aval(outShape, dtype));
          const xs = axs.map((a, i) => data(dtype, a.size, 5 + i));
          const plan = K.planFused!(prog, axs, outs);
          const direct = K.fused!(prog, xs, axs, outs);
          expect(plan === undefined).toBe(direct === undefined);
          if (plan !== undefined) expect(bits(plan(xs))).toEqual(bits(direct));
        });
      }
    }
  }

  it.each([[[64, 32], [32]], [[64, 33], [64, 1]], [[2, 40, 32], [40, 1]], [[4, 32, 16], [1, 32, 1]]])('wasm: tanh(x + bias) from 2 Ki elements with a broadcast bias %j + %j runs on SIMD and equals the unfused kernels', (xShape, bShape) => {
    const K = wasmBackend.kernels as Kernels<TypedArray>;
    for (const dtype of ['float32', 'float64'] as const) {
      const ax = new Aval(xShape, dtype), ab = new Aval(bShape, dtype);
      const x = data(dtype, ax.size, 1), b = data(dtype, ab.size, 2);
      const before = fusedSimdRuns();
      const got = K.planFused!(layer(dtype), [ax, ab], [ax, ax])!([x, b]);
      expect(fusedSimdRuns()).toBe(before + 1);
      const t = K.unary('tanh', K.binary('add', x, b, ax, ab, ax), ax, ax);
      const one = dtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]);
      const d = K.binary('sub', one, K.binary('mul', t, t, ax, ax, ax), new Aval([], dtype), ax, ax);
      expect(bits(got)).toEqual(bits([t, d]));
    }
  });
});

describe('planned reductions equal the unplanned ones', () => {
  const cases: [number[], number[]][] = [
    [[64, 1], [0, 1]], [[64, 1], [0]], [[64, 32], [0]], [[12, 7], [0]], [[2, 3, 4], [0, 1]], [[2, 3, 4], [1, 2]], [[2, 1, 4], [0]], [[3, 0], [1]], [[0, 3], [0]], [[], []], [[64, 32], [1]], [[128, 10], [1]], [[4, 600], [1]], [[3, 5, 7], [0, 2]], [[2048, 3], [0]], [[300, 300], [0, 1]], [[5], [0]],
  ];
  const special = (a: TypedArray) => { if (a.length > 6) { a[1] = NaN; a[3] = -0; a[4] = 0; a[5] = Infinity; } return a; };
  for (const [name, backend] of [['wasm', wasmBackend], ['js', jsBackend]] as const) {
    const K = backend.kernels as Kernels<TypedArray>;
    for (const op of ['sum', 'max', 'min', 'argmax'] as const) {
      it.each(cases.filter(([, axes]) => op !== 'argmax' || axes.length === 1))(`${name} ${op} of %j over %j`, (shape, axes) => {
        for (const dtype of ['float32', 'float64'] as const) {
          const ax = new Aval(shape, dtype);
          const out = new Aval(shape.filter((_, i) => !axes.includes(i)), op === 'argmax' ? 'int32' : dtype);
          for (const x of [data(dtype, ax.size, 9), special(data(dtype, ax.size, 10))]) {
            expect(bits([K.planReduce!(op, ax, axes, out)(x)])).toEqual(bits([K.reduce(op, x, ax, axes, out)]));
          }
        }
      });
    }
  }
});

describe('long float32 programs on SIMD by their JS work (an Adam update: from 19 elements)', () => {
  /** An Adam update as jit fuses it: m, v and the new parameter from g, m, v, two scalars and p. */
  const adam: FusedProgram = (() => {
    const f = 'float32' as const;
    const lit = (value: number) => ({ value: Math.fround(value), dtype: f }); // literals are values of their dtype
    // inputs 0..5 (g, m, v, c1, c2, p), literals 6..11, ops from 12
    const literals = [lit(0.1), lit(0.9), lit(0.001), lit(0.999), lit(1e-8), lit(-0.01)];
    const o = (op: FusedOp['op'], ...args: number[]): FusedOp => ({ op, args, dtype: f });
    const ops = [
      o('mul', 0, 6), o('mul', 1, 7), o('add', 12, 13), o('mul', 0, 0), o('mul', 15, 8), o('mul', 2, 9), o('add', 16, 17),
      o('div', 14, 3), o('div', 18, 4), o('sqrt', 20), o('add', 21, 10), o('div', 19, 22), o('mul', 23, 11), o('add', 5, 24),
    ];
    return { inputs: [f, f, f, f, f, f], literals, ops, outputs: [14, 18, 25], key: 'plan-test|adam' };
  })();
  it.each([[16, false], [18, false], [19, true], [32, true], [64, true], [256, true], [1000, true]] as const)('%i elements: SIMD %s, equal to the JS loop bit for bit', (n, simd) => {
    const K = wasmBackend.kernels as Kernels<TypedArray>;
    const full = new Aval([n], 'float32'), scalar = new Aval([], 'float32');
    const axs = [full, full, full, scalar, scalar, full];
    const xs = axs.map((a, i) => Float32Array.from(randoms(a.size, 20 + i), (v) => (i === 2 || i >= 3 && i <= 4 ? Math.abs(v) + 0.01 : v)));
    xs[0]![0] = -0; xs[0]![1] = NaN; xs[5]![2] = Infinity;
    const before = fusedSimdRuns();
    const got = K.planFused!(adam, axs, [full, full, full])!(xs);
    expect(fusedSimdRuns() > before).toBe(simd);
    expect(bits(got)).toEqual(bits(jsBackend.kernels.fused!(adam, xs, axs, [full, full, full]) as TypedArray[]));
    expect(bits(K.fused!(adam, xs, axs, [full, full, full]))).toEqual(bits(got));
  });
});
