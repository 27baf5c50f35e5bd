/**
 * Shared pieces of the public transformation wrappers: argument trees, validation.
 * @module
 */
import { DisposedTensorError, DTypeError, TransformError } from '../errors.js';
import { describeValue } from '../tensor/shape.js';
import { isFloat } from '../tensor/dtype.js';
import { scalar } from '../tensor/creation.js';
import { getDefaultFloat } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { flattenChecked, isPlainObject, unflatten, type Tree, type TreeDef } from '../tree/tree.js';

/** A pytree of tensors (JS numbers are accepted as leaves and become scalars). */
export type TensorTree = Tree<Tensor | number>;

/** @internal Where a leaf sits in an argument, for messages: `argument 0 at .w[1]`, or `argument 0` for the root. */
export function at(argument: string, path: string): string {
  return path ? `${argument} at ${path}` : argument;
}

/** The path of the first JS array in `v` holding only numbers/booleans (or such arrays), if any. */
function numericArrayPath(v: unknown, path: string): string | undefined {
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((c) => typeof c === 'number' || typeof c === 'boolean' || (Array.isArray(c) && numericArrayPath(c, '') === ''))) return path;
    for (let i = 0; i < v.length; i++) {
      const p = numericArrayPath(v[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (isPlainObject(v)) {
    for (const k of Object.keys(v).sort()) {
      const p = numericArrayPath(v[k], `${path}.${k}`);
      if (p !== undefined) return p;
    }
  }
  return undefined;
}

function leafKind(l: unknown): string {
  if (l === null) return 'null';
  if (typeof l === 'boolean') return `a boolean (${l})`;
  if (typeof l === 'string') return 'a string';
  if (typeof l === 'function') return 'a function';
  if (typeof l !== 'object') return `a ${typeof l}`;
  if (ArrayBuffer.isView(l)) return `a ${(l as object).constructor.name}`;
  const name = (l as object).constructor?.name;
  return name ? `a ${name} (only arrays and plain objects are pytree nodes)` : 'an object';
}

/**
 * Checks one pytree argument of a transformation up front and returns its leaves as tensors.
 * Every leaf must be a live `Tensor` or a JS number (which becomes a weakly typed scalar of the
 * default float dtype). Errors name the transformation, the argument and the leaf's path, e.g.
 * `grad: argument 0 at .w is a JS array of numbers, not a Tensor; wrap it with tensor(...)`.
 * Used by every transformation; exported so other modules that take pytrees (curvature
 * builders, optimizers) can validate theirs the same way.
 * @param op - the public name of the caller, e.g. `'grad'`.
 * @param value - the pytree to check.
 * @param argument - how the value is named in messages, e.g. `'argument 0'`, `'params'`.
 * @param paths - receives each leaf's path (`.w`, `[0].b`, `''` for the root), for later messages.
 * @returns the leaves (numbers converted to scalars) and the tree structure.
 * @throws {TransformError} for a leaf that is not a tensor or a number (JS arrays of numbers, typed arrays, strings, booleans, class instances).
 * @throws {DisposedTensorError} for a disposed tensor leaf.
 * @throws {InvalidTreeError} for a circular or too deeply nested tree.
 * @example
 * ```ts
 * checkTensorTree('fisher', { w: [1, 2] }, 'params'); // throws: fisher: params at .w is a JS array of numbers, not a Tensor; ...
 * const [leaves, def] = checkTensorTree('fisher', { w: ones([2]) }, 'params');
 * ```
 */
export function checkTensorTree(op: string, value: unknown, argument: string, paths?: string[]): [Tensor[], TreeDef] {
  const [ls, def] = flattenChecked<unknown>(value, op, paths);
  // leaf paths are built only for a message (unless the caller asked for them)
  const pathOf = (i: number): string => (paths ?? leafPaths(op, value))[i]!;
  const out = new Array<Tensor>(ls.length);
  let numeric: string | undefined | null = null; // computed at the first number leaf
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i];
    if (l instanceof Tensor) {
      if ((l as { isDisposed?: boolean }).isDisposed === true) {
        throw new DisposedTensorError(`${op}: ${at(argument, pathOf(i))} is a tensor ${l.aval.toString()} that was disposed. Keep a tensor alive while it is used, or recompute it.`, {
          op, argument: at(argument, pathOf(i)), received: l.aval.toString(),
        });
      }
      out[i] = l;
      continue;
    }
    if (typeof l === 'number') {
      if (numeric === null) numeric = numericArrayPath(value, '');
      const p = numeric;
      if (p !== undefined) {
        throw new TransformError(`${op}: ${at(argument, p)} is a JS array of numbers, not a Tensor; wrap it with tensor(...).`, {
          op, argument: at(argument, p), expected: 'a Tensor', received: 'a JS array of numbers',
        });
      }
      out[i] = scalar(l, getDefaultFloat());
      continue;
    }
    const kind = leafKind(l);
    const hint = ArrayBuffer.isView(l) ? '; wrap it with tensor(...)' : '';
    throw new TransformError(`${op}: ${at(argument, pathOf(i))} is ${kind}, not a Tensor${hint}. ${argument[0]!.toUpperCase()}${argument.slice(1)} must be a pytree (arrays and plain objects) of tensors.`, {
      op, argument: at(argument, pathOf(i)), expected: 'a Tensor', received: kind,
    });
  }
  return [out, def];
}

/** @internal The path of every leaf of a (finite) tree, in flatten order. */
export function leafPaths(op: string, value: unknown): string[] {
  const paths: string[] = [];
  flattenChecked(value, op, paths);
  return paths;
}

/** @internal Flattens a tree, turning number leaves into scalars and rejecting other leaves (see {@link checkTensorTree}). */
export function tensorLeaves(op: string, t: unknown, argument: string): [Tensor[], TreeDef] {
  return checkTensorTree(op, t, argument);
}

/**
 * @internal Requires a function argument.
 * @throws {TransformError} when `f` is not a function.
 */
export function checkFunction(op: string, f: unknown, argument = 'f'): void {
  if (typeof f !== 'function') {
    const got = describeValue(f);
    throw new TransformError(`${op}: ${argument} must be a function, got ${got}.`, { op, argument, expected: 'a function', received: got });
  }
}

/** @internal Requires floating leaves for differentiation; `where(i)` (e.g. `argument 0 at .w`) locates leaf `i` in messages. */
export function requireFloatLeaves(op: string, leaves: readonly Tensor[], argument: string, where?: (i: number) => string): void {
  leaves.forEach((l, i) => {
    if (!isFloat(l.dtype)) {
      const w = where ? where(i) : `${argument} leaf ${i}`;
      throw new DTypeError(`${op}: can only differentiate with respect to floating-point inputs, but ${w} is ${l.aval.toString()}. Cast it, or move it out of argnums.`, {
        op, argument: w, received: l.aval.toString(),
      });
    }
  });
}

/** @internal Normalises `argnums`. */
export function normArgnums(op: string, argnums: number | readonly number[], nargs: number): number[] {
  if (typeof argnums !== 'number' && !Array.isArray(argnums)) {
    throw new TransformError(`${op}: argnums must be an integer or a list of integers, got ${describeValue(argnums)}.`, { op, argument: 'argnums', received: describeValue(argnums) });
  }
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  if (new Set(list).size !== list.length) {
    throw new TransformError(`${op}: argnums ${describeValue(argnums)} repeats an argument.`, { op, argument: 'argnums', received: describeValue(argnums) });
  }
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new TransformError(`${op}: argnums ${describeValue(a)} is out of range for a call with ${nargs} argument(s).`, { op, argument: 'argnums', received: String(a) });
    }
  }
  return list;
}

/** @internal Splits args into differentiated leaves and a rebuild function. */
export function splitArgs(op: string, args: readonly unknown[], argnums: readonly number[]): { leaves: Tensor[]; defs: TreeDef[]; rebuild: (leaves: readonly Tensor[]) => unknown[] } {
  const defs: TreeDef[] = [];
  const leaves: Tensor[] = [];
  for (const a of argnums) {
    const [ls, d] = checkTensorTree(op, args[a], `argument ${a}`);
    requireFloatLeaves(op, ls, `argument ${a}`, (i) => at(`argument ${a}`, leafPaths(op, args[a])[i]!));
    defs.push(d);
    leaves.push(...ls);
  }
  const rebuild = (ls: readonly Tensor[]): unknown[] => {
    const out = [...args];
    let k = 0;
    argnums.forEach((a, i) => {
      const n = defs[i]!.numLeaves;
      out[a] = unflatten(defs[i]!, ls.slice(k, k + n));
      k += n;
    });
    return out;
  };
  return { leaves, defs, rebuild };
}

/** @internal Splits flat per-leaf results back into one tree per argnum. */
export function treesPerArg<T>(defs: readonly TreeDef[], flat: readonly T[]): Tree<T>[] {
  let k = 0;
  return defs.map((d) => {
    const r = unflatten(d, flat.slice(k, k + d.numLeaves));
    k += d.numLeaves;
    return r;
  });
}
