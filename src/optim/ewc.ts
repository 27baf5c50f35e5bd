/**
 * Elastic weight consolidation (Kirkpatrick et al. 2017) as a gradient transformation, on top of
 * `curvature.ewcPenalty`.
 *
 * ```text
 * R(θ) = (λ/2) Σᵢ Fᵢ(θᵢ − θ*ᵢ)²,    u = g + ∇R(θ) = g + λF⊙(θ − θ*)
 * ```
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { add, cast } from '../ops/arithmetic.js';
import { map } from '../tree/tree.js';
import { grad } from '../transforms/grad.js';
import { ewcPenalty, type Params as CurvatureParams } from '../curvature/index.js';
import type { EmptyState, GradientTransformation, Params } from './base.js';
import { requireParams } from './internal.js';

/**
 * Adds the gradient of the EWC penalty of a previous task to the updates, so that the chain
 * optimises the penalised loss L(θ) + R(θ). Put it first in a chain (before any preconditioner
 * or learning rate), since it adds to the gradient.
 *
 * ```text
 * R(θ) = curvature.ewcPenalty(F, θ*, λ)(θ) = (λ/2) Σᵢ Fᵢ(θᵢ − θ*ᵢ)²
 * u = g + ∇R(θ) = g + λ F ⊙ (θ − θ*)
 * ```
 * `F` should be the Fisher diagonal at θ* (exact or MC, e.g. `curvature.fisher(…).diagonal()`),
 * not the squared batch gradient. Reference: Kirkpatrick et al. (2017).
 * @param fisherDiagonal - diag(F) as a tree shaped like the params.
 * @param anchor - θ*, the previous task's params.
 * @param lambda - λ ≥ 0.
 * @returns a stateless transformation (needs `params` in `update`).
 * @throws {ValueError} for negative λ or Fisher entries; {TreeMismatchError}/{ShapeError} when the
 *   trees differ (from `ewcPenalty`, at construction, and in `update` for mismatched params).
 * @throws {TransformError} (from `update`) when params are missing.
 * @example
 * ```ts
 * const F = curvature.fisher({ model, likelihood }, thetaA, taskA).diagonal();
 * const opt = optim.chain(optim.addEwcPenaltyGradient(F, thetaA, 100), optim.adam({ learningRate: 1e-2 }));
 * const [u, s] = opt.update(grad(lossB)(params), state, params);
 * ```
 */
export function addEwcPenaltyGradient(fisherDiagonal: Params, anchor: Params, lambda: number): GradientTransformation<EmptyState> {
  const op = 'addEwcPenaltyGradient';
  const gradPenalty = grad(ewcPenalty(fisherDiagonal as CurvatureParams, anchor as CurvatureParams, lambda));
  return {
    init: () => ({}),
    update: (updates, state, params) => {
      const gp = gradPenalty(requireParams(op, params) as CurvatureParams);
      return [map((g: Tensor, r: Tensor) => add(g, r.dtype === g.dtype ? r : cast(r, g.dtype)), updates, gp), state];
    },
  };
}
