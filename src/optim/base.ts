/**
 * Core optimizer types: a {@link GradientTransformation} is a pair of pure functions
 * `init(params) → state` and `update(updates, state, params?, extra?) → [updates, state]`.
 *
 * ```text
 * state₀ = init(θ₀)
 * (uₜ, stateₜ₊₁) = update(gₜ, stateₜ, θₜ, extraₜ)
 * θₜ₊₁ = applyUpdates(θₜ, uₜ) = θₜ + uₜ
 * ```
 * Nothing is mutated: `update` returns a fresh state. Step counters are `int32` scalar
 * tensors, so `update` stays traceable (`vmap`, `grad` through an optimizer step).
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree/tree.js';

/** A pytree of tensors: parameters, gradients or updates. */
export type Params = Tree<Tensor>;

/** A pytree of tensors holding updates (gradients on input, parameter deltas on output). */
export type Updates = Tree<Tensor>;

/** A scalar hyperparameter: a JS number or a scalar tensor (as injected by `injectHyperparams`). */
export type Scalar = number | Tensor;

/**
 * Extra per-step arguments given to `update` (optax's `extra_args`), e.g. `curvature`
 * for {@link scaleByPreconditioner} or `fisherDiagonal` for {@link scaleByFAdam}.
 * `chain` and the wrappers pass the same object to every inner transformation.
 */
export interface UpdateExtra {
  readonly [key: string]: unknown;
}

/**
 * An optimizer (or one piece of one): two pure functions over pytrees.
 *
 * ```text
 * init   : Params → S
 * update : (Updates, S, Params?, UpdateExtra?) → [Updates, S]
 * ```
 * Laws: `update` never mutates its arguments; the returned updates have the tree structure
 * and leaf shapes of the input updates.
 * @typeParam S - the state type.
 * @example
 * ```ts
 * const opt = optim.adam(1e-3);
 * let state = opt.init(params);
 * const [updates, next] = opt.update(grads, state, params);
 * params = optim.applyUpdates(params, updates);
 * ```
 */
export interface GradientTransformation<S = unknown> {
  /**
   * The initial state for `params`.
   * @param params - the parameters the optimizer will update.
   * @returns the state (a pytree of tensors).
   */
  init(params: Params): S;
  /**
   * Transforms `updates` and advances `state`.
   * @param updates - incoming updates (usually gradients).
   * @param state - the current state (never mutated).
   * @param params - the current parameters (needed by weight decay, FAdam, …).
   * @param extra - per-step extra arguments (curvature, Fisher diagonal, …).
   * @returns the transformed updates and the new state.
   */
  update(updates: Updates, state: S, params?: Params, extra?: UpdateExtra): [Updates, S];
}

/** The state of a stateless transformation (an empty object: no leaves). */
export type EmptyState = Readonly<Record<string, never>>;

/** State holding only an `int32` scalar step counter. */
export type CountState = {
  /** Steps taken (int32 scalar). */
  readonly count: Tensor;
};

/** Where a second-moment estimate comes from: `g⊙g`, or a Fisher diagonal given in `extra.fisherDiagonal`. */
export type SecondMomentSource = 'squaredGradient' | 'fisherDiagonal';

/** The state type of a transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never;

/**
 * A schedule: maps the step count (an `int32` scalar tensor) to a scalar hyperparameter.
 *
 * ```text
 * schedule : count ↦ value
 * ```
 */
export type Schedule = (count: Tensor) => Tensor | number;

/** A hyperparameter given either as a constant or as a {@link Schedule}. */
export type ScalarOrSchedule = number | Tensor | Schedule;
