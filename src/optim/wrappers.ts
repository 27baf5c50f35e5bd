/**
 * Wrappers that change when an inner transformation runs: {@link applyIfFinite} and
 * {@link multiSteps}. Both stay traceable: they compute the inner update every step and
 * select with `where` (like `lax.cond` traced both ways), so a skipped step costs one inner update.
 *
 * ```text
 * applyIfFinite  u = inner(g) if all(isfinite(g)) else 0   (inner state kept on rejection)
 * multiSteps     ḡ ← ḡ + (g − ḡ)/(n+1);  every k-th step u = inner(ḡ), else u = 0
 * ```
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { add, cast, div, minimum, sub } from '../ops/arithmetic.js';
import { equal, greater, isFinite, logicalOr, where } from '../ops/logic.js';
import { min } from '../ops/reductions.js';
import { flatten, map, type Tree } from '../tree/tree.js';
import { zerosLike } from '../tree/math.js';
import type { GradientTransformation } from './base.js';
import { checkInt, increment, selectTree, zeroCount } from './internal.js';
import { checkUpdatesMatchState } from './dtypes.js';

/** State of {@link applyIfFinite}. */
export type ApplyIfFiniteState<S> = {
  /** Consecutive rejected steps (int32). */
  readonly notfiniteCount: Tensor;
  /** Whether the last updates were finite (bool). */
  readonly lastFinite: Tensor;
  /** Total rejected steps (int32). */
  readonly totalNotfinite: Tensor;
  /** The inner state. */
  readonly innerState: S;
};

/** @internal A bool scalar: every element of every leaf is finite. */
export function allFinite(t: Tree<Tensor>): Tensor {
  let acc: Tensor = zeros([], 'int32').add(1);
  for (const l of flatten(t)[0]) if (l.size > 0) acc = minimum(acc, min(cast(isFinite(l), 'int32')));
  return equal(acc, 1);
}

/**
 * Skips updates containing NaN or ±∞: returns zeros and keeps the inner state, unless more than
 * `maxConsecutiveErrors` steps in a row were rejected, in which case the update is applied anyway.
 *
 * ```text
 * ok = all(isfinite(g));  n = ok ? 0 : n + 1
 * (u, s) = ok ∨ n > N ? inner(g, s) : (0, s)
 * ```
 * @param inner - the wrapped transformation.
 * @param maxConsecutiveErrors - N ≥ 0. @defaultValue 5
 * @returns a transformation with state {@link ApplyIfFiniteState}.
 * @throws {ValueError} when `maxConsecutiveErrors` is not a non-negative integer.
 * @example
 * ```ts
 * const opt = optim.applyIfFinite(optim.adam({ learningRate: 1e-3 }), 3);
 * ```
 */
export function applyIfFinite<S>(inner: GradientTransformation<S>, maxConsecutiveErrors = 5): GradientTransformation<ApplyIfFiniteState<S>> {
  checkInt('applyIfFinite', 'maxConsecutiveErrors', maxConsecutiveErrors, 0);
  return {
    init: (params) => ({
      notfiniteCount: zeroCount(), lastFinite: equal(zeroCount(), 0), totalNotfinite: zeroCount(), innerState: inner.init(params),
    }),
    update: (updates, state, params, extra) => {
      const ok = allFinite(updates);
      const notfiniteCount = where(ok, zeroCount(), increment(state.notfiniteCount));
      const apply = logicalOr(ok, greater(notfiniteCount, maxConsecutiveErrors));
      const [u, s] = inner.update(updates, state.innerState, params, extra);
      return [selectTree(apply, u, zerosLike(u)), {
        notfiniteCount,
        lastFinite: ok,
        totalNotfinite: where(ok, state.totalNotfinite, increment(state.totalNotfinite)),
        innerState: selectTree(apply, s, state.innerState),
      }];
    },
  };
}

/** State of {@link multiSteps}. */
export type MultiStepsState<S> = {
  /** Micro-steps accumulated so far in this macro-step (int32). */
  readonly miniStep: Tensor;
  /** Macro-steps taken (int32). */
  readonly gradientStep: Tensor;
  /** The inner state. */
  readonly innerState: S;
  /** Running mean of the accumulated gradients. */
  readonly accGrads: Tree<Tensor>;
};

/**
 * Gradient accumulation: averages `everyK` successive updates and feeds the mean to `inner`
 * once per `everyK` steps, emitting zeros in between (optax `MultiSteps`).
 *
 * ```text
 * ḡ ← ḡ + (g − ḡ)/(n + 1)
 * n = k − 1:  (u, s) = inner(ḡ, s);  ḡ ← 0;  n ← 0
 * otherwise:  u = 0;  n ← n + 1
 * ```
 * @param inner - the transformation applied to the mean gradient.
 * @param everyK - accumulation length k ≥ 1.
 * @returns a transformation with state {@link MultiStepsState}.
 * @throws {ValueError} when `everyK` is not a positive integer.
 * @example
 * ```ts
 * const opt = optim.multiSteps(optim.adam({ learningRate: 1e-3 }), 4);
 * ```
 */
export function multiSteps<S>(inner: GradientTransformation<S>, everyK: number): GradientTransformation<MultiStepsState<S>> {
  checkInt('multiSteps', 'everyK', everyK, 1);
  return {
    init: (params) => ({ miniStep: zeroCount(), gradientStep: zeroCount(), innerState: inner.init(params), accGrads: zerosLike(params) }),
    update: (updates, state, params, extra) => {
      checkUpdatesMatchState('multiSteps', updates, state.accGrads);
      const n = state.miniStep;
      const acc = map((g: Tensor, a: Tensor) => add(a, div(sub(g, a), cast(add(n, 1), a.dtype))), updates, state.accGrads);
      const emit = equal(n, everyK - 1);
      const [u, s] = inner.update(acc, state.innerState, params, extra);
      return [selectTree(emit, u, zerosLike(u)), {
        miniStep: where(emit, zeroCount(), increment(n)),
        gradientStep: where(emit, increment(state.gradientStep), state.gradientStep),
        innerState: selectTree(emit, s, state.innerState),
        accGrads: selectTree(emit, zerosLike(acc), acc),
      }];
    },
  };
}
