/**
 * Composing transformations: {@link identity}, {@link chain} and the fp-ts monoid
 * {@link GradientTransformationMonoid}.
 *
 * ```text
 * chain(t₁, …, tₙ).update(g, [s₁, …, sₙ]) = (uₙ, [s₁', …, sₙ'])
 *   where u₀ = g,  (uᵢ, sᵢ') = tᵢ.update(uᵢ₋₁, sᵢ, θ, extra)
 * ```
 * Laws (on updates; states are nested tuples): `chain(identity(), t) ≡ t ≡ chain(t, identity())`
 * and `chain(chain(a, b), c) ≡ chain(a, chain(b, c))`.
 * @module
 */
import { checkTensorTree } from '../transforms/common.js';
import type { Monoid } from 'fp-ts/lib/Monoid.js';
import { ValueError } from '../errors.js';
import type { EmptyState, GradientTransformation, StateOf } from './base.js';
import { checkSameDtypes, PARAM_HINT } from './dtypes.js';

/**
 * The transformation that returns its updates unchanged (the monoid unit).
 *
 * ```text
 * u = g
 * ```
 * @returns a stateless transformation.
 * @example
 * ```ts
 * const [u] = optim.identity().update(grads, {});
 * ```
 */
export function identity(): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [updates, state],
  };
}

/** The state of `chain(t₁, …, tₙ)`: the tuple of the inner states. */
export type ChainState<Ts extends readonly GradientTransformation<any>[]> = { readonly [K in keyof Ts]: StateOf<Ts[K]> };

/**
 * Applies transformations in sequence; the state is the tuple of their states.
 *
 * ```text
 * u₀ = g;  uᵢ = tᵢ(uᵢ₋₁);  return uₙ
 * ```
 * @param transforms - the transformations, applied left to right (each gets the same `params` and `extra`).
 * @returns the composed transformation.
 * @throws {ValueError} when an argument is not a transformation.
 * @throws {DTypeError} (from `update`, when `params` are given) when a gradient's dtype differs from its parameter's.
 * @example
 * ```ts
 * const opt = optim.chain(optim.clipByGlobalNorm(1), optim.scaleByAdam(), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function chain<const Ts extends readonly GradientTransformation<any>[]>(...transforms: Ts): GradientTransformation<ChainState<Ts>> {
  transforms.forEach((t, i) => {
    if (typeof t?.init !== 'function' || typeof t?.update !== 'function') {
      throw new ValueError(`chain: argument ${i} must be a GradientTransformation { init, update }, got ${typeof t}.`, {
        op: 'chain', argument: `transforms[${i}]`, expected: 'GradientTransformation', received: typeof t,
      });
    }
  });
  return {
    init: (params) => {
      checkTensorTree('init', params, 'params');
      return transforms.map((t) => t.init(params)) as unknown as ChainState<Ts>;
    },
    update: (updates, state, params, extra) => {
      checkTensorTree('update', updates, 'updates');
      if (params !== undefined) checkTensorTree('update', params, 'params');
      if (params !== undefined) checkSameDtypes('update', updates, 'gradient', params, 'the parameter', PARAM_HINT);
      const states = state as unknown as readonly unknown[];
      let u = updates;
      const next = transforms.map((t, i) => {
        const [v, s] = t.update(u, states[i], params, extra);
        u = v;
        return s;
      });
      return [u, next as unknown as ChainState<Ts>];
    },
  };
}

/**
 * The fp-ts monoid of transformations under {@link chain}, with unit {@link identity}.
 *
 * ```text
 * concat(a, b) = chain(a, b)      empty = identity()
 * ```
 * The laws hold for the updates produced; states nest differently (`[[a, b], c]` vs `[a, [b, c]]`).
 * @example
 * ```ts
 * import { concatAll } from 'fp-ts/lib/Monoid.js';
 * const opt = concatAll(optim.GradientTransformationMonoid)([optim.trace({ decay: 0.9 }), optim.scale(-0.1)]);
 * ```
 */
export const GradientTransformationMonoid: Monoid<GradientTransformation<any>> = {
  concat: (a, b) => chain(a, b),
  empty: identity(),
};
