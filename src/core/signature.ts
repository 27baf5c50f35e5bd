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

/**
 * @internal Records the signature of a call: its argument count, the dynamic arguments' tree
 * structures and leaves, and the static arguments (compared by their cache key).
 */
export function recordSignature(nArgs: number, dynIdx: readonly number[], defs: readonly TreeDef[], leaves: readonly unknown[], statics: readonly number[], staticArgs: readonly unknown[]): Signature {
  const avals: (Aval | null)[] = leaves.map((l) => (l instanceof Tensor ? l.aval : null));
  const values = leaves.map((l) => (l instanceof Tensor ? undefined : l));
  const staticKey = staticArgs.map((v) => valueKey(v, true)).join(';');
  const nLeaves = leaves.length;
  let at = 0;
  let out: Tensor[] = [];

  const walk = (d: TreeDef, t: unknown): boolean => {
    switch (d.kind) {
      case 'none':
        return t === d.noneValue;
      case 'array': {
        if (!Array.isArray(t) || t.length !== d.children.length) return false;
        for (let i = 0; i < t.length; i++) if (!walk(d.children[i]!, t[i])) return false;
        return true;
      }
      case 'object': {
        if (t === null || typeof t !== 'object' || Array.isArray(t) || !isPlainObject(t)) return false;
        const keys = d.keys!;
        let n = 0;
        for (const k in t) if (Object.prototype.hasOwnProperty.call(t, k)) n++;
        if (n !== keys.length) return false;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          if (!Object.prototype.propertyIsEnumerable.call(t, k) || !walk(d.children[i]!, (t as Record<string, unknown>)[k])) return false;
        }
        return true;
      }
      case 'leaf': {
        const i = at++;
        const a = avals[i];
        if (a !== null && a !== undefined) {
          if (!(t instanceof Tensor)) return false;
          const b = t.aval;
          if (b !== a) {
            if (b.dtype !== a.dtype || b.shape.length !== a.shape.length) return false;
            for (let q = 0; q < a.shape.length; q++) if (b.shape[q] !== a.shape[q]) return false;
          }
          out.push(t);
          return true;
        }
        return !(t instanceof Tensor) && Object.is(t, values[i]);
      }
    }
  };

  return {
    match(args) {
      if (args.length !== nArgs) return undefined;
      at = 0;
      out = [];
      for (let j = 0; j < dynIdx.length; j++) if (!walk(defs[j]!, args[dynIdx[j]!])) return undefined;
      if (at !== nLeaves) return undefined;
      if (statics.length > 0 && statics.map((i) => valueKey(args[i], true)).join(';') !== staticKey) return undefined;
      return out;
    },
  };
}
