/**
 * Applying updates to parameters.
 *
 * ```text
 * applyUpdates(θ, u) = θ + u   (leafwise, in θ's dtype)
 * ```
 * @module
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, cast } from '../ops/arithmetic.js';
import { map, type Tree } from '../tree/tree.js';
import type { Updates } from './base.js';

/**
 * Adds updates to parameters, leaf by leaf, keeping each parameter's dtype and shape.
 *
 * ```text
 * θ' = θ + u
 * ```
 * @param params - the parameters.
 * @param updates - updates of the same structure and shapes (e.g. from `update`).
 * @returns the new parameters (same structure as `params`).
 * @throws {TreeMismatchError} when the structures differ.
 * @throws {ShapeError} when a leaf's shape differs.
 * @example
 * ```ts
 * const [u, state2] = opt.update(grads, state, params);
 * params = optim.applyUpdates(params, u);
 * ```
 */
export function applyUpdates<T extends Tree<Tensor>>(params: T, updates: Updates): T {
  return map((p: Tensor, u: Tensor) => {
    if (p.shape.length !== u.shape.length || p.shape.some((d, i) => d !== u.shape[i])) {
      throw new ShapeError(`applyUpdates: update shape must equal the param shape, got ${u.aval.toString()} for ${p.aval.toString()}.`, {
        op: 'applyUpdates', argument: 'updates', expected: p.aval.toString(), received: u.aval.toString(),
      });
    }
    return add(p, u.dtype === p.dtype ? u : cast(u, p.dtype));
  }, params, updates) as T;
}
