/**
 * Applying updates to parameters.
 *
 * ```text
 * applyUpdates(θ, u) = θ + u   (leafwise; u must have θ's dtype unless { cast: true })
 * ```
 * @module
 */
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, cast } from '../ops/arithmetic.js';
import { map, type Tree } from '../tree/tree.js';
import type { Updates } from './base.js';
import { checkSameDtypes } from './dtypes.js';

/**
 * Options of {@link applyUpdates}.
 * @example
 * ```ts
 * optim.applyUpdates(params64, updates32, { cast: true });
 * ```
 */
export interface ApplyUpdatesOptions {
  /**
   * Opt in to casting each update to its parameter's dtype (e.g. float32 updates on float64
   * parameters, rounding nothing away that the update had, but computed at lower precision).
   * Off by default: a dtype mismatch is a {@link DTypeError}.
   * @defaultValue `false`
   */
  readonly cast?: boolean;
}

/**
 * Adds updates to parameters, leaf by leaf, keeping each parameter's dtype and shape.
 *
 * ```text
 * θ' = θ + u
 * ```
 * Every update must have its parameter's dtype: a float32 update on a float64 parameter (or
 * the reverse) is an error naming the leaf, since a silent cast hides lost precision. Pass
 * `{ cast: true }` to cast updates to the parameter dtypes instead.
 * @param params - the parameters.
 * @param updates - updates of the same structure, shapes and dtypes (e.g. from `update`).
 * @param options - `cast`: opt in to casting updates to the parameter dtypes (default `false`).
 * @returns the new parameters (same structure as `params`).
 * @throws {TreeMismatchError} when the structures differ.
 * @throws {ShapeError} when a leaf's shape differs.
 * @throws {DTypeError} when a leaf's dtype differs and `cast` is not set, e.g.
 *   `applyUpdates: update at .w is float32 but the parameter is float64.`
 * @example
 * ```ts
 * const [u, state2] = opt.update(grads, state, params);
 * params = optim.applyUpdates(params, u);
 * params64 = optim.applyUpdates(params64, updates32, { cast: true }); // explicit opt-in
 * ```
 */
export function applyUpdates<T extends Tree<Tensor>>(params: T, updates: Updates, options: ApplyUpdatesOptions = {}): T {
  if (options.cast !== true) {
    checkSameDtypes('applyUpdates', updates, 'update', params, 'the parameter', 'Cast the updates (or gradients) to the parameter dtype, or pass { cast: true } to applyUpdates.');
  }
  return map((p: Tensor, u: Tensor) => {
    if (p.shape.length !== u.shape.length || p.shape.some((d, i) => d !== u.shape[i])) {
      throw new ShapeError(`applyUpdates: update shape must equal the param shape, got ${u.aval.toString()} for ${p.aval.toString()}.`, {
        op: 'applyUpdates', argument: 'updates', expected: p.aval.toString(), received: u.aval.toString(),
      });
    }
    return add(p, u.dtype === p.dtype ? u : cast(u, p.dtype));
  }, params, updates) as T;
}
