/**
 * Clipping: bound each update element, or the global norm of all updates.
 *
 * ```text
 * clip(δ)              u = clamp(g, −δ, δ)
 * clipByGlobalNorm(c)  u = g · c / max(‖g‖₂, c)     (‖g‖₂ over all leaves)
 * ```
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { cast, clip as clipOp, div, mul } from '../ops/arithmetic.js';
import { less, where } from '../ops/logic.js';
import { map, type Tree } from '../tree/tree.js';
import { norm } from '../tree/math.js';
import type { EmptyState, GradientTransformation, Scalar } from './base.js';
import { asLeaf, checkScalar } from './internal.js';

/**
 * Clips every update element to `[−maxDelta, maxDelta]`.
 *
 * ```text
 * u = min(max(g, −δ), δ)
 * ```
 * @param maxDelta - the bound δ ≥ 0.
 * @returns a stateless transformation.
 * @throws {ValueError} when `maxDelta` is negative.
 * @example
 * ```ts
 * const opt = optim.chain(optim.clip(1), optim.sgd({ learningRate: 0.1 }));
 * ```
 */
export function clip(maxDelta: Scalar): GradientTransformation<EmptyState> {
  checkScalar('clip', 'maxDelta', maxDelta, 'nonneg');
  return {
    init: () => ({}),
    update: (updates, state) => [map((g: Tensor) => {
      const d = asLeaf(maxDelta, g);
      return clipOp(g, typeof d === 'number' ? -d : mul(d, -1), d);
    }, updates), state],
  };
}

/** @internal Rescales a tree so its global 2-norm is at most `maxNorm` (no-op when already within). */
export function clipTreeByNorm(t: Tree<Tensor>, maxNorm: Scalar): Tree<Tensor> {
  const n = norm(t);
  return map((g: Tensor) => {
    const ng = n.dtype === g.dtype ? n : cast(n, g.dtype);
    return where(less(ng, asLeaf(maxNorm, ng)), g, mul(div(g, ng), asLeaf(maxNorm, g)));
  }, t);
}

/**
 * Rescales all updates together so their global 2-norm is at most `maxNorm`
 * (Pascanu et al. 2013).
 *
 * ```text
 * u = g                     if ‖g‖₂ < c
 * u = (g / ‖g‖₂)·c          otherwise
 * ```
 * The output norm is ≤ c up to one rounding, and clipping twice equals clipping once up to rounding.
 * @param maxNorm - the bound c ≥ 0.
 * @returns a stateless transformation.
 * @throws {ValueError} when `maxNorm` is negative.
 * @example
 * ```ts
 * const opt = optim.chain(optim.clipByGlobalNorm(1), optim.adam({ learningRate: 1e-3 }));
 * ```
 */
export function clipByGlobalNorm(maxNorm: Scalar): GradientTransformation<EmptyState> {
  checkScalar('clipByGlobalNorm', 'maxNorm', maxNorm, 'nonneg');
  return {
    init: () => ({}),
    update: (updates, state) => [clipTreeByNorm(updates, maxNorm), state],
  };
}
