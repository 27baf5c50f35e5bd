/**
 * Pytrees: nested arrays and plain objects whose leaves are tensors (or other values).
 *
 * Only arrays and plain objects (prototype `Object.prototype` or null) are nodes; `null`
 * and `undefined` are empty nodes; anything else is a leaf. Object keys are visited in
 * sorted order, so two objects with the same keys flatten identically. Declare parameter
 * types as `type` aliases (not `interface`s) so they are assignable to `Tree`.
 * @module
 */
import { InvalidTreeError, TreeMismatchError, ValueError } from '../errors.js';

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
 * @throws {InvalidTreeError} for a circular tree or one nested deeper than {@link MAX_TREE_DEPTH}.
 * @example
 * ```ts
 * const [leaves, def] = tree.flatten([x, { a: y }]);
 * tree.unflatten(def, leaves); // [x, { a: y }]
 * ```
 */
export function flatten<T>(t: Tree<T>): [T[], TreeDef] {
  return flattenChecked(t, 'tree.flatten');
}

/**
 * Deepest nesting of arrays and objects a pytree may have; deeper (or circular) trees are an
 * {@link InvalidTreeError} rather than a stack overflow.
 * @example
 * ```ts
 * let t: unknown = ones([1]);
 * for (let i = 0; i <= tree.MAX_TREE_DEPTH; i++) t = [t];
 * tree.leaves(t as never); // throws InvalidTreeError
 * ```
 */
export const MAX_TREE_DEPTH = 256;

/**
 * @internal `flatten` reporting circular or too-deep trees as an {@link InvalidTreeError} naming
 * `op`; when `paths` is given, it receives each leaf's path (`.w`, `[0].b`, or `''` for the root).
 */
export function flattenChecked<T>(t: unknown, op: string, paths?: string[]): [T[], TreeDef] {
  const leaves: T[] = [];
  try {
    const def = flattenInto(t, leaves, { op, stack: [], paths }, '');
    return [leaves, def];
  } catch (e) {
    // paths are built only for messages: walk again with them to locate the cycle or the depth
    if (e instanceof InvalidTreeError && paths === undefined) flattenInto(t, [], { op, stack: [], paths: [] }, '');
    throw e;
  }
}

interface Walk {
  readonly op: string;
  readonly stack: object[];
  readonly paths: string[] | undefined;
}

function node(t: object, w: Walk, path: string): void {
  if (w.stack.includes(t)) {
    throw new InvalidTreeError(`${w.op}: the pytree is circular: ${path || 'the root'} contains itself (a node refers back to an enclosing node).`, {
      op: w.op, argument: 'tree', expected: 'a finite tree', received: `a cycle at ${path || 'the root'}`,
    });
  }
  if (w.stack.length >= MAX_TREE_DEPTH) {
    const shown = path.length > 60 ? `${path.slice(0, 60)}…` : path;
    throw new InvalidTreeError(`${w.op}: the pytree is nested more than ${MAX_TREE_DEPTH} levels deep${shown ? ` (at ${shown})` : ''}.`, {
      op: w.op, argument: 'tree', expected: `depth ≤ ${MAX_TREE_DEPTH}`, received: `depth > ${MAX_TREE_DEPTH}`,
    });
  }
}

function flattenInto<T>(t: unknown, out: T[], w: Walk, path: string): TreeDef {
  if (t === null || t === undefined) return new TreeDef('none', [], null, 0, t);
  if (Array.isArray(t)) {
    node(t, w, path);
    w.stack.push(t);
    const ch = t.map((c, i) => flattenInto(c, out, w, w.paths ? `${path}[${i}]` : path));
    w.stack.pop();
    return new TreeDef('array', ch, null, ch.reduce((s, c) => s + c.numLeaves, 0));
  }
  if (isPlainObject(t)) {
    node(t, w, path);
    w.stack.push(t);
    const keys = Object.keys(t).sort();
    const ch = keys.map((k) => flattenInto(t[k], out, w, w.paths ? `${path}.${k}` : path));
    w.stack.pop();
    return new TreeDef('object', ch, keys, ch.reduce((s, c) => s + c.numLeaves, 0));
  }
  out.push(t as T);
  w.paths?.push(path);
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
  if (!(def instanceof TreeDef)) throw new ValueError(`unflatten: def must be a TreeDef (from tree.flatten or tree.structure), got ${def === null ? 'null' : typeof def}.`, { op: 'unflatten', argument: 'def' });
  if (!Array.isArray(leaves)) throw new ValueError(`unflatten: leaves must be a list, got ${leaves === null ? 'null' : typeof leaves}.`, { op: 'unflatten', argument: 'leaves' });
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
  if (typeof f !== 'function') throw new ValueError(`tree.map: f must be a function, got ${typeof f}.`, { op: 'tree.map', argument: 'f', received: typeof f });
  const [ls, def] = flattenChecked<T>(t, 'tree.map');
  const others = rest.map((r) => {
    const [l, d] = flattenChecked(r, 'tree.map');
    assertSameStructure('tree.map', def, d);
    return l;
  });
  return unflatten(def, ls.map((x, i) => f(x, ...others.map((o) => o[i]))));
}
