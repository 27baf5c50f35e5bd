/**
 * Fuzz suite over every public op: walks the function exports of the package entry, draws good
 * and bad arguments for each (values.ts) and requires a typed error naming the op, or a result
 * equal to NumPy semantics (reference.ts) where a reference applies. Fixed seeds; modest run counts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as cx from '../../src/index.js';
import * as R from '../conformance/ref.js';
import { newTally, runCase, type Expected } from './harness.js';
import * as F from './reference.js';
import {
  axesArg, axisArg, dtypeArg, indicesArg, numberArg, shapeArg, sizeArg, tensorArg, tensorListArg, tensorOf, type Arg,
} from './values.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 1313);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 100);

interface OpFuzz {
  readonly args: readonly fc.Arbitrary<Arg>[];
  readonly call: (...v: any[]) => unknown;
  readonly ref?: ((...v: any[]) => Expected | undefined) | undefined;
  /** Other op names its errors may carry (an op implemented by another public op). */
  readonly alsoNamed?: readonly string[];
  /** A total function (a predicate): it never throws. */
  readonly total?: boolean;
}

const T = tensorArg;
/** Marks argument labels as valid for one op (e.g. `-1` entries are fine in reshape and slice). */
const alsoValid = (arb: fc.Arbitrary<Arg>, ...labels: string[]): fc.Arbitrary<Arg> => arb.map((a) => (labels.includes(a.label) ? { ...a, valid: true } : a));
/** Mostly bool tensors of broadcast-compatible shapes, for the logical ops. */
const B = fc.oneof({ weight: 3, arbitrary: fc.constantFrom([], [2], [1, 2]).chain((sh) => tensorOf(sh, 'bool')).map((t) => ({ value: t, valid: true, label: t.aval.toString() })) }, { weight: 1, arbitrary: T });
const tensorData = alsoValid(T, 'JS array', 'nested JS array', 'Float32Array');
const un = (f: (x: any) => unknown, ref?: (x: unknown) => Expected): OpFuzz => ({ args: [T], call: f, ref });
const bin = (f: (x: any, y: any) => unknown, ref?: (x: unknown, y: unknown) => Expected | undefined): OpFuzz => ({ args: [T, T], call: f, ref });
const both = (fx: (a: number, b: number) => unknown) => (a: number, b: number): number => (fx(a, b) ? 1 : 0);

/** One row per public op (the walk below fails when an exported function has no row and is not listed as a non-op). */
const OPS: Record<string, OpFuzz> = {
  tensor: { args: [fc.oneof(tensorData, fc.constantFrom({ value: [[1, 2], [3]], valid: false, label: 'ragged' }, { value: [true, 1], valid: true, label: 'mixed' })), fc.record({ dtype: dtypeArg, shape: fc.option(shapeArg, { nil: undefined }) }).map((o) => ({ value: { dtype: o.dtype.value, shape: o.shape?.value }, valid: o.dtype.valid && (o.shape?.valid ?? true), label: `{ ${o.dtype.label}, ${o.shape?.label} }` }))], call: (d, o) => cx.tensor(d, o) },
  zeros: { args: [shapeArg, dtypeArg], call: (s, d) => cx.zeros(s, d), ref: (s, d) => ({ shape: s, dtype: d, data: new Float64Array(R.size(s)) }) },
  ones: { args: [shapeArg, dtypeArg], call: (s, d) => cx.ones(s, d), ref: (s, d) => ({ shape: s, dtype: d, data: new Float64Array(R.size(s)).fill(1) }) },
  full: { args: [shapeArg, numberArg, dtypeArg], call: (s, v, d) => cx.full(s, v, d), ref: (s, v, d) => ({ shape: s, dtype: d, data: new Float64Array(R.size(s)).fill(F.roundTo(d, d === 'int32' ? Math.trunc(v) : v)) }) },
  arange: { args: [numberArg, fc.option(numberArg, { nil: undefined }).map((a) => a ?? { value: undefined, valid: true, label: 'no stop' })], call: (a, b) => cx.arange(a, b) },
  linspace: { args: [numberArg, numberArg, sizeArg], call: (a, b, n) => cx.linspace(a, b, n) },
  eye: { args: [sizeArg, sizeArg], call: (n, m) => cx.eye(n, m) },
  zerosLike: un((x) => cx.zerosLike(x)),
  onesLike: un((x) => cx.onesLike(x)),
  // a predicate: anything that is not a float dtype is simply not one
  isFloat: { args: [dtypeArg.map((a) => ({ ...a, valid: true }))], call: (d) => cx.isFloat(d), total: true },
  promoteTypes: { args: [dtypeArg, dtypeArg], call: (a, b) => cx.promoteTypes(a, b) },
  add: bin(cx.add, F.binary((a, b) => a + b, { onBool: both((a, b) => a || b) })),
  sub: bin(cx.sub, F.binary((a, b) => a - b)),
  mul: bin(cx.mul, F.binary((a, b) => a * b, { onBool: both((a, b) => a && b) })),
  // int32 / int32 truncates (documented, as lax.div); bool / bool divides in float as NumPy does
  div: bin(cx.div, (x, y) => (F.binaryDType(F.val(x), F.val(y)) === 'bool' ? F.binary((a, b) => a / b, { floatOnly: true }) : F.binary((a, b) => a / b, { skipInt: true }))(x, y)),
  pow: bin(cx.pow, F.binary((a, b) => a ** b, { floatOnly: true, tol: true })),
  maximum: bin(cx.maximum, F.binary((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)))),
  minimum: bin(cx.minimum, F.binary((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)))),
  neg: un(cx.neg, F.unarySame((v) => -v)),
  square: un(cx.square, F.unarySame((v) => v * v)),
  reciprocal: un(cx.reciprocal, F.unaryFloat((v) => 1 / v)),
  exp: un(cx.exp, F.unaryFloat(Math.exp)),
  log: un(cx.log, F.unaryFloat(Math.log)),
  log1p: un(cx.log1p, F.unaryFloat(Math.log1p)),
  expm1: un(cx.expm1, F.unaryFloat(Math.expm1)),
  tanh: un(cx.tanh, F.unaryFloat(Math.tanh)),
  sigmoid: un(cx.sigmoid, F.unaryFloat(R.sigmoid)),
  sqrt: un(cx.sqrt, F.unaryFloat(Math.sqrt)),
  sin: un(cx.sin, F.unaryFloat(Math.sin)),
  cos: un(cx.cos, F.unaryFloat(Math.cos)),
  abs: un(cx.abs, F.unarySame(Math.abs)),
  sign: un(cx.sign, F.unarySame(Math.sign)),
  floor: un(cx.floor, F.unarySame(Math.floor)),
  softplus: un(cx.softplus, F.unaryFloat(R.softplus)),
  logSigmoid: un(cx.logSigmoid, F.unaryFloat((v) => -R.softplus(-v))),
  relu: un(cx.relu, F.unarySame((v) => (Number.isNaN(v) ? NaN : Math.max(v, 0)))),
  cast: { args: [T, dtypeArg], call: (x, d) => cx.cast(x, d), ref: F.castRef },
  stopGradient: un(cx.stopGradient),
  clip: { args: [T, T, T], call: (x, a, b) => cx.clip(x, a, b), ref: F.clipRef },
  equal: bin(cx.equal, F.binary(both((a, b) => a === b), { result: 'bool' })),
  notEqual: bin(cx.notEqual, F.binary(both((a, b) => a !== b), { result: 'bool' })),
  less: bin(cx.less, F.binary(both((a, b) => a < b), { result: 'bool' })),
  lessEqual: bin(cx.lessEqual, F.binary(both((a, b) => a <= b), { result: 'bool' })),
  greater: bin(cx.greater, F.binary(both((a, b) => a > b), { result: 'bool' })),
  greaterEqual: bin(cx.greaterEqual, F.binary(both((a, b) => a >= b), { result: 'bool' })),
  logicalAnd: { args: [B, B], call: cx.logicalAnd, ref: F.binary(both((a, b) => a && b), { result: 'bool' }) },
  logicalOr: { args: [B, B], call: cx.logicalOr, ref: F.binary(both((a, b) => a || b), { result: 'bool' }) },
  logicalNot: un(cx.logicalNot, (x) => { const v = F.val(x); return { shape: v.a.shape, dtype: 'bool', data: v.a.data.map((q) => (q === 0 ? 1 : 0)) }; }),
  where: { args: [T, T, T], call: (c, x, y) => cx.where(c, x, y), ref: F.whereRef },
  isFinite: un(cx.isFinite, (x) => { const v = F.val(x); return { shape: v.a.shape, dtype: 'bool', data: v.a.data.map((q) => (Number.isFinite(q) ? 1 : 0)) }; }),
  sum: { args: [T, axesArg], call: (x, a) => cx.sum(x, a), ref: F.reduction('sum') },
  mean: { args: [T, axesArg], call: (x, a) => cx.mean(x, a), ref: F.reduction('mean') },
  max: { args: [T, axesArg], call: (x, a) => cx.max(x, a), ref: F.reduction('max') },
  min: { args: [T, axesArg], call: (x, a) => cx.min(x, a), ref: F.reduction('min') },
  argmax: { args: [T, axisArg], call: (x, a) => cx.argmax(x, a), ref: F.reduction('argmax') },
  argmin: { args: [T, axisArg], call: (x, a) => cx.argmin(x, a), ref: F.reduction('argmin') },
  logSumExp: { args: [T, axesArg], call: (x, a) => cx.logSumExp(x, a) },
  variance: { args: [T, axesArg], call: (x, a) => cx.variance(x, a) },
  std: { args: [T, axesArg], call: (x, a) => cx.std(x, a) },
  reshape: { args: [T, alsoValid(shapeArg, 'shape [-1,2]')], call: (x, s) => cx.reshape(x, s) },
  transpose: { args: [T, fc.oneof(axesArg, fc.constant({ value: undefined, valid: true, label: 'reverse' }))], call: (x, p) => cx.transpose(x, p) },
  moveAxis: { args: [T, axisArg, axisArg], call: (x, a, b) => cx.moveAxis(x, a, b) },
  expandDims: { args: [T, axisArg], call: (x, a) => cx.expandDims(x, a) },
  squeeze: { args: [T, axesArg], call: (x, a) => cx.squeeze(x, a) },
  flatten: un(cx.flatten),
  broadcastTo: { args: [T, shapeArg], call: (x, s) => cx.broadcastTo(x, s) },
  concat: { args: [tensorListArg, axisArg], call: (xs, a) => cx.concat(xs, a), ref: F.concatRef(false) },
  stack: { args: [tensorListArg, axisArg], call: (xs, a) => cx.stack(xs, a), ref: F.concatRef(true) },
  slice: { args: [T, alsoValid(shapeArg, 'shape [-1,2]'), fc.option(alsoValid(shapeArg, 'shape [-1,2]'), { nil: undefined }).map((a) => a ?? { value: undefined, valid: true, label: 'no sizes' })], call: (x, s, z) => cx.slice(x, s, z) },
  matmul: bin(cx.matmul, F.matmulRef),
  dot: bin(cx.dot, F.matmulRef),
  outer: bin(cx.outer),
  dotGeneral: { args: [T, T, fc.record({ c: fc.tuple(axesArg, axesArg), b: fc.option(fc.tuple(axesArg, axesArg), { nil: undefined }) }).map(({ c, b }) => ({ value: { contract: [c[0].value, c[1].value], batch: b && [b[0].value, b[1].value] }, valid: c.every((a) => a.valid && Array.isArray(a.value)) && (b ?? []).every((a) => a.valid && Array.isArray(a.value)), label: `contract ${c.map((a) => a.label)} batch ${b?.map((a) => a.label)}` }))], call: (x, y, d) => cx.dotGeneral(x, y, d) },
  take: { args: [T, indicesArg, axisArg], call: (x, i, a) => cx.take(x, i, a), ref: F.takeRef },
  oneHot: { args: [T, sizeArg], call: (l, n) => cx.oneHot(l, n) },
  softmax: { args: [T, axesArg], call: (x, a) => cx.softmax(x, a) },
  logSoftmax: { args: [T, axesArg], call: (x, a) => cx.logSoftmax(x, a) },
  conv: bin((x, w) => cx.conv(x, w, { padding: 'SAME' })),
  convTranspose: bin((x, w) => cx.convTranspose(x, w, { strides: 2, padding: 'SAME' })),
  maxPool: un((x) => cx.maxPool(x, 2, { padding: 'SAME' })),
  avgPool: un((x) => cx.avgPool(x, [2], { strides: 1 })),
  layerNorm: un((x) => cx.layerNorm(x)),
};

/** Exported functions that are not ops: transformations (transforms.test.ts), backends, lifetime. */
const NOT_OPS = new Set([
  'grad', 'valueAndGrad', 'vjp', 'jvp', 'linearize', 'linearTranspose', 'vmap', 'jacfwd', 'jacrev', 'hessian', 'makeJaxpr', 'evalJaxpr', 'jit',
  'customJvp', 'customVjp', 'scope', 'keep', 'setBackend', 'backendName', 'startWasmThreads', 'stopWasmThreads', 'enableWasmRelaxedSimd', 'initGpujs', 'disposeGpujs',
  'getBackend', 'registerBackend', 'setDefaultFloat', 'getDefaultFloat',
]);

describe('fuzz: every public op', () => {
  it('has a fuzz row for every exported function', () => {
    const fns = Object.entries(cx).filter(([k, v]) => typeof v === 'function' && !/^[A-Z]/.test(k)).map(([k]) => k);
    const missing = fns.filter((k) => !(k in OPS) && !NOT_OPS.has(k));
    expect(missing).toEqual([]);
    expect(Object.keys(OPS).filter((k) => !fns.includes(k))).toEqual([]);
  });

  for (const [name, row] of Object.entries(OPS)) {
    it(`${name}: a typed error naming it, or NumPy semantics`, () => {
      const tally = newTally();
      fc.assert(
        fc.property(fc.tuple(...(row.args as [fc.Arbitrary<Arg>])), (args: Arg[]) => {
          const vals = args.map((a) => a.value);
          runCase(name, args, () => row.call(...vals), tally, row.ref && (() => {
            try {
              return row.ref!(...vals);
            } catch {
              return undefined; // no reference for this combination (e.g. shapes that do not broadcast)
            }
          }), [name, ...(row.alsoNamed ?? [])]);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      if (row.total) expect(tally.typed).toBe(0);
      else expect(tally.typed).toBeGreaterThan(0);
      if (row.ref) expect(tally.checked).toBeGreaterThan(0);
    });
  }

  it('the property catches a silent wrong result and a generic error (not vacuous)', () => {
    const x = cx.tensor([1, 2]);
    const good = { value: x, valid: true, label: 'f32[2]' };
    const ref = () => F.unarySame((v) => -v)(x);
    expect(() => runCase('neg', [good], () => cx.neg(x), newTally(), ref)).not.toThrow();
    expect(() => runCase('neg', [good], () => x, newTally(), ref)).toThrow(/silent wrong result/);
    expect(() => runCase('neg', [good], () => cx.neg(x).cast('float64'), newTally(), ref)).toThrow(/silent wrong result/);
    expect(() => runCase('neg', [good], () => { throw new TypeError('x.map is not a function'); }, newTally())).toThrow(/generic TypeError/);
    expect(() => runCase('neg', [good], () => cx.exp([1] as never), newTally())).toThrow(/does not name the op/);
    expect(() => runCase('neg', [{ ...good, valid: false }], () => x, newTally())).toThrow(/accepted a bad argument/);
  });
});
