// Conformance cases: every kernel of a backend against the js oracle on seeded random inputs
// and odd shapes, with float32 tolerances stated per op. Shared by the vitest suites and the
// browser page (no vitest import here).
import type { Backend, BinaryOp, Kernels, UnaryOp } from '../../src/backend/backend.js';
import { Aval } from '../../src/tensor/aval.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';

/** Elementwise tolerance: |got − want| ≤ atol + rtol·|want|; NaN must match NaN, ±Inf the same Inf. */
export interface Tol { readonly rtol: number; readonly atol: number }
export type Gen = 'normal' | 'unit' | 'pos' | 'gtm1' | 'tiny' | 'ints' | 'bool' | 'special' | 'trig' | 'exp';
export interface Input { readonly shape: readonly number[]; readonly dtype: DType; readonly gen: Gen | { idx: number } }
export interface ConformanceCase {
  readonly name: string;
  readonly inputs: readonly Input[];
  readonly out: { readonly shape: readonly number[]; readonly dtype: DType };
  readonly tol: Tol;
  /** In the browser subset. */
  readonly browser?: boolean;
  run<B>(k: Kernels<B>, xs: readonly B[], avs: readonly Aval[], out: Aval): B;
}

export const EXACT: Tol = { rtol: 0, atol: 0 };
/** Correctly rounded float32 ops (add, mul, ...): GLSL allows division within 2.5 ulp. */
export const ROUNDED: Tol = { rtol: 4e-7, atol: 0 };
/** Transcendentals (exp, log, tanh, sin, ...): a few float32 ulp; sin/cos get an absolute term. */
export const TRANSC: Tol = { rtol: 4e-6, atol: 1e-6 };
/** Sums and products accumulated in float32 over n terms of magnitude ~1. */
export const accTol = (n: number): Tol => ({ rtol: 1e-5, atol: 4e-8 * n + 1e-6 });

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL = [0, -0, 1, -1, 2, -2, 0.5, -0.5, 3, -3, Infinity, -Infinity, NaN, 1e-30, 1e30, 100, -100];

/** Deterministic input data for a case. */
export function makeInput(inp: Input, seed: number): TypedArray {
  const r = rng(seed);
  const n = inp.shape.reduce((p, s) => p * s, 1);
  const g = inp.gen;
  const v = (i: number): number => {
    if (typeof g === 'object') return Math.floor(r() * (g.idx + 2)) - 1;
    switch (g) {
      case 'normal': return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()) * 2;
      case 'unit': return 2 * r() - 1;
      case 'pos': return 0.01 + 5 * r();
      case 'gtm1': return -0.99 + 4 * r();
      case 'tiny': return (r() < 0.5 ? 1e-6 + 1e-3 * r() : 0.5 * r()) * (r() < 0.5 ? -1 : 1);
      case 'ints': return Math.floor(r() * 7) - 3;
      case 'bool': return r() < 0.5 ? 0 : 1;
      case 'special': return SPECIAL[i % SPECIAL.length]!;
      case 'trig': return 20 * r() - 10;
      case 'exp': return 40 * r() - 20;
    }
  };
  const arr = Array.from({ length: n }, (_, i) => v(i));
  switch (inp.dtype) {
    case 'float32': return Float32Array.from(arr);
    case 'float64': return Float64Array.from(arr);
    case 'int32': return Int32Array.from(arr);
    case 'bool': return Uint8Array.from(arr, (x) => (x ? 1 : 0));
  }
}

/** Compares two arrays under a tolerance; returns the worst error and the first mismatches. */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol): { maxErr: number; bad: string[] } {
  const bad: string[] = [];
  let maxErr = 0;
  if (got.length !== want.length) return { maxErr: Infinity, bad: [`length ${got.length} vs ${want.length}`] };
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, b = want[i]!;
    if (Number.isNaN(b) || !Number.isFinite(b)) {
      if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || a === b)) bad.push(`[${i}] got ${a}, want ${b}`);
      continue;
    }
    const err = Math.abs(a - b);
    if (!(err <= tol.atol + tol.rtol * Math.abs(b))) bad.push(`[${i}] got ${a}, want ${b} (err ${err.toExponential(2)})`);
    else maxErr = Math.max(maxErr, err / (tol.atol + tol.rtol * Math.abs(b) || 1));
  }
  return { maxErr, bad: bad.slice(0, 5) };
}

/**
 * Runs one case on `be` and on the `oracle`, compares, and disposes everything it made.
 * @returns the worst error as a fraction of the tolerance, and up to 5 mismatches.
 */
export function runCase(be: Backend, oracle: Backend, c: ConformanceCase, seed = 1): { maxErr: number; bad: string[] } {
  const avs = c.inputs.map((i) => new Aval(i.shape, i.dtype));
  const out = new Aval(c.out.shape, c.out.dtype);
  const data = c.inputs.map((inp, i) => makeInput(inp, seed * 7919 + i));
  const bx = data.map((d, i) => be.fromTyped(d.slice(), avs[i]!));
  const ox = data.map((d, i) => oracle.fromTyped(d.slice(), avs[i]!));
  const got = c.run(be.kernels as Kernels<unknown>, bx, avs, out);
  const want = c.run(oracle.kernels as Kernels<unknown>, ox, avs, out);
  const res = compare(be.read(got, out), oracle.read(want, out), c.tol);
  for (const b of [...bx, got]) be.dispose(b);
  return res;
}

// ---------------------------------------------------------------- the cases

const f32 = (shape: readonly number[], gen: Gen = 'normal'): Input => ({ shape, dtype: 'float32', gen });
const shapeOf = (s: readonly number[]) => ({ shape: s, dtype: 'float32' as DType });

const UNARY: [UnaryOp, Gen, Tol][] = [
  ['neg', 'normal', EXACT], ['exp', 'exp', TRANSC], ['log', 'pos', TRANSC], ['log1p', 'gtm1', TRANSC],
  ['log1p', 'tiny', TRANSC], ['expm1', 'tiny', TRANSC], ['expm1', 'normal', TRANSC], ['tanh', 'tiny', TRANSC],
  ['tanh', 'normal', TRANSC], ['logistic', 'exp', TRANSC], ['softplus' as string as UnaryOp, 'exp', TRANSC], ['sqrt', 'pos', ROUNDED], ['abs', 'normal', EXACT],
  ['sign', 'ints', EXACT], ['sin', 'trig', TRANSC], ['cos', 'trig', TRANSC], ['floor', 'normal', EXACT],
];
const BINARY: [BinaryOp, Gen, Tol][] = [
  ['add', 'normal', ROUNDED], ['sub', 'normal', ROUNDED], ['mul', 'normal', ROUNDED], ['div', 'normal', { rtol: 1.5e-7 * 3, atol: 0 }],
  ['max', 'normal', EXACT], ['min', 'normal', EXACT], ['eq', 'ints', EXACT], ['ne', 'ints', EXACT], ['lt', 'ints', EXACT],
  ['le', 'ints', EXACT], ['gt', 'ints', EXACT], ['ge', 'ints', EXACT],
];
const CMP = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

export const CASES: ConformanceCase[] = [
  ...UNARY.map(([op, gen, tol]): ConformanceCase => ({
    name: `unary ${op} (${gen}) f32[3,5,7]`, inputs: [f32([3, 5, 7], gen)], out: shapeOf([3, 5, 7]), tol, browser: true,
    run: (k, [x], [ax], o) => k.unary(op, x!, ax!, o),
  })),
  { name: 'unary exp f32[] scalar', inputs: [f32([])], out: shapeOf([]), tol: TRANSC, run: (k, [x], [ax], o) => k.unary('exp', x!, ax!, o) },
  ...(['log', 'sqrt', 'exp', 'log1p', 'expm1', 'tanh', 'softplus', 'abs', 'neg', 'floor', 'sign'] as string[] as UnaryOp[]).map((op): ConformanceCase => ({
    name: `unary ${op} on special values`, inputs: [f32([17], 'special')], out: shapeOf([17]), tol: TRANSC, browser: true,
    run: (k, [x], [ax], o) => k.unary(op, x!, ax!, o),
  })),
  { name: 'unary not bool[9]', inputs: [{ shape: [9], dtype: 'bool', gen: 'bool' }], out: { shape: [9], dtype: 'bool' }, tol: EXACT, run: (k, [x], [ax], o) => k.unary('not', x!, ax!, o) },
  ...BINARY.flatMap(([op, gen, tol]): ConformanceCase[] => {
    const dt: DType = CMP.has(op) ? 'bool' : 'float32';
    return [
      { name: `binary ${op} broadcast [3,1,5]×[4,5]`, inputs: [f32([3, 1, 5], gen), f32([4, 5], gen)], out: { shape: [3, 4, 5], dtype: dt }, tol, browser: true,
        run: (k, [x, y], [ax, ay], o) => k.binary(op, x!, y!, ax!, ay!, o) },
      { name: `binary ${op} same shape [7,9]`, inputs: [f32([7, 9], gen), f32([7, 9], gen)], out: { shape: [7, 9], dtype: dt }, tol,
        run: (k, [x, y], [ax, ay], o) => k.binary(op, x!, y!, ax!, ay!, o) },
    ];
  }),
  { name: 'binary pow positive base', inputs: [f32([6, 7], 'pos'), f32([6, 7], 'normal')], out: shapeOf([6, 7]), tol: { rtol: 2e-5, atol: 1e-30 }, browser: true,
    run: (k, [x, y], [ax, ay], o) => k.binary('pow', x!, y!, ax!, ay!, o) },
  { name: 'binary pow negative base, integer exponent', inputs: [f32([4, 5], 'normal'), f32([5], 'ints')], out: shapeOf([4, 5]), tol: { rtol: 2e-5, atol: 1e-30 }, browser: true,
    run: (k, [x, y], [ax, ay], o) => k.binary('pow', x!, y!, ax!, ay!, o) },
  { name: 'binary pow/max/min special × special', inputs: [f32([17, 1], 'special'), f32([17], 'special')], out: shapeOf([17, 17]), tol: { rtol: 2e-5, atol: 1e-30 }, browser: true,
    run: (k, [x, y], [ax, ay], o) => k.binary('add', k.binary('max', x!, y!, ax!, ay!, o), k.binary('min', x!, y!, ax!, ay!, o), o, o, o) },
  { name: 'binary pow special × special', inputs: [f32([17, 1], 'special'), f32([17], 'special')], out: shapeOf([17, 17]), tol: { rtol: 2e-5, atol: 1e-30 },
    run: (k, [x, y], [ax, ay], o) => k.binary('pow', x!, y!, ax!, ay!, o) },
  ...(['and', 'or'] as BinaryOp[]).map((op): ConformanceCase => ({
    name: `binary ${op} bool[4,1]×bool[5]`, inputs: [{ shape: [4, 1], dtype: 'bool', gen: 'bool' }, { shape: [5], dtype: 'bool', gen: 'bool' }], out: { shape: [4, 5], dtype: 'bool' }, tol: EXACT,
    run: (k, [x, y], [ax, ay], o) => k.binary(op, x!, y!, ax!, ay!, o),
  })),
  { name: 'binary scalar × [6]', inputs: [f32([]), f32([6])], out: shapeOf([6]), tol: ROUNDED, run: (k, [x, y], [ax, ay], o) => k.binary('mul', x!, y!, ax!, ay!, o) },
  { name: 'binary add int32 (host, exact)', inputs: [{ shape: [5, 3], dtype: 'int32', gen: 'ints' }, { shape: [3], dtype: 'int32', gen: 'ints' }], out: { shape: [5, 3], dtype: 'int32' }, tol: EXACT,
    run: (k, [x, y], [ax, ay], o) => k.binary('add', x!, y!, ax!, ay!, o) },
  { name: 'binary div int32 (host, truncating)', inputs: [{ shape: [9], dtype: 'int32', gen: 'ints' }, { shape: [9], dtype: 'int32', gen: 'ints' }], out: { shape: [9], dtype: 'int32' }, tol: EXACT,
    run: (k, [x, y], [ax, ay], o) => k.binary('div', x!, y!, ax!, ay!, o) },
  { name: 'float64 tanh/mul (host, exact)', inputs: [{ shape: [4, 6], dtype: 'float64', gen: 'normal' }], out: { shape: [4, 6], dtype: 'float64' }, tol: EXACT,
    run: (k, [x], [ax], o) => k.binary('mul', k.unary('tanh', x!, ax!, o), x!, o, ax!, o) },
  { name: 'select bool[3,1] ? [3,4] : [4]', inputs: [{ shape: [3, 1], dtype: 'bool', gen: 'bool' }, f32([3, 4]), f32([4])], out: shapeOf([3, 4]), tol: EXACT, browser: true,
    run: (k, [p, x, y], [ap, ax, ay], o) => k.select(p!, x!, y!, ap!, ax!, ay!, o) },
  ...([['float32', 'bool'], ['bool', 'float32'], ['float32', 'int32'], ['int32', 'float32'], ['float32', 'float64'], ['float64', 'float32']] as [DType, DType][]).map(([a, b]): ConformanceCase => ({
    name: `cast ${a} → ${b}`, inputs: [{ shape: [5, 7], dtype: a, gen: a === 'bool' ? 'bool' : 'special' }], out: { shape: [5, 7], dtype: b }, tol: EXACT, browser: a === 'float32' && b === 'bool',
    run: (k, [x], [ax], o) => k.cast(x!, ax!, o),
  })),
];

const RED: [string, number[], number[], number[]][] = [
  ['sum', [5, 6, 7], [1], [5, 7]], ['sum', [5, 6, 7], [0, 2], [6]], ['sum', [5, 6, 7], [0, 1, 2], []], ['sum', [5, 6, 7], [2], [5, 6]],
  ['max', [5, 6, 7], [0], [6, 7]], ['min', [5, 6, 7], [0, 2], [6]], ['argmax', [5, 6, 7], [1], [5, 7]], ['argmax', [9, 13], [1], [9]],
  ['sum', [3, 10007], [1], [3]], ['sum', [200, 300], [0, 1], []], ['max', [3, 10007], [1], [3]], ['sum', [3000, 2], [0], [2]],
];
for (const [op, shape, axes, outShape] of RED) {
  const n = axes.reduce((p, a) => p * shape[a]!, 1);
  CASES.push({
    name: `reduce ${op} f32[${shape}] axes [${axes}]`, inputs: [f32(shape, op === 'sum' ? 'unit' : 'normal')],
    out: { shape: outShape, dtype: op === 'argmax' ? 'int32' : 'float32' }, tol: op === 'sum' ? accTol(n) : EXACT, browser: n < 1000 || op === 'max',
    run: (k, [x], [ax], o) => k.reduce(op as 'sum', x!, ax!, axes, o),
  });
}
CASES.push({ name: 'reduce max with NaN and ±Inf', inputs: [f32([17, 3], 'special')], out: shapeOf([3]), tol: EXACT, browser: true, run: (k, [x], [ax], o) => k.reduce('max', x!, ax!, [0], o) });
CASES.push({ name: 'reduce argmax with NaN', inputs: [f32([3, 17], 'special')], out: { shape: [3], dtype: 'int32' }, tol: EXACT, run: (k, [x], [ax], o) => k.reduce('argmax', x!, ax!, [1], o) });
