/**
 * Internal helpers shared by the dense linear-algebra routines: argument validation,
 * number formatting for error messages and float32/float64 conversion.
 * @internal
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';

/**
 * A dense real array accepted by the linear-algebra routines (row-major when it holds a matrix).
 * @example
 * ```ts
 * const a: FloatArray = new Float32Array([1, 0, 0, 1]);
 * ```
 */
export type FloatArray = Float64Array | Float32Array;

/**
 * Formats a number compactly for an error message, e.g. `-1.2e-4`, `3.25`, `NaN`.
 * @internal
 */
export function fmt(x: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const ax = Math.abs(x);
  if (ax >= 1e-3 && ax < 1e5) return String(Number(x.toPrecision(4)));
  return x.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
}

/**
 * Throws a `ValueError` unless `n` is a non-negative integer.
 * @internal
 */
export function checkDim(op: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new ValueError(`${op}: ${name} must be a non-negative integer, got ${fmt(n)}.`, {
      op,
      argument: name,
      expected: 'a non-negative integer',
      received: String(n),
    });
  }
}

/**
 * Throws a `ShapeError` unless `arr.length === expected`; `what` spells the expected size, e.g. `n*n`.
 * @internal
 */
export function checkLength(op: string, name: string, arr: ArrayLike<number>, expected: number, what: string): void {
  if (arr.length !== expected) {
    throw new ShapeError(`${op}: ${name} must have ${what} = ${expected} entries, got ${arr.length}.`, {
      op,
      argument: name,
      expected: `${expected} entries`,
      received: `${arr.length} entries`,
    });
  }
}

/**
 * Throws a `ValueError` unless `x` is finite and `>= 0`.
 * @internal
 */
export function checkNonNegative(op: string, name: string, x: number): void {
  if (!(Number.isFinite(x) && x >= 0)) {
    throw new ValueError(`${op}: ${name} must be finite and >= 0, got ${fmt(x)}.`, {
      op,
      argument: name,
      expected: 'a finite number >= 0',
      received: String(x),
    });
  }
}

/**
 * Returns `data` converted to the array type of `like` (copying into a Float32Array when needed).
 * @internal
 */
export function asTypeOf<T extends FloatArray>(like: FloatArray, data: Float64Array): T {
  return (like instanceof Float32Array ? new Float32Array(data) : data) as T;
}

/**
 * Copies an n×n matrix into float64, symmetrizing it as (A + Aᵀ)/2 and throwing a `ValueError`
 * when it is not symmetric up to √ε of its largest entry (ε of the input's precision) or not finite.
 * @internal
 */
export function symmetricCopy(op: string, a: FloatArray, n: number): Float64Array {
  checkDim(op, 'n', n);
  checkLength(op, 'a', a, n * n, 'n*n');
  // One pass over both triangles: the copy, max |a|, max |lo − up|, and Σ a·0 (NaN iff an entry
  // is not finite). Only a matrix that fails a check is scanned again, for the error's entry.
  const out = new Float64Array(n * n);
  let maxAbs = 0, maxDiff = 0, nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const d = a[ri + i]!;
    out[ri + i] = d;
    nonFinite += d * 0;
    const ad = d < 0 ? -d : d;
    if (ad > maxAbs) maxAbs = ad;
    for (let j = 0; j < i; j++) {
      const lo = a[ri + j]!, up = a[j * n + i]!;
      nonFinite += lo * 0 + up * 0;
      const al = lo < 0 ? -lo : lo, au = up < 0 ? -up : up, df = lo > up ? lo - up : up - lo;
      if (al > maxAbs) maxAbs = al;
      if (au > maxAbs) maxAbs = au;
      if (df > maxDiff) maxDiff = df;
      const m = 0.5 * (lo + up);
      out[ri + j] = m;
      out[j * n + i] = m;
    }
  }
  if (nonFinite === 0 && !(maxDiff > (a instanceof Float32Array ? 3.5e-4 : 1.5e-8) * maxAbs)) return out;
  return symmetricCopyChecked(op, a, n);
}

/** {@link symmetricCopy} entry by entry: throws naming the first entry that fails a check. */
function symmetricCopyChecked(op: string, a: FloatArray, n: number): Float64Array {
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) {
      const r = Math.floor(i / n);
      throw new ValueError(`${op}: matrix entries must be finite, got a[${r},${i - r * n}] = ${v}.`, {
        op,
        argument: 'a',
        expected: 'finite entries',
        received: String(v),
      });
    }
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const tol = (a instanceof Float32Array ? 3.5e-4 : 1.5e-8) * maxAbs;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = a[i * n + i]!;
    for (let j = 0; j < i; j++) {
      const lo = a[i * n + j]!;
      const up = a[j * n + i]!;
      if (Math.abs(lo - up) > tol) {
        throw new ValueError(
          `${op}: matrix must be symmetric, got a[${i},${j}] = ${fmt(lo)} but a[${j},${i}] = ${fmt(up)}.`,
          { op, argument: 'a', expected: 'a symmetric matrix', received: `a[${i},${j}] ≠ a[${j},${i}]` },
        );
      }
      const m = 0.5 * (lo + up);
      out[i * n + j] = m;
      out[j * n + i] = m;
    }
  }
  return out;
}
