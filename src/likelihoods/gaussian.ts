/**
 * Gaussian likelihoods: fixed scale (`normal`) and learned scale (`normalWithScale`).
 * @module
 */
import { ValueError } from '../errors.js';
import { concat } from '../ops/manipulation.js';
import { eye } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as random from '../random/index.js';
import { checkLabelTensor, checkOutput, diagMatrix, type Likelihood } from './types.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Options of {@link normal}. */
export interface NormalOptions {
  /** The fixed standard deviation σ > 0. @defaultValue 1 */
  readonly sigma?: number;
}

/**
 * Gaussian likelihood with fixed scale σ: the output is the mean of the label (any shape).
 *
 * ```text
 * log p(y | μ) = Σ −(y − μ)²/(2σ²) − log σ − ½ log 2π
 * F(μ) = I/σ²,   S(μ) = I/σ,   KL(μ ‖ ν) = Σ (μ − ν)²/(2σ²)
 * ```
 * With σ = 1, the Fisher of least squares is Jᵀ J (the Gauss–Newton matrix).
 * @param options - `sigma` (default 1).
 * @returns A {@link Likelihood} named `"normal"`; labels are floats of the output's shape.
 * @throws {ValueError} when `sigma` is not a positive finite number.
 * @example
 * ```ts
 * normal({ sigma: 2 }).outputFisher(tensor([0, 0])).toArray(); // [[0.25, 0], [0, 0.25]]
 * ```
 */
export function normal(options: NormalOptions = {}): Likelihood {
  const name = 'normal';
  const sigma = options.sigma ?? 1;
  if (!(sigma > 0) || !Number.isFinite(sigma)) {
    throw new ValueError(`likelihoods.normal: sigma must be a positive finite number, got ${sigma}.`, { op: 'likelihoods.normal', argument: 'sigma', received: String(sigma) });
  }
  const checkLabels = (y: Tensor, outputShape: readonly number[], batchDims = 0): void =>
    checkLabelTensor(name, y, { shape: outputShape }, batchDims);
  return {
    name,
    checkLabels,
    logProb(mu, y) {
      checkOutput(name, mu);
      checkLabels(y, mu.shape);
      const r = y.cast(mu.dtype).sub(mu);
      return r.square().sum().mul(-0.5 / (sigma * sigma)).sub(mu.size * (Math.log(sigma) + HALF_LOG_2PI));
    },
    sample: (key, mu) => mu.add(random.normal(key, mu.shape, { dtype: mu.dtype }).mul(sigma)),
    mean: (mu) => mu,
    outputFisher: (mu) => eye(mu.size, mu.size, mu.dtype).mul(1 / (sigma * sigma)),
    outputFisherSqrt: (mu) => eye(mu.size, mu.size, mu.dtype).mul(1 / sigma),
    kl: (mu, nu) => mu.sub(nu).square().sum().mul(0.5 / (sigma * sigma)),
  };
}

/** The component `i` of the last axis (size 2) of `o`, with that axis dropped. */
function component(o: Tensor, i: number): Tensor {
  const lead = o.shape.slice(0, -1);
  return o.slice([...lead.map(() => 0), i], [...lead, 1]).reshape(lead);
}

/**
 * Gaussian likelihood with learned scale: the output's last axis holds `[mean, log σ]`.
 *
 * ```text
 * output[..., 0] = μ,  output[..., 1] = s = log σ
 * log p(y | μ, s) = Σ −(y − μ)² e^{−2s}/2 − s − ½ log 2π
 * F(μ, s) = diag(e^{−2s}, 2) per label (interleaved in row-major order),   S = diag(e^{−s}, √2)
 * KL = Σ (s_q − s_p) + (e^{2s_p} + (μ_p − μ_q)²)/(2e^{2s_q}) − ½
 * ```
 * The parametrisation is not canonical, so the Hessian of −log p differs from F; the GGN of
 * this split is therefore not the Fisher (use `fisher`, not `ggn`).
 * @returns A {@link Likelihood} named `"normalWithScale"`; labels have shape `output.shape[:-1]`.
 * @throws {ShapeError} (from `logProb`) when the output's last axis is not 2.
 * @example
 * ```ts
 * normalWithScale().mean(tensor([1.5, 0])).toArray(); // 1.5
 * ```
 */
export function normalWithScale(): Likelihood {
  const name = 'normalWithScale';
  const checkLabels = (y: Tensor, outputShape: readonly number[], batchDims = 0): void =>
    checkLabelTensor(name, y, { shape: outputShape.slice(0, -1) }, batchDims);
  const checkOut = (o: Tensor): void => {
    checkOutput(name, o, 1);
    if (o.shape[o.ndim - 1] !== 2) {
      checkLabelTensor(name, o, { shape: [...o.shape.slice(0, -1), 2] });
    }
  };
  const weights = (o: Tensor): Tensor => {
    const s = component(o, 1);
    return concat([s.mul(-2).exp().reshape([...s.shape, 1]), s.mul(0).add(2).reshape([...s.shape, 1])], -1);
  };
  return {
    name,
    checkLabels,
    logProb(o, y) {
      checkOut(o);
      checkLabels(y, o.shape);
      const mu = component(o, 0), s = component(o, 1);
      const r = y.cast(o.dtype).sub(mu);
      return r.square().mul(s.mul(-2).exp()).mul(-0.5).sub(s).sub(HALF_LOG_2PI).sum();
    },
    sample(key, o) {
      const mu = component(o, 0), s = component(o, 1);
      return mu.add(random.normal(key, mu.shape, { dtype: o.dtype }).mul(s.exp()));
    },
    mean: (o) => component(o, 0),
    outputFisher: (o) => { checkOut(o); return diagMatrix(weights(o)); },
    outputFisherSqrt: (o) => { checkOut(o); return diagMatrix(weights(o).sqrt()); },
    kl(p, q) {
      const mp = component(p, 0), sp = component(p, 1), mq = component(q, 0), sq = component(q, 1);
      return sq.sub(sp).add(sp.mul(2).exp().add(mp.sub(mq).square()).mul(sq.mul(-2).exp()).mul(0.5)).sub(0.5).sum();
    },
  };
}
