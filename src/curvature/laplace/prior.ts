/**
 * The isotropic, per-leaf or per-parameter Gaussian prior precision of a Laplace approximation,
 * as one tensor δ over the raveled parameters (a scalar or a `[P]` vector).
 * @module
 */
import { ConcreteTensor, Tensor } from '../../tensor/tensor.js';
import { ShapeError, TreeMismatchError, ValueError } from '../../errors.js';
import { tensor } from '../../tensor/creation.js';
import { concat } from '../../ops/manipulation.js';
import type { DType } from '../../tensor/dtype.js';
import * as tree from '../../tree/index.js';
import type { Params } from '../operator.js';

/**
 * A prior precision δ of the prior θ ~ N(0, diag(δ)⁻¹): a number or scalar tensor (isotropic),
 * or a tree shaped like the parameters whose leaves are scalars (one precision per leaf, e.g. per
 * layer weight and bias) or tensors of the leaf's shape (one per parameter).
 */
export type PriorPrecision = number | Tensor | tree.Tree<number | Tensor>;

/** A prior precision as one tensor over the raveled parameters: shape `[]` (isotropic) or `[P]`. */
export interface PriorVector {
  /** δ, `[]` or `[P]`. */
  readonly delta: Tensor;
  /** The leaf index of each parameter group when δ is per leaf and scalar per leaf (for fixed-point updates). */
  readonly perLeaf: boolean;
}

function checkValue(op: string, t: Tensor, where: string): void {
  if (!(t instanceof ConcreteTensor)) return;
  const data = t.toTypedArray();
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (!(v > 0) || !Number.isFinite(v)) {
      throw new ValueError(`${op}: the prior precision${where} must be positive and finite, got ${v}.`, { op, argument: 'priorPrecision', expected: '> 0', received: String(v) });
    }
  }
}

function asTensor(x: number | Tensor, dtype: DType): Tensor {
  return x instanceof Tensor ? (x.dtype === dtype ? x : x.cast(dtype)) : tensor(x, { dtype });
}

/**
 * δ as a tensor over the raveled parameters (leaves in `tree.ravel` order).
 *
 * ```text
 * scalar δ          → δ (shape [])
 * tree of leaves δₗ → [δₗ broadcast to leaf l, raveled, for every leaf l]   (shape [P])
 * ```
 * @param op - Operation name for errors.
 * @param params - The parameters (structure and shapes).
 * @param prior - The prior precision.
 * @param dtype - The dtype of the result.
 * @returns `{ delta, perLeaf }`.
 * @throws {ValueError} for a non-positive value; {TreeMismatchError} / {ShapeError} for a tree not shaped like the parameters.
 * @example
 * ```ts
 * priorVector('laplace', { w: zeros([3]) }, 2, 'float64').delta.shape; // []
 * ```
 */
export function priorVector(op: string, params: Params, prior: PriorPrecision, dtype: DType): PriorVector {
  if (typeof prior === 'number' || (prior instanceof Tensor && prior.ndim === 0)) {
    const t = asTensor(prior, dtype);
    checkValue(op, t, '');
    return { delta: t, perLeaf: false };
  }
  const [leaves, def] = tree.flatten(params);
  const [pl, pdef] = tree.flatten(prior as tree.Tree<Tensor>);
  if (!def.equals(pdef)) {
    throw new TreeMismatchError(`${op}: the prior precision must be a number, a scalar tensor or a tree shaped like the parameters ${def.toString()}, got ${pdef.toString()}.`, { op, argument: 'priorPrecision', expected: def.toString(), received: pdef.toString() });
  }
  let perLeaf = true;
  const parts = leaves.map((leaf, i) => {
    const t = asTensor(pl[i] as unknown as number | Tensor, dtype);
    const full = t.ndim === leaf.ndim && t.shape.every((d, j) => d === leaf.shape[j]);
    if (t.ndim !== 0 && !full) {
      throw new ShapeError(`${op}: prior precision leaf ${i} must be a scalar or have the parameter's shape ${leaf.aval.toString()}, got ${t.aval.toString()}.`, { op, argument: 'priorPrecision', expected: `[] or [${leaf.shape.join(',')}]`, received: t.aval.toString() });
    }
    checkValue(op, t, ` (leaf ${i})`);
    if (t.ndim !== 0) perLeaf = false;
    return (t.ndim === 0 ? t.reshape([1]).broadcastTo([leaf.size]) : t.reshape([leaf.size]));
  });
  return { delta: parts.length === 1 ? parts[0]! : concat(parts, 0), perLeaf };
}

/**
 * The leaf index of every raveled parameter (groups of a per-leaf prior).
 * @param params - The parameters.
 * @returns An array of length P.
 * @example
 * ```ts
 * leafIndex({ b: zeros([2]), w: zeros([3]) }); // [0, 0, 1, 1, 1]
 * ```
 */
export function leafIndex(params: Params): number[] {
  return tree.leaves(params).flatMap((l, i) => new Array<number>(l.size).fill(i));
}
