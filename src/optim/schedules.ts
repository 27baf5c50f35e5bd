/**
 * Schedules: functions from the step count to a hyperparameter value, built from tensor
 * ops so they can be traced. Values are computed in the default float dtype.
 *
 * ```text
 * constant      c ↦ v
 * linear        c ↦ (v₀ − v₁)·(1 − min(max(c − b, 0), T)/T) + v₁
 * exponential   c ↦ v₀·r^((c − b)/T)   (v₀ while c ≤ b; floor the exponent if staircase)
 * cosine        c ↦ v₀·((1 − α)·(½(1 + cos(π·min(c, T)/T)))^p + α)
 * ```
 * @module
 */
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { getDefaultFloat } from '../tensor/dtype.js';
import { add, cast, cos, div, floor, maximum, minimum, mul, pow, sub, clip } from '../ops/arithmetic.js';
import { less, lessEqual, where } from '../ops/logic.js';
import type { TensorLike } from '../ops/convert.js';
import { checkInt, checkScalar } from './internal.js';

/** A schedule returned by this module: accepts an int32 count (or a number) and returns a float scalar tensor. */
export type ScheduleFn = (count: TensorLike) => Tensor;

function fcount(count: TensorLike): Tensor {
  const dt = getDefaultFloat();
  return count instanceof Tensor ? (count.dtype === dt ? count : cast(count, dt)) : tensor(Number(count), { dtype: dt });
}

/**
 * A constant schedule.
 *
 * ```text
 * s(c) = value
 * ```
 * @param value - the constant.
 * @returns the schedule.
 * @throws {ValueError} when `value` is not finite.
 * @example
 * ```ts
 * optim.constantSchedule(0.1)(5).item(); // 0.1
 * ```
 */
export function constantSchedule(value: number): ScheduleFn {
  checkScalar('constantSchedule', 'value', value);
  return (count) => mul(fcount(count), 0).add(value);
}

/** Options of {@link linearSchedule}. */
export interface LinearScheduleOptions {
  /** Value at the start. */
  readonly initValue: number;
  /** Value after the transition. */
  readonly endValue: number;
  /** Length of the transition, in steps (> 0). */
  readonly transitionSteps: number;
  /** Steps to hold `initValue` before the transition. @defaultValue 0 */
  readonly transitionBegin?: number;
}

/**
 * Linear interpolation from `initValue` to `endValue` over `transitionSteps` (optax `linear_schedule`).
 *
 * ```text
 * s(c) = (v₀ − v₁)·(1 − clip(c − b, 0, T)/T) + v₁
 * ```
 * @param options - see {@link LinearScheduleOptions}.
 * @returns the schedule.
 * @throws {ValueError} when `transitionSteps` is not a positive integer.
 * @example
 * ```ts
 * optim.linearSchedule({ initValue: 0, endValue: 1, transitionSteps: 10 })(5).item(); // 0.5
 * ```
 */
export function linearSchedule(options: LinearScheduleOptions): ScheduleFn {
  const { initValue, endValue, transitionSteps, transitionBegin = 0 } = options;
  checkInt('linearSchedule', 'transitionSteps', transitionSteps, 1);
  checkInt('linearSchedule', 'transitionBegin', transitionBegin, 0);
  checkScalar('linearSchedule', 'initValue', initValue);
  checkScalar('linearSchedule', 'endValue', endValue);
  return (count) => {
    const c = clip(sub(fcount(count), transitionBegin), 0, transitionSteps);
    const frac = sub(1, div(c, transitionSteps));
    return add(mul(frac, initValue - endValue), endValue);
  };
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** Initial value. */
  readonly initValue: number;
  /** Steps per factor of `decayRate` (> 0). */
  readonly transitionSteps: number;
  /** Multiplicative factor per `transitionSteps` (> 0). */
  readonly decayRate: number;
  /** Steps to hold `initValue`. @defaultValue 0 */
  readonly transitionBegin?: number;
  /** Decay in discrete jumps. @defaultValue false */
  readonly staircase?: boolean;
  /** Bound the value: a floor when `decayRate < 1`, a ceiling when `> 1`. @defaultValue undefined */
  readonly endValue?: number;
}

/**
 * Exponential decay (optax `exponential_decay`).
 *
 * ```text
 * p = (c − b)/T  (floored if staircase);   s(c) = v₀ if c − b ≤ 0 else v₀·rᵖ, bounded by endValue
 * ```
 * @param options - see {@link ExponentialDecayOptions}.
 * @returns the schedule.
 * @throws {ValueError} for non-positive `transitionSteps` or `decayRate`.
 * @example
 * ```ts
 * optim.exponentialDecay({ initValue: 1, transitionSteps: 10, decayRate: 0.5 })(20).item(); // 0.25
 * ```
 */
export function exponentialDecay(options: ExponentialDecayOptions): ScheduleFn {
  const { initValue, transitionSteps, decayRate, transitionBegin = 0, staircase = false, endValue } = options;
  checkInt('exponentialDecay', 'transitionSteps', transitionSteps, 1);
  checkInt('exponentialDecay', 'transitionBegin', transitionBegin, 0);
  checkScalar('exponentialDecay', 'decayRate', decayRate, 'positive');
  checkScalar('exponentialDecay', 'initValue', initValue);
  if (endValue !== undefined) checkScalar('exponentialDecay', 'endValue', endValue);
  return (count) => {
    const dc = sub(fcount(count), transitionBegin);
    let p = div(dc, transitionSteps);
    if (staircase) p = floor(p);
    let v = where(lessEqual(dc, 0), initValue, mul(pow(decayRate, p), initValue));
    if (endValue !== undefined) v = decayRate < 1 ? maximum(v, endValue) : minimum(v, endValue);
    return v;
  };
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Initial value. */
  readonly initValue: number;
  /** Length of the decay (> 0). */
  readonly decaySteps: number;
  /** Final value as a fraction of `initValue`. @defaultValue 0 */
  readonly alpha?: number;
  /** Power applied to the cosine factor. @defaultValue 1 */
  readonly exponent?: number;
}

/**
 * Cosine decay (Loshchilov & Hutter 2017; optax `cosine_decay_schedule`).
 *
 * ```text
 * s(c) = v₀·((1 − α)·(½(1 + cos(π·min(c, T)/T)))ᵖ + α)
 * ```
 * @param options - see {@link CosineDecayOptions}.
 * @returns the schedule.
 * @throws {ValueError} when `decaySteps` is not a positive integer.
 * @example
 * ```ts
 * optim.cosineDecay({ initValue: 1, decaySteps: 100 })(50).item(); // 0.5
 * ```
 */
export function cosineDecay(options: CosineDecayOptions): ScheduleFn {
  const { initValue, decaySteps, alpha = 0, exponent = 1 } = options;
  checkInt('cosineDecay', 'decaySteps', decaySteps, 1);
  checkScalar('cosineDecay', 'initValue', initValue);
  checkScalar('cosineDecay', 'alpha', alpha);
  return (count) => {
    const c = minimum(fcount(count), decaySteps);
    const cosine = mul(add(cos(mul(div(c, decaySteps), Math.PI)), 1), 0.5);
    return mul(add(mul(pow(cosine, exponent), 1 - alpha), alpha), initValue);
  };
}

/**
 * Joins schedules at step boundaries; schedule `i + 1` restarts its count at boundary `i`
 * (optax `join_schedules`).
 *
 * ```text
 * s(c) = sᵢ(c − bᵢ₋₁)   for bᵢ₋₁ ≤ c < bᵢ   (b₋₁ = 0)
 * ```
 * @param schedules - `n` schedules.
 * @param boundaries - `n − 1` increasing step boundaries.
 * @returns the joined schedule.
 * @throws {ValueError} when the lengths do not match or boundaries decrease.
 * @example
 * ```ts
 * const s = optim.joinSchedules([optim.constantSchedule(1), optim.constantSchedule(2)], [10]);
 * s(12).item(); // 2
 * ```
 */
export function joinSchedules(schedules: readonly ScheduleFn[], boundaries: readonly number[]): ScheduleFn {
  if (schedules.length === 0 || boundaries.length !== schedules.length - 1 || boundaries.some((b, i) => !Number.isInteger(b) || b < 0 || (i > 0 && b < boundaries[i - 1]!))) {
    throw new ValueError(`joinSchedules: need n ≥ 1 schedules and n − 1 increasing integer boundaries, got ${schedules.length} and [${boundaries.join(', ')}].`, {
      op: 'joinSchedules', argument: 'boundaries', expected: `${Math.max(0, schedules.length - 1)} increasing integers`, received: `[${boundaries.join(', ')}]`,
    });
  }
  return (count) => {
    const c = count instanceof Tensor ? count : tensor(Number(count), { dtype: 'int32' });
    let out = schedules[0]!(c);
    boundaries.forEach((b, i) => { out = where(less(c, b), out, schedules[i + 1]!(sub(c, b))); });
    return out;
  };
}

/** Options of {@link warmupCosineDecay}. */
export interface WarmupCosineDecayOptions {
  /** Value at step 0. */
  readonly initValue: number;
  /** Value at the end of the warmup. */
  readonly peakValue: number;
  /** Linear warmup length. */
  readonly warmupSteps: number;
  /** Total length, warmup included (> warmupSteps). */
  readonly decaySteps: number;
  /** Final value. @defaultValue 0 */
  readonly endValue?: number;
  /** Power of the cosine factor. @defaultValue 1 */
  readonly exponent?: number;
}

/**
 * Linear warmup then cosine decay (optax `warmup_cosine_decay_schedule`).
 *
 * ```text
 * s = join([linear(v₀ → peak, W), cosine(peak, T − W, α = end/peak)], [W])
 * ```
 * @param options - see {@link WarmupCosineDecayOptions}.
 * @returns the schedule.
 * @throws {ValueError} when `decaySteps ≤ warmupSteps`.
 * @example
 * ```ts
 * const s = optim.warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110 });
 * s(10).item(); // 1
 * ```
 */
export function warmupCosineDecay(options: WarmupCosineDecayOptions): ScheduleFn {
  const { initValue, peakValue, warmupSteps, decaySteps, endValue = 0, exponent = 1 } = options;
  checkInt('warmupCosineDecay', 'warmupSteps', warmupSteps, 0);
  checkInt('warmupCosineDecay', 'decaySteps', decaySteps, warmupSteps + 1);
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  const warm = warmupSteps === 0 ? constantSchedule(peakValue) : linearSchedule({ initValue, endValue: peakValue, transitionSteps: warmupSteps });
  return joinSchedules([warm, cosineDecay({ initValue: peakValue, decaySteps: decaySteps - warmupSteps, alpha, exponent })], [warmupSteps]);
}

/**
 * Piecewise constant: multiply by `scale` from each boundary on (optax `piecewise_constant_schedule`).
 *
 * ```text
 * s(c) = v₀ · ∏_{b ≤ c} scale_b
 * ```
 * @param initValue - value before the first boundary.
 * @param boundariesAndScales - `{ step: scale }`.
 * @returns the schedule.
 * @throws {ValueError} when a boundary is not a non-negative integer.
 * @example
 * ```ts
 * optim.piecewiseConstantSchedule(1, { 10: 0.1, 20: 0.1 })(15).item(); // 0.1
 * ```
 */
export function piecewiseConstantSchedule(initValue: number, boundariesAndScales: Readonly<Record<number, number>> = {}): ScheduleFn {
  const pairs = Object.entries(boundariesAndScales).map(([b, s]) => [Number(b), s] as const).sort((x, y) => x[0] - y[0]);
  for (const [b, s] of pairs) {
    checkInt('piecewiseConstantSchedule', 'boundary', b, 0);
    checkScalar('piecewiseConstantSchedule', `scale at ${b}`, s);
  }
  return (count) => {
    const c = fcount(count);
    let v: Tensor = mul(c, 0).add(initValue);
    for (const [b, s] of pairs) v = where(less(c, b), v, mul(v, s));
    return v;
  };
}
