/**
 * The WebAssembly SIMD generator for fused elementwise programs (`fused-simd.ts`) and its routing
 * in the wasm backend: random programs over the supported ops, both float dtypes, full-size and
 * scalar operands, literals and special values (NaN, ±Infinity, −0, subnormals), at sizes that
 * are not multiples of the vector width, must equal the unfused wasm kernels run one by one
 * element for element (`Object.is`: NaN equals NaN, −0 differs from 0). Routing: large eligible
 * programs run on SIMD, small or unsupported ones do not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FusedOp, FusedProgram } from '../../src/backend/backend.js';
import { wasmBackend } from '../../src/backend/wasm/adapter.js';
import { WasmRuntime } from '../../src/backend/wasm/index.js';
import { buildFusedModule, fusedSimdDtype, fusedSimdLayout, fusedSimdRuns, runFusedSimd } from '../../src/backend/wasm/fused-simd.js';
import { Aval } from '../../src/tensor/aval.js';
import { allocTyped, type DType, type TypedArray } from '../../src/tensor/dtype.js';
import { jit, tensor, type Tensor } from '../../src/index.js';

const K = wasmBackend.kernels;
const rt = new WasmRuntime();

type Spec = { readonly kind: number; readonly a: number; readonly b: number; readonly c: number; readonly cmp: number };
const ARITH = ['add', 'sub', 'mul', 'div', 'neg', 'abs', 'sqrt', 'max', 'min', 'copy', 'select'] as const;
const TRANS = ['exp', 'log', 'tanh', 'logistic'] as const;
const CMP = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
const UNARY = new Set<string>(['neg', 'abs', 'sqrt', 'copy', 'exp', 'log', 'tanh', 'logistic']);
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 1e-40, -1e-310, 3e38, 1e300, 88.7, -745.1];

/** Builds a program from random picks: value refs are chosen among earlier non-mask values. */
function buildProgram(dtype: DType, layout: string, lits: readonly number[], specs: readonly Spec[], ops: readonly string[], extraOut: number): FusedProgram {
  const nIn = layout.length;
  const vals: number[] = [];
  for (let r = 0; r < nIn + lits.length; r++) vals.push(r);
  const base = nIn + lits.length;
  const out: FusedOp[] = [];
  const pick = (k: number): number => vals[k % vals.length]!;
  for (const s of specs) {
    const op = ops[s.kind % ops.length]!;
    if (op === 'select') {
      out.push({ op: CMP[s.cmp % CMP.length]!, args: [pick(s.a), pick(s.b)], dtype: 'bool' });
      out.push({ op: 'select', args: [base + out.length - 1, pick(s.c), pick(s.a + s.b + 1)], dtype });
    } else {
      out.push({ op: op as FusedOp['op'], args: UNARY.has(op) ? [pick(s.a)] : [pick(s.a), pick(s.b)], dtype });
    }
    vals.push(base + out.length - 1);
  }
  const outputs = [base + out.length - 1];
  const other = vals[nIn + lits.length + (extraOut % Math.max(1, vals.length - nIn - lits.length))];
  if (extraOut % 3 === 0 && other !== undefined && other >= base && !outputs.includes(other)) outputs.push(other);
  return {
    inputs: layout.split('').map(() => dtype),
    literals: lits.map((value) => ({ value, dtype })),
    ops: out,
    outputs,
    key: `${dtype}|${layout}|${lits.map(String).join(',')}|${out.map((o) => `${o.op}(${o.args.join(',')})`).join(';')}|${outputs.join(',')}`,
  };
}

/** Deterministic data with special values mixed in. */
function data(dtype: DType, n: number, seed: number): TypedArray {
  const x = allocTyped(dtype, n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    x[i] = u < 0.15 ? SPECIAL[s % SPECIAL.length]! : (u - 0.5) * 8 * (s % 7 === 0 ? 1e3 : 1);
  }
  return x;
}

/** The program run one wasm-backend kernel at a time at output size n. */
function unfused(p: FusedProgram, xs: readonly TypedArray[], n: number): TypedArray[] {
  const full = (d: DType): Aval => new Aval([n], d);
  const vals: TypedArray[] = [];
  const avals: Aval[] = [];
  p.inputs.forEach((d, i) => { vals.push(xs[i]!); avals.push(xs[i]!.length === n ? full(d) : new Aval([], d)); });
  for (const l of p.literals) { const t = allocTyped(l.dtype, 1); t[0] = l.value; vals.push(t); avals.push(new Aval([], l.dtype)); }
  // Scalars are broadcast to full arrays first (what the fused kernel's splat means).
  const at = (r: number): TypedArray => {
    if (avals[r]!.size === n) return vals[r]!;
    const x = allocTyped(avals[r]!.dtype, n);
    x.fill(vals[r]![0]!);
    return x;
  };
  for (const op of p.ops) {
    const [a = 0, b = 0, c = 0] = op.args;
    const fa = full(avals[a]!.dtype), fb = full(avals[b]!.dtype), fc = full(avals[c]!.dtype);
    let r: TypedArray;
    if (op.op === 'select') r = K.select(at(a), at(b), at(c), fa, fb, fc, full(op.dtype));
    else if (op.op === 'copy') r = at(a);
    else if (UNARY.has(op.op)) r = K.unary(op.op as never, at(a), fa, full(op.dtype));
    else r = K.binary(op.op as never, at(a), at(b), fa, fb, full(op.dtype));
    vals.push(r);
    avals.push(full(op.dtype));
  }
  return p.outputs.map((r) => vals[r]!);
}

function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: element ${i} is ${got[i]}, unfused ${want[i]}`);
  }
}

const specArb = fc.record({ kind: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat(), cmp: fc.nat() });
const programArb = (trans: boolean) => fc.record({
  f64: fc.boolean(),
  layout: fc.array(fc.constantFrom('f', 'f', 's'), { minLength: 1, maxLength: 3 }).map((l) => l.join('')),
  lits: fc.array(fc.constantFrom(...SPECIAL, 2, -3.25), { maxLength: 2 }),
  specs: fc.array(specArb, { minLength: 2, maxLength: 14 }),
  extraOut: fc.nat(),
  n: trans ? fc.constantFrom(2048, 2049, 2051, 2053, 4099) : fc.constantFrom(1, 2, 3, 5, 7, 9, 17, 33, 100, 2049, 2051),
  seed: fc.nat(),
});

describe('fused SIMD generator: equals the unfused wasm kernels bit for bit', () => {
  it('arithmetic, max/min, comparisons + select (any size, tails included)', () => {
    fc.assert(fc.property(programArb(false), (g) => {
      const dtype: DType = g.f64 ? 'float64' : 'float32';
      const p = buildProgram(dtype, g.layout, g.lits, g.specs, ARITH, g.extraOut);
      const d = fusedSimdDtype(p);
      expect(d).toBe(g.f64 ? 'f64' : 'f32');
      const xs = g.layout.split('').map((k, i) => data(dtype, k === 'f' ? g.n : 1, g.seed + i));
      const got = runFusedSimd(rt, p, d!, g.layout, xs, g.n);
      const want = unfused(p, xs, g.n);
      got.forEach((y, j) => expectSame(y, want[j]!, `${p.key} n=${g.n} output ${j}`));
    }), { numRuns: 150 });
  });

  it('with exp/log/tanh/logistic at ≥ 2 Ki elements (where the unfused path uses the same SIMD transcendentals)', () => {
    fc.assert(fc.property(programArb(true), (g) => {
      const dtype: DType = g.f64 ? 'float64' : 'float32';
      const p = buildProgram(dtype, g.layout, g.lits, g.specs, [...ARITH, ...TRANS, ...TRANS], g.extraOut);
      const d = fusedSimdDtype(p)!;
      const xs = g.layout.split('').map((k, i) => data(dtype, k === 'f' ? g.n : 1, g.seed + i));
      const got = runFusedSimd(rt, p, d, g.layout, xs, g.n);
      const want = unfused(p, xs, g.n);
      got.forEach((y, j) => expectSame(y, want[j]!, `${p.key} n=${g.n} output ${j}`));
    }), { numRuns: 60 });
  });

  it('max/min follow the js rule (NaN wins, ties of ±0 return the second operand), not f32x4.max', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const op of ['max', 'min'] as const) {
        const p: FusedProgram = { inputs: [dtype, dtype], literals: [], ops: [{ op, args: [0, 1], dtype }, { op: 'copy', args: [2], dtype }], outputs: [3], key: `pm|${dtype}|${op}` };
        const a = [0, -0, 0, -0, NaN, 1, NaN, -Infinity, 2];
        const b = [-0, 0, 0, -0, 1, NaN, NaN, Infinity, 2];
        const x = dtype === 'float32' ? Float32Array.from(a) : Float64Array.from(a);
        const y = dtype === 'float32' ? Float32Array.from(b) : Float64Array.from(b);
        const [got] = runFusedSimd(rt, p, fusedSimdDtype(p)!, 'ff', [x, y], a.length);
        expectSame(got!, K.binary(op, x, y, new Aval([a.length], dtype), new Aval([a.length], dtype), new Aval([a.length], dtype)), `${op} ${dtype}`);
        expect(Object.is(got![0], -0)).toBe(true); // max(0, -0) and min(0, -0) are the second operand
      }
    }
  });

  it('declines what it does not support', () => {
    const f = 'float32' as const;
    const prog = (ops: FusedOp[], inputs: DType[] = [f], outputs = [inputs.length + ops.length - 1]): FusedProgram => ({ inputs, literals: [], ops, outputs, key: JSON.stringify([ops, inputs, outputs]) });
    expect(fusedSimdDtype(prog([{ op: 'mul', args: [0, 0], dtype: f }, { op: 'cast', args: [1], dtype: 'float64' }]))).toBeUndefined();
    expect(fusedSimdDtype(prog([{ op: 'add', args: [0, 0], dtype: 'int32' }, { op: 'mul', args: [1, 1], dtype: 'int32' }], ['int32']))).toBeUndefined();
    expect(fusedSimdDtype(prog([{ op: 'mul', args: [0, 0], dtype: f }, { op: 'sin', args: [1], dtype: f }]))).toBeUndefined();
    expect(fusedSimdDtype(prog([{ op: 'lt', args: [0, 0], dtype: 'bool' }, { op: 'not', args: [1], dtype: 'bool' }]))).toBeUndefined();
    expect(fusedSimdDtype(prog([{ op: 'mul', args: [0, 0], dtype: f }, { op: 'lt', args: [1, 0], dtype: 'bool' }]))).toBeUndefined(); // a mask written out
    expect(fusedSimdDtype(prog([{ op: 'mul', args: [0, 0], dtype: f }, { op: 'add', args: [1, 0], dtype: f }]))).toBe('f32');
    expect(fusedSimdLayout([4096, 1, 4096], 4096)).toBe('fsf');
    expect(fusedSimdLayout([4096, 64], 4096)).toBeUndefined();
    const p = prog([{ op: 'mul', args: [0, 0], dtype: f }, { op: 'add', args: [1, 0], dtype: f }]);
    expect(WebAssembly.validate(buildFusedModule(p, 'f32', 'f', { shared: false, maximum: undefined }))).toBe(true);
    expect(() => buildFusedModule(p, 'f32', 'fg', { shared: false, maximum: undefined })).toThrow(RangeError);
  });
});

describe('fused SIMD routing in the wasm backend', () => {
  const f32 = 'float32' as const;
  const routed = (p: FusedProgram, shapes: number[][], out: number[]): { simd: boolean; got: TypedArray[] } => {
    const n = out.reduce((a, b) => a * b, 1);
    const axs = shapes.map((s, i) => new Aval(s, p.inputs[i]!));
    const xs = axs.map((a, i) => data(a.dtype, a.size, 7 + i));
    const before = fusedSimdRuns();
    const res = K.fused!(p, xs, axs, p.outputs.map((r) => new Aval(out, r >= p.inputs.length + p.literals.length ? p.ops[r - p.inputs.length - p.literals.length]!.dtype : f32)));
    const got = res ?? [];
    if (res && fusedSimdDtype(p) !== undefined && shapes.every((s) => { const sz = s.reduce((a, b) => a * b, 1); return sz === n || sz === 1; })) {
      unfused(p, xs, n).forEach((w, j) => expectSame(got[j]!, w, `routed ${p.key}`));
    }
    return { simd: fusedSimdRuns() > before, got };
  };
  const chain = (dtype: DType, ops: FusedOp['op'][]): FusedProgram => {
    const fo: FusedOp[] = ops.map((op, k) => ({ op, args: UNARY.has(op) ? [k === 0 ? 0 : k + 1] : [k === 0 ? 0 : k + 1, 1], dtype }));
    return { inputs: [dtype, dtype], literals: [], ops: fo, outputs: [fo.length + 1], key: `route|${dtype}|${ops.join(',')}` };
  };

  it('float32 arithmetic runs on SIMD once the JS loop\'s work pays for a call, not below', () => {
    const p = chain(f32, ['mul', 'add', 'max']); // JS work 5 per element: SIMD from 52 elements
    expect(routed(p, [[2048], [2048]], [2048]).simd).toBe(true);
    expect(routed(p, [[64, 33], [1]], [64, 33]).simd).toBe(true); // scalar operand
    expect(routed(p, [[52], [52]], [52]).simd).toBe(true);
    expect(routed(p, [[51], [51]], [51]).simd).toBe(false);
    const long = chain(f32, Array.from({ length: 20 }, (_, k) => (['max', 'min', 'mul', 'add'] as const)[k % 4]!)); // JS work 40 per element
    expect(routed(long, [[16], [16]], [16]).simd).toBe(true); // heavy enough from the smallest size
    expect(routed(long, [[15], [15]], [15]).simd).toBe(false);
    const one = chain(f32, ['mul']); // JS work 1 per element: SIMD from 256 elements
    expect(routed(one, [[256], [256]], [256]).simd).toBe(true);
    expect(routed(one, [[255], [255]], [255]).simd).toBe(false);
  });

  it('exp/log/tanh programs: SIMD exactly from 2 Ki (equal to the unfused SIMD kernels), JS loop below (equal to Math.*)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const p = chain(dtype, ['mul', 'exp', 'add', 'tanh', 'abs', 'log']);
      expect(routed(p, [[2048], [2048]], [2048]).simd).toBe(true);
      const below = routed(p, [[2047], [2047]], [2047]);
      expect(below.simd).toBe(false);
      expect(below.got.length).toBe(1); // the js loop ran (and equals Math.* unfused, checked in routed)
    }
  });

  it('not for unsupported programs or layouts; float64 add/mul chains stay in the JS loop', () => {
    expect(routed(chain('float64', ['mul', 'add', 'sub']), [[4096], [4096]], [4096]).simd).toBe(false);
    expect(routed(chain('float64', ['mul', 'add', 'min']), [[4096], [4096]], [4096]).simd).toBe(true);
    expect(routed(chain(f32, ['mul', 'add']), [[64, 64], [64, 1]], [64, 64]).simd).toBe(false); // general broadcast
    const cast: FusedProgram = { inputs: [f32, f32], literals: [], ops: [{ op: 'mul', args: [0, 1], dtype: f32 }, { op: 'cast', args: [2], dtype: 'int32' }], outputs: [3], key: 'route|cast' };
    expect(routed(cast, [[4096], [4096]], [4096]).simd).toBe(false);
    // exp in an unsupported program at ≥ 2 Ki: declined (run kernel by kernel), as before
    const sinExp: FusedProgram = { inputs: [f32, f32], literals: [], ops: [{ op: 'sin', args: [0], dtype: f32 }, { op: 'exp', args: [2], dtype: f32 }], outputs: [3], key: 'route|sinexp' };
    expect(K.fused!(sinExp, [data(f32, 4096, 1), data(f32, 4096, 2)], [new Aval([4096], f32), new Aval([4096], f32)], [new Aval([4096], f32)])).toBeUndefined();
  });

  it('end to end: a jitted float32 chain runs on SIMD and equals eager', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).add(0.5).maximum(y).exp().mul(x).sub(y.abs().sqrt());
    const n = 3001;
    const x = tensor(Array.from(data('float32', n, 3))), y = tensor(Array.from(data('float32', n, 4)));
    const jf = jit(f);
    const before = fusedSimdRuns();
    const a = jf(x, y).toTypedArray(), b = f(x, y).toTypedArray();
    expect(fusedSimdRuns()).toBeGreaterThan(before);
    expectSame(a, b, 'jit vs eager');
  });
});
