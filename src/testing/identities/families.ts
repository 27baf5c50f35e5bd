/**
 * Building {@link Family} values from the library's likelihoods and models: a likelihood on its
 * own output, a conditional model over a fixed design (joint and per example), n i.i.d. copies,
 * and a reparameterization.
 * @module
 */
import { ValueError } from '../../errors.js';
import { tensor } from '../../tensor/creation.js';
import { vmap } from '../../transforms/vmap.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { TypedArray } from '../../tensor/dtype.js';
import * as tree from '../../tree/index.js';
import type * as likelihoods from '../../likelihoods/index.js';
import { at, toFloat64 } from './engine.js';
import type { Distribution, Family, QuadratureDomain, Theta } from './types.js';

/**
 * A probabilistic model for {@link conditionalFamily}: one example's output f(θ, x) and a
 * likelihood p(y | f) (the same shape as `curvature.fisher`'s spec).
 * @example
 * ```ts
 * const spec: ConditionalSpec<{ w: Tensor }> = { model: (p, x) => x.dot(p.w), likelihood: likelihoods.bernoulli() };
 * ```
 */
export interface ConditionalSpec<P extends Theta> {
  /** (θ, x) ↦ one example's output. */
  readonly model: (params: P, x: any) => Tensor;
  /** p(y | output). */
  readonly likelihood: likelihoods.Likelihood;
}

/**
 * Options of {@link likelihoodFamily}, {@link conditionalFamily} and {@link exampleFamilies}.
 * @example
 * ```ts
 * const opts: FamilyOptions = { labels: tensor([0, 1], { dtype: 'float64' }), maxSupport: 1024 };
 * ```
 */
export interface FamilyOptions {
  /** All labels of ONE example along axis 0 (e.g. `arange(k)` as int32 for a categorical): exact expectations. */
  readonly labels?: Tensor | undefined;
  /** The 1-D domain of a scalar continuous label, given the output (likelihoodFamily only). */
  readonly quadrature?: ((output: Tensor) => QuadratureDomain) | undefined;
  /** Largest product support built for several examples (beyond it, Monte Carlo). @defaultValue 4096 */
  readonly maxSupport?: number | undefined;
  /** Name for reports. */
  readonly name?: string | undefined;
}

/**
 * The Cartesian power of a support: all `K^n` sequences of n outcomes.
 *
 * ```text
 * support [K, ...s]  ↦  [K^n, n, ...s],   row r = (support[d₀], …, support[d_{n−1}]),  r = Σ d_j K^{n−1−j}
 * ```
 * @param support - one outcome per row.
 * @param n - the number of independent copies.
 * @returns the product support (same dtype).
 * @throws {ValueError} when it would have more than 2²⁰ rows.
 * @example
 * ```ts
 * productSupport(tensor([0, 1]), 2).toArray(); // [[0, 0], [0, 1], [1, 0], [1, 1]]
 * ```
 */
export function productSupport(support: Tensor, n: number): Tensor {
  const k = support.shape[0]!;
  const rows = k ** n;
  if (!(rows <= 1 << 20)) throw new ValueError(`productSupport: ${k}^${n} outcomes is too many.`, { op: 'productSupport', argument: 'n', received: String(n) });
  const inner = support.size / Math.max(k, 1);
  const src = support.toTypedArray() as TypedArray;
  const out = new (src.constructor as new (n: number) => TypedArray)(rows * n * inner);
  for (let r = 0; r < rows; r++) {
    let rem = r;
    for (let j = n - 1; j >= 0; j--) {
      const d = rem % k;
      rem = Math.floor(rem / k);
      for (let e = 0; e < inner; e++) out[(r * n + j) * inner + e] = src[d * inner + e]!;
    }
  }
  return tensor(out, { dtype: support.dtype, shape: [rows, n, ...support.shape.slice(1)] });
}

const first = (x: tree.Tree<Tensor>): number => tree.leaves(x)[0]?.shape[0] ?? 0;

function exampleOf(x: tree.Tree<Tensor>, n: number): tree.Tree<Tensor> {
  return tree.map((l: Tensor) => l.slice([n, ...l.shape.slice(1).map(() => 0)], [1, ...l.shape.slice(1)]).reshape(l.shape.slice(1)), x);
}

/**
 * A likelihood p(y | f) as a family whose parameter is the output f itself.
 *
 * ```text
 * logProb(f, y) = likelihood.logProb(f, y),  sample(key, f, n) = likelihood.sample(key, f broadcast to [n, ...f.shape])
 * kl(f, g) = likelihood.kl(f, g)
 * ```
 * @param likelihood - e.g. `likelihoods.poisson()`.
 * @param options - `labels` (exact), `quadrature` (1-D continuous labels), `name`.
 * @returns a {@link Family} over outputs f.
 * @example
 * ```ts
 * const bern = likelihoodFamily(likelihoods.bernoulli(), { labels: tensor([0, 1], { dtype: 'float64' }) });
 * firstBartlett(bern, tensor(0.4, { dtype: 'float64' })).holds; // true
 * ```
 */
export function likelihoodFamily(likelihood: likelihoods.Likelihood, options: FamilyOptions = {}): Family<Tensor> {
  const kl = likelihood.kl?.bind(likelihood);
  return {
    name: options.name ?? likelihood.name,
    logProb: (f, y) => likelihood.logProb(f, y),
    support: options.labels,
    quadrature: options.quadrature,
    sample: (key, f, n) => likelihood.sample(key, f.broadcastTo([n, ...f.shape])),
    kl: kl ? (f, g) => kl(f, g) : undefined,
  };
}

/**
 * The joint family of all labels y₁…y_N of a conditional model over a fixed design x₁…x_N.
 *
 * ```text
 * log p(y₁…y_N | θ) = Σₙ log p(yₙ | f(θ, xₙ))            (independent examples)
 * support = labels^N (when K^N ≤ maxSupport), else Monte Carlo with likelihood.sample
 * kl(θ, θ′) = Σₙ KL(p(·|f(θ, xₙ)) ‖ p(·|f(θ′, xₙ)))
 * ```
 * Its Fisher information is the `reduction: 'sum'` Fisher of `curvature.fisher(spec, θ, { x })`.
 * @param spec - `model` and `likelihood`.
 * @param x - the inputs, leading axis N on every leaf.
 * @param options - `labels`, `maxSupport`, `name`.
 * @returns a {@link Family} whose outcome is `[N, ...labelShape]`.
 * @example
 * ```ts
 * const joint = conditionalFamily({ model, likelihood: likelihoods.bernoulli() }, X, { labels: tensor([0, 1], { dtype: 'float64' }) });
 * ```
 */
export function conditionalFamily<P extends Theta>(spec: ConditionalSpec<P>, x: tree.Tree<Tensor>, options: FamilyOptions = {}): Family<P> {
  const { model, likelihood } = spec;
  const n = first(x);
  const labels = options.labels;
  const maxSupport = options.maxSupport ?? 4096;
  const support = labels && labels.shape[0]! ** n <= maxSupport ? productSupport(labels, n) : undefined;
  const kl = likelihood.kl?.bind(likelihood);
  return {
    name: options.name ?? `${likelihood.name} model over ${n} examples`,
    logProb: (theta, y) => vmap((xn: any, yn: Tensor) => likelihood.logProb(model(theta, xn), yn))(x, y).sum(),
    support,
    sample: (key, theta, m) => {
      const f = vmap(model, { inAxes: [null, 0] })(theta, x);
      return likelihood.sample(key, f.broadcastTo([m, ...f.shape]));
    },
    kl: kl ? (a, b) => vmap((xn: any) => kl(model(a, xn), model(b, xn)))(x).sum() : undefined,
  };
}

/**
 * One family per example of a conditional model (for additivity and per-example Fishers).
 *
 * ```text
 * family n:  log p(y | θ) = log p(y | f(θ, xₙ)),  support = labels, sampler = likelihood.sample
 * ```
 * @param spec - `model` and `likelihood`.
 * @param x - the inputs, leading axis N.
 * @param options - `labels`, `name`.
 * @returns N families.
 * @example
 * ```ts
 * const parts = exampleFamilies(spec, X, { labels });
 * fisherAdditivity(conditionalFamily(spec, X, { labels }), parts, params).holds; // true
 * ```
 */
export function exampleFamilies<P extends Theta>(spec: ConditionalSpec<P>, x: tree.Tree<Tensor>, options: FamilyOptions = {}): Family<P>[] {
  const { model, likelihood } = spec;
  const kl = likelihood.kl?.bind(likelihood);
  return Array.from({ length: first(x) }, (_, i) => {
    const xn = exampleOf(x, i);
    return {
      name: `${options.name ?? likelihood.name} example ${i}`,
      logProb: (theta: P, y: Tensor) => likelihood.logProb(model(theta, xn), y),
      support: options.labels,
      sample: (key: Tensor, theta: P, m: number) => {
        const f = model(theta, xn);
        return likelihood.sample(key, f.broadcastTo([m, ...f.shape]));
      },
      kl: kl ? (a: P, b: P) => kl(model(a, xn), model(b, xn)) : undefined,
    };
  });
}

/**
 * n independent copies of a family: the outcome is `[n, ...]`.
 *
 * ```text
 * log p(y₁…yₙ | θ) = Σᵢ log p(yᵢ | θ),   support = support^n (when K^n ≤ maxSupport),   kl = n · kl
 * ```
 * @param family - one observation.
 * @param n - the number of copies.
 * @param options - `maxSupport`.
 * @returns the joint family (exact when the single family has a fixed support and K^n ≤ maxSupport, else Monte Carlo).
 * @example
 * ```ts
 * fisherAdditivity(iid(bernoulli, 3), [bernoulli, bernoulli, bernoulli], theta).holds; // true
 * ```
 */
export function iid<P extends Theta>(family: Family<P>, n: number, options: Pick<FamilyOptions, 'maxSupport'> = {}): Family<P> {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`iid: n must be a positive integer, got ${n}.`, { op: 'iid', argument: 'n', received: String(n) });
  const maxSupport = options.maxSupport ?? 4096;
  const base = family.support;
  const support = base !== undefined && typeof base !== 'function' && base.shape[0]! ** n <= maxSupport ? productSupport(base, n) : undefined;
  const sample = family.sample, kl = family.kl;
  return {
    name: `${n} × ${family.name ?? 'family'}`,
    logProb: (theta, y) => vmap((yi: Tensor) => family.logProb(theta, yi))(y).sum(),
    support,
    sample: sample ? (key, theta, m) => { const ys = sample(key, theta, m * n); return ys.reshape([m, n, ...ys.shape.slice(1)]); } : undefined,
    kl: kl ? (a, b) => kl(a, b).mul(n) : undefined,
  };
}

/**
 * The same family in new coordinates η with θ = φ(η): every piece is composed with φ.
 *
 * ```text
 * log p_η(y | η) = log p(y | φ(η)),   quadrature / support / sample / kl composed with φ
 * ```
 * @param family - the family in θ.
 * @param phi - η ↦ θ (written with tensor ops, differentiable).
 * @param name - name for reports.
 * @returns the family in η.
 * @example
 * ```ts
 * const logScale = reparameterize(gaussianMuSigma, (e: { mu: Tensor; logSigma: Tensor }) => ({ mu: e.mu, sigma: e.logSigma.exp() }));
 * ```
 */
export function reparameterize<P extends Theta, Q extends Theta>(family: Family<P>, phi: (eta: Q) => P, name?: string): Family<Q> {
  const { support, quadrature, sample, kl } = family;
  return {
    name: name ?? `${family.name ?? 'family'} ∘ φ`,
    logProb: (eta, y) => family.logProb(phi(eta), y),
    support: typeof support === 'function' ? (eta: Q) => support(phi(eta)) : support,
    quadrature: quadrature ? (eta) => quadrature(phi(eta)) : undefined,
    sample: sample ? (key, eta, n) => sample(key, phi(eta), n) : undefined,
    kl: kl ? (a, b) => kl(phi(a), phi(b)) : undefined,
  };
}

/**
 * A family at a fixed θ as a {@link Distribution} (e.g. the data distribution of a
 * well-specified model for {@link sandwichIdentity}).
 *
 * ```text
 * q(y) = p(y | θ)   with the family's support / quadrature domain / sampler at θ
 * ```
 * @param family - the family.
 * @param theta - θ.
 * @returns the distribution p(· | θ).
 * @example
 * ```ts
 * sandwichIdentity(family, distributionAt(family, theta), theta).holds; // true: well specified
 * ```
 */
export function distributionAt<P extends Theta>(family: Family<P>, theta: P): Distribution {
  return at(family, toFloat64(theta, 'distributionAt'));
}
