/**
 * Partitioning parameters: {@link masked}, {@link multiTransform} and {@link addDecayedWeights}.
 *
 * ```text
 * masked(t, m)      u_i = t(g)_i where m_i, g_i elsewhere
 * multiTransform    u_i = t_{label(i)}(g)_i
 * addDecayedWeights u = g + λθ
 * ```
 * Masks and labels may be prefixes of the params tree: a boolean (or label) at a node applies
 * to every leaf below it. Masked-out leaves are hidden from the inner transformation by
 * replacing them with `null` (an empty node), so its state has no entries for them.
 * @module
 */
import { TreeMismatchError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, mul } from '../ops/arithmetic.js';
import { zerosLike } from '../tree/math.js';
import { flatten, isPlainObject, map, unflatten, type Tree } from '../tree/tree.js';
import type { EmptyState, GradientTransformation, Params, Scalar, Updates } from './base.js';
import { asLeaf, checkScalar, requireParams } from './internal.js';
import { checkSameDtypes, PARAM_HINT } from './dtypes.js';

/** A mask: a tree (or tree prefix) of booleans, or a function of the params returning one. */
export type Mask = Tree<boolean> | ((params: Params) => Tree<boolean>);

/** @internal One value per leaf of `t`, broadcasting `prefix` values over subtrees. */
export function broadcastPrefix<V>(op: string, t: Tree<unknown>, prefix: unknown, isValue: (x: unknown) => x is V): V[] {
  const out: V[] = [];
  const mismatch = (path: string): never => {
    throw new TreeMismatchError(`${op}: mask/labels must be a prefix of the params tree, mismatch at '${path || '<root>'}'.`, { op, argument: 'mask', received: path });
  };
  const walk = (x: unknown, p: unknown, path: string): void => {
    if (isValue(p)) { out.push(...Array<V>(flatten(x as Tree<unknown>)[0].length).fill(p)); return; }
    if (x === null || x === undefined) return;
    if (Array.isArray(x)) {
      if (!Array.isArray(p) || p.length !== x.length) mismatch(path);
      x.forEach((c, i) => walk(c, (p as unknown[])[i], `${path}/${i}`));
      return;
    }
    if (isPlainObject(x)) {
      if (!isPlainObject(p)) mismatch(path);
      const keys = Object.keys(x).sort();
      const pk = Object.keys(p as object).sort();
      if (keys.length !== pk.length || keys.some((k, i) => k !== pk[i])) mismatch(path);
      keys.forEach((k) => walk(x[k], (p as Record<string, unknown>)[k], `${path}/${k}`));
      return;
    }
    mismatch(path);
  };
  walk(t, prefix, '');
  return out;
}

/** @internal The tree with unselected leaves replaced by `null` (hidden). */
export function selectLeaves(t: Tree<Tensor> | undefined, keep: readonly boolean[]): Tree<Tensor> | undefined {
  if (t === undefined) return undefined;
  const [ls, def] = flatten(t);
  return unflatten(def, ls.map((l, i) => (keep[i] ? l : null))) as Tree<Tensor>;
}

/** @internal Writes the inner leaves back into the selected positions of `t`. */
export function mergeLeaves(t: Updates, keep: readonly boolean[], inner: Updates): Updates {
  const [ls, def] = flatten(t);
  const [ins] = flatten(inner);
  let k = 0;
  const out = ls.map((l, i) => (keep[i] ? ins[k++]! : l));
  if (k !== ins.length) throw new TreeMismatchError(`masked: the inner transformation returned ${ins.length} leaves, expected ${k}.`, { op: 'masked' });
  return unflatten(def, out);
}

const isBool = (x: unknown): x is boolean => typeof x === 'boolean';

/** State of {@link masked}. */
export type MaskedState<S> = {
  /** State of the inner transformation (over the selected leaves only). */
  readonly innerState: S;
};

/**
 * Applies `inner` only to the leaves where `mask` is true; other updates pass through unchanged.
 *
 * ```text
 * u_i = inner(g|_m)_i  if m_i   else g_i
 * ```
 * @param inner - the transformation to apply to the selected leaves.
 * @param mask - a boolean tree (or prefix), or a function of the params (of the updates when params are absent).
 * @returns a transformation with state `{ innerState }`.
 * @throws {TreeMismatchError} when the mask is not a prefix of the params tree.
 * @example
 * ```ts
 * const decay = optim.masked(optim.addDecayedWeights(1e-4), { w: true, b: false });
 * ```
 */
export function masked<S>(inner: GradientTransformation<S>, mask: Mask): GradientTransformation<MaskedState<S>> {
  const flags = (t: Params): boolean[] => broadcastPrefix('masked', t, typeof mask === 'function' ? mask(t) : mask, isBool);
  return {
    init: (params) => ({ innerState: inner.init(selectLeaves(params, flags(params))) }),
    update: (updates, state, params, extra) => {
      const keep = flags(params ?? updates);
      const [u, s] = inner.update(selectLeaves(updates, keep), state.innerState, selectLeaves(params, keep), extra);
      return [mergeLeaves(updates, keep, u), { innerState: s }];
    },
  };
}

/** State of {@link multiTransform}: one inner state per label. */
export type MultiTransformState = {
  /** `{ label: state }` of each inner transformation. */
  readonly innerStates: Readonly<Record<string, unknown>>;
};

/**
 * Applies a different transformation to each labelled group of parameters (optax `multi_transform`).
 *
 * ```text
 * u_i = t_{ℓ(i)}(g|_{ℓ = ℓ(i)})_i
 * ```
 * @param transforms - `{ label: transformation }`.
 * @param paramLabels - a tree (or prefix) of labels, or a function of the params returning one.
 * @returns a transformation with state `{ innerStates }`.
 * @throws {ValueError} when a label has no transformation.
 * @throws {TreeMismatchError} when the labels are not a prefix of the params tree.
 * @example
 * ```ts
 * const opt = optim.multiTransform({ fast: optim.sgd({ learningRate: 0.1 }), frozen: optim.setToZero() }, { w: 'fast', b: 'frozen' });
 * ```
 */
export function multiTransform(transforms: Readonly<Record<string, GradientTransformation<any>>>, paramLabels: Tree<string> | ((params: Params) => Tree<string>)): GradientTransformation<MultiTransformState> {
  const names = Object.keys(transforms).sort();
  const labelsOf = (t: Params): string[] => {
    const ls = broadcastPrefix('multiTransform', t, typeof paramLabels === 'function' ? paramLabels(t) : paramLabels, (x): x is string => typeof x === 'string');
    const bad = ls.find((l) => !(l in transforms));
    if (bad !== undefined) {
      throw new ValueError(`multiTransform: label '${bad}' has no transformation; known labels: ${names.join(', ')}.`, { op: 'multiTransform', argument: 'paramLabels', expected: names.join(' | '), received: bad });
    }
    return ls;
  };
  return {
    init: (params) => {
      const ls = labelsOf(params);
      return { innerStates: Object.fromEntries(names.map((n) => [n, transforms[n]!.init(selectLeaves(params, ls.map((l) => l === n)))])) };
    },
    update: (updates, state, params, extra) => {
      const ls = labelsOf(params ?? updates);
      let u = updates;
      const innerStates: Record<string, unknown> = {};
      for (const n of names) {
        const keep = ls.map((l) => l === n);
        const [v, s] = transforms[n]!.update(selectLeaves(updates, keep), state.innerStates[n], selectLeaves(params, keep), extra);
        u = mergeLeaves(u, keep, v);
        innerStates[n] = s;
      }
      return [u, { innerStates }];
    },
  };
}

/**
 * Sets every update to zero (freezes parameters; use with {@link multiTransform}).
 *
 * ```text
 * u = 0
 * ```
 * @returns a stateless transformation.
 * @example
 * ```ts
 * optim.multiTransform({ train: optim.adam({ learningRate: 1e-3 }), freeze: optim.setToZero() }, labels);
 * ```
 */
export function setToZero(): GradientTransformation<EmptyState> {
  return { init: () => ({}), update: (updates, state) => [zerosLike(updates), state] };
}

/**
 * Adds weight decay: the gradient of `λ/2·‖θ‖²` (decoupled weight decay when placed after a
 * preconditioner, Loshchilov & Hutter 2019).
 *
 * ```text
 * u = g + λ·θ          (only where mask is true)
 * ```
 * @param weightDecay - λ ≥ 0.
 * @param mask - optional mask selecting the decayed leaves (see {@link masked}).
 * @returns a stateless transformation (wrapped in `masked` when a mask is given).
 * @throws {ValueError} when `weightDecay` is negative.
 * @throws {TransformError} (from `update`) when `params` are not given.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByAdam(), optim.addDecayedWeights(1e-4), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function addDecayedWeights(weightDecay: Scalar = 0, mask?: Mask): GradientTransformation<any> {
  checkScalar('addDecayedWeights', 'weightDecay', weightDecay, 'nonneg');
  const t: GradientTransformation<EmptyState> = {
    init: () => ({}),
    update: (updates, state, params) => {
      const p = requireParams('addDecayedWeights', params);
      checkSameDtypes('addDecayedWeights', updates, 'update', p, 'the parameter', PARAM_HINT);
      return [map((g: Tensor, x: Tensor) => add(g, mul(x, asLeaf(weightDecay, x))), updates, p), state];
    },
  };
  return mask === undefined ? t : masked(t, mask);
}
