/**
 * dtype discipline for optimizers: updates, parameters and parameter-shaped state must share
 * each leaf's dtype. Mixing float32 and float64 would silently round (a float32 gradient on a
 * float64 parameter loses half its digits), so it is an error naming the leaf's path.
 * @internal
 * @module
 */
import { DTypeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { flatten, isPlainObject, type Tree } from '../tree/tree.js';

/** @internal `[path, leaf]` pairs in `tree.flatten` order; paths read `.w`, `[0]`, `.layers[1].b` (`''` for a bare leaf). */
export function leafPaths(t: Tree<unknown>, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  if (t === null || t === undefined) return out;
  if (Array.isArray(t)) t.forEach((c, i) => leafPaths(c, `${prefix}[${i}]`, out));
  else if (isPlainObject(t)) for (const k of Object.keys(t).sort()) leafPaths(t[k] as Tree<unknown>, /^[A-Za-z_$][\w$]*$/.test(k) ? `${prefix}.${k}` : `${prefix}[${JSON.stringify(k)}]`, out);
  else out.push([prefix, t]);
  return out;
}

/**
 * @internal Throws DTypeError at the first leaf where `a` and `b` (trees of the same structure)
 * hold tensors of different dtypes: `"<op>: <aName> at <path> is float32 but <bName> is float64. <hint>"`.
 * Leaves that are not tensors, and trees of different structure, are left to the caller's own checks.
 */
export function checkSameDtypes(op: string, a: Tree<unknown>, aName: string, b: Tree<unknown>, bName: string, hint: string): void {
  const [la, da] = flatten(a), [lb, db] = flatten(b);
  if (la.length !== lb.length || !da.equals(db)) return;
  for (let i = 0; i < la.length; i++) {
    const x = la[i], y = lb[i];
    if (!(x instanceof Tensor) || !(y instanceof Tensor) || x.dtype === y.dtype) continue;
    const path = leafPaths(a)[i]![0]; // built only on the error path
    const at = path === '' ? '' : ` at ${path}`;
    throw new DTypeError(`${op}: ${aName}${at} is ${x.dtype} but ${bName} is ${y.dtype}. ${hint}`, {
      op, argument: aName, expected: `${y.dtype} (like ${bName})`, received: `${x.aval.toString()}${at}`,
    });
  }
}

/** @internal The hint for an update/state mismatch inside a stateful transformation. */
export const STATE_HINT = 'Gradients must have the dtype of the params given to init; cast them (or the params) first.';

/** @internal The hint for an update/parameter mismatch. */
export const PARAM_HINT = 'Cast the gradients (or the params) so that both have one dtype.';

/** @internal Checks `updates` against a params-shaped state tree of the transformation `op`. */
export function checkUpdatesMatchState(op: string, updates: Tree<unknown>, stateLike: Tree<unknown>): void {
  checkSameDtypes(op, updates, 'update', stateLike, 'the optimizer state (from init(params))', STATE_HINT);
}
