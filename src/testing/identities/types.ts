/**
 * Types shared by the identity checkers: statistical families `p(y | θ)`, fixed distributions,
 * quadrature domains, options and the structured verdict.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import type * as tree from '../../tree/index.js';

/**
 * A parameter pytree θ (a tensor, or arrays / plain objects of float tensors).
 * @example
 * ```ts
 * const theta: Theta = { mu: tensor(0.5, { dtype: 'float64' }), logSigma: tensor(-0.2, { dtype: 'float64' }) };
 * ```
 */
export type Theta = tree.Tree<Tensor>;

/**
 * How an expectation was computed.
 *
 * ```text
 * 'exact'        Σ_y p(y) g(y) over a finite support (or a closed form)
 * 'quadrature'   ∫ p(y) g(y) dy by double-exponential (tanh-sinh family) quadrature, 1-D y
 * 'monte-carlo'  (1/n) Σᵢ g(yᵢ), yᵢ ~ p from a fixed key, with a CLT error bound
 * ```
 * @example
 * ```ts
 * const m: Method = firstBartlett(family, theta).method;
 * ```
 */
export type Method = 'exact' | 'quadrature' | 'monte-carlo';

/**
 * The integration domain of a 1-D continuous variable. Infinite ends are allowed; `center` and
 * `scale` place the nodes of an infinite domain where the mass is (e.g. μ and σ of a Gaussian).
 *
 * ```text
 * [a, b]     x = (a+b)/2 + (b−a)/2 · tanh(π/2 · sinh t)        (tanh-sinh)
 * [a, ∞)     x = a + scale · exp(π/2 · sinh t)                  (exp-sinh)
 * (−∞, b]    x = b − scale · exp(π/2 · sinh t)
 * (−∞, ∞)    x = center + scale · sinh(π/2 · sinh t)             (sinh-sinh)
 * ```
 * @example
 * ```ts
 * const gaussianDomain: QuadratureDomain = { lower: -Infinity, upper: Infinity, center: 0.3, scale: 2 };
 * const uniformDomain: QuadratureDomain = { lower: 0, upper: 1.5 };
 * ```
 */
export interface QuadratureDomain {
  /** Lower end (may be `-Infinity`). */
  readonly lower: number;
  /** Upper end (may be `Infinity`). */
  readonly upper: number;
  /** Where the mass of a doubly infinite domain is centred. @defaultValue 0 */
  readonly center?: number | undefined;
  /** Typical width of the distribution, for infinite ends. @defaultValue 1 */
  readonly scale?: number | undefined;
}

/**
 * A parametric family p(y | θ) given by its log-density, plus one way to take expectations:
 * a finite `support` (exact sums), a 1-D `quadrature` domain, or a `sample`r (Monte Carlo).
 * The checkers prefer them in that order unless `method` is forced.
 *
 * ```text
 * logProb(θ, y)       log p(y | θ) for ONE outcome y (a scalar tensor); it is vmapped over outcomes
 * support             all outcomes, stacked along axis 0 (e.g. tensor([0, 1]) for a Bernoulli)
 * quadrature(θ)       the domain of a scalar continuous y (it may depend on θ)
 * sample(key, θ, n)   n independent outcomes stacked along axis 0
 * kl(θ, θ′)           KL(p_θ ‖ p_θ′) in closed form (optional; used by klHessian)
 * ```
 * θ is promoted to float64 before any of these is called.
 * @example
 * ```ts
 * const bernoulli: Family = {
 *   name: 'bernoulli(logit)',
 *   logProb: (eta, y) => y.mul(eta).sub(softplus(eta)),
 *   support: tensor([0, 1], { dtype: 'float64' }),
 * };
 * ```
 */
export interface Family<P extends Theta = Tensor> {
  /** Name used in reports. @defaultValue `'family'` */
  readonly name?: string | undefined;
  /** log p(y | θ) for one outcome (a scalar tensor), written with tensor ops. */
  logProb(theta: P, y: Tensor): Tensor;
  /** Every outcome, stacked along axis 0, or a function of θ returning them (exact expectations). */
  readonly support?: Tensor | ((theta: P) => Tensor) | undefined;
  /** The integration domain of a scalar continuous outcome at θ (quadrature). */
  readonly quadrature?: ((theta: P) => QuadratureDomain) | undefined;
  /** n independent draws from p(· | θ), stacked along axis 0 (Monte Carlo). */
  readonly sample?: ((key: Tensor, theta: P, n: number) => Tensor) | undefined;
  /** KL(p(·|θ) ‖ p(·|θ′)) in closed form (a scalar tensor), differentiable in θ′. */
  readonly kl?: ((theta: P, other: P) => Tensor) | undefined;
}

/**
 * A fixed distribution q(y) (e.g. the true data distribution of a misspecified model), with the
 * same ways to take expectations as a {@link Family}. `logProb` is needed for `support` and
 * `quadrature`; a sampler alone gives Monte Carlo.
 * @example
 * ```ts
 * const data: Distribution = { sample: (key, n) => random.normal(key, [n], { dtype: 'float64' }).mul(2) };
 * ```
 */
export interface Distribution {
  /** Name used in reports. */
  readonly name?: string | undefined;
  /** log q(y) for one outcome (needed for `support` and `quadrature`). */
  readonly logProb?: ((y: Tensor) => Tensor) | undefined;
  /** Every outcome along axis 0. */
  readonly support?: Tensor | undefined;
  /** The domain of a scalar continuous outcome. */
  readonly quadrature?: QuadratureDomain | undefined;
  /** n independent draws stacked along axis 0. */
  readonly sample?: ((key: Tensor, n: number) => Tensor) | undefined;
}

/**
 * Options shared by every checker: how expectations are taken and how strict the verdict is.
 *
 * ```text
 * z          = Φ⁻¹(1 − falseAlarm / (2m)),  m = number of Monte Carlo components compared
 * bound_i    = z · SE_i  (Monte Carlo)  |  |Q_h − Q_{h/2}|_i + edge terms (quadrature)  |  0 (exact)
 *            + rtol · (Σ|terms|_i + |estimate_i| + |reference_i| + scale_i) + slack_i
 * conclusive ⇔ max_i statBound_i / scale_i ≤ resolution
 * ```
 * @example
 * ```ts
 * secondBartlett(family, theta, { method: 'monte-carlo', samples: 40000, key: 3, falseAlarm: 1e-9 });
 * ```
 */
export interface IdentityOptions {
  /** Force a method (otherwise support → exact, quadrature → quadrature, sampler → Monte Carlo). */
  readonly method?: Method | undefined;
  /** Monte Carlo sample size. @defaultValue 20000 */
  readonly samples?: number | undefined;
  /** Monte Carlo key (a `random.key` tensor or an integer seed). @defaultValue 0 */
  readonly key?: Tensor | number | undefined;
  /** Probability that a true identity is reported as failing, for a random key (two-sided, Bonferroni over all components). @defaultValue 1e-6 */
  readonly falseAlarm?: number | undefined;
  /** Largest allowed ratio of the statistical / quadrature error bound to the scale of the quantity; a larger one makes the verdict inconclusive (holds = false). @defaultValue 0.2 */
  readonly resolution?: number | undefined;
  /** Relative floor for floating-point rounding. @defaultValue 1e-9 */
  readonly rtol?: number | undefined;
  /** Coarse step h of the double-exponential rule (the estimate uses h/2, the error bound compares with h). @defaultValue 1/16 */
  readonly quadratureStep?: number | undefined;
}

/**
 * One comparison inside a verdict (an identity may compare several pairs of quantities).
 *
 * ```text
 * 'equal'    holds ⇔ |estimate_i − reference_i| ≤ errorBound_i  for all i
 * 'atLeast'  holds ⇔ estimate_i ≥ reference_i − errorBound_i    for all i
 * ```
 * @example
 * ```ts
 * for (const c of verdict.comparisons) console.log(c.label, c.holds, c.resolution);
 * ```
 */
export interface Comparison {
  /** What is compared, e.g. `'Cov[score] = −E[∇² log p]'`. */
  readonly label: string;
  /** Equality or a one-sided (lower-bound) comparison. */
  readonly kind: 'equal' | 'atLeast';
  /** The estimate, flattened row-major. */
  readonly estimate: number[];
  /** The reference, flattened row-major. */
  readonly reference: number[];
  /** The allowed deviation per component (statistical/quadrature bound + rounding floor + slack). */
  readonly errorBound: number[];
  /** Shape of the compared quantity (`[]` scalar, `[P]` vector, `[P, P]` matrix). */
  readonly shape: number[];
  /** The natural scale of each component (e.g. √(F_ii F_jj) for a Fisher entry). */
  readonly scale: number[];
  /** max_i (statistical or quadrature part of the bound)_i / scale_i. */
  readonly resolution: number;
  /** Whether every component is within its bound. */
  readonly holds: boolean;
  /** Flat index of the component with the largest |diff| / bound. */
  readonly worst: number;
}

/**
 * The structured verdict of an identity check. `estimate`, `reference`, `errorBound` and
 * `shape` are those of the first failing comparison (or of the main one when all hold).
 *
 * ```text
 * holds = every comparison holds  ∧  conclusive (each bound is small relative to its quantity)
 * report headline:  'holds' | 'FAILS' (some comparison is outside its bound, whatever the resolution)
 *                   | 'INCONCLUSIVE' (no comparison failed, but some bound is too wide to pass)
 * ```
 * Use {@link assertIdentity} to turn a failing verdict into a readable exception (e.g. inside
 * a fast-check property).
 * @example
 * ```ts
 * const v = firstBartlett(family, theta);
 * if (!v.holds) console.log(v.detail);
 * ```
 */
export interface IdentityVerdict {
  /** The identity checked, e.g. `'first Bartlett identity: E[score] = 0'`. */
  readonly identity: string;
  /** Whether the identity holds within the bound, with enough resolution. */
  readonly holds: boolean;
  /** Whether every bound was small enough relative to its quantity to decide. */
  readonly conclusive: boolean;
  /** The estimate (flattened). */
  readonly estimate: number[];
  /** The reference (flattened). */
  readonly reference: number[];
  /** Allowed deviation per component. */
  readonly errorBound: number[];
  /** Shape of estimate/reference. */
  readonly shape: number[];
  /** The least exact method used for the expectations. */
  readonly method: Method;
  /** A readable multi-line report. */
  readonly detail: string;
  /** Every comparison made. */
  readonly comparisons: readonly Comparison[];
}
