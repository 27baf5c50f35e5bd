/**
 * Closeness assertions: `allClose`, `treeAllClose`, and the vitest matchers
 * `toBeAllClose` / `toBeTreeAllClose`.
 *
 * ```text
 * close(a, e)  ⇔  |a − e| ≤ atol + rtol·|e|      (NumPy's rule; e is the expected value)
 * NaN equals NaN (unless equalNan: false); ±∞ equals only the same infinity
 * ```
 * Shapes must match exactly, except that an expected bare JS number is broadcast. When
 * `rtol`/`atol` are omitted they come from {@link tolerance} for the least precise dtype
 * involved (JS numbers and arrays count as float64).
 *
 * This module has no runtime dependency on the library (tensors are recognised by shape),
 * so registering the matchers in a test setup file is cheap.
 * @module
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { NestedArray, Tensor } from '../tensor/tensor.js';
import { describe, indexStr, isPlainObject, num, readValue, shapeStr, type FlatValue } from './_util.js';
import { loosestDType, tolerance } from './tolerance.js';

/**
 * Anything {@link allClose} compares: a tensor, a JS number or boolean, a typed array or nested arrays.
 * @example
 * ```ts
 * const values: Closeable[] = [tensor([1, 2]), 3, new Float64Array([1, 2]), [[1, 2], [3, 4]]];
 * ```
 */
export type Closeable = Tensor | number | boolean | TypedArray | NestedArray | readonly Closeable[];

/**
 * Options of {@link allClose} and {@link treeAllClose}.
 * @example
 * ```ts
 * allClose(x, y, { rtol: 1e-6, atol: 1e-9, equalNan: false });
 * ```
 */
export interface AllCloseOptions {
  /** Relative tolerance. @defaultValue `tolerance(dtype).rtol` for the least precise dtype compared */
  readonly rtol?: number | undefined;
  /** Absolute tolerance. @defaultValue `tolerance(dtype).atol` for the least precise dtype compared */
  readonly atol?: number | undefined;
  /** Treat NaN as equal to NaN. @defaultValue true */
  readonly equalNan?: boolean | undefined;
  /** Also require equal dtypes when both values are tensors. @defaultValue false */
  readonly checkDtype?: boolean | undefined;
}

/** @internal Outcome of a comparison with a human-readable explanation. */
export interface CloseReport {
  readonly pass: boolean;
  readonly detail: string;
}

const MAX_LISTED = 4;

/** @internal Resolves the tolerance for a comparison. */
export function resolveTolerance(dtypes: readonly (DType | undefined)[], o: AllCloseOptions): { rtol: number; atol: number } {
  const base = tolerance(loosestDType(dtypes.map((d) => d ?? 'float64')));
  return { rtol: o.rtol ?? base.rtol, atol: o.atol ?? base.atol };
}

/** @internal Compares two flat values. */
export function compareFlat(a: FlatValue, e: FlatValue, o: AllCloseOptions = {}, labels: readonly [string, string] = ['actual', 'expected']): CloseReport {
  const [la, le] = labels;
  if (o.checkDtype && a.dtype !== undefined && e.dtype !== undefined && a.dtype !== e.dtype) {
    return { pass: false, detail: `dtypes differ: ${la} ${a.dtype}, ${le} ${e.dtype}` };
  }
  const broadcast = e.scalarLiteral && !a.scalarLiteral;
  if (!broadcast && (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i]))) {
    return { pass: false, detail: `shapes differ: ${la} ${shapeStr(a.shape)}, ${le} ${shapeStr(e.shape)}` };
  }
  const { rtol, atol } = resolveTolerance([a.dtype, e.dtype], o);
  const equalNan = o.equalNan ?? true;
  let bad = 0, worst = -1, worstExcess = -Infinity;
  const listed: string[] = [];
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!, y = broadcast ? e.data[0]! : e.data[i]!;
    const allowed = atol + rtol * Math.abs(y);
    const diff = Math.abs(x - y);
    const ok = x === y || (Number.isNaN(x) && Number.isNaN(y) ? equalNan : Number.isFinite(x) && Number.isFinite(y) && diff <= allowed);
    if (ok) continue;
    bad++;
    const excess = Number.isNaN(diff) ? Infinity : diff - allowed;
    if (excess > worstExcess || worst < 0) {
      worstExcess = excess;
      worst = i;
    }
    if (listed.length < MAX_LISTED) listed.push(`${indexStr(i, a.shape)}: ${num(x)} vs ${num(y)}`);
  }
  if (bad === 0) return { pass: true, detail: `all ${a.data.length} element(s) within rtol=${rtol}, atol=${atol}` };
  const x = a.data[worst]!, y = broadcast ? e.data[0]! : e.data[worst]!;
  const lines = [
    `${bad} of ${a.data.length} element(s) differ (rtol=${rtol}, atol=${atol}, shape ${shapeStr(a.shape)})`,
    `worst at ${indexStr(worst, a.shape)}: ${la} ${num(x)}, ${le} ${num(y)}, |diff| ${num(Math.abs(x - y))} > allowed ${num(atol + rtol * Math.abs(y))}`,
    `first mismatches (${la} vs ${le}): ${listed.join('; ')}${bad > listed.length ? '; …' : ''}`,
  ];
  return { pass: false, detail: lines.join('\n') };
}

/** @internal Compares two values of any supported kind; never throws. */
export function compareValues(actual: unknown, expected: unknown, o: AllCloseOptions = {}): CloseReport {
  let a: FlatValue, e: FlatValue;
  try {
    a = readValue(actual);
    e = readValue(expected);
  } catch (err) {
    return { pass: false, detail: (err as Error).message };
  }
  return compareFlat(a, e, o);
}

/** @internal Compares two pytrees leaf by leaf, walking both (a leaf of `actual` may face nested arrays in `expected`). */
export function compareTrees(actual: unknown, expected: unknown, o: AllCloseOptions = {}): CloseReport {
  let leaves = 0;
  const walk = (a: unknown, e: unknown, path: string): CloseReport | null => {
    const at = path === '' ? '(root)' : path;
    if (a === null || a === undefined) return a === e ? null : { pass: false, detail: `tree structures differ at ${at}: actual ${String(a)}, expected ${describe(e)}` };
    if (Array.isArray(a)) {
      if (!Array.isArray(e) || e.length !== a.length) return { pass: false, detail: `tree structures differ at ${at}: actual array(${a.length}), expected ${describe(e)}` };
      for (let i = 0; i < a.length; i++) {
        const r = walk(a[i], e[i], `${path}[${i}]`);
        if (r) return r;
      }
      return null;
    }
    if (isPlainObject(a)) {
      const ka = Object.keys(a).sort();
      const ke = isPlainObject(e) ? Object.keys(e).sort() : null;
      if (!ke || ka.join(',') !== ke.join(',')) {
        return { pass: false, detail: `tree structures differ at ${at}: actual keys {${ka.join(', ')}}, expected ${ke ? `keys {${ke.join(', ')}}` : describe(e)}` };
      }
      for (const k of ka) {
        const r = walk(a[k], (e as Record<string, unknown>)[k], `${path}.${k}`);
        if (r) return r;
      }
      return null;
    }
    leaves++;
    const r = compareValues(a, e, o);
    return r.pass ? null : { pass: false, detail: `leaf ${at} (${describe(a)}):\n${r.detail}` };
  };
  return walk(actual, expected, '') ?? { pass: true, detail: `all ${leaves} leaves are close` };
}

/**
 * True when two values have the same shape and all elements are close.
 * ```text
 * allClose(a, e) ⇔ shape(a) = shape(e) ∧ ∀i |a_i − e_i| ≤ atol + rtol·|e_i|
 * ```
 * @param actual - a tensor, number, typed array or nested array.
 * @param expected - the reference value (a bare number is broadcast).
 * @param options - `rtol`, `atol`, `equalNan`, `checkDtype`.
 * @returns whether the values are close.
 * @example
 * ```ts
 * allClose(tensor([1, 2]), [1, 2 + 1e-9], { rtol: 1e-6 }); // true
 * allClose(tensor([1, 2]), [1, 3]);                        // false
 * ```
 */
export function allClose(actual: Closeable, expected: Closeable, options: AllCloseOptions = {}): boolean {
  return compareValues(actual, expected, options).pass;
}

/**
 * True when two pytrees have the same structure and every pair of leaves is {@link allClose}.
 * @param actual - a pytree (nested arrays / plain objects) of tensors or numbers.
 * @param expected - the reference pytree.
 * @param options - tolerances, as for {@link allClose}.
 * @returns whether the trees are close.
 * @example
 * ```ts
 * treeAllClose({ w: tensor([1, 2]), b: 0.5 }, { w: [1, 2], b: 0.5 }); // true
 * ```
 */
export function treeAllClose(actual: unknown, expected: unknown, options: AllCloseOptions = {}): boolean {
  return compareTrees(actual, expected, options).pass;
}

/**
 * The part of a vitest/jest matcher context the matchers use.
 * @example
 * ```ts
 * matchers.toBeAllClose.call({ isNot: false }, tensor([1]), [1]).pass; // true
 * ```
 */
export interface MatcherContext {
  /** True under `expect(...).not`. */
  readonly isNot: boolean;
}

/**
 * What a matcher returns (the shape vitest and jest expect).
 * @example
 * ```ts
 * const r: MatcherResult = matchers.toBeAllClose.call({ isNot: false }, tensor([1]), [2]);
 * r.message(); // 'expected values to be all close, but 1 of 1 element(s) differ …'
 * ```
 */
export interface MatcherResult {
  /** Whether the assertion holds. */
  readonly pass: boolean;
  /** The failure message. */
  readonly message: () => string;
}

function result(ctx: MatcherContext, name: string, r: CloseReport): MatcherResult {
  return {
    pass: r.pass,
    message: () => (ctx.isNot ? `expected values not to be ${name} close, but ${r.detail}` : `expected values to be ${name} close, but ${r.detail}`),
  };
}

/**
 * The vitest matchers, for `expect.extend(matchers)` (or use {@link registerMatchers}).
 * ```text
 * expect(actual).toBeAllClose(expected, options?)       — allClose with a readable report
 * expect(actual).toBeTreeAllClose(expected, options?)   — treeAllClose, naming the failing leaf
 * ```
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * expect.extend(matchers);
 * expect(tensor([1, 2])).toBeAllClose([1, 2]);
 * ```
 */
export const matchers = {
  /**
   * Asserts {@link allClose}.
   * @param received - the actual value.
   * @param expected - the reference value.
   * @param options - tolerances.
   * @returns the matcher result.
   */
  toBeAllClose(this: MatcherContext, received: unknown, expected: unknown, options: AllCloseOptions = {}): MatcherResult {
    return result(this, 'all', compareValues(received, expected, options));
  },
  /**
   * Asserts {@link treeAllClose}.
   * @param received - the actual pytree.
   * @param expected - the reference pytree.
   * @param options - tolerances.
   * @returns the matcher result.
   */
  toBeTreeAllClose(this: MatcherContext, received: unknown, expected: unknown, options: AllCloseOptions = {}): MatcherResult {
    return result(this, 'tree-all', compareTrees(received, expected, options));
  },
};

/**
 * Types of the matchers, for module augmentation in a test setup file.
 * ```ts
 * declare module 'vitest' {
 *   interface Matchers<T = any> extends CurvaxMatchers<T> {}
 * }
 * ```
 * @typeParam R - the assertion's return type.
 * @example
 * ```ts
 * expect(grad(f)(x)).toBeAllClose(expected, { rtol: 1e-6 });
 * ```
 */
export interface CurvaxMatchers<R = unknown> {
  /** Asserts that the received value is {@link allClose} to `expected`. */
  toBeAllClose(expected: Closeable, options?: AllCloseOptions): R;
  /** Asserts that the received pytree is {@link treeAllClose} to `expected`. */
  toBeTreeAllClose(expected: unknown, options?: AllCloseOptions): R;
}

/**
 * An `expect` with an `extend` method (vitest's or jest's).
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * registerMatchers(expect); // vitest's expect is Extendable
 * ```
 */
export interface Extendable {
  /** Registers custom matchers. */
  extend(toAdd: typeof matchers): void;
}

/**
 * Registers `toBeAllClose` and `toBeTreeAllClose` on a vitest (or jest) `expect`.
 * @param expect - the `expect` to extend.
 * @returns nothing.
 * @example
 * ```ts
 * // test/setup.ts
 * import { expect } from 'vitest';
 * import { registerMatchers } from 'curvax/testing';
 * registerMatchers(expect);
 * ```
 */
export function registerMatchers(expect: Extendable): void {
  expect.extend(matchers);
}
