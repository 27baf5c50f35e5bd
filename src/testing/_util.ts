/**
 * Internal helpers of `curvax/testing`: reading values of any supported kind into flat
 * float64 data, a pytree flattener with the library's semantics, and a seeded PRNG.
 * Nothing here is exported from the sub-entry.
 * @module
 * @internal
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** @internal A value read into flat float64 data. */
export interface FlatValue {
  readonly shape: readonly number[];
  readonly dtype: DType | undefined;
  readonly data: Float64Array;
  /** True for a bare JS number or boolean (broadcast when used as an expected value). */
  readonly scalarLiteral: boolean;
}

/** @internal Duck-typed tensor test (keeps this module free of runtime library imports). */
export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'aval' in x && typeof (x as { toTypedArray?: unknown }).toTypedArray === 'function';
}

function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array;
}

function dtypeOfTyped(x: TypedArray): DType {
  if (x instanceof Float32Array) return 'float32';
  if (x instanceof Float64Array) return 'float64';
  return x instanceof Int32Array ? 'int32' : 'bool';
}

/** @internal Reads a tensor, number, boolean, typed array or (rectangular) nested array; throws on anything else. */
export function readValue(x: unknown): FlatValue {
  if (isTensor(x)) return { shape: [...x.shape], dtype: x.dtype, data: Float64Array.from(x.toTypedArray()), scalarLiteral: false };
  if (typeof x === 'number') return { shape: [], dtype: undefined, data: Float64Array.of(x), scalarLiteral: true };
  if (typeof x === 'boolean') return { shape: [], dtype: 'bool', data: Float64Array.of(x ? 1 : 0), scalarLiteral: true };
  if (isTypedArray(x)) return { shape: [x.length], dtype: dtypeOfTyped(x), data: Float64Array.from(x), scalarLiteral: false };
  if (Array.isArray(x)) {
    const shape: number[] = [];
    let cur: unknown = x;
    while (Array.isArray(cur)) {
      shape.push(cur.length);
      cur = cur[0];
    }
    const out: number[] = [];
    const walk = (v: unknown, depth: number): void => {
      if (depth === shape.length) {
        if (typeof v === 'number') out.push(v);
        else if (typeof v === 'boolean') out.push(v ? 1 : 0);
        else throw new TypeError(`expected a number at depth ${depth} of a nested array, got ${describe(v)}`);
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[depth]) throw new TypeError(`ragged nested array at depth ${depth}`);
      for (const c of v) walk(c, depth + 1);
    };
    walk(x, 0);
    return { shape, dtype: undefined, data: Float64Array.from(out), scalarLiteral: false };
  }
  throw new TypeError(`cannot compare ${describe(x)}: expected a Tensor, a number, a typed array or a nested array`);
}

/** @internal Short description of an arbitrary value for messages. */
export function describe(x: unknown): string {
  if (isTensor(x)) return `Tensor(${x.aval.toString()})`;
  if (x === null) return 'null';
  if (Array.isArray(x)) return `array(${x.length})`;
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

/** @internal `[2,3]` */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** @internal Multi-index of a flat row-major position, printed `[i,j]`. */
export function indexStr(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx[d] = n === 0 ? 0 : flat % n;
    flat = n === 0 ? 0 : Math.floor(flat / n);
  }
  return `[${idx.join(',')}]`;
}

/** @internal Flattens a pytree with curvax's rules (arrays and plain objects are nodes, keys sorted). */
export function flattenTree(t: unknown): [unknown[], string] {
  const leaves: unknown[] = [];
  const go = (x: unknown): string => {
    if (x === null || x === undefined) return String(x);
    if (Array.isArray(x)) return `[${x.map(go).join(', ')}]`;
    if (isPlainObject(x)) {
      const keys = Object.keys(x).sort();
      return `{${keys.map((k) => `${k}: ${go(x[k])}`).join(', ')}}`;
    }
    leaves.push(x);
    return '*';
  };
  const def = go(t);
  return [leaves, def];
}

/** @internal Tree paths of the leaves, in flatten order (e.g. `.w`, `[1].b`). */
export function leafPaths(t: unknown): string[] {
  const out: string[] = [];
  const go = (x: unknown, p: string): void => {
    if (x === null || x === undefined) return;
    if (Array.isArray(x)) x.forEach((c, i) => go(c, `${p}[${i}]`));
    else if (isPlainObject(x)) for (const k of Object.keys(x).sort()) go(x[k], `${p}.${k}`);
    else out.push(p === '' ? '(root)' : p);
  };
  go(t, '');
  return out;
}

/** @internal True for plain objects (pytree nodes). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** @internal mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @internal Standard normal samples (Box–Muller) from a uniform source. */
export function normals(rand: () => number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** @internal Formats a number compactly for reports. */
export function num(x: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const a = Math.abs(x);
  return a >= 1e-4 && a < 1e6 ? String(Number(x.toPrecision(10))) : x.toExponential(6);
}

/** @internal Rebuilds a pytree shaped like `template` with new leaves (in flatten order). */
export function unflattenLike(template: unknown, leaves: readonly unknown[]): unknown {
  let i = 0;
  const go = (x: unknown): unknown => {
    if (x === null || x === undefined) return x;
    if (Array.isArray(x)) return x.map(go);
    if (isPlainObject(x)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) o[k] = go(x[k]);
      return o;
    }
    return leaves[i++];
  };
  return go(template);
}

/** @internal Row-major sizes around `axis`: [outer, size, inner]. */
export function splitAt(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis] ?? 1, inner];
}
