/**
 * `jit`'s fast signature check: does a call have the signature of a known program?
 *
 * ```text
 * slow path   flatten every argument, build the cache key string, look it up (core/cache-key.ts)
 * fast path   walk the arguments along the tree structure of the last program used, comparing
 *             each tensor leaf's aval and each other leaf with Object.is, collecting the tensors
 * ```
 * The fast path accepts a call exactly when the cache key would be equal: the same node kinds
 * and object keys, the same avals, non-tensor leaves equal under `Object.is` (which is how their
 * key compares them: numbers with NaN = NaN and 0 ≠ -0, strings and bigints by value, objects,
 * functions and symbols by identity) and the same key for the static arguments. Anything else
 * (including a circular or deeper argument, which meets a node where a leaf was) goes the slow way.
 * @module
 */
import { Tensor } from '../tensor/tensor.js';
import type { Aval } from '../tensor/aval.js';
import type { TreeDef } from '../tree/tree.js';
import { valueKey } from './cache-key.js';

/** @internal A recorded call signature; {@link Signature.match} returns the call's tensor leaves, or undefined. */
export interface Signature {
  match(args: readonly unknown[]): Tensor[] | undefined;
}

function isPlainObject(x: object): boolean {
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** Checks one argument subtree, appending its tensor leaves to `out`. */
type Matcher = (t: unknown, out: Tensor[]) => boolean;

/** Whether `keys` (own enumerable keys, in any order) are exactly the recorded sorted `sorted`. */
function sameKeys(keys: readonly string[], sorted: readonly string[]): boolean {
  if (keys.length !== sorted.length) return false;
  let inOrder = true;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== sorted[i]) { inOrder = false; break; }
  if (inOrder) return true;
  const s = [...keys].sort();
  for (let i = 0; i < s.length; i++) if (s[i] !== sorted[i]) return false;
  return true;
}

/** The matcher of a recorded subtree; `at` walks the recorded leaves (avals, or values for non-tensors). */
function matcher(d: TreeDef, avals: readonly (Aval | null)[], values: readonly unknown[], at: { i: number }): Matcher {
  switch (d.kind) {
    case 'none': {
      const v = d.noneValue;
      return (t) => t === v;
    }
    case 'array': {
      const ch = d.children.map((c) => matcher(c, avals, values, at));
      const n = ch.length;
      return (t, out) => {
        if (!Array.isArray(t) || t.length !== n) return false;
        for (let i = 0; i < n; i++) if (!ch[i]!(t[i], out)) return false;
        return true;
      };
    }
    case 'object': {
      const keys = d.keys!;
      const ch = d.children.map((c) => matcher(c, avals, values, at));
      return (t, out) => {
        if (t === null || typeof t !== 'object' || Array.isArray(t) || !isPlainObject(t)) return false;
        if (!sameKeys(Object.keys(t), keys)) return false;
        for (let i = 0; i < keys.length; i++) if (!ch[i]!((t as Record<string, unknown>)[keys[i]!], out)) return false;
        return true;
      };
    }
    case 'leaf': {
      const i = at.i++;
      const a = avals[i];
      if (a === null || a === undefined) {
        const v = values[i];
        return (t) => !(t instanceof Tensor) && Object.is(t, v);
      }
      const dtype = a.dtype, shape = a.shape, rank = shape.length;
      return (t, out) => {
        if (!(t instanceof Tensor)) return false;
        const b = t.aval;
        if (b !== a) {
          if (b.dtype !== dtype || b.shape.length !== rank) return false;
          for (let q = 0; q < rank; q++) if (b.shape[q] !== shape[q]) return false;
        }
        out.push(t);
        return true;
      };
    }
  }
}

/**
 * @internal Records the signature of a call: its argument count, the dynamic arguments' tree
 * structures and leaves, and the static arguments (compared by their cache key). The checks are
 * compiled here, once, into one closure per tree node.
 */
export function recordSignature(nArgs: number, dynIdx: readonly number[], defs: readonly TreeDef[], leaves: readonly unknown[], statics: readonly number[], staticArgs: readonly unknown[]): Signature {
  const avals: (Aval | null)[] = leaves.map((l) => (l instanceof Tensor ? l.aval : null));
  const values = leaves.map((l) => (l instanceof Tensor ? undefined : l));
  const staticKey = staticArgs.map((v) => valueKey(v, true)).join(';');
  const at = { i: 0 };
  const args = defs.map((d) => matcher(d, avals, values, at));
  const nDyn = dynIdx.length;
  return {
    match(a) {
      if (a.length !== nArgs) return undefined;
      const out: Tensor[] = [];
      for (let j = 0; j < nDyn; j++) if (!args[j]!(a[dynIdx[j]!], out)) return undefined;
      if (statics.length > 0 && statics.map((i) => valueKey(a[i], true)).join(';') !== staticKey) return undefined;
      return out;
    },
  };
}

/**
 * @internal `unflatten(def, leaves)` compiled once for a fixed structure: the returned function
 * builds the same tree (new arrays and plain objects, keys assigned in `def`'s order) from a
 * list of `def.numLeaves` leaves, without re-walking or re-checking `def`.
 */
export function treeBuilder(def: TreeDef): (leaves: readonly unknown[]) => unknown {
  let at = 0;
  const build = (d: TreeDef): ((l: readonly unknown[]) => unknown) => {
    switch (d.kind) {
      case 'leaf': {
        const i = at++;
        return (l) => l[i];
      }
      case 'none': {
        const v = d.noneValue;
        return () => v;
      }
      case 'array': {
        const ch = d.children.map(build);
        const n = ch.length;
        return (l) => {
          const a: unknown[] = [];
          for (let j = 0; j < n; j++) a.push(ch[j]!(l));
          return a;
        };
      }
      case 'object': {
        const keys = d.keys!, ch = d.children.map(build);
        const n = ch.length;
        return (l) => {
          const o: Record<string, unknown> = {};
          for (let j = 0; j < n; j++) o[keys[j]!] = ch[j]!(l);
          return o;
        };
      }
    }
  };
  return build(def);
}
