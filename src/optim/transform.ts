/**
 * Elementary transformations (the optax core): scaling, learning rates, schedules and momentum.
 *
 * ```text
 * scale(s)               u = s·g
 * scaleByLearningRate(α) u = −α·g
 * scaleBySchedule(f)     u = f(t)·g,  t = 0, 1, …
 * trace(β)               m = g + β·m;  u = m  (nesterov: u = g + β·m)
 * ```
 * @module
 */
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { cast, mul } from '../ops/arithmetic.js';
import { map, type Tree } from '../tree/tree.js';
import { zerosLike } from '../tree/math.js';
import type { CountState, EmptyState, GradientTransformation, Scalar, ScalarOrSchedule, Schedule } from './base.js';
import { asLeaf, checkScalar, concreteValue, increment, zeroCount } from './internal.js';
import { checkUpdatesMatchState } from './dtypes.js';

/**
 * Multiplies updates by a constant.
 *
 * ```text
 * u = s·g
 * ```
 * @param step - the factor (a number or scalar tensor).
 * @returns a stateless transformation.
 * @throws {ValueError} when `step` is not finite.
 * @example
 * ```ts
 * const [u] = optim.scale(-0.1).update(grads, {});
 * ```
 */
export function scale(step: Scalar): GradientTransformation<EmptyState> {
  checkScalar('scale', 'step', step);
  return {
    init: () => ({}),
    update: (updates, state) => [map((g: Tensor) => mul(g, asLeaf(step, g)), updates), state],
  };
}

/**
 * Multiplies updates by the value of a schedule at the current step.
 *
 * ```text
 * u = f(t)·g;  t ← t + 1
 * ```
 * @param schedule - maps the int32 step count to a scalar.
 * @returns a transformation with state `{ count }`.
 * @throws {ValueError} (from `update`) when the schedule returns a non-finite value.
 * @example
 * ```ts
 * const t = optim.scaleBySchedule(optim.exponentialDecay({ initValue: 1, transitionSteps: 10, decayRate: 0.5 }));
 * ```
 */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<CountState> {
  return {
    init: () => ({ count: zeroCount() }),
    update: (updates, state) => {
      const s = schedule(state.count);
      checkScheduleValue('scaleBySchedule', s, state.count);
      const u = map((g: Tensor) => mul(g, typeof s === 'number' ? s : s.dtype === g.dtype ? s : cast(s, g.dtype)), updates);
      return [u, { count: increment(state.count) }];
    },
  };
}

/** @internal Throws ValueError for a concrete non-finite schedule value. */
export function checkScheduleValue(op: string, v: Tensor | number, count: Tensor): void {
  const x = concreteValue(v);
  if (x !== undefined && !Number.isFinite(x)) {
    const c = concreteValue(count);
    throw new ValueError(`${op}: the schedule must return a finite value, got ${x} at step ${c ?? '(traced)'}.`, {
      op, argument: 'schedule', expected: 'a finite number', received: String(x),
    });
  }
}

/**
 * Scales updates by `−learningRate` (or `+learningRate` with `flipSign: false`).
 *
 * ```text
 * u = −α·g        (α a constant or α = schedule(t))
 * ```
 * @param learningRate - a non-negative constant or a schedule.
 * @param flipSign - negate (gradient descent). @defaultValue true
 * @returns `scale(−α)` or `scaleBySchedule(t ↦ −α(t))`.
 * @throws {ValueError} when a constant `learningRate` is negative or not finite.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByAdam(), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByLearningRate(learningRate: ScalarOrSchedule, flipSign = true): GradientTransformation<any> {
  const m = flipSign ? -1 : 1;
  if (typeof learningRate === 'function') {
    return scaleBySchedule((count) => {
      const v = learningRate(count);
      return typeof v === 'number' ? m * v : mul(v, m);
    });
  }
  checkScalar('scaleByLearningRate', 'learningRate', learningRate, 'nonneg');
  return scale(typeof learningRate === 'number' ? m * learningRate : mul(learningRate, m));
}

/** State of {@link trace}. */
export type TraceState = {
  /** The momentum buffer m (like the params). */
  readonly trace: Tree<Tensor>;
};

/** Options of {@link trace}. */
export interface TraceOptions {
  /** Decay rate β of the trace. @defaultValue 0.9 */
  readonly decay?: Scalar;
  /** Use Nesterov momentum. @defaultValue false */
  readonly nesterov?: boolean;
}

/**
 * Momentum: an exponentially decaying sum of past updates (Polyak; Sutskever et al. 2013 for Nesterov).
 *
 * ```text
 * m ← g + β·m;   u = m   (nesterov: u = g + β·m)
 * ```
 * @param options - see {@link TraceOptions}.
 * @returns a transformation with state `{ trace }` (same tree as the params).
 * @throws {ValueError} when `decay` is negative.
 * @example
 * ```ts
 * const opt = optim.chain(optim.trace({ decay: 0.9, nesterov: true }), optim.scaleByLearningRate(0.1));
 * ```
 */
export function trace(options: TraceOptions = {}): GradientTransformation<TraceState> {
  const { decay = 0.9, nesterov = false } = options;
  checkScalar('trace', 'decay', decay, 'nonneg');
  const f = (g: Tensor, t: Tensor): Tensor => g.add(mul(t, asLeaf(decay, t)));
  return {
    init: (params) => ({ trace: zerosLike(params) }),
    update: (updates, state) => {
      checkUpdatesMatchState('trace', updates, state.trace);
      const next = map(f, updates, state.trace);
      const u = nesterov ? map(f, updates, next) : next;
      return [u, { trace: next }];
    },
  };
}
