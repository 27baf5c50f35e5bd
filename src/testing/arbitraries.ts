/**
 * fast-check arbitraries for property tests: shapes, broadcastable shape pairs, tensors on
 * a domain, pytrees, and batched arguments for `vmap` checks.
 *
 * Keep sizes small: these drive properties, not stress tests. Every arbitrary shrinks
 * towards small shapes and values near the low end of the domain.
 * @module
 */
import fc from 'fast-check';
import { tensor } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type * as tree from '../tree/index.js';
import { prng, splitAt } from './_util.js';

/**
 * Options of {@link shape}.
 * @example
 * ```ts
 * shape({ maxRank: 2, minDim: 1 }); // non-empty shapes of rank ≤ 2
 * ```
 */
export interface ShapeOptions {
  /** Smallest rank. @defaultValue 0 */
  readonly minRank?: number | undefined;
  /** Largest rank. @defaultValue 3 */
  readonly maxRank?: number | undefined;
  /** Smallest axis size (0 allows empty tensors). @defaultValue 0 */
  readonly minDim?: number | undefined;
  /** Largest axis size. @defaultValue 4 */
  readonly maxDim?: number | undefined;
}

/**
 * Arbitrary tensor shapes, including scalars and 0- and 1-sized axes.
 * @param options - rank and axis-size bounds.
 * @returns an arbitrary of shapes (`number[]`).
 * @example
 * ```ts
 * fc.assert(fc.property(shape({ maxRank: 2 }), (s) => s.length <= 2));
 * ```
 */
export function shape(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 3, minDim = 0, maxDim = 4 } = options;
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * Pairs of shapes that broadcast together (NumPy rules): each is a suffix of a common
 * shape with some axes replaced by 1.
 * @param options - bounds for the common (broadcast) shape.
 * @returns an arbitrary of `[shapeA, shapeB]`.
 * @example
 * ```ts
 * fc.assert(fc.property(broadcastablePair(), ([a, b]) => add(zeros(a), zeros(b)) !== undefined));
 * ```
 */
export function broadcastablePair(options: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  const operand = (out: readonly number[]): fc.Arbitrary<number[]> => {
    const n = out.length;
    return fc
      .tuple(fc.integer({ min: 0, max: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
      .map(([rank, ones]) => out.slice(n - rank).map((d, i) => (ones[n - rank + i] ? 1 : d)));
  };
  return shape(options).chain((out) => fc.tuple(operand(out), operand(out)));
}

/**
 * Value domains of {@link tensorArb}:
 * ```text
 * 'real'     [-3, 3]
 * 'positive' [0.25, 4]      (log, sqrt, pow bases: away from 0 so finite differences are accurate)
 * 'unit'     [-0.9, 0.9]    (inside (-1, 1), e.g. for atanh-like functions)
 * [lo, hi]   a closed interval
 * ```
 * Integer dtypes draw the integers in the interval; bool ignores it.
 * @example
 * ```ts
 * tensorArb({ domain: [-1, 1] });
 * tensorArb({ domain: 'positive' }); // for log, sqrt
 * ```
 */
export type Domain = 'real' | 'positive' | 'unit' | readonly [number, number];

/** @internal Interval of a domain. */
export function domainBounds(domain: Domain): [number, number] {
  if (domain === 'real') return [-3, 3];
  if (domain === 'positive') return [0.25, 4];
  if (domain === 'unit') return [-0.9, 0.9];
  return [domain[0], domain[1]];
}

/**
 * Options of {@link tensorArb}.
 * @example
 * ```ts
 * tensorArb({ shape: [3], dtype: 'float32', domain: 'positive', distinct: true });
 * ```
 */
export interface TensorArbOptions {
  /** A fixed shape or an arbitrary of shapes. @defaultValue `shape()` */
  readonly shape?: readonly number[] | fc.Arbitrary<readonly number[]> | undefined;
  /** Element type. @defaultValue 'float64' */
  readonly dtype?: DType | undefined;
  /** Value domain. @defaultValue 'real' */
  readonly domain?: Domain | undefined;
  /**
   * Make all elements pairwise distinct: floats are drawn from 1001 evenly spaced points of
   * the domain (so ties, e.g. for `max`, are at least (hi − lo)/1000 apart), integers without
   * repetition. @defaultValue false
   */
  readonly distinct?: boolean | undefined;
}

function elements(n: number, dtype: DType, lo: number, hi: number, distinct: boolean): fc.Arbitrary<number[]> {
  if (dtype === 'bool') return fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((bs) => bs.map(Number));
  if (dtype === 'int32') {
    const a = fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) });
    return distinct ? fc.uniqueArray(a, { minLength: n, maxLength: n }) : fc.array(a, { minLength: n, maxLength: n });
  }
  if (distinct) {
    if (n > 1001) throw new RangeError(`tensorArb: cannot draw ${n} distinct values from a 1001-point grid`);
    return fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: n, maxLength: n }).map((ks) => ks.map((k) => lo + ((hi - lo) * k) / 1000));
  }
  return fc.array(fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
}

/**
 * Arbitrary tensors with a given (or arbitrary) shape, dtype and value domain.
 * float32 values are rounded to float32; the data is freshly allocated for every sample.
 * @param options - `shape`, `dtype`, `domain`, `distinct`.
 * @returns an arbitrary of tensors.
 * @example
 * ```ts
 * fc.assert(fc.property(tensorArb({ domain: 'positive' }), (x) => log(x).shape.length === x.ndim));
 * ```
 */
export function tensorArb(options: TensorArbOptions = {}): fc.Arbitrary<Tensor> {
  const dtype = options.dtype ?? 'float64';
  const [lo, hi] = domainBounds(options.domain ?? 'real');
  const distinct = options.distinct ?? false;
  const s = options.shape ?? shape();
  const shapes: fc.Arbitrary<readonly number[]> = Array.isArray(s) ? fc.constant(s as readonly number[]) : (s as fc.Arbitrary<readonly number[]>);
  return shapes.chain((sh) => {
    const n = sh.reduce((a, b) => a * b, 1);
    return elements(n, dtype, lo, hi, distinct).map((vals) => {
      const data = dtype === 'float32' ? Float64Array.from(vals, Math.fround) : Float64Array.from(vals);
      return tensor(data, { shape: sh, dtype });
    });
  });
}

/**
 * Options of {@link pytreeOf}.
 * @example
 * ```ts
 * pytreeOf(tensorArb(), { maxDepth: 1, maxChildren: 2 });
 * ```
 */
export interface PytreeOptions {
  /** Maximum nesting depth (0 gives a bare leaf). @defaultValue 2 */
  readonly maxDepth?: number | undefined;
  /** Maximum number of children of an array or object node. @defaultValue 3 */
  readonly maxChildren?: number | undefined;
}

/**
 * Arbitrary pytrees (nested arrays and plain objects) with leaves drawn from `leaf`.
 * @param leaf - the arbitrary of leaves, e.g. `tensorArb()`.
 * @param options - depth and width bounds.
 * @returns an arbitrary of pytrees.
 * @example
 * ```ts
 * fc.assert(fc.property(pytreeOf(tensorArb()), (t) => tree.leaves(t).length >= 0));
 * ```
 */
export function pytreeOf<T>(leaf: fc.Arbitrary<T>, options: PytreeOptions = {}): fc.Arbitrary<tree.Tree<T>> {
  const { maxDepth = 2, maxChildren = 3 } = options;
  const keys = fc.constantFrom('a', 'b', 'c', 'w', 'bias');
  const node = (depth: number): fc.Arbitrary<tree.Tree<T>> => {
    if (depth === 0) return leaf as fc.Arbitrary<tree.Tree<T>>;
    const child = node(depth - 1);
    return fc.oneof(
      { weight: 2, arbitrary: leaf as fc.Arbitrary<tree.Tree<T>> },
      { weight: 1, arbitrary: fc.array(child, { maxLength: maxChildren }) as fc.Arbitrary<tree.Tree<T>> },
      { weight: 1, arbitrary: fc.dictionary(keys, child, { maxKeys: maxChildren }) as fc.Arbitrary<tree.Tree<T>> },
    );
  };
  return node(maxDepth);
}

/**
 * A batch for `vmap` checks: stacked arguments and the axis each is mapped over.
 * @example
 * ```ts
 * fc.assert(fc.property(batchedArgs([x]), ({ args, inAxes, size }) => checkBatching(f, args, inAxes, { axisSize: size })));
 * ```
 */
export interface BatchedArgs {
  /** The arguments, each stacked along its mapped axis (or unchanged when unmapped). */
  readonly args: Tensor[];
  /** The mapped axis of each argument (possibly negative), or null when unmapped. */
  readonly inAxes: (number | null)[];
  /** The batch size. */
  readonly size: number;
}

/**
 * Options of {@link batchedArgs}.
 * @example
 * ```ts
 * batchedArgs([x, y], { minSize: 2, maxSize: 4 });
 * ```
 */
export interface BatchedArgsOptions {
  /** Smallest batch size. @defaultValue 1 */
  readonly minSize?: number | undefined;
  /** Largest batch size. @defaultValue 3 */
  readonly maxSize?: number | undefined;
}

function permuted(data: ArrayLike<number>, seed: number): Float64Array {
  const out = Float64Array.from(data);
  const rand = prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

function stackCopies(x: Tensor, size: number, axis: number, seed: number): Tensor {
  const src = x.toTypedArray();
  const sh = [...x.shape];
  sh.splice(axis, 0, size);
  const [outer, , inner] = splitAt(sh, axis);
  const out = new Float64Array(outer * size * inner);
  for (let k = 0; k < size; k++) {
    const copy = k === 0 ? Float64Array.from(src) : permuted(src, seed + k);
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) out[(o * size + k) * inner + j] = copy[o * inner + j]!;
  }
  return tensor(out, { shape: sh, dtype: x.dtype });
}

/**
 * Batched versions of example arguments for `vmap` checks. Each argument is either left
 * unmapped (`null`) or replaced by a stack, along a random axis, of `size` copies whose
 * elements are random permutations of the original's; permuting preserves any element-wise
 * domain (positive values, valid indices, booleans), so the batch is valid wherever the
 * example was. Axes are sometimes given as negative numbers; all arguments may be unmapped.
 * @param args - example (unbatched) arguments.
 * @param options - batch-size bounds.
 * @returns an arbitrary of `{ args, inAxes, size }`.
 * @example
 * ```ts
 * fc.assert(fc.property(batchedArgs([x, y]), (b) => { checkBatching(f, b.args, b.inAxes, { axisSize: b.size }); }));
 * ```
 */
export function batchedArgs(args: readonly Tensor[], options: BatchedArgsOptions = {}): fc.Arbitrary<BatchedArgs> {
  const { minSize = 1, maxSize = 3 } = options;
  const perArg = (x: Tensor) =>
    fc.record({ axis: fc.option(fc.integer({ min: 0, max: x.ndim }), { nil: null, freq: 3 }), negative: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 30 }) });
  return fc.tuple(fc.integer({ min: minSize, max: maxSize }), fc.tuple(...args.map(perArg))).map(([size, specs]) => ({
    size,
    args: args.map((x, i) => {
      const s = specs[i]!;
      return s.axis === null ? x : stackCopies(x, size, s.axis, s.seed);
    }),
    inAxes: specs.map((s, i) => (s.axis === null ? null : s.negative ? s.axis - (args[i]!.ndim + 1) : s.axis)),
  }));
}
