/**
 * Adaptive (diagonally preconditioned) transformations: Adam, RMS, AMSGrad.
 *
 * ```text
 * μ ← β₁μ + (1−β₁)g       ν ← β₂ν + (1−β₂)g²
 * μ̂ = μ/(1−β₁ᵗ)            ν̂ = ν/(1−β₂ᵗ)
 * u = μ̂ / (√(ν̂ + ε_root) + ε)
 * ```
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { add, div, maximum, sqrt, mul, pow } from '../ops/arithmetic.js';
import { map, type Tree } from '../tree/tree.js';
import { zerosLike } from '../tree/math.js';
import type { GradientTransformation, Scalar, SecondMomentSource } from './base.js';
import { asLeaf, biasCorrect, checkScalar, ema, increment, oneMinus, updateSecondMoment, zeroCount } from './internal.js';
import { checkUpdatesMatchState } from './dtypes.js';

/** State of {@link scaleByAdam}: step count, first and second moments. */
export type ScaleByAdamState = {
  /** Steps taken (int32). */
  readonly count: Tensor;
  /** First moment μ (like the params). */
  readonly mu: Tree<Tensor>;
  /** Second moment ν (like the params). */
  readonly nu: Tree<Tensor>;
};

/** Options of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** Decay of the first moment. @defaultValue 0.9 */
  readonly b1?: Scalar;
  /** Decay of the second moment. @defaultValue 0.999 */
  readonly b2?: Scalar;
  /** Added to the denominator outside the square root. @defaultValue 1e-8 */
  readonly eps?: Scalar;
  /** Added to the second moment inside the square root. @defaultValue 0 */
  readonly epsRoot?: Scalar;
  /** Nesterov momentum (NAdam, Dozat 2016). @defaultValue false */
  readonly nesterov?: boolean;
  /** Divide the moments by `1 − βᵗ` (not in optax's options; `false` gives the seed's "simplified Adam"). @defaultValue true */
  readonly biasCorrection?: boolean;
  /** Exponent p of the denominator `(ν̂ + ε_root)ᵖ + ε`; `1` drops the square root (diagonal natural gradient). @defaultValue 0.5 */
  readonly power?: number;
  /**
   * What ν averages: `'squaredGradient'` (gₜ⊙gₜ, Adam) or `'fisherDiagonal'` (`extra.fisherDiagonal`,
   * e.g. the per-example empirical Fisher diagonal (1/N)Σᵢ sᵢ⊙sᵢ).
   * @defaultValue 'squaredGradient'
   */
  readonly secondMoment?: SecondMomentSource;
}

function denom(nuHat: Tensor, eps: Scalar, epsRoot: Scalar, power = 0.5): Tensor {
  const x = add(nuHat, asLeaf(epsRoot, nuHat));
  return add(power === 0.5 ? sqrt(x) : power === 1 ? x : pow(x, power), asLeaf(eps, nuHat));
}

/**
 * Rescales updates by Adam's bias-corrected moment estimates (Kingma & Ba 2015).
 *
 * ```text
 * μ ← (1−β₁)g + β₁μ;  ν ← (1−β₂)g² + β₂ν;  t ← t+1
 * μ̂ = μ/(1−β₁ᵗ)   (nesterov: β₁μ/(1−β₁ᵗ⁺¹) + (1−β₁)g/(1−β₁ᵗ))
 * u = μ̂ / (√(ν/(1−β₂ᵗ) + ε_root) + ε)
 * ```
 * ν tracks the diagonal of the mini-batch gradient outer product gₜgₜᵀ (seed 001 §3). Beyond optax,
 * `biasCorrection`, `power` and `secondMoment` expose the seed's simplifications: with
 * `{ b1: 0, eps: 0, biasCorrection: false, power: 1, secondMoment: 'fisherDiagonal' }` the update is
 * diagonal natural-gradient descent with a forgetting factor β₂: u = g / F̄ₜ, F̄ₜ = β₂F̄ₜ₋₁ + (1−β₂)diag F̃ₜ.
 * @param options - see {@link ScaleByAdamOptions}.
 * @returns a transformation with state `{ count, mu, nu }`.
 * @throws {ValueError} when a decay is outside `[0, 1)` or `eps < 0`.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByAdam({ b1: 0.9 }), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false, biasCorrection = true, power = 0.5, secondMoment = 'squaredGradient' } = options;
  checkScalar('scaleByAdam', 'power', power, 'positive');
  checkScalar('scaleByAdam', 'b1', b1, 'unit');
  checkScalar('scaleByAdam', 'b2', b2, 'unit');
  checkScalar('scaleByAdam', 'eps', eps, 'nonneg');
  checkScalar('scaleByAdam', 'epsRoot', epsRoot, 'nonneg');
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update: (updates, state, _params, extra) => {
      checkUpdatesMatchState('scaleByAdam', updates, state.mu);
      const mu = map((g: Tensor, m: Tensor) => ema(g, m, b1, 1), updates, state.mu);
      const nu = updateSecondMoment('scaleByAdam', secondMoment, updates, state.nu, b2, extra);
      const count = increment(state.count);
      const bc = (x: Tensor, d: Scalar, c: Tensor): Tensor => (biasCorrection ? biasCorrect(x, d, c) : x);
      const u = map((m: Tensor, v: Tensor, g: Tensor) => {
        const muHat = nesterov
          ? add(mul(bc(m, b1, increment(count)), asLeaf(b1, m)), mul(bc(g, b1, count), oneMinus(asLeaf(b1, g))))
          : bc(m, b1, count);
        return div(muHat, denom(bc(v, b2, count), eps, epsRoot, power));
      }, mu, nu, updates);
      return [u, { count, mu, nu }];
    },
  };
}

/** State of {@link scaleByAmsgrad}. */
export type ScaleByAmsgradState = ScaleByAdamState & {
  /** Running maximum of the bias-corrected ν̂. */
  readonly nuMax: Tree<Tensor>;
};

/**
 * AMSGrad (Reddi et al. 2018): Adam with a running maximum of the bias-corrected second moment.
 *
 * ```text
 * μ̂, ν̂ as in Adam;  ν_max ← max(ν_max, ν̂);  u = μ̂ / (√(ν_max + ε_root) + ε)
 * ```
 * @param options - `b1`, `b2`, `eps`, `epsRoot` as in {@link scaleByAdam}.
 * @returns a transformation with state `{ count, mu, nu, nuMax }`.
 * @throws {ValueError} when a decay is outside `[0, 1)`.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByAmsgrad(), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByAmsgrad(options: Pick<ScaleByAdamOptions, 'b1' | 'b2' | 'eps' | 'epsRoot'> = {}): GradientTransformation<ScaleByAmsgradState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = options;
  checkScalar('scaleByAmsgrad', 'b1', b1, 'unit');
  checkScalar('scaleByAmsgrad', 'b2', b2, 'unit');
  checkScalar('scaleByAmsgrad', 'eps', eps, 'nonneg');
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(params), nu: zerosLike(params), nuMax: zerosLike(params) }),
    update: (updates, state) => {
      checkUpdatesMatchState('scaleByAmsgrad', updates, state.mu);
      const mu = map((g: Tensor, m: Tensor) => ema(g, m, b1, 1), updates, state.mu);
      const nu = map((g: Tensor, v: Tensor) => ema(g, v, b2, 2), updates, state.nu);
      const count = increment(state.count);
      const nuMax = map((v: Tensor, vm: Tensor) => maximum(vm, biasCorrect(v, b2, count)), nu, state.nuMax);
      const u = map((m: Tensor, vm: Tensor) => div(biasCorrect(m, b1, count), denom(vm, eps, epsRoot)), mu, nuMax);
      return [u, { count, mu, nu, nuMax }];
    },
  };
}

/** State of {@link scaleByRms}. */
export type ScaleByRmsState = {
  /** Steps taken (int32). */
  readonly count: Tensor;
  /** Average of squared gradients ν. */
  readonly nu: Tree<Tensor>;
};

/** Options of {@link scaleByRms}. */
export interface ScaleByRmsOptions {
  /** Decay of the squared-gradient average. @defaultValue 0.9 */
  readonly decay?: Scalar;
  /** Numerical stabiliser. @defaultValue 1e-8 */
  readonly eps?: Scalar;
  /** Initial value of ν. @defaultValue 0 */
  readonly initialScale?: number;
  /** Put ε inside the square root (`√(ν+ε)`) rather than outside (`√ν + ε`). @defaultValue true */
  readonly epsInSqrt?: boolean;
  /** Divide ν by `1 − decayᵗ`. @defaultValue false */
  readonly biasCorrection?: boolean;
}

/**
 * Rescales updates by the root mean square of past gradients (Tieleman & Hinton 2012, RMSProp).
 *
 * ```text
 * ν ← (1−d)g² + dν;   u = g / √(ν̂ + ε)   (or g / (√ν̂ + ε));   ν̂ = ν (or ν/(1−dᵗ))
 * ```
 * @param options - see {@link ScaleByRmsOptions}.
 * @returns a transformation with state `{ count, nu }`.
 * @throws {ValueError} when `decay` is outside `[0, 1)`.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByRms({ decay: 0.9 }), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true, biasCorrection = false } = options;
  checkScalar('scaleByRms', 'decay', decay, 'unit');
  checkScalar('scaleByRms', 'eps', eps, 'nonneg');
  return {
    init: (params) => ({ count: zeroCount(), nu: map((p: Tensor) => add(zeros(p.shape, p.dtype), initialScale), params) }),
    update: (updates, state) => {
      checkUpdatesMatchState('scaleByRms', updates, state.nu);
      const nu = map((g: Tensor, v: Tensor) => ema(g, v, decay, 2), updates, state.nu);
      const count = increment(state.count);
      const u = map((g: Tensor, v: Tensor) => {
        const vh = biasCorrection ? biasCorrect(v, decay, count) : v;
        const e = asLeaf(eps, vh);
        return div(g, epsInSqrt ? sqrt(add(vh, e)) : add(sqrt(vh), e));
      }, updates, nu);
      return [u, { count, nu }];
    },
  };
}
