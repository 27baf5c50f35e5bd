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
import { add, div, maximum, sqrt, mul } from '../ops/arithmetic.js';
import { map, type Tree } from '../tree/tree.js';
import { zerosLike } from '../tree/math.js';
import type { GradientTransformation, Scalar } from './base.js';
import { asLeaf, biasCorrect, checkScalar, ema, increment, oneMinus, zeroCount } from './internal.js';

/** State of {@link scaleByAdam}: step count, first and second moments. */
export type ScaleByAdamState = { readonly count: Tensor; readonly mu: Tree<Tensor>; readonly nu: Tree<Tensor> };

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
}

function denom(nuHat: Tensor, eps: Scalar, epsRoot: Scalar): Tensor {
  return add(sqrt(add(nuHat, asLeaf(epsRoot, nuHat))), asLeaf(eps, nuHat));
}

/**
 * Rescales updates by Adam's bias-corrected moment estimates (Kingma & Ba 2015).
 *
 * ```text
 * μ ← (1−β₁)g + β₁μ;  ν ← (1−β₂)g² + β₂ν;  t ← t+1
 * μ̂ = μ/(1−β₁ᵗ)   (nesterov: β₁μ/(1−β₁ᵗ⁺¹) + (1−β₁)g/(1−β₁ᵗ))
 * u = μ̂ / (√(ν/(1−β₂ᵗ) + ε_root) + ε)
 * ```
 * ν tracks the diagonal of the mini-batch gradient outer product gₜgₜᵀ (seed 001 §3).
 * @param options - see {@link ScaleByAdamOptions}.
 * @returns a transformation with state `{ count, mu, nu }`.
 * @throws {ValueError} when a decay is outside `[0, 1)` or `eps < 0`.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByAdam({ b1: 0.9 }), optim.scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false } = options;
  checkScalar('scaleByAdam', 'b1', b1, 'unit');
  checkScalar('scaleByAdam', 'b2', b2, 'unit');
  checkScalar('scaleByAdam', 'eps', eps, 'nonneg');
  checkScalar('scaleByAdam', 'epsRoot', epsRoot, 'nonneg');
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update: (updates, state) => {
      const mu = map((g: Tensor, m: Tensor) => ema(g, m, b1, 1), updates, state.mu);
      const nu = map((g: Tensor, v: Tensor) => ema(g, v, b2, 2), updates, state.nu);
      const count = increment(state.count);
      const u = map((m: Tensor, v: Tensor, g: Tensor) => {
        const muHat = nesterov
          ? add(mul(biasCorrect(m, b1, increment(count)), asLeaf(b1, m)), mul(biasCorrect(g, b1, count), oneMinus(asLeaf(b1, g))))
          : biasCorrect(m, b1, count);
        return div(muHat, denom(biasCorrect(v, b2, count), eps, epsRoot));
      }, mu, nu, updates);
      return [u, { count, mu, nu }];
    },
  };
}

/** State of {@link scaleByAmsgrad}. */
export type ScaleByAmsgradState = ScaleByAdamState & { readonly nuMax: Tree<Tensor> };

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
export function scaleByAmsgrad(options: Omit<ScaleByAdamOptions, 'nesterov'> = {}): GradientTransformation<ScaleByAmsgradState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = options;
  checkScalar('scaleByAmsgrad', 'b1', b1, 'unit');
  checkScalar('scaleByAmsgrad', 'b2', b2, 'unit');
  checkScalar('scaleByAmsgrad', 'eps', eps, 'nonneg');
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLike(params), nu: zerosLike(params), nuMax: zerosLike(params) }),
    update: (updates, state) => {
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
export type ScaleByRmsState = { readonly count: Tensor; readonly nu: Tree<Tensor> };

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
