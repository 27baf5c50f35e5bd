/**
 * A builder for exponential-family likelihoods in natural parameters from T, A and h.
 * @module
 */
import { ValueError } from '../errors.js';
import { grad } from '../transforms/grad.js';
import { hessian } from '../transforms/jacobian.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { psdCholesky, type Likelihood } from './types.js';

/** The pieces of an exponential family p(y | η) = h(y) exp(ηᵀT(y) − A(η)). */
export interface ExponentialFamilySpec {
  /** Name used in error messages. @defaultValue `"exponentialFamily"` */
  readonly name?: string;
  /** T(y): the sufficient statistics, a tensor with the natural parameter's shape. */
  readonly sufficientStats: (y: Tensor) => Tensor;
  /** A(η): the log-partition function (a scalar tensor), written with tensor ops. */
  readonly logPartition: (eta: Tensor) => Tensor;
  /** log h(y), the *log* of the base measure h (a scalar tensor), e.g. `−log y!` for a Poisson. @defaultValue 0 (h = 1) */
  readonly baseMeasure?: (y: Tensor) => Tensor;
  /** Draws y ~ p(· | η); `eta` may carry leading batch axes. Needed for MC Fisher. */
  readonly sample?: (key: Tensor, eta: Tensor) => Tensor;
  /** Validates labels (see {@link Likelihood.checkLabels}). */
  readonly checkLabels?: (y: Tensor, outputShape: Shape, batchDims?: number) => void;
}

/**
 * Builds a {@link Likelihood} for an exponential family in its natural parameters, with the
 * mean, Fisher and KL derived from the log-partition by autodiff.
 *
 * ```text
 * log p(y | η) = ηᵀT(y) − A(η) + log h(y)
 * mean(η)  = ∇A(η) = E[T(y)]
 * F(η)     = ∇²A(η) = Cov[T(y)]             (so GGN of −log p = Fisher in natural parameters)
 * S(η)     = L with L Lᵀ = ∇²A(η)            (PSD Cholesky with tensor ops)
 * KL(η‖ζ)  = A(ζ) − A(η) − (ζ − η)ᵀ∇A(η)
 * ```
 * `baseMeasure` is **log h(y)**, not h(y) (e.g. `(y) => logFactorial(y).neg()` for a Poisson): it only
 * shifts `logProb` by a term free of η, so the Fisher, mean and KL do not depend on it.
 * @param spec - `sufficientStats`, `logPartition`, optional `baseMeasure` (log h(y)), `sample`, `checkLabels`, `name`.
 * @returns A {@link Likelihood}.
 * @throws {ValueError} from `sample` when the spec has no sampler.
 * @example
 * ```ts
 * const bern = exponentialFamily({
 *   sufficientStats: (y) => y,
 *   logPartition: (eta) => softplus(eta).sum(),
 * });
 * bern.outputFisher(tensor([0])).toArray(); // [[0.25]]
 * ```
 */
export function exponentialFamily(spec: ExponentialFamilySpec): Likelihood {
  const name = spec.name ?? 'exponentialFamily';
  const A = spec.logPartition;
  const gradA = grad((eta: Tensor) => A(eta));
  const hessA = hessian((eta: Tensor) => A(eta));
  const fisherOf = (eta: Tensor): Tensor => hessA(eta).reshape([eta.size, eta.size]);
  const lik: Likelihood = {
    name,
    logProb(eta, y) {
      spec.checkLabels?.(y, eta.shape);
      const t = spec.sufficientStats(y).cast(eta.dtype);
      const lp = eta.mul(t).sum().sub(A(eta));
      return spec.baseMeasure ? lp.add(spec.baseMeasure(y).cast(eta.dtype)) : lp;
    },
    sample(key, eta) {
      if (!spec.sample) {
        throw new ValueError(`likelihoods.${name}.sample: this exponential family has no sampler; pass \`sample\` to exponentialFamily.`, { op: `likelihoods.${name}.sample`, argument: 'sample' });
      }
      return spec.sample(key, eta);
    },
    mean: (eta) => gradA(eta),
    outputFisher: fisherOf,
    outputFisherSqrt: (eta) => psdCholesky(fisherOf(eta)),
    kl: (eta, zeta) => A(zeta).sub(A(eta)).sub(zeta.sub(eta).mul(gradA(eta)).sum()),
  };
  if (spec.checkLabels) {
    const check = spec.checkLabels;
    return { ...lik, checkLabels: (y, s, b) => check(y, s, b) };
  }
  return lik;
}
