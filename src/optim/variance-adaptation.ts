/**
 * Variance adaptation (Balles & Hennig 2018, "Dissecting Adam"; Kunstner, Balles & Hennig 2019, §5):
 * per-coordinate factors γᵢ = E[gᵢ]² / E[gᵢ²] = ∇ᵢ² / (∇ᵢ² + σᵢ²) that shrink noisy coordinates,
 * with the variance σ² estimated from moving averages or from the batch's per-example gradients.
 *
 * ```text
 * moving averages (t = 1, 2, …):  m ← βm + (1−β)g,  v ← βv + (1−β)g²,  m̂ = m/(1−βᵗ),  v̂ = v/(1−βᵗ)
 *                                 ρₜ = (1−β)(1+βᵗ) / ((1+β)(1−βᵗ)),   s = (v̂ − m̂²)/(1−ρₜ)   (s = 0 at t = 1)
 *   M-SVAG:  u = γ⊙m̂,  γ = m̂²/(m̂² + ρₜ s)          SVAG:  u = γ⊙g,  γ = m̂²/(m̂² + s)
 * per-example gradients gₙ (n = 1…B):  ḡ = (1/B)Σgₙ,  σ̂² = Σ(gₙ − ḡ)²/(B − 1),  Var[g] ≈ σ̂²/B  ('sum': B·σ̂²)
 *   SVAG:    u = γ⊙g,  γ = g²/(g² + σ̂²/B)
 *   M-SVAG:  r ← β²r + (1−β)²σ̂²/B,  Var[m̂] = r/(1−βᵗ)²,  u = γ⊙m̂,  γ = m̂²/(m̂² + Var[m̂])
 * ```
 * ρₜ is Σ wᵢ² of the bias-corrected average's weights, so Var[m̂] = ρₜσ² for i.i.d. gradients and
 * E[s] = σ²; the per-example M-SVAG accumulates the same weights for a variance that changes per
 * step (it equals ρₜσ̂²/B when σ̂² is constant). γ is clipped to [0, 1], and 0/0 gives 0.
 * @module
 */
import { TransformError, ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { add, cast, clip, div, mul, pow, sub } from '../ops/arithmetic.js';
import { greater, lessEqual, where } from '../ops/logic.js';
import { mean, sum } from '../ops/reductions.js';
import { assertSameStructure, flatten, map, type Tree } from '../tree/tree.js';
import { zerosLike } from '../tree/math.js';
import type { GradientTransformation, Scalar, ScalarOrSchedule, UpdateExtra, Updates } from './base.js';
import { chain } from './combine.js';
import { scaleByLearningRate } from './transform.js';
import { asLeaf, checkScalar, ema, increment, oneMinus, requireExtra, zeroCount } from './internal.js';
import { checkUpdatesMatchState } from './dtypes.js';

/** Where the gradient variance comes from: moving averages of g and g², or the batch's per-example gradients. */
export type VarianceSource = 'movingAverage' | 'perExample';

/** Options of {@link scaleByVarianceAdaptation}. */
export interface ScaleByVarianceAdaptationOptions {
  /** Moving-average constant β (must be > 0 with `variance: 'movingAverage'`). @defaultValue 0.9 */
  readonly beta?: Scalar;
  /** Apply γ to the bias-corrected momentum m̂ (M-SVAG) or to the current gradient (SVAG). @defaultValue true */
  readonly momentum?: boolean;
  /** `'movingAverage'` (Balles & Hennig's estimator) or `'perExample'` (`extra[perExampleKey]`). @defaultValue 'movingAverage' */
  readonly variance?: VarianceSource;
  /** The key of `extra` holding the per-example gradients (leaves `[B, ...param shape]`). @defaultValue 'perExampleGrads' */
  readonly perExampleKey?: string;
  /** How the batch gradient combines the examples: `'mean'` (Var = σ²/B) or `'sum'` (Var = B·σ²). @defaultValue 'mean' */
  readonly reduction?: 'mean' | 'sum';
}

/** State of {@link scaleByVarianceAdaptation}. */
export type ScaleByVarianceAdaptationState = {
  /** Steps taken (int32). */
  readonly count: Tensor;
  /** Moving average m of the gradients (like the params). */
  readonly mu: Tree<Tensor>;
  /** Moving average v of g² (`'movingAverage'`) or the accumulated variance r of m (`'perExample'`). */
  readonly nu: Tree<Tensor>;
};

/**
 * The variance of a batch gradient estimated from its per-example gradients: the unbiased sample
 * variance σ̂² = Σₙ(gₙ − ḡ)²/(B − 1) of the examples, divided by B for a mean (times B for a sum).
 *
 * ```text
 * Var[g] ≈ σ̂²/B   (reduction 'mean'),   B·σ̂²   (reduction 'sum')
 * ```
 * For examples drawn i.i.d. (e.g. uniformly with replacement from a data set) its expectation is
 * exactly the variance of the batch gradient.
 * @param perExample - per-example gradients, leaves `[B, ...]` (e.g. `curvature.perExampleGrads(loss)(θ, batch)`), B ≥ 2.
 * @param reduction - `'mean'` or `'sum'`. @defaultValue 'mean'
 * @returns a tree like one example's gradient.
 * @throws {ValueError} when B < 2 or the leaves disagree on B.
 * @example
 * ```ts
 * const g = curvature.perExampleGrads(loss)(params, { x, y });
 * const v = optim.minibatchGradientVariance(g);
 * ```
 */
export function minibatchGradientVariance<T extends Tree<Tensor>>(perExample: T, reduction: 'mean' | 'sum' = 'mean'): T {
  const op = 'minibatchGradientVariance';
  const [ls] = flatten(perExample);
  let b: number | undefined;
  for (const l of ls) {
    if (!(l instanceof Tensor) || l.ndim < 1) {
      const got = l instanceof Tensor ? l.aval.toString() : typeof l;
      throw new ValueError(`${op}: every per-example gradient leaf must be a tensor [B, ...], got ${got}.`, { op, argument: 'perExample', expected: '[B, ...]', received: got });
    }
    const n = l.shape[0]!;
    if (b !== undefined && n !== b) {
      throw new ValueError(`${op}: the per-example gradient leaves have different batch sizes (${b} and ${n}).`, { op, argument: 'perExample', expected: `leading axis ${b}`, received: l.aval.toString() });
    }
    b = n;
  }
  if (b === undefined || b < 2) {
    throw new ValueError(`${op}: the variance needs at least 2 per-example gradients, got ${b ?? 0}.`, { op, argument: 'perExample', expected: 'B ≥ 2', received: String(b ?? 0) });
  }
  const B = b;
  const f = reduction === 'mean' ? 1 / (B * (B - 1)) : B / (B - 1);
  return map((g: Tensor) => {
    const d = sub(g, mean(g, { axis: 0, keepDims: true }));
    return mul(sum(mul(d, d), 0), f);
  }, perExample) as T;
}

/** @internal ρₜ = (1−β)(1+βᵗ)/((1+β)(1−βᵗ)) in the dtype of `like`. */
function rho(beta: Scalar, count: Tensor, like: Tensor): Tensor {
  const b = asLeaf(beta, like);
  const bt = pow(b, cast(count, like.dtype));
  return div(mul(add(bt, 1), oneMinus(b)), mul(sub(1, bt), typeof b === 'number' ? b + 1 : add(b, 1)));
}

/** @internal γ = a/(a + n) clipped to [0, 1], with 0/0 ↦ 0. */
function factor(signal: Tensor, noise: Tensor): Tensor {
  const den = add(signal, noise);
  const pos = greater(den, 0);
  return clip(where(pos, div(signal, where(pos, den, 1)), 0), 0, 1);
}

/** @internal Reads and checks the per-example gradients against the updates. */
function perExampleOf(op: string, key: string, extra: UpdateExtra | undefined, updates: Updates): Tree<Tensor> {
  const pe = requireExtra(op, extra, key, 'per-example gradients, a pytree like the params with a leading batch axis (curvature.perExampleGrads)') as Tree<Tensor>;
  const [pl, pd] = flatten(pe);
  const [ul, ud] = flatten(updates);
  assertSameStructure(op, ud, pd, `updates and extra.${key}`);
  pl.forEach((x, i) => {
    const u = ul[i]!;
    if (!(x instanceof Tensor) || x.ndim !== u.ndim + 1 || x.shape.slice(1).some((d, j) => d !== u.shape[j])) {
      const got = x instanceof Tensor ? x.aval.toString() : typeof x;
      throw new TransformError(`${op}: extra.${key} leaf ${i} must have shape [B, ${u.shape.join(', ')}] (the update's shape with a batch axis), got ${got}.`, {
        op, argument: `extra.${key}`, expected: `[B, ${u.shape.join(', ')}]`, received: got,
      });
    }
  });
  return map((x: Tensor, u: Tensor) => (x.dtype === u.dtype ? x : cast(x, u.dtype)), pe, updates);
}

/**
 * Variance adaptation of Balles & Hennig (2018): rescales each coordinate by its estimated
 * signal-to-noise factor γ = ∇²/(∇² + σ²) ∈ [0, 1], applied to the momentum (M-SVAG) or to the
 * gradient (SVAG); see the module header for the exact estimators.
 *
 * ```text
 * M-SVAG (moving averages):  u = m̂²/(m̂² + ρₜs) ⊙ m̂        SVAG (per-example):  u = g²/(g² + σ̂²/B) ⊙ g
 * ```
 * With zero gradient variance γ = 1: SVAG is SGD and M-SVAG is SGD on the bias-corrected momentum.
 * @param options - see {@link ScaleByVarianceAdaptationOptions}.
 * @returns a transformation with state `{ count, mu, nu }`; follow it with `scaleByLearningRate(α)`.
 * @throws {ValueError} when β is outside `[0, 1)` (or 0 with moving averages) or an option is unknown.
 * @throws {TransformError} (from `update`) when `'perExample'` is asked and `extra.perExampleGrads` is missing or misshaped.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByVarianceAdaptation({ variance: 'perExample', momentum: false }), optim.scaleByLearningRate(0.1));
 * const pe = curvature.perExampleGrads(loss)(params, batch);
 * const [u, s] = opt.update(g, state, params, { perExampleGrads: pe });
 * ```
 */
export function scaleByVarianceAdaptation(options: ScaleByVarianceAdaptationOptions = {}): GradientTransformation<ScaleByVarianceAdaptationState> {
  const op = 'scaleByVarianceAdaptation';
  const { beta = 0.9, momentum = true, variance = 'movingAverage', perExampleKey = 'perExampleGrads', reduction = 'mean' } = options;
  checkScalar(op, 'beta', beta, 'unit');
  if (variance !== 'movingAverage' && variance !== 'perExample') {
    throw new ValueError(`${op}: 'variance' must be 'movingAverage' or 'perExample', got ${String(variance)}.`, { op, argument: 'variance', expected: "'movingAverage' or 'perExample'", received: String(variance) });
  }
  if (reduction !== 'mean' && reduction !== 'sum') {
    throw new ValueError(`${op}: 'reduction' must be 'mean' or 'sum', got ${String(reduction)}.`, { op, argument: 'reduction', expected: "'mean' or 'sum'", received: String(reduction) });
  }
  if (variance === 'movingAverage' && beta === 0) {
    throw new ValueError(`${op}: moving averages need 'beta' > 0 to estimate a variance, got 0. Use variance: 'perExample'.`, { op, argument: 'beta', expected: 'a number in (0, 1)', received: '0' });
  }
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update: (updates, state, _params, extra) => {
      checkUpdatesMatchState(op, updates, state.mu);
      const count = increment(state.count);
      const mu = map((g: Tensor, m: Tensor) => ema(g, m, beta, 1), updates, state.mu);
      const bc = (x: Tensor): Tensor => div(x, sub(1, pow(asLeaf(beta, x), cast(count, x.dtype))));
      if (variance === 'movingAverage') {
        const nu = map((g: Tensor, v: Tensor) => ema(g, v, beta, 2), updates, state.nu);
        const u = map((m: Tensor, v: Tensor, g: Tensor) => {
          const mh = bc(m);
          const m2 = mul(mh, mh);
          const r = rho(beta, count, mh);
          const first = lessEqual(count, 1); // t = 1: ρ = 1 and v̂ = m̂², no variance information yet
          const s = where(first, 0, div(sub(bc(v), m2), where(first, 1, sub(1, r))));
          return momentum ? mul(factor(m2, mul(r, s)), mh) : mul(factor(m2, s), g);
        }, mu, nu, updates);
        return [u, { count, mu, nu }];
      }
      const varG = minibatchGradientVariance(perExampleOf(op, perExampleKey, extra, updates), reduction);
      if (!momentum) {
        const u = map((g: Tensor, s2: Tensor) => mul(factor(mul(g, g), s2), g), updates, varG);
        return [u, { count, mu, nu: state.nu }];
      }
      const nu = map((r: Tensor, s2: Tensor) => {
        const b = asLeaf(beta, r);
        const w = oneMinus(b);
        return add(mul(r, typeof b === 'number' ? b * b : mul(b, b)), mul(s2, typeof w === 'number' ? w * w : mul(w, w)));
      }, state.nu, varG);
      const u = map((m: Tensor, r: Tensor) => {
        const mh = bc(m);
        const c = sub(1, pow(asLeaf(beta, m), cast(count, m.dtype)));
        return mul(factor(mul(mh, mh), div(r, mul(c, c))), mh);
      }, mu, nu);
      return [u, { count, mu, nu }];
    },
  };
}

/** Options of {@link msvag} and {@link svag}: the learning rate plus {@link ScaleByVarianceAdaptationOptions} (without `momentum`). */
export interface VarianceAdaptationOptions extends Omit<ScaleByVarianceAdaptationOptions, 'momentum'> {
  /** Learning rate α (constant or schedule). */
  readonly learningRate: ScalarOrSchedule;
}

/**
 * M-SVAG (Balles & Hennig 2018): momentum SGD with variance adaptation.
 *
 * ```text
 * θ ← θ − α·γ⊙m̂,   γ = m̂²/(m̂² + Var[m̂])
 * ```
 * @param options - see {@link VarianceAdaptationOptions}.
 * @returns `chain(scaleByVarianceAdaptation({ ...options, momentum: true }), scaleByLearningRate(α))`.
 * @throws {ValueError} for invalid hyperparameters.
 * @example
 * ```ts
 * const opt = optim.msvag({ learningRate: 0.1, beta: 0.9 });
 * ```
 */
export function msvag(options: VarianceAdaptationOptions) {
  const { learningRate, ...rest } = options;
  return chain(scaleByVarianceAdaptation({ ...rest, momentum: true }), scaleByLearningRate(learningRate));
}

/**
 * SVAG (Balles & Hennig 2018): SGD with variance adaptation (no momentum in the step).
 *
 * ```text
 * θ ← θ − α·γ⊙g,   γ = ∇̂²/(∇̂² + Var[g])
 * ```
 * @param options - see {@link VarianceAdaptationOptions}.
 * @returns `chain(scaleByVarianceAdaptation({ ...options, momentum: false }), scaleByLearningRate(α))`.
 * @throws {ValueError} for invalid hyperparameters.
 * @example
 * ```ts
 * const opt = optim.svag({ learningRate: 0.1, variance: 'perExample' });
 * opt.update(g, state, params, { perExampleGrads: curvature.perExampleGrads(loss)(params, batch) });
 * ```
 */
export function svag(options: VarianceAdaptationOptions) {
  const { learningRate, ...rest } = options;
  return chain(scaleByVarianceAdaptation({ ...rest, momentum: false }), scaleByLearningRate(learningRate));
}
