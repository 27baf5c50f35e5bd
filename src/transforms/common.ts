/**
 * Shared pieces of the public transformation wrappers: argument trees, validation.
 * @module
 */
import { DTypeError, TransformError } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { scalar } from '../tensor/creation.js';
import { getDefaultFloat } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { flatten, unflatten, type Tree, type TreeDef } from '../tree/tree.js';

/** A pytree of tensors (JS numbers are accepted as leaves and become scalars). */
export type TensorTree = Tree<Tensor | number>;

/** @internal Flattens a tree, turning number leaves into scalars and rejecting other leaves. */
export function tensorLeaves(op: string, t: unknown, argument: string): [Tensor[], TreeDef] {
  const [ls, def] = flatten(t as Tree<unknown>);
  const out = ls.map((l, i) => {
    if (l instanceof Tensor) return l;
    if (typeof l === 'number') return scalar(l, getDefaultFloat());
    throw new TransformError(`${op}: ${argument} must be a pytree of tensors (arrays and plain objects), but leaf ${i} is ${l === null ? 'null' : typeof l}${typeof l === 'object' ? ` (${(l as object).constructor?.name})` : ''}.`, {
      op, argument, received: typeof l,
    });
  });
  return [out, def];
}

/** @internal Requires floating leaves for differentiation. */
export function requireFloatLeaves(op: string, leaves: readonly Tensor[], argument: string): void {
  leaves.forEach((l, i) => {
    if (!isFloat(l.dtype)) {
      throw new DTypeError(`${op}: can only differentiate with respect to floating-point inputs, but ${argument} leaf ${i} is ${l.aval.toString()}. Cast it, or move it out of argnums.`, {
        op, argument, received: l.aval.toString(),
      });
    }
  });
}

/** @internal Normalises `argnums`. */
export function normArgnums(op: string, argnums: number | readonly number[], nargs: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new TransformError(`${op}: argnums ${a} is out of range for a call with ${nargs} argument(s).`, { op, argument: 'argnums', received: String(a) });
    }
  }
  return list;
}

/** @internal Splits args into differentiated leaves and a rebuild function. */
export function splitArgs(op: string, args: readonly unknown[], argnums: readonly number[]): { leaves: Tensor[]; defs: TreeDef[]; rebuild: (leaves: readonly Tensor[]) => unknown[] } {
  const defs: TreeDef[] = [];
  const leaves: Tensor[] = [];
  for (const a of argnums) {
    const [ls, d] = tensorLeaves(op, args[a], `argument ${a}`);
    requireFloatLeaves(op, ls, `argument ${a}`);
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
