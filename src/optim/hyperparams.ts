/**
 * {@link injectHyperparams}: move hyperparameters into the optimizer state so they can be
 * read, changed between steps, or driven by schedules.
 *
 * ```text
 * hₖ = scheduleₖ(t)  (schedules)   or   hₖ = state.hyperparams[k]  (constants, editable)
 * (u, s') = factory(h).update(g, s)
 * ```
 * @module
 */
import { TransformError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { getDefaultFloat } from '../tensor/dtype.js';
import { cast } from '../ops/arithmetic.js';
import type { GradientTransformation, Schedule } from './base.js';
import { checkScheduleValue } from './transform.js';
import { increment, zeroCount } from './internal.js';

/** State of {@link injectHyperparams}. */
export type InjectHyperparamsState<K extends string, S> = {
  /** Step count (int32), the argument of the schedules. */
  readonly count: Tensor;
  /** Current hyperparameter values (scalar tensors of the default float dtype). */
  readonly hyperparams: Readonly<Record<K, Tensor>>;
  /** The inner state. */
  readonly innerState: S;
};

function toTensor(op: string, k: string, v: Tensor | number, count: Tensor): Tensor {
  checkScheduleValue(op, v, count);
  const dt = getDefaultFloat();
  if (typeof v === 'number') return tensor(v, { dtype: dt });
  if (v.size !== 1) throw new ValueError(`${op}: hyperparameter '${k}' must be a scalar, got ${v.aval.toString()}.`, { op, argument: k, expected: 'a scalar', received: v.aval.toString() });
  return v.dtype === dt ? v : cast(v, dt);
}

/**
 * Builds a transformation whose scalar hyperparameters live in its state (optax `inject_hyperparams`).
 * Constants are stored once and can be edited in the state between steps; schedules are
 * re-evaluated at each step's count.
 *
 * ```text
 * init:   h = {k: v(0)},  s = factory(h).init(θ)
 * update: h = {k: schedule_k(t) or state.h_k};  (u, s') = factory(h).update(g, s);  t ← t + 1
 * ```
 * @param factory - builds the inner transformation from tensor hyperparameters.
 * @param hyperparams - `{ name: number | scalar tensor | schedule }`.
 * @returns a transformation with state {@link InjectHyperparamsState}.
 * @throws {TransformError} when `factory` is not a function.
 * @throws {ValueError} (from `init`/`update`) when a schedule returns a non-finite value.
 * @example
 * ```ts
 * const opt = optim.injectHyperparams((h) => optim.adam({ learningRate: h.learningRate }), { learningRate: optim.cosineDecay({ initValue: 1e-3, decaySteps: 100 }) });
 * let s = opt.init(params);
 * s.hyperparams.learningRate.item();
 * ```
 */
export function injectHyperparams<K extends string, S>(
  factory: (hyperparams: Readonly<Record<K, Tensor>>) => GradientTransformation<S>,
  hyperparams: Readonly<Record<K, number | Tensor | Schedule>>,
): GradientTransformation<InjectHyperparamsState<K, S>> {
  const op = 'injectHyperparams';
  if (typeof factory !== 'function') throw new TransformError(`${op}: factory must be a function, got ${typeof factory}.`, { op, argument: 'factory' });
  const keys = Object.keys(hyperparams) as K[];
  const evaluate = (count: Tensor, stored?: Readonly<Record<K, Tensor>>): Record<K, Tensor> => {
    const h = {} as Record<K, Tensor>;
    for (const k of keys) {
      const v = hyperparams[k];
      h[k] = typeof v === 'function' ? toTensor(op, k, v(count), count) : stored?.[k] ?? toTensor(op, k, v, count);
    }
    return h;
  };
  return {
    init: (params) => {
      const count = zeroCount();
      const h = evaluate(count);
      return { count, hyperparams: h, innerState: factory(h).init(params) };
    },
    update: (updates, state, params, extra) => {
      const h = evaluate(state.count, state.hyperparams);
      const [u, s] = factory(h).update(updates, state.innerState, params, extra);
      return [u, { count: increment(state.count), hyperparams: h, innerState: s }];
    },
  };
}
