/**
 * Internal helpers shared by the optimizer modules (not exported from the package).
 * @internal
 * @module
 */
import { ShapeError, TransformError, ValueError } from '../errors.js';
import { ConcreteTensor, Tensor } from '../tensor/tensor.js';
import { zeros, tensor } from '../tensor/creation.js';
import { getDefaultFloat } from '../tensor/dtype.js';
import { add, cast, mul, pow, sub, div } from '../ops/arithmetic.js';
import { less, where } from '../ops/logic.js';
import { assertSameStructure, flatten, map, type Tree } from '../tree/tree.js';
import type { Params, Scalar, SecondMomentSource, UpdateExtra, Updates } from './base.js';

const INT32_MAX = 2147483647;

/** @internal A fresh int32 zero counter. */
export const zeroCount = (): Tensor => zeros([], 'int32');

/** @internal `count + 1`, saturating at the int32 maximum (optax `safe_increment`). */
export function increment(count: Tensor): Tensor {
  return where(less(count, INT32_MAX), add(count, 1), count);
}

/** @internal A scalar hyperparameter in the dtype of `like` (numbers stay weakly typed). */
export function asLeaf(s: Scalar, like: Tensor): number | Tensor {
  return typeof s === 'number' || s.dtype === like.dtype ? s : cast(s, like.dtype);
}

/** @internal `1 − s`. */
export function oneMinus(s: number | Tensor): number | Tensor {
  return typeof s === 'number' ? 1 - s : sub(1, s);
}

/** @internal Exponential moving average of the `order`-th power: `(1 − d)·gᵒʳᵈᵉʳ + d·t`. */
export function ema(g: Tensor, t: Tensor, decay: Scalar, order: 1 | 2): Tensor {
  const d = asLeaf(decay, g);
  const gp = order === 1 ? g : mul(g, g);
  return add(mul(gp, oneMinus(d)), mul(t, d));
}

/** @internal Bias correction `m / (1 − decayᵗ)` in `m`'s dtype. */
export function biasCorrect(m: Tensor, decay: Scalar, count: Tensor): Tensor {
  return div(m, sub(1, pow(asLeaf(decay, m), cast(count, m.dtype))));
}

/** @internal The number held by a scalar, or undefined when it is traced. */
export function concreteValue(s: Scalar | undefined): number | undefined {
  if (s === undefined || typeof s === 'number') return s;
  return s instanceof ConcreteTensor && s.size === 1 ? s.item() : undefined;
}

/** @internal Throws ValueError unless the (concrete) value is finite and, if asked, ≥ 0 / > 0. */
export function checkScalar(op: string, name: string, s: Scalar | undefined, rule: 'finite' | 'nonneg' | 'positive' | 'unit' = 'finite'): void {
  const v = concreteValue(s);
  if (v === undefined) return;
  const ok = Number.isFinite(v) && (rule === 'finite' || (rule === 'nonneg' && v >= 0) || (rule === 'positive' && v > 0) || (rule === 'unit' && v >= 0 && v < 1));
  if (!ok) {
    const expected = { finite: 'a finite number', nonneg: 'a finite number ≥ 0', positive: 'a finite number > 0', unit: 'a number in [0, 1)' }[rule];
    throw new ValueError(`${op}: '${name}' must be ${expected}, got ${v}.`, { op, argument: name, expected, received: String(v) });
  }
}

/** @internal Throws ValueError unless `n` is an integer ≥ `min`. */
export function checkInt(op: string, name: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min) {
    throw new ValueError(`${op}: '${name}' must be an integer ≥ ${min}, got ${n}.`, { op, argument: name, expected: `integer ≥ ${min}`, received: String(n) });
  }
}

/** @internal Throws TransformError when a transformation that needs `params` got none. */
export function requireParams(op: string, params: Params | undefined): Params {
  if (params === undefined) {
    throw new TransformError(`${op}: update needs the current params, got undefined. Call update(updates, state, params).`, {
      op, argument: 'params', expected: 'a pytree of tensors', received: 'undefined',
    });
  }
  return params;
}

/** @internal Reads `extra[key]`, throwing TransformError naming the transformation when missing. */
export function requireExtra(op: string, extra: UpdateExtra | undefined, key: string, what: string): unknown {
  const v = extra?.[key];
  if (v === undefined || v === null) {
    throw new TransformError(`${op}: update needs extra.${key} (${what}), got ${extra === undefined ? 'no extra argument' : 'undefined'}. Call update(updates, state, params, { ${key} }).`, {
      op, argument: `extra.${key}`, expected: what, received: 'undefined',
    });
  }
  return v;
}

/** @internal Checks every leaf is a tensor. */
export function tensorLeaves(op: string, t: Tree<unknown>, argument: string): Tensor[] {
  const [ls] = flatten(t);
  for (const l of ls) {
    if (!(l instanceof Tensor)) {
      throw new TransformError(`${op}: every leaf of '${argument}' must be a Tensor, got ${typeof l}.`, { op, argument, expected: 'Tensor', received: typeof l });
    }
  }
  return ls as Tensor[];
}

/** @internal Leafwise select `cond ? a : b` on two trees of the same structure. */
export function selectTree<T>(cond: Tensor, a: T, b: T): T {
  return map((x: Tensor, y: Tensor) => where(cond, x, y), a as Tree<Tensor>, b as Tree<Tensor>) as T;
}

/** @internal Maps over updates (and optionally other trees) with a structure check. */
export function mapUpdates(f: (u: Tensor, ...rest: Tensor[]) => Tensor, updates: Updates, ...rest: Tree<Tensor>[]): Updates {
  return map(f, updates, ...rest);
}

/** @internal A scalar tensor of the default float dtype. */
export function floatScalar(v: number): Tensor {
  return tensor(v, { dtype: getDefaultFloat() });
}


/** @internal Updates the second-moment EMA from g⊙g or from `extra.fisherDiagonal` (validated against `updates`). */
export function updateSecondMoment(op: string, source: SecondMomentSource, updates: Updates, nu: Tree<Tensor>, decay: Scalar, extra: UpdateExtra | undefined): Tree<Tensor> {
  if (source === 'squaredGradient') return map((g: Tensor, v: Tensor) => ema(g, v, decay, 2), updates, nu);
  const f = requireExtra(op, extra, 'fisherDiagonal', 'a pytree like the params holding a Fisher diagonal') as Tree<Tensor>;
  const [fl, fd] = flatten(f);
  const [ul, ud] = flatten(updates);
  assertSameStructure(op, ud, fd, 'updates and extra.fisherDiagonal');
  fl.forEach((x, i) => {
    const u = ul[i]!;
    if (!(x instanceof Tensor) || x.shape.length !== u.shape.length || x.shape.some((d, j) => d !== u.shape[j])) {
      const got = x instanceof Tensor ? x.aval.toString() : typeof x;
      throw new ShapeError(`${op}: extra.fisherDiagonal leaf ${i} must match the update shape ${u.aval.toString()}, got ${got}.`, { op, argument: 'extra.fisherDiagonal', expected: u.aval.toString(), received: got });
    }
  });
  return map((x: Tensor, v: Tensor) => ema(x.dtype === v.dtype ? x : cast(x, v.dtype), v, decay, 1), f, nu);
}
