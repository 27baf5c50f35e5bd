/**
 * The state a Laplace approximation shares across hyperparameters, and the log marginal
 * likelihood as a tensor function of (δ, σ): used by `laplace.ts`, `predictive.ts` and
 * `hyperparameters.ts`.
 * @module
 */
import { ValueError } from '../../errors.js';
import { tensor } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Likelihood } from '../../likelihoods/types.js';
import type { CurvatureOperator, Params } from '../operator.js';
import { priorVector, type PriorPrecision } from './prior.js';
import type { CurvatureStructure } from './structures.js';
import type { LaplaceOptions } from './laplace.js';

/** @internal Everything a Laplace approximation shares across hyperparameters. */
export interface LaplaceCore<P extends Params> {
  readonly op: string;
  readonly params: P;
  readonly plain: (params: P, x: any) => Tensor;
  readonly likelihood: Likelihood;
  readonly theta: Tensor;
  readonly unravel: (v: Tensor) => P;
  readonly size: number;
  readonly structure: CurvatureStructure;
  readonly curvature: CurvatureOperator<P> | undefined;
  readonly s: number;
  /** Gaussian likelihood: σ₀, the residual sum of squares and the exponent e of c = (σ₀/σ)^e. */
  readonly gaussian: { readonly sigma0: number; readonly rss: number; readonly count: number; readonly exponent: number } | undefined;
  /** s Σ log p(yₙ | fₙ) for non-Gaussian likelihoods. */
  readonly logLik: number;
  readonly leafOf: number[];
  readonly options: LaplaceOptions;
}

/** @internal Throws unless σ is a positive number or a scalar tensor. */
export function checkSigma(op: string, sigma: number | Tensor): void {
  if (typeof sigma === 'number' && !(sigma > 0 && Number.isFinite(sigma))) {
    throw new ValueError(`${op}: sigmaNoise must be a positive finite number, got ${sigma}.`, { op, argument: 'sigmaNoise', expected: '> 0', received: String(sigma) });
  }
  if (sigma instanceof Tensor && sigma.ndim !== 0) throw new ValueError(`${op}: sigmaNoise must be a scalar, got ${sigma.aval.toString()}.`, { op, argument: 'sigmaNoise', received: sigma.aval.toString() });
}

/** @internal δ as a tensor (checked against the structure). */
export function deltaOf<P extends Params>(core: LaplaceCore<P>, prior: PriorPrecision): { delta: Tensor; perLeaf: boolean } {
  const pv = priorVector(core.op, core.params, prior, core.theta.dtype);
  if (core.structure.scalarPriorOnly && pv.delta.ndim !== 0) {
    throw new ValueError(`${core.op}: structure '${core.structure.name}' needs an isotropic (scalar) prior precision.`, { op: core.op, argument: 'priorPrecision', expected: 'a number or scalar tensor' });
  }
  return pv;
}

/** @internal c = (σ₀/σ)^e as a scalar tensor (1 for non-Gaussian likelihoods). */
export function noiseScale<P extends Params>(core: LaplaceCore<P>, sigma: number | Tensor | undefined): Tensor {
  const dtype = core.theta.dtype;
  if (!core.gaussian || sigma === undefined) return tensor(1, { dtype });
  const r = (sigma instanceof Tensor ? sigma.cast(dtype) : tensor(sigma, { dtype })).reciprocal().mul(core.gaussian.sigma0);
  const r2 = r.square();
  return core.gaussian.exponent === 4 ? r2.square() : r2;
}

/** @internal The log marginal likelihood as a tensor function of (δ, σ). */
export function logMarginal<P extends Params>(core: LaplaceCore<P>, prior: PriorPrecision, sigma: number | Tensor | undefined): Tensor {
  const { delta } = deltaOf(core, prior);
  const dtype = core.theta.dtype;
  let fit: Tensor;
  const g = core.gaussian;
  if (g) {
    if (sigma === undefined) throw new ValueError(`${core.op}: sigmaNoise is required for a Gaussian likelihood.`, { op: core.op, argument: 'sigmaNoise' });
    checkSigma(core.op, sigma);
    const sg = sigma instanceof Tensor ? sigma.cast(dtype) : tensor(sigma, { dtype });
    fit = sg.square().reciprocal().mul(-0.5 * g.rss).sub(sg.log().mul(g.count)).sub(0.5 * g.count * Math.log(2 * Math.PI)).mul(core.s);
  } else {
    if (sigma !== undefined) throw new ValueError(`${core.op}: sigmaNoise applies to likelihoods.normal only, got '${core.likelihood.name}'.`, { op: core.op, argument: 'sigmaNoise', received: core.likelihood.name });
    fit = tensor(core.logLik, { dtype });
  }
  const t2 = core.theta.square();
  const quad = delta.ndim === 0 ? t2.sum().mul(delta) : t2.mul(delta).sum();
  const logDelta = delta.ndim === 0 ? delta.log().mul(core.size) : delta.log().sum();
  return fit.sub(quad.mul(0.5)).add(logDelta.mul(0.5)).sub(core.structure.logdet(delta, noiseScale(core, sigma)).mul(0.5));
}

