/**
 * Discrete likelihoods on natural parameters: Bernoulli (logits), categorical (logits) and
 * Poisson (log-rate).
 * @module
 */
import { ConcreteTensor, type Tensor } from '../tensor/tensor.js';
import { TransformError } from '../errors.js';
import { logSigmoid, sigmoid, softplus, sqrt } from '../ops/arithmetic.js';
import { logSoftmax, softmax } from '../ops/nn.js';
import { oneHot } from '../ops/indexing.js';
import { tensor } from '../tensor/creation.js';
import * as random from '../random/index.js';
import { checkLabelTensor, checkOutput, diagMatrix, logFactorial, type Likelihood } from './types.js';

/**
 * Bernoulli likelihood on logits: each output entry is the logit of an independent binary label.
 *
 * ```text
 * log p(y | f) = Σᵢ yᵢ fᵢ − softplus(fᵢ),   p = σ(f),   y ∈ {0, 1}
 * F(f) = diag(p ⊙ (1 − p)),   S(f) = diag(√(p(1 − p)))
 * KL(f ‖ g) = Σ σ(f)(log σ(f) − log σ(g)) + σ(−f)(log σ(−f) − log σ(−g))
 * ```
 * @returns A {@link Likelihood} named `"bernoulli"`; labels have the output's shape (float, int or bool).
 * @throws {ValueError} (from `logProb`/`checkLabels`) when a concrete label is not 0 or 1.
 * @example
 * ```ts
 * const lik = bernoulli();
 * lik.logProb(tensor([0]), tensor([1])).item(); // log ½
 * ```
 */
export function bernoulli(): Likelihood {
  const name = 'bernoulli';
  const checkLabels = (y: Tensor, outputShape: readonly number[], batchDims = 0): void =>
    checkLabelTensor(name, y, { shape: outputShape, integer: true, min: 0, max: 1 }, batchDims);
  return {
    name,
    checkLabels,
    logProb(f, y) {
      checkOutput(name, f);
      checkLabels(y, f.shape);
      return y.cast(f.dtype).mul(f).sub(softplus(f)).sum();
    },
    sample: (key, f) => random.bernoulli(key, sigmoid(f)).cast(f.dtype),
    mean: (f) => sigmoid(f),
    outputFisher(f) {
      const p = sigmoid(f);
      return diagMatrix(p.mul(p.neg().add(1)));
    },
    outputFisherSqrt(f) {
      const p = sigmoid(f);
      return diagMatrix(sqrt(p.mul(p.neg().add(1))));
    },
    kl(f, g) {
      const a = sigmoid(f).mul(logSigmoid(f).sub(logSigmoid(g)));
      const b = sigmoid(f.neg()).mul(logSigmoid(f.neg()).sub(logSigmoid(g.neg())));
      return a.add(b).sum();
    },
  };
}

/**
 * Categorical likelihood on logits: the output is one example's `[k]` vector of class logits.
 *
 * ```text
 * log p(y | f) = f_y − logΣexp(f),   p = softmax(f),   y ∈ {0, …, k−1} (int32)
 * F(f) = diag(p) − p pᵀ,   S(f) = diag(√p) − p √pᵀ      (S Sᵀ = F because Σ p = 1)
 * KL(f ‖ g) = Σ p (log p − log softmax(g))
 * ```
 * @returns A {@link Likelihood} named `"categorical"`; labels are int32 scalars per example.
 * @throws {ValueError} when a concrete label is outside `[0, k)`; {DTypeError} for
 *   non-int32 labels; {ShapeError} for non-vector outputs or non-scalar labels.
 * @example
 * ```ts
 * categorical().outputFisher(tensor([0, 0])).toArray(); // [[0.25, -0.25], [-0.25, 0.25]]
 * ```
 */
export function categorical(): Likelihood {
  const name = 'categorical';
  const checkLabels = (y: Tensor, outputShape: readonly number[], batchDims = 0): void => {
    const k = outputShape[outputShape.length - 1] ?? 0;
    checkLabelTensor(name, y, { shape: outputShape.slice(0, -1), integer: true, min: 0, max: k - 1, int32: true }, batchDims);
  };
  return {
    name,
    checkLabels,
    logProb(f, y) {
      checkOutput(name, f, 1);
      checkLabels(y, f.shape);
      return oneHot(y, f.shape[f.ndim - 1]!, f.dtype).mul(logSoftmax(f)).sum();
    },
    sample: (key, f) => random.categorical(key, f),
    mean: (f) => softmax(f),
    outputFisher(f) {
      checkOutput(name, f, 1);
      const p = softmax(f);
      return diagMatrix(p).sub(p.reshape([-1, 1]).mul(p.reshape([1, -1])));
    },
    outputFisherSqrt(f) {
      checkOutput(name, f, 1);
      const p = softmax(f);
      const s = sqrt(p);
      return diagMatrix(s).sub(p.reshape([-1, 1]).mul(s.reshape([1, -1])));
    },
    kl(f, g) {
      const lp = logSoftmax(f);
      return lp.exp().mul(lp.sub(logSoftmax(g))).sum();
    },
  };
}

/**
 * Poisson likelihood on the log-rate η: each output entry is the log-mean of a count.
 *
 * ```text
 * log p(y | η) = Σ y η − exp(η) − log y!,   λ = exp(η),   y ∈ ℕ
 * F(η) = diag(λ),   S(η) = diag(exp(η/2))
 * KL(η ‖ ζ) = Σ λ (η − ζ) − λ + exp(ζ)
 * ```
 * `sample` runs on the host by CDF inversion and needs a concrete output (not a tracer).
 * @returns A {@link Likelihood} named `"poisson"`; labels have the output's shape.
 * @throws {ValueError} when a concrete label is negative or not an integer;
 *   {TransformError} when `sample` is called on a traced output.
 * @example
 * ```ts
 * poisson().mean(tensor([0])).toArray(); // [1]
 * ```
 */
export function poisson(): Likelihood {
  const name = 'poisson';
  const checkLabels = (y: Tensor, outputShape: readonly number[], batchDims = 0): void =>
    checkLabelTensor(name, y, { shape: outputShape, integer: true, min: 0 }, batchDims);
  return {
    name,
    checkLabels,
    logProb(eta, y) {
      checkOutput(name, eta);
      checkLabels(y, eta.shape);
      const yf = y.cast(eta.dtype);
      return yf.mul(eta).sub(eta.exp()).sub(logFactorial(yf)).sum();
    },
    sample(key, eta) {
      if (!(eta instanceof ConcreteTensor)) {
        throw new TransformError('likelihoods.poisson.sample: needs a concrete output (it samples on the host); call it outside vmap/grad.', { op: 'likelihoods.poisson.sample', argument: 'output' });
      }
      const u = random.uniform(key, eta.shape, { dtype: 'float64' }).toTypedArray();
      const rates = eta.toTypedArray();
      const out = new Float64Array(rates.length);
      for (let i = 0; i < rates.length; i++) {
        const lam = Math.exp(Number(rates[i]));
        let n = 0, pmf = Math.exp(-lam), cdf = pmf;
        while (cdf < u[i]! && n < 1e7 && pmf > 0) { n++; pmf *= lam / n; cdf += pmf; }
        out[i] = n;
      }
      return tensor(out, { dtype: eta.dtype }).reshape(eta.shape);
    },
    mean: (eta) => eta.exp(),
    outputFisher: (eta) => diagMatrix(eta.exp()),
    outputFisherSqrt: (eta) => diagMatrix(eta.mul(0.5).exp()),
    kl(eta, zeta) {
      const lam = eta.exp();
      return lam.mul(eta.sub(zeta)).sub(lam).add(zeta.exp()).sum();
    },
  };
}
