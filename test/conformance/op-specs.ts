/**
 * The conformance table: one row per public op over the primitives.
 *
 * Each row gives the op (`fn`, taking the tensor arguments and non-tensor parameters), an
 * arbitrary of valid cases (`args`: tensors plus parameters, in float64), a float64 JS
 * reference (`ref`), the derivative order to check (0 = no derivative checks, e.g. integer
 * outputs or stopGradient; 2 = smooth at the sampled points), the arguments in which the
 * op is linear (`linear`, checked with `linearTranspose`), and the output dtype.
 *
 * Domains keep the finite-difference checks meaningful: ops with kinks (abs, sign,
 * maximum, minimum, max, min) are sampled away from their kinks (non-zero values, or
 * pairwise-distinct values at least 6e-3 apart), and `std` only where the variance is
 * positive.
 */
import fc from 'fast-check';
import * as cx from '../../src/index.js';
import { tensor, type DType, type Tensor } from '../../src/index.js';
import { broadcastablePair, shape, tensorArb, type Domain, type ShapeOptions } from '../../src/testing/index.js';
import * as R from './ref.js';
import { CONV_SPECS } from '../ops/conv-specs.js';

/** One sampled case: the tensor arguments and the op's other parameters. */
export interface OpCase<P> {
  readonly args: readonly Tensor[];
  readonly params: P;
}

/** A row of the table. */
export interface OpSpec<P = any> {
  readonly name: string;
  readonly fn: (xs: readonly Tensor[], params: P) => Tensor;
  readonly args: fc.Arbitrary<OpCase<P>>;
  readonly ref: (xs: readonly R.Arr[], params: P) => R.Arr;
  readonly gradOrder: 0 | 1 | 2;
  readonly linear?: readonly number[];
  readonly outDtype?: (params: P) => DType;
  /**
   * Properties affected by a known core bug (id from the conformance report; each has a
   * deterministic `it.fails` regression test in known-bugs.test.ts). With `exclude`, only
   * the cases it matches (the exact points where the bug bites) are left out of the
   * property; without it, the property is skipped.
   */
  readonly knownBugs?: Partial<Record<PropertyName, KnownBug<P>>>;
}

/** A known core bug affecting one property of a row. */
export interface KnownBug<P> {
  readonly bug: string;
  readonly exclude?: (c: OpCase<P>) => boolean;
}

/** The per-row properties of ops.test.ts. */
export type PropertyName = 'value' | 'avals' | 'jvp' | 'vjp' | 'order2' | 'vmap' | 'vmap0' | 'vmapJvp' | 'linear';

const spec = <P>(s: OpSpec<P>): OpSpec => s as OpSpec;
const hasZero = (t: Tensor): boolean => t.toTypedArray().some((v) => v === 0);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const f64 = (sh: readonly number[], data: ArrayLike<number>): Tensor => tensor(Float64Array.from(data), { shape: sh, dtype: 'float64' });
const noParams = <T extends readonly Tensor[]>(args: fc.Arbitrary<T>): fc.Arbitrary<OpCase<null>> => args.map((a) => ({ args: a, params: null }));

/** Values in ±[0.25, 3]: away from the kinks of abs/sign and the pole of 1/x. */
function nonzero(sh: fc.Arbitrary<readonly number[]>): fc.Arbitrary<Tensor> {
  return sh.chain((s) => {
    const n = R.size(s);
    return fc
      .tuple(fc.array(fc.double({ min: 0.25, max: 3, noNaN: true }), { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
      .map(([m, neg]) => f64(s, m.map((v, i) => (neg[i] ? -v : v))));
  });
}

/** Tensors of the given shapes whose elements are all pairwise distinct (jointly). */
function distinctSplit(shapes: readonly (readonly number[])[], domain: Domain = 'real'): fc.Arbitrary<Tensor[]> {
  const n = shapes.reduce((s, sh) => s + R.size(sh), 0);
  return tensorArb({ shape: [n], domain, distinct: true }).map((t) => {
    const d = t.toTypedArray();
    let k = 0;
    return shapes.map((sh) => f64(sh, d.slice(k, (k += R.size(sh)))));
  });
}

function arbOf(domain: Domain | 'nonzero', sh: fc.Arbitrary<readonly number[]> = shape()): fc.Arbitrary<Tensor> {
  return domain === 'nonzero' ? nonzero(sh) : tensorArb({ shape: sh, domain });
}

function unary(name: string, fn: (x: Tensor) => Tensor, ref: (v: number) => number, domain: Domain | 'nonzero' = 'real', extra: Partial<OpSpec<null>> = {}): OpSpec {
  return spec<null>({ name, fn: ([x]) => fn(x!), args: noParams(fc.tuple(arbOf(domain))), ref: ([x]) => R.map(x!, ref), gradOrder: 2, ...extra });
}

function binary(
  name: string, fn: (x: Tensor, y: Tensor) => Tensor, ref: (a: number, b: number) => number,
  dx: Domain | 'nonzero', dy: Domain | 'nonzero', extra: Partial<OpSpec<null>> & { distinct?: boolean } = {},
): OpSpec {
  const { distinct, ...rest } = extra;
  const args = broadcastablePair().chain(([a, b]) => (distinct ? distinctSplit([a, b]) : fc.tuple(arbOf(dx, fc.constant(a)), arbOf(dy, fc.constant(b)))));
  return spec<null>({ name, fn: ([x, y]) => fn(x!, y!), args: noParams(args), ref: ([x, y]) => R.zipWith([x!, y!], ref), gradOrder: 2, ...rest });
}

// ---------------------------------------------------------------- reductions

interface RedParams { readonly axis: number | number[] | undefined; readonly keepDims: boolean }

/** `axis`: all (undefined), one axis (maybe negative), or a subset in random order. */
function axisArg(rank: number, nonEmpty = false): fc.Arbitrary<number | number[] | undefined> {
  const all = fc.constant(undefined);
  if (rank === 0) return nonEmpty ? all : fc.oneof(all, fc.constant([] as number[]));
  return fc.oneof(all, fc.integer({ min: -rank, max: rank - 1 }), fc.shuffledSubarray(range(rank), { minLength: nonEmpty ? 1 : 0 }));
}

function reduction(
  name: string, fn: (x: Tensor, o: { axis: number | number[] | undefined; keepDims: boolean }) => Tensor, ref: (vals: number[]) => number,
  opts: { shape?: ShapeOptions; distinct?: boolean; linear?: boolean } = {},
): OpSpec {
  const args = shape(opts.shape ?? {}).chain((s) =>
    fc.record({ x: tensorArb({ shape: s, distinct: opts.distinct ?? false }), axis: axisArg(s.length), keepDims: fc.boolean() }),
  );
  return spec<RedParams>({
    name,
    fn: ([x], p) => fn(x!, { axis: p.axis, keepDims: p.keepDims }),
    args: args.map(({ x, axis, keepDims }) => ({ args: [x], params: { axis, keepDims } })),
    ref: ([x], p) => R.reduce(x!, R.axesOf(p.axis, x!.shape.length), p.keepDims, ref),
    gradOrder: 2,
    ...(opts.linear ? { linear: [0] } : {}),
  });
}

interface VarParams extends RedParams { readonly ddof: number }

function varianceLike(name: string, fn: (x: Tensor, p: VarParams) => Tensor, post: (v: number) => number, std: boolean): OpSpec {
  const args = shape({ minDim: std ? 2 : 1, minRank: std ? 1 : 0, maxDim: 3 }).chain((s) =>
    fc.record({ x: tensorArb({ shape: s, distinct: true }), axis: axisArg(s.length, std), keepDims: fc.boolean(), ddof: fc.constantFrom(0, 1) }),
  );
  const count = (s: readonly number[], axis: number | number[] | undefined) => R.size(R.axesOf(axis, s.length).map((a) => s[a]!));
  return spec<VarParams>({
    name,
    fn: ([x], p) => fn(x!, p),
    args: args.map(({ x, axis, keepDims, ddof }) => ({ args: [x], params: { axis, keepDims, ddof: count(x.shape, axis) >= 2 ? ddof : 0 } })),
    ref: ([x], p) =>
      R.reduce(x!, R.axesOf(p.axis, x!.shape.length), p.keepDims, (v) => {
        const m = R.sumOf(v) / v.length;
        return post(R.sumOf(v.map((e) => (e - m) ** 2)) / (v.length - p.ddof));
      }),
    gradOrder: 2,
  });
}

function softmaxLike(name: string, fn: (x: Tensor, axis: number) => Tensor, log: boolean): OpSpec {
  const args = shape({ minRank: 1, minDim: 1 }).chain((s) => fc.record({ x: tensorArb({ shape: s }), axis: fc.integer({ min: -s.length, max: s.length - 1 }) }));
  return spec<number>({
    name,
    fn: ([x], axis) => fn(x!, axis),
    args: args.map(({ x, axis }) => ({ args: [x], params: axis })),
    ref: ([x], axis) => {
      const ax = axis < 0 ? axis + x!.shape.length : axis;
      const lse = R.reduce(x!, [ax], true, R.logSumExp);
      return R.zipWith([x!, lse], (v, l) => (log ? v - l : Math.exp(v - l)));
    },
    gradOrder: 2,
  });
}

// ---------------------------------------------------------------- products

interface DGParams { readonly lc: number[]; readonly rc: number[]; readonly lb: number[]; readonly rb: number[] }

const dims = (n: number) => fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n });

const dotGeneralArgs: fc.Arbitrary<OpCase<DGParams>> = fc
  .record({ b: fc.integer({ min: 0, max: 2 }).chain(dims), c: fc.integer({ min: 0, max: 2 }).chain(dims), l: fc.integer({ min: 0, max: 1 }).chain(dims), r: fc.integer({ min: 0, max: 1 }).chain(dims) })
  .chain(({ b, c, l, r }) => {
    const roles = (free: number[]) => [...b.map((d, i) => ['b', i, d] as const), ...c.map((d, i) => ['c', i, d] as const), ...free.map((d, i) => ['f', i, d] as const)];
    const lhsRoles = roles(l), rhsRoles = roles(r);
    return fc.tuple(fc.shuffledSubarray(lhsRoles, { minLength: lhsRoles.length }), fc.shuffledSubarray(rhsRoles, { minLength: rhsRoles.length })).chain(([lo, ro]) => {
      const pos = (order: typeof lo, kind: 'b' | 'c', n: number) => range(n).map((i) => order.findIndex(([k, j]) => k === kind && j === i));
      const params: DGParams = { lb: pos(lo, 'b', b.length), rb: pos(ro, 'b', b.length), lc: pos(lo, 'c', c.length), rc: pos(ro, 'c', c.length) };
      return fc.tuple(tensorArb({ shape: lo.map(([, , d]) => d) }), tensorArb({ shape: ro.map(([, , d]) => d) })).map(([x, y]) => ({ args: [x, y], params }));
    });
  });

/** matmul operands: batched (broadcasting) matrices, or 1-D on either side. */
const matmulArgs: fc.Arbitrary<OpCase<null>> = fc
  .record({ batch: broadcastablePair({ maxRank: 2, maxDim: 3 }), m: fc.integer({ min: 0, max: 3 }), k: fc.integer({ min: 0, max: 3 }), n: fc.integer({ min: 0, max: 3 }), vec: fc.constantFrom('none', 'none', 'lhs', 'rhs', 'both') })
  .chain(({ batch: [ba, bb], m, k, n, vec }) => {
    const a = vec === 'lhs' || vec === 'both' ? [k] : [...ba, m, k];
    const b = vec === 'rhs' || vec === 'both' ? [k] : [...bb, k, n];
    return noParams(fc.tuple(tensorArb({ shape: a }), tensorArb({ shape: b })));
  });

const dotArgs: fc.Arbitrary<OpCase<null>> = fc
  .record({ m: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 0, max: 4 }), vec: fc.constantFrom('both', 'both', 'lhs', 'rhs') })
  .chain(({ m, k, vec }) => noParams(fc.tuple(tensorArb({ shape: vec === 'rhs' ? [m, k] : [k] }), tensorArb({ shape: vec === 'lhs' ? [k, m] : [k] }))));

// ---------------------------------------------------------------- shapes

/** A target shape with the same size: the dims regrouped, shuffled, with 1s added or removed, and maybe one -1. */
const reshapeArgs: fc.Arbitrary<OpCase<number[]>> = shape().chain((s) => {
  const n = R.size(s);
  const factors = s.flatMap((d) => (d === 4 ? [2, 2] : [d])).filter((d) => d !== 1);
  return fc
    .record({ order: fc.shuffledSubarray(factors, { minLength: factors.length }), ones: fc.integer({ min: 0, max: 2 }), merge: fc.boolean(), infer: fc.boolean(), x: tensorArb({ shape: s }) })
    .map(({ order, ones, merge, infer, x }) => {
      let target = [...order];
      if (merge && target.length >= 2) target = [target[0]! * target[1]!, ...target.slice(2)];
      target = [...target, ...new Array<number>(ones).fill(1)];
      if (target.length === 0 && n !== 1) target = [n];
      if (infer && n > 0 && target.length > 0) target[0] = -1;
      return { args: [x], params: target };
    });
});

const withTarget = (shp: readonly number[], target: readonly number[]): number[] => {
  const i = target.indexOf(-1);
  if (i < 0) return [...target];
  const rest = R.size(target.filter((_, j) => j !== i));
  return target.map((d) => (d === -1 ? R.size(shp) / rest : d));
};

const squeezeArgs = shape({ maxDim: 3 }).chain((s) => {
  const ones = range(s.length).filter((i) => s[i] === 1);
  const axis = ones.length ? fc.oneof(fc.constant(undefined), fc.constantFrom(...ones), fc.shuffledSubarray(ones)) : fc.constant(undefined);
  return fc.record({ x: tensorArb({ shape: s }), axis }).map(({ x, axis: a }) => ({ args: [x], params: a as number | number[] | undefined }));
});

const concatArgs = fc
  .record({ base: shape({ minRank: 1, maxDim: 3 }), k: fc.integer({ min: 1, max: 3 }) })
  .chain(({ base, k }) =>
    fc.integer({ min: -base.length, max: base.length - 1 }).chain((axis) => {
      const ax = axis < 0 ? axis + base.length : axis;
      return fc.array(fc.integer({ min: 0, max: 3 }), { minLength: k, maxLength: k }).chain((sizes) =>
        fc.tuple(...sizes.map((d) => tensorArb({ shape: base.map((b, i) => (i === ax ? d : b)) }))).map((xs) => ({ args: xs, params: axis })),
      );
    }),
  );

const stackArgs = fc
  .record({ s: shape({ maxDim: 3 }), k: fc.integer({ min: 1, max: 3 }) })
  .chain(({ s, k }) => fc.record({ xs: fc.array(tensorArb({ shape: s }), { minLength: k, maxLength: k }), axis: fc.integer({ min: -(s.length + 1), max: s.length }) }))
  .map(({ xs, axis }) => ({ args: xs, params: axis }));

interface SliceParams { readonly starts: number[]; readonly sizes: number[] | undefined }

const sliceArgs = shape({ maxDim: 4 }).chain((s) =>
  fc.record({
    x: tensorArb({ shape: s }),
    win: fc.tuple(...s.map((d) => fc.integer({ min: 0, max: d }).chain((st) => fc.record({ st: fc.constant(st), sz: fc.integer({ min: 0, max: d - st }), neg: fc.boolean(), toEnd: fc.boolean() })))),
    nStarts: fc.integer({ min: 0, max: s.length }),
    withSizes: fc.boolean(),
  }).map(({ x, win, nStarts, withSizes }) => {
    const w = win.slice(0, nStarts);
    const starts = w.map((v, i) => (v.neg && v.st > 0 ? v.st - s[i]! : v.st));
    const sizes = withSizes ? w.map((v) => (v.toEnd ? -1 : v.sz)) : undefined;
    return { args: [x], params: { starts, sizes } as SliceParams };
  }),
);

const sliceWindow = (shp: readonly number[], p: SliceParams): [number[], number[]] => {
  const st = shp.map((d, i) => (i < p.starts.length ? (p.starts[i]! < 0 ? p.starts[i]! + d : p.starts[i]!) : 0));
  const sz = shp.map((d, i) => {
    const v = p.sizes && i < p.sizes.length ? p.sizes[i]! : -1;
    return v === -1 ? d - st[i]! : v;
  });
  return [st, sz];
};

const takeArgs = shape({ minRank: 1, maxRank: 2, maxDim: 3 }).chain((s) =>
  fc.integer({ min: -s.length, max: s.length - 1 }).chain((axis) => {
    const ax = axis < 0 ? axis + s.length : axis;
    const xs = s.map((d, i) => (i === ax ? Math.max(d, 1) : d));
    const n = xs[ax]!;
    return fc
      .record({ x: tensorArb({ shape: xs }), idx: tensorArb({ shape: shape({ maxRank: 2, maxDim: 3 }), dtype: 'int32', domain: [-n - 1, n] }) })
      .map(({ x, idx }) => ({ args: [x, idx], params: axis }));
  }),
);

const oneHotArgs = fc.integer({ min: 1, max: 4 }).chain((depth) =>
  tensorArb({ dtype: 'int32', domain: [-1, depth] }).map((labels) => ({ args: [labels], params: depth })),
);

const CAST_TARGETS: readonly DType[] = ['float64', 'float32', 'int32', 'bool'];
const castRef = (dt: DType) => (v: number): number => (dt === 'float32' ? Math.fround(v) : dt === 'int32' ? Math.trunc(v) : dt === 'bool' ? Number(v !== 0) : v);

const whereArgs = broadcastablePair().chain(([a, b]) =>
  fc.constantFrom(a, b, [] as number[]).chain((c) => fc.tuple(tensorArb({ shape: c, dtype: 'bool' }), tensorArb({ shape: a }), tensorArb({ shape: b }))),
);

// ---------------------------------------------------------------- the table

export const OP_SPECS: readonly OpSpec[] = [
  binary('add', cx.add, (a, b) => a + b, 'real', 'real', { linear: [0, 1] }),
  binary('sub', cx.sub, (a, b) => a - b, 'real', 'real', { linear: [0, 1] }),
  binary('mul', cx.mul, (a, b) => a * b, 'real', 'real', { linear: [0, 1] }),
  binary('div', cx.div, (a, b) => a / b, 'real', 'nonzero', { linear: [0] }),
  // B4: ∂²(xʸ)/∂x∂y is 0 instead of 1/x where y = 0.
  binary('pow', cx.pow, (a, b) => a ** b, 'positive', [-2, 2]),
  binary('maximum', cx.maximum, Math.max, 'real', 'real', { distinct: true }),
  binary('minimum', cx.minimum, Math.min, 'real', 'real', { distinct: true }),
  unary('neg', cx.neg, (v) => -v, 'real', { linear: [0] }),
  unary('square', cx.square, (v) => v * v),
  unary('sqrt', cx.sqrt, Math.sqrt, 'positive'),
  unary('exp', cx.exp, Math.exp),
  unary('log', cx.log, Math.log, 'positive'),
  unary('log1p', cx.log1p, Math.log1p, [-0.5, 3]),
  unary('expm1', cx.expm1, Math.expm1),
  unary('tanh', cx.tanh, Math.tanh),
  unary('sigmoid', cx.sigmoid, R.sigmoid),
  // B3: softplus''(0) is 0 instead of 1/4 (fast-check samples exact zeros often).
  unary('softplus', cx.softplus, R.softplus, 'real'),
  unary('abs', cx.abs, Math.abs, 'nonzero'),
  unary('sign', cx.sign, Math.sign, 'nonzero'),
  unary('sin', cx.sin, Math.sin),
  unary('cos', cx.cos, Math.cos),
  spec<null>({
    name: 'where',
    fn: ([c, x, y]) => cx.where(c!, x!, y!),
    args: noParams(whereArgs),
    ref: ([c, x, y]) => R.zipWith([c!, x!, y!], (cv, a, b) => (cv ? a : b)),
    gradOrder: 2,
    linear: [1, 2],
  }),

  // Comparisons: small integer values (cast to float64) so that ties, hence `equal`, occur often.
  ...(['equal', 'less', 'greater'] as const).map((name) => {
    const fn = { equal: cx.equal, less: cx.less, greater: cx.greater }[name];
    const ref = { equal: (a: number, b: number) => Number(a === b), less: (a: number, b: number) => Number(a < b), greater: (a: number, b: number) => Number(a > b) }[name];
    const small = (sh: readonly number[]) => tensorArb({ shape: sh, domain: [-2, 2], dtype: 'int32' }).map((t) => cx.cast(t, 'float64'));
    return spec<null>({
      name, fn: ([x, y]) => fn(x!, y!), args: noParams(broadcastablePair().chain(([a, b]) => fc.tuple(small(a), small(b)))),
      ref: ([x, y]) => R.zipWith([x!, y!], ref), gradOrder: 0, outDtype: () => 'bool',
    });
  }),

  reduction('sum', cx.sum, R.sumOf, { linear: true }),
  reduction('mean', cx.mean, (v) => R.sumOf(v) / v.length, { shape: { minDim: 1 }, linear: true }),
  reduction('max', cx.max, (v) => Math.max(...v), { shape: { minDim: 1 }, distinct: true }),
  reduction('min', cx.min, (v) => Math.min(...v), { shape: { minDim: 1 }, distinct: true }),
  reduction('logSumExp', cx.logSumExp, R.logSumExp, { shape: { minDim: 1 } }),
  varianceLike('variance', (x, p) => cx.variance(x, { axis: p.axis, keepDims: p.keepDims }, p.ddof), (v) => v, false),
  varianceLike('std', (x, p) => cx.std(x, { axis: p.axis, keepDims: p.keepDims }, p.ddof), Math.sqrt, true),
  spec<{ axis: number | undefined; keepDims: boolean }>({
    name: 'argmax',
    fn: ([x], p) => cx.argmax(x!, p.axis, p.keepDims),
    args: shape({ minDim: 1 }).chain((s) =>
      fc.record({ x: tensorArb({ shape: s, domain: [-2, 2], dtype: 'int32' }).map((t) => cx.cast(t, 'float64')), axis: s.length ? fc.option(fc.integer({ min: -s.length, max: s.length - 1 }), { nil: undefined }) : fc.constant(undefined), keepDims: fc.boolean() }),
    ).map(({ x, axis, keepDims }) => ({ args: [x], params: { axis, keepDims: axis === undefined ? false : keepDims } })),
    ref: ([x], p) => {
      const first = (v: number[]) => v.indexOf(Math.max(...v));
      return p.axis === undefined ? R.arr([], [first(Array.from(x!.data))]) : R.reduce(x!, R.axesOf(p.axis, x!.shape.length), p.keepDims, first);
    },
    gradOrder: 0,
    outDtype: () => 'int32',
  }),

  softmaxLike('softmax', cx.softmax, false),
  softmaxLike('logSoftmax', cx.logSoftmax, true),

  spec<null>({ name: 'matmul', fn: ([x, y]) => cx.matmul(x!, y!), args: matmulArgs, ref: ([x, y]) => R.matmul(x!, y!), gradOrder: 2, linear: [0, 1] }),
  spec<null>({ name: 'dot', fn: ([x, y]) => cx.dot(x!, y!), args: dotArgs, ref: ([x, y]) => R.matmul(x!, y!), gradOrder: 2, linear: [0, 1] }),
  spec<null>({
    name: 'outer',
    fn: ([x, y]) => cx.outer(x!, y!),
    args: noParams(fc.tuple(tensorArb({ shape: shape({ maxRank: 2 }) }), tensorArb({ shape: shape({ maxRank: 2 }) }))),
    ref: ([x, y]) => R.build([x!.data.length, y!.data.length], ([i, j]) => x!.data[i!]! * y!.data[j!]!),
    gradOrder: 2,
    linear: [0, 1],
  }),
  spec<DGParams>({
    name: 'dotGeneral',
    fn: ([x, y], p) => cx.dotGeneral(x!, y!, { contract: [p.lc, p.rc], batch: [p.lb, p.rb] }),
    args: dotGeneralArgs,
    ref: ([x, y], p) => R.dotGeneral(x!, y!, p),
    gradOrder: 2,
    linear: [0, 1],
  }),

  spec<number[]>({ name: 'reshape', fn: ([x], s) => cx.reshape(x!, s), args: reshapeArgs, ref: ([x], s) => R.reshape(x!, withTarget(x!.shape, s)), gradOrder: 2, linear: [0] }),
  spec<number[] | undefined>({
    name: 'transpose',
    fn: ([x], perm) => cx.transpose(x!, perm),
    args: shape().chain((s) => fc.record({ x: tensorArb({ shape: s }), perm: fc.option(fc.shuffledSubarray(range(s.length), { minLength: s.length }), { nil: undefined }) })).map(({ x, perm }) => ({ args: [x], params: perm })),
    ref: ([x], perm) => R.transpose(x!, perm ?? range(x!.shape.length).reverse()),
    gradOrder: 2,
    linear: [0],
  }),
  spec<number>({
    name: 'expandDims',
    fn: ([x], axis) => cx.expandDims(x!, axis),
    args: shape().chain((s) => fc.record({ x: tensorArb({ shape: s }), axis: fc.integer({ min: -(s.length + 1), max: s.length }) })).map(({ x, axis }) => ({ args: [x], params: axis })),
    ref: ([x], axis) => {
      const sh = [...x!.shape];
      sh.splice(axis < 0 ? axis + sh.length + 1 : axis, 0, 1);
      return R.reshape(x!, sh);
    },
    gradOrder: 2,
    linear: [0],
  }),
  spec<number | number[] | undefined>({
    name: 'squeeze',
    fn: ([x], axis) => cx.squeeze(x!, axis),
    args: squeezeArgs,
    ref: ([x], axis) => {
      const axes = axis === undefined ? range(x!.shape.length).filter((i) => x!.shape[i] === 1) : R.axesOf(axis, x!.shape.length);
      return R.reshape(x!, x!.shape.filter((_, i) => !axes.includes(i)));
    },
    gradOrder: 2,
    linear: [0],
  }),
  spec<number[]>({
    name: 'broadcastTo',
    fn: ([x], s) => cx.broadcastTo(x!, s),
    args: broadcastablePair().chain(([a, b]) => tensorArb({ shape: a }).map((x) => ({ args: [x], params: R.broadcastShapes(a, b) }))),
    ref: ([x], s) => R.broadcastTo(x!, s),
    gradOrder: 2,
    linear: [0],
  }),
  spec<number>({
    name: 'concat',
    fn: (xs, axis) => cx.concat(xs, axis),
    args: concatArgs,
    ref: (xs, axis) => R.concat(xs, axis < 0 ? axis + xs[0]!.shape.length : axis),
    gradOrder: 2,
    linear: [0, 1, 2],
  }),
  spec<number>({
    name: 'stack',
    fn: (xs, axis) => cx.stack(xs, axis),
    args: stackArgs,
    ref: (xs, axis) => {
      const r = xs[0]!.shape.length;
      const ax = axis < 0 ? axis + r + 1 : axis;
      return R.concat(xs.map((x) => R.reshape(x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)])), ax);
    },
    gradOrder: 2,
    linear: [0, 1, 2],
  }),
  spec<SliceParams>({
    name: 'slice',
    fn: ([x], p) => cx.slice(x!, p.starts, p.sizes),
    args: sliceArgs,
    ref: ([x], p) => R.slice(x!, ...sliceWindow(x!.shape, p)),
    gradOrder: 2,
    linear: [0],
  }),
  spec<number>({
    name: 'take',
    fn: ([x, i], axis) => cx.take(x!, i!, axis),
    args: takeArgs,
    ref: ([x, i], axis) => R.take(x!, i!, axis < 0 ? axis + x!.shape.length : axis),
    gradOrder: 2,
    linear: [0],
  }),
  spec<number>({
    name: 'oneHot',
    fn: ([l], depth) => cx.oneHot(l!, depth, 'float64'),
    args: oneHotArgs,
    ref: ([l], depth) => R.build([...l!.shape, depth], (idx) => Number(R.get(l!, idx.slice(0, -1)) === idx[idx.length - 1])),
    gradOrder: 0,
  }),
  spec<DType>({
    name: 'cast',
    fn: ([x], dt) => cx.cast(x!, dt),
    args: fc.record({ x: tensorArb(), dt: fc.constantFrom(...CAST_TARGETS) }).map(({ x, dt }) => ({ args: [x], params: dt })),
    ref: ([x], dt) => R.map(x!, castRef(dt)),
    gradOrder: 2,
    linear: [0],
    outDtype: (dt) => dt,
  }),
  spec<null>({ name: 'stopGradient', fn: ([x]) => cx.stopGradient(x!), args: noParams(fc.tuple(tensorArb())), ref: ([x]) => x!, gradOrder: 0 }),
  ...CONV_SPECS,
];
