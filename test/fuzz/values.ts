/**
 * Generators of good and bad arguments for the fuzz suite. Every generated value carries
 * `valid`: whether a NumPy/JAX user would expect the call to succeed with it. Bad values cover
 * fractional, NaN, infinite, out-of-range and string axes/sizes/indices, non-tensors (JS arrays,
 * typed arrays, strings, objects, booleans), disposed tensors, unknown dtypes, and tensors that
 * are empty or hold non-finite values.
 */
import fc from 'fast-check';
import { tensor, type DType, type Tensor } from '../../src/index.js';

/** A generated argument with its validity (a valid argument may still be rejected for its combination with others). */
export interface Arg {
  readonly value: unknown;
  readonly valid: boolean;
  /** Printed in counterexamples. */
  readonly label: string;
}

const good = (value: unknown, label: string): Arg => ({ value, valid: true, label });
const bad = (value: unknown, label: string): Arg => ({ value, valid: false, label });

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

const dim = fc.integer({ min: 0, max: 3 });
export const goodShape = fc.array(dim, { minLength: 0, maxLength: 3 });

const special = [NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 3e38, -2.5];

/** Element values for a dtype: integers for int32, 0/1 for bool, and non-finite values for floats. */
function valuesFor(dtype: DType, n: number): fc.Arbitrary<number[]> {
  const v = dtype === 'bool' ? fc.integer({ min: 0, max: 1 })
    : dtype === 'int32' ? fc.integer({ min: -5, max: 5 })
      : fc.oneof({ weight: 3, arbitrary: fc.integer({ min: -4, max: 4 }).map((k) => k / 2) }, { weight: 1, arbitrary: fc.constantFrom(...special) });
  return fc.array(v, { minLength: n, maxLength: n });
}

/** A concrete tensor of a given shape and dtype. */
export function tensorOf(shape: readonly number[], dtype?: DType): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return (dtype ? fc.constant(dtype) : fc.constantFrom(...DTYPES)).chain((dt) =>
    valuesFor(dt, n).map((vals) => tensor(vals, { shape: [...shape], dtype: dt })));
}

/** Valid tensors: any small shape (empty axes and scalars included) and dtype. */
export const goodTensor: fc.Arbitrary<Tensor> = goodShape.chain((s) => tensorOf(s));

/** Bad tensor-like values: what a user might pass by mistake. */
export const badTensorLike: fc.Arbitrary<Arg> = fc.oneof(
  fc.constant(bad([1, 2, 3], 'JS array')),
  fc.constant(bad([[1, 2], [3, 4]], 'nested JS array')),
  fc.constant(bad(new Float32Array([1, 2]), 'Float32Array')),
  fc.constant(bad('x', 'string')),
  fc.constant(bad(null, 'null')),
  fc.constant(bad(undefined, 'undefined')),
  fc.constant(bad({ data: [1] }, 'plain object')),
  fc.constant(bad(new Map(), 'Map')),
  fc.constant(bad(() => 1, 'function')),
  goodShape.chain((s) => tensorOf(s)).map((t) => {
    t.dispose();
    return bad(t, `disposed ${t.aval.toString()}`);
  }),
);

/** A tensor argument: mostly valid tensors, sometimes a JS number, sometimes a bad value. */
export const tensorArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 6, arbitrary: goodTensor.map((t) => good(t, t.aval.toString())) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1.5, -2, NaN).map((v) => good(v, `number ${v}`)) },
  { weight: 2, arbitrary: badTensorLike },
);

/** A tensor argument restricted to a shape (for ops whose operands must agree). */
export const tensorArgLike = (shape: readonly number[]): fc.Arbitrary<Arg> => fc.oneof(
  { weight: 6, arbitrary: tensorOf(shape).map((t) => good(t, t.aval.toString())) },
  { weight: 1, arbitrary: tensorArg },
);

const badInts: readonly unknown[] = [0.5, -1.5, NaN, Infinity, -Infinity, '1', null, true, {}, [1], 1e12];

/** One axis (any rank up to 3 is in range for some inputs) or a bad value. */
export const axisArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -4, max: 4 }).map((a) => good(a, `axis ${a}`)) },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }).map((a) => good({ axis: a }, `{ axis: ${a} }`)) },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }).map((a) => good([a], `[${a}]`)) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, {}).map((v) => good(v, `axis ${String(JSON.stringify(v))} (the default)`)) },
  { weight: 3, arbitrary: fc.constantFrom(0.5, -1.5, NaN, Infinity, -Infinity, '1', true, 1e12, '0', { axes: 0 }, { axis: 'a' }, [0.5], [NaN]).map((v) => bad(v, `axis ${String(JSON.stringify(v))}`)) },
);

/** Several axes (reductions) or a bad value. */
export const axesArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 2, arbitrary: axisArg },
  { weight: 2, arbitrary: fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }).map((a) => good(a, `[${a}]`)) },
  { weight: 2, arbitrary: fc.tuple(fc.option(fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 2 }), { nil: undefined }), fc.boolean()).map(([axis, keepDims]) => good({ axis, keepDims }, `{ axis: [${axis}], keepDims: ${keepDims} }`)) },
  { weight: 1, arbitrary: fc.constantFrom({ keepDims: 'yes' }, [0, 0], { axis: [1, 1] }).map((v) => bad(v, `axes ${JSON.stringify(v)}`)) },
);

/** A size/count argument (non-negative integer) or a bad value. */
export const sizeArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }).map((n) => good(n, `size ${n}`)) },
  { weight: 2, arbitrary: fc.constantFrom(...badInts, -1, -3, 2.5).map((v) => bad(v, `size ${String(JSON.stringify(v))}`)) },
);

/** A shape argument or a bad value. */
export const shapeArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: goodShape.map((s) => good(s, `shape [${s}]`)) },
  { weight: 2, arbitrary: fc.constantFrom([2, 2.5], [-1, 2], [NaN], [Infinity], ['2'], 3, '3', null, [1e6, 1e6]).map((v) => bad(v, `shape ${String(JSON.stringify(v))}`)) },
);

/** A dtype argument or a bad value. */
export const dtypeArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DTYPES).map((d) => good(d, d)) },
  { weight: 1, arbitrary: fc.constantFrom('float16', 'int64', 3, { dtype: 'float32' }, null).map((v) => bad(v, `dtype ${JSON.stringify(v)}`)) },
);

/** A JS scalar argument (finite, non-finite, or not a number at all). */
export const numberArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 1, -2, 0.5, 3).map((v) => good(v, `${v}`)) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity).map((v) => good(v, `${v}`)) },
  { weight: 1, arbitrary: fc.constantFrom('1', null, [1], {}).map((v) => bad(v, `number ${JSON.stringify(v)}`)) },
);

/** Index arguments for `take`. */
export const indicesArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }).map((v) => good(v, `indices [${v}]`)) },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }).map((v) => good(v, `index ${v}`)) },
  { weight: 1, arbitrary: goodShape.chain((s) => tensorOf(s, 'int32')).map((t) => good(t, `indices ${t.aval.toString()}`)) },
  { weight: 2, arbitrary: fc.constantFrom([1.5], [NaN], [Infinity], 2.5, '1', [['a']], null, [2 ** 40]).map((v) => bad(v, `indices ${String(JSON.stringify(v))}`)) },
  { weight: 1, arbitrary: goodShape.chain((s) => tensorOf(s, 'float32')).map((t) => bad(t, `indices ${t.aval.toString()}`)) },
);

/** A list of tensor arguments (concat/stack), or a non-list. */
export const tensorListArg: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(goodShape, fc.integer({ min: 1, max: 3 })).chain(([s, n]) => fc.array(tensorOf(s), { minLength: n, maxLength: n })).map((ts) => good(ts, `[${ts.map((t) => t.aval.toString())}]`)) },
  { weight: 2, arbitrary: fc.array(tensorArg, { minLength: 0, maxLength: 3 }).map((as) => ({ value: as.map((a) => a.value), valid: as.length > 0 && as.every((a) => a.valid), label: `[${as.map((a) => a.label)}]` })) },
  { weight: 1, arbitrary: tensorArg.map((a) => bad(a.value, `not a list: ${a.label}`)) },
);
