/**
 * `jacfwd`, `jacrev` and `hessian`: dense Jacobians by mapping `jvp` or `vjp` over a basis.
 *
 * ```text
 * jacfwd(f)(x) = vmap(v ↦ J v)(I)      (one JVP per input element)
 * jacrev(f)(x) = vmap(u ↦ Jᵀ u)(I)     (one VJP per output element)
 * hessian(f) = jacfwd(jacrev(f))
 * ```
 * The Jacobian of an output leaf of shape `S_out` with respect to an input leaf of shape
 * `S_in` has shape `[...S_out, ...S_in]`. The result nests the input tree inside the output tree.
 * @module
 */
import { eye } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { jvpFlat, vjpFlat } from '../core/flat.js';
import { vmapFlat } from '../core/interpreters/vmap-flat.js';
import { instantiate } from '../core/primitives/_rules.js';
import { reshape } from '../core/primitives/reshape.js';
import { slice } from '../core/primitives/slice.js';
import { cast } from '../core/primitives/cast.js';
import { unflatten, type TreeDef } from '../tree/tree.js';
import { checkFunction, normArgnums, splitArgs, tensorLeaves } from './common.js';
import { TransformError } from '../errors.js';

/** Options of {@link jacfwd}, {@link jacrev} and {@link hessian}. */
export interface JacobianOptions {
  /** Which argument(s) to differentiate. @defaultValue 0 */
  readonly argnums?: number | readonly number[];
}

type Flat = { ins: Tensor[]; outs: Tensor[]; outDef: TreeDef; inDefs: TreeDef[]; single: boolean };

function flatSetup(op: string, f: (...a: any[]) => any, args: readonly unknown[], options: JacobianOptions) {
  const argnums = normArgnums(op, options.argnums ?? 0, args.length);
  const { leaves, defs, rebuild } = splitArgs(op, args, argnums);
  if (leaves.length === 0) {
    throw new TransformError(`${op}: the differentiated argument(s) ${argnums.join(', ')} hold no tensors; there is nothing to differentiate.`, { op, argument: `argument ${argnums.join(', ')}`, received: 'an empty pytree' });
  }
  const state: { outDef?: TreeDef } = {};
  const flatF = (ls: Tensor[]): Tensor[] => {
    const [o, d] = tensorLeaves(op, f(...rebuild(ls)), 'output');
    state.outDef = d;
    return o;
  };
  return { leaves, defs, flatF, state, single: typeof (options.argnums ?? 0) === 'number' };
}

function castTo(t: Tensor, like: Tensor): Tensor {
  return t.dtype === like.dtype ? t : cast(t, like.dtype);
}

function basis(n: number, like: Tensor): Tensor {
  return eye(n, n, like.dtype);
}

/** Splits a [N_total, ...] stacked result into per-leaf blocks reshaped to leaf shapes. */
function splitRows(stacked: Tensor, leaves: readonly Tensor[], axis: number): Tensor[] {
  let off = 0;
  return leaves.map((l) => {
    const starts = stacked.shape.map((_, i) => (i === axis ? off : 0));
    const sizes = stacked.shape.map((d, i) => (i === axis ? l.size : d));
    off += l.size;
    const s = slice(stacked, starts, sizes);
    return reshape(s, [...stacked.shape.slice(0, axis), ...l.shape, ...stacked.shape.slice(axis + 1)]);
  });
}

function assemble(j: Flat, block: (o: number, i: number) => Tensor): any {
  const perOut = j.outs.map((_, o) => {
    const perIn = j.ins.map((_, i) => block(o, i));
    let k = 0;
    const trees = j.inDefs.map((d) => unflatten(d, perIn.slice(k, (k += d.numLeaves))));
    return j.single ? trees[0] : trees;
  });
  return unflatten(j.outDef, perOut);
}

/**
 * Jacobian by forward mode (efficient when inputs are few).
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * jacfwd((x: Tensor) => x.square())(tensor([1, 2])).toArray(); // [[2, 0], [0, 4]]
 * ```
 */
export function jacfwd<F extends (...args: any[]) => any>(f: F, options: JacobianOptions = {}): (...args: Parameters<F>) => any {
  checkFunction('jacfwd', f);
  return (...args) => {
    const { leaves, defs, flatF, state, single } = flatSetup('jacfwd', f, args, options);
    const n = leaves.reduce((s, l) => s + l.size, 0);
    const tangents = splitRows(basis(n, leaves[0]!), leaves, 1).map((t, i) => castTo(t, leaves[i]!)); // per leaf: [n, ...S_in], in the leaf's dtype
    let outs: Tensor[] = [];
    // each output tangent comes back as [...S_out, n]
    const cols = vmapFlat((ts) => {
      const [o, t] = jvpFlat(flatF, leaves, ts);
      outs = o;
      return t.map(instantiate);
    }, n, tangents.map(() => 0), tangents, (os) => os.map((o) => o.ndim));
    const flat: Flat = { ins: leaves, outs, outDef: state.outDef!, inDefs: defs, single };
    return assemble(flat, (o, i) => splitRows(cols[o]!, leaves, cols[o]!.ndim - 1)[i]!);
  };
}

/**
 * Jacobian by reverse mode (efficient when outputs are few).
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * jacrev((x: Tensor) => x.square())(tensor([1, 2])).toArray(); // [[2, 0], [0, 4]]
 * ```
 */
export function jacrev<F extends (...args: any[]) => any>(f: F, options: JacobianOptions = {}): (...args: Parameters<F>) => any {
  checkFunction('jacrev', f);
  return (...args) => {
    const { leaves, defs, flatF, state, single } = flatSetup('jacrev', f, args, options);
    const [outs, back] = vjpFlat(flatF, leaves);
    if (outs.length === 0) throw new TransformError('jacrev: f returned no tensors; there is nothing to differentiate.', { op: 'jacrev', argument: 'f', received: 'an empty pytree' });
    const m = outs.reduce((s, o) => s + o.size, 0);
    const cts = splitRows(basis(m, outs[0]!), outs, 1).map((c, i) => castTo(c, outs[i]!));
    const rows = vmapFlat((c) => back(c).map(instantiate), m, cts.map(() => 0), cts); // per input leaf: [m, ...S_in]
    const flat: Flat = { ins: leaves, outs, outDef: state.outDef!, inDefs: defs, single };
    return assemble(flat, (o, i) => splitRows(rows[i]!, outs, 0)[o]!);
  };
}

/**
 * Hessian of a scalar function, `jacfwd(jacrev(f))`.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * hessian((x: Tensor) => x.pow(3).sum())(tensor([1, 2])).toArray(); // [[6, 0], [0, 12]]
 * ```
 */
export function hessian<F extends (...args: any[]) => any>(f: F, options: JacobianOptions = {}): (...args: Parameters<F>) => any {
  checkFunction('hessian', f);
  const h = jacfwd(jacrev(f, options), options);
  return (...args) => {
    splitArgs('hessian', args, normArgnums('hessian', options.argnums ?? 0, args.length)); // errors under hessian's own name
    return h(...args);
  };
}

