/**
 * Pytrees: nested arrays and plain objects whose leaves are tensors (or other values).
 *
 * Only arrays and plain objects (prototype `Object.prototype` or null) are nodes; `null`
 * and `undefined` are empty nodes; anything else is a leaf. Object keys are visited in
 * sorted order, so two objects with the same keys flatten identically. Declare parameter
 * types as `type` aliases (not `interface`s) so they are assignable to `Tree`.
 * @module
 */
import { TreeMismatchError } from '../errors.js';

/** A pytree with leaves of type `T`. */
export type Tree<T> = T | readonly Tree<T>[] | { readonly [key: string]: Tree<T> } | null | undefined;

type NodeKind = 'leaf' | 'array' | 'object' | 'none';

/**
 * The structure of a pytree without its leaves; compare with `equals`, print with `toString`.
 * @example
 * ```ts
 * const [, def] = tree.flatten({ w: ones([2]), b: [ones([1])] });
 * def.numLeaves; // 2
 * def.toString(); // '{b: [*], w: *}'
 * ```
 */
export class TreeDef {
  /** @internal */
  constructor(
    /** @internal */ readonly kind: NodeKind,
    /** @internal */ readonly children: readonly TreeDef[],
    /** @internal */ readonly keys: readonly string[] | null,
    /** Number of leaves. */
    readonly numLeaves: number,
    /** @internal (`null` or `undefined` for a `none` node; no default, so `undefined` is kept) */ readonly noneValue?: null | undefined,
  ) {}
  /** Structural equality. */
  equals(other: TreeDef): boolean {
    if (this.kind !== other.kind || this.children.length !== other.children.length) return false;
    if (this.keys && (!other.keys || this.keys.some((k, i) => k !== other.keys![i]))) return false;
    return this.children.every((c, i) => c.equals(other.children[i]!));
  }
  /** Prints `*` for leaves, `[…]` for arrays and `{k: …}` for objects. */
  toString(): string {
    switch (this.kind) {
      case 'leaf': return '*';
      case 'none': return String(this.noneValue);
      case 'array': return `[${this.children.map((c) => c.toString()).join(', ')}]`;
      case 'object': return `{${this.keys!.map((k, i) => `${k}: ${this.children[i]!.toString()}`).join(', ')}}`;
    }
  }
}

const LEAF = new TreeDef('leaf', [], null, 1);

/** @internal True for plain objects (tree nodes). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/**
 * Flattens a pytree into its leaves (depth-first, object keys sorted) and its structure.
 * @example
 * ```ts
 * const [leaves, def] = tree.flatten([x, { a: y }]);
 * tree.unflatten(def, leaves); // [x, { a: y }]
 * ```
 */
export function flatten<T>(t: Tree<T>): [T[], TreeDef] {
  const leaves: T[] = [];
  const def = flattenInto(t, leaves);
  return [leaves, def];
}

function flattenInto<T>(t: unknown, out: T[]): TreeDef {
  if (t === null || t === undefined) return new TreeDef('none', [], null, 0, t);
  if (Array.isArray(t)) {
    const ch = t.map((c) => flattenInto(c, out));
    return new TreeDef('array', ch, null, ch.reduce((s, c) => s + c.numLeaves, 0));
  }
  if (isPlainObject(t)) {
    const keys = Object.keys(t).sort();
    const ch = keys.map((k) => flattenInto(t[k], out));
    return new TreeDef('object', ch, keys, ch.reduce((s, c) => s + c.numLeaves, 0));
  }
  out.push(t as T);
  return LEAF;
}

/**
 * Rebuilds a pytree of structure `def` from leaves (in `flatten` order).
 * @throws {TreeMismatchError} when the number of leaves differs.
 * @example
 * ```ts
 * tree.unflatten(def, [a, b]);
 * ```
 */
export function unflatten<T>(def: TreeDef, leaves: readonly T[]): Tree<T> {
  if (leaves.length !== def.numLeaves) {
    throw new TreeMismatchError(`unflatten: structure ${def.toString()} needs ${def.numLeaves} leaves, got ${leaves.length}.`, {
      op: 'unflatten', expected: String(def.numLeaves), received: String(leaves.length),
    });
  }
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf': return leaves[i++];
      case 'none': return d.noneValue;
      case 'array': return d.children.map(build);
      case 'object': {
        const o: Record<string, unknown> = {};
        d.keys!.forEach((k, j) => { o[k] = build(d.children[j]!); });
        return o;
      }
    }
  };
  return build(def) as Tree<T>;
}

/**
 * The leaves of a pytree in flatten order.
 * @example
 * ```ts
 * tree.leaves({ b: y, a: x }); // [x, y]
 * ```
 */
export function leaves<T>(t: Tree<T>): T[] {
  return flatten(t)[0];
}

/**
 * The structure of a pytree.
 * @example
 * ```ts
 * tree.structure([x, y]).toString(); // '[*, *]'
 * ```
 */
export function structure<T>(t: Tree<T>): TreeDef {
  return flatten(t)[1];
}

/** @internal Throws TreeMismatchError naming both structures. */
export function assertSameStructure(op: string, a: TreeDef, b: TreeDef, what = 'trees'): void {
  if (!a.equals(b)) {
    throw new TreeMismatchError(`${op}: ${what} must have the same structure, got ${a.toString()} and ${b.toString()}.`, {
      op, expected: a.toString(), received: b.toString(),
    });
  }
}

/**
 * Applies `f` to every leaf (and to matching leaves of `rest`, which must share the structure).
 * @throws {TreeMismatchError} when the trees' structures differ.
 * @example
 * ```ts
 * tree.map((x: Tensor) => x.mul(2), params);
 * tree.map((p: Tensor, g: Tensor) => p.sub(g), params, grads);
 * ```
 */
export function map<T, U>(f: (x: T, ...rest: any[]) => U, t: Tree<T>, ...rest: Tree<any>[]): Tree<U> {
  const [ls, def] = flatten(t);
  const others = rest.map((r) => {
    const [l, d] = flatten(r);
    assertSameStructure('tree.map', def, d);
    return l;
  });
  return unflatten(def, ls.map((x, i) => f(x, ...others.map((o) => o[i]))));
}
