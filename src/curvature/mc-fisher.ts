/**
 * The Monte-Carlo Fisher's diagonal and trace with standard errors over the label draws.
 * @module
 */
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { vmap } from '../transforms/vmap.js';
import * as tree from '../tree/index.js';
import { outputCurvature, type FisherModel, type ReductionOptions } from './builders.js';
import { checkParams } from './check-params.js';
import type { Estimate } from './estimators.js';
import { checkCount, checkKey, meanAndError } from './flat-operator.js';
import type { Params } from './operator.js';
import { batchSize, jacobianSandwich, reductionScale, type Batch } from './sandwich.js';

/** Options of {@link mcFisherEstimate}. */
export interface McFisherEstimateOptions extends ReductionOptions {
  /** PRNG key, used exactly as `fisher(…, { kind: 'mc', key, samples })` uses it. */
  readonly key: Tensor;
  /** S ≥ 2 label draws per example. */
  readonly samples: number;
  /** Global index of the batch's first example (as in `fisher`). @defaultValue 0 */
  readonly exampleOffset?: number;
}

/** Result of {@link mcFisherEstimate}. */
export interface McFisherEstimate<P extends Params> {
  /** diag(F̂) with entrywise standard errors (a tree like the parameters). */
  readonly diagonal: Estimate<P>;
  /** tr(F̂) with its standard error. */
  readonly trace: Estimate;
}

/**
 * The Monte-Carlo Fisher's diagonal and trace, each with its standard error over the S label draws.
 *
 * ```text
 * F̂ = (1/S) Σₛ F̂ₛ,   F̂ₛ = s Σₙ gₙₛ gₙₛᵀ,   gₙₛ = ∇_θ log p(ŷₙₛ | fₙ),  ŷₙₛ ~ p(· | fₙ)
 * diag(F̂) = (1/S) Σₛ diag(F̂ₛ),   standardError = sd over s of diag(F̂ₛ) / √S   (same for the trace)
 * ```
 * The draws are those of `fisher(spec, params, batch, { kind: 'mc', key, samples })`, whose diagonal
 * equals `estimate` up to rounding; the exact Fisher's diagonal lies within ±2 standard errors about
 * 95 % of the time. Each draw costs one exact diagonal pass (no per-example gradients for dense layers).
 * @param spec - `model` and `likelihood`.
 * @param params - θ.
 * @param batch - `{ x, y? }` (labels are not used).
 * @param options - `key`, `samples` (≥ 2), `reduction`, `exampleOffset`.
 * @returns `{ diagonal, trace }` estimates.
 * @throws {ValueError} for a bad key or sample count, or an empty batch; {ShapeError} for inconsistent batches.
 * @example
 * ```ts
 * const { diagonal, trace } = curvature.mcFisherEstimate({ model, likelihood }, params, { x }, { key: random.key(0), samples: 16 });
 * ```
 */
export function mcFisherEstimate<P extends Params>(spec: FisherModel<P>, params: P, batch: Batch, options: McFisherEstimateOptions): McFisherEstimate<P> {
  const name = 'mcFisherEstimate';
  checkParams(name, params);
  checkKey(name, options.key);
  checkCount(name, 'samples', options.samples, 2);
  const samples = options.samples;
  const n = batchSize(name, batch);
  const s = reductionScale(name, options.reduction, n);
  const z = vmap((xn: any) => spec.model(params, xn))(batch.x) as Tensor;
  const u = outputCurvature(name, spec.likelihood, z, batch, { kind: 'mc', key: options.key, samples, ...(options.exampleOffset === undefined ? {} : { exampleOffset: options.exampleOffset }) }).factors();
  const k = u.shape[1]!;
  const [flat0, unravel] = tree.ravel(params);
  const size = flat0.size;
  // Welford over the draws (each draw's factor is column s of the MC factor, unscaled by 1/√S)
  const mean = new Float64Array(size), m2 = new Float64Array(size);
  const traces: number[] = [];
  for (let c = 0; c < samples; c++) {
    const col = u.slice([0, 0, c], [n, k, 1]).mul(Math.sqrt(samples));
    const d = jacobianSandwich(spec.model, params, batch.x, z, { factors: () => col }, s).diagonal();
    const x = tree.ravel(d)[0].toTypedArray() as ArrayLike<number>;
    let t = 0;
    for (let i = 0; i < size; i++) {
      const v = x[i]!;
      t += v;
      const delta = v - mean[i]!;
      mean[i]! += delta / (c + 1);
      m2[i]! += delta * (v - mean[i]!);
    }
    traces.push(t);
  }
  const toTree = (a: Float64Array): P => {
    const t = tensor(a, { dtype: 'float64' });
    return unravel(flat0.dtype === 'float64' ? t : t.cast(flat0.dtype)) as P;
  };
  const se = m2.map((v) => Math.sqrt(Math.max(0, v) / (samples - 1) / samples));
  const tr = meanAndError(traces);
  return { diagonal: { estimate: toTree(mean), standardError: toTree(se), samples }, trace: { estimate: tr.mean, standardError: tr.standardError, samples } };
}
