/**
 * Cache keys of `jit`: a string that is equal for two calls exactly when the traced program
 * of one is valid for the other.
 *
 * ```text
 * tree structure   node kinds, object keys (JSON-quoted), null vs undefined
 * tensor leaf      its aval (dtype and shape)
 * other leaf       its value: numbers compared as Object.is (NaN = NaN, 0 ≠ -0), strings,
 *                  booleans, null, undefined, bigints by value; functions, symbols and
 *                  class instances by identity (a WeakMap id, which keeps nothing alive)
 * static argument  the same, plus plain arrays / plain objects compared structurally
 *                  (a cyclic one falls back to identity)
 * ```
 * The encoding is prefix-tagged and every string is JSON-quoted, so no two different values
 * produce the same text.
 * @module
 */
import { Tensor } from '../tensor/tensor.js';
import type { TreeDef } from '../tree/tree.js';

function isPlainObject(x: object): boolean {
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

const objectIds = new WeakMap<object, number>();
const symbolIds = new Map<symbol, number>();
let nextId = 0;

function identity(x: object | symbol): number {
  if (typeof x === 'symbol') {
    let id = symbolIds.get(x);
    if (id === undefined) symbolIds.set(x, (id = nextId++));
    return id;
  }
  let id = objectIds.get(x);
  if (id === undefined) objectIds.set(x, (id = nextId++));
  return id;
}

/** @internal Text of a number that distinguishes every value `Object.is` distinguishes. */
export function numberKey(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * @internal Key of a non-tensor value. `structural` compares plain arrays and plain objects by
 * content (static arguments); otherwise every object is compared by identity (pytree leaves,
 * which are never plain arrays/objects since those are tree nodes).
 */
export function valueKey(v: unknown, structural: boolean, seen: Set<object> = new Set()): string {
  switch (typeof v) {
    case 'number': return `n${numberKey(v)}`;
    case 'string': return `s${JSON.stringify(v)}`;
    case 'boolean': return v ? 'T' : 'F';
    case 'undefined': return 'u';
    case 'bigint': return `g${v.toString()}`;
    case 'symbol': return `y${identity(v)}`;
    case 'function': return `f${identity(v)}`;
    default: break;
  }
  if (v === null) return 'z';
  const o = v as object;
  if (o instanceof Tensor) return `t${identity(o)}`;
  if (structural && !seen.has(o) && (Array.isArray(o) || isPlainObject(o))) {
    seen.add(o);
    let s: string;
    if (Array.isArray(o)) {
      const parts: string[] = [];
      for (let i = 0; i < o.length; i++) parts.push(i in o ? valueKey(o[i], true, seen) : 'h');
      s = `[${parts.join(',')}]`;
    } else {
      const keys = Object.keys(o).sort();
      s = `{${keys.map((k) => `${JSON.stringify(k)}:${valueKey((o as Record<string, unknown>)[k], true, seen)}`).join(',')}}`;
    }
    seen.delete(o);
    return s;
  }
  return `o${identity(o)}`;
}

/** @internal Unambiguous text of a tree structure (object keys JSON-quoted). */
export function treeDefKey(d: TreeDef): string {
  switch (d.kind) {
    case 'leaf': return '*';
    case 'none': return d.noneValue === null ? 'N' : 'U';
    case 'array': return `[${d.children.map(treeDefKey).join(',')}]`;
    case 'object': return `{${d.keys!.map((k, i) => `${JSON.stringify(k)}:${treeDefKey(d.children[i]!)}`).join(',')}}`;
  }
}

const avalText = new WeakMap<object, string>();
/** `aval.toString()`, memoized per (immutable) aval object: one key is built on every call. */
function avalKey(t: Tensor): string {
  const a = t.aval;
  let s = avalText.get(a);
  if (s === undefined) avalText.set(a, (s = a.toString()));
  return s;
}

/**
 * @internal The cache key of one `jit` call: structure of each dynamic argument, every leaf
 * (tensor avals, other leaves by value/identity) and every static argument (structurally).
 */
export function jitCacheKey(defs: readonly TreeDef[], leaves: readonly unknown[], statics: readonly unknown[]): string {
  let s = '';
  for (const d of defs) s += `${treeDefKey(d)};`;
  s += '|';
  for (const l of leaves) s += l instanceof Tensor ? `${avalKey(l)},` : `${valueKey(l, false)},`;
  s += '|';
  for (const v of statics) s += `${valueKey(v, true)};`;
  return s;
}
