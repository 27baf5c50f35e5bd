/**
 * Curvature builders over a batch: per-example gradients, the generalized Gauss–Newton of any
 * split, the (exact, Monte-Carlo, empirical) Fisher of a likelihood, and the Hessian.
 * @module
 */
import { ValueError } from '../errors.js';
import { concat, stack } from '../ops/manipulation.js';
import { grad } from '../transforms/grad.js';
import { hessian } from '../transforms/jacobian.js';
import { linearize } from '../transforms/jvp.js';
import { jit } from '../transforms/jit.js';
import { makeJaxpr } from '../transforms/make-jaxpr.js';
import { checkParams } from './check-params.js';
import { vmap } from '../transforms/vmap.js';
import type { Tensor } from '../tensor/tensor.js';
import * as random from '../random/index.js';
import { psdCholesky, type Likelihood } from '../likelihoods/types.js';
import { linearOperator, type CurvatureOperator, type Params } from './operator.js';
import { compiledAfterFirstCall, curvatureCompilation } from './compiled.js';
import { reuseProgram, signatureOf, traceOutputs, type ProgramSignature } from './program-cache.js';
import { linearization } from './linearization.js';
import { batchSize, reductionScale, sandwichOperator, type Batch, type OutputCurvature, type Reduction } from './sandwich.js';

/** Options shared by the builders. */
export interface ReductionOptions {
  /** `'mean'` (default) averages over examples, `'sum'` adds them. */
  readonly reduction?: Reduction;
}

/** A per-example loss ℓ(θ, xₙ, yₙ) (a scalar tensor). */
export type ExampleLoss<P extends Params> = (params: P, x: any, y: any) => Tensor;

/**
 * Per-example gradients of a per-example loss, by `vmap(grad(loss))` over the batch.
 *
 * ```text
 * gₙ = ∇_θ ℓ(θ, xₙ, yₙ),   returned as a tree whose leaves have a leading axis N
 * ```
 * @param loss - ℓ(params, x, y) for one example.
 * @returns (params, batch) ↦ per-example gradient tree.
 * @throws {ShapeError} (when called) if the batch leaves have different leading axes.
 * @example
 * ```ts
 * const g = perExampleGrads((w, x, y) => x.dot(w).sub(y).square())(w, { x: X, y: Y });
 * g.shape; // [N, D]
 * ```
 */
export function perExampleGrads<P extends Params>(loss: ExampleLoss<P>): (params: P, batch: Batch) => P {
  return (params, batch) => {
    checkParams('perExampleGrads', params);
    batchSize('perExampleGrads', batch);
    return vmap(grad(loss), { inAxes: [null, 0, batch.y === undefined ? null : 0] })(params, batch.x, batch.y) as P;
  };
}

/** A split L(θ) = Σₙ a(b(θ, xₙ), yₙ) for the GGN. */
export interface GgnSplit<P extends Params> {
  /** b: (params, x) ↦ z, one example's output (a tensor). */
  readonly inner: (params: P, x: any) => Tensor;
  /** a: (z, y) ↦ scalar loss; its Hessian in z should be PSD (convex a) for a PSD GGN. */
  readonly outer: (z: Tensor, y: any) => Tensor;
}

function requireLabels(op: string, batch: Batch): Tensor {
  if (!batch.y) throw new ValueError(`${op}: batch.y (the labels) is required.`, { op, argument: 'batch.y' });
  return batch.y;
}

/**
 * The generalized Gauss–Newton matrix of the split L(θ) = Σₙ aₙ(bₙ(θ)).
 *
 * ```text
 * G = s Σₙ Jₙᵀ Hₙ Jₙ,   Jₙ = ∂b(θ, xₙ)/∂θ,   Hₙ = ∇²_z a(z, yₙ)|_{z = b(θ, xₙ)},   s = 1/N or 1
 * matvec: linearize(vmap(b)) once → Hₙ (J v)ₙ → vjp
 * diag(G) = s Σₙ Σ_c (Jₙᵀ Lₙ[:, c])²,   Lₙ Lₙᵀ = Hₙ
 * ```
 * For a = −log p(y | z) with p an exponential family in natural parameters, G equals the Fisher.
 * @param split - `inner` (b) and `outer` (a).
 * @param params - θ.
 * @param batch - `{ x, y }` with a leading batch axis.
 * @param options - `reduction`.
 * @returns A {@link CurvatureOperator}.
 * @throws {ValueError} when labels are missing or the batch is empty; {ShapeError} for inconsistent batches.
 * @example
 * ```ts
 * const G = ggn({ inner: (p, x) => x.matmul(p.w), outer: (z, y) => z.logSoftmax().take(y).neg() }, params, { x, y });
 * G.diagonal();
 * ```
 */
export function ggn<P extends Params>(split: GgnSplit<P>, params: P, batch: Batch, options: ReductionOptions = {}): CurvatureOperator<P> {
  const op = 'ggn';
  checkParams(op, params);
  const n = batchSize(op, batch);
  const s = reductionScale(op, options.reduction, n);
  const y = requireLabels(op, batch);
  const lz = linearization(split.inner, params, batch.x); // the outputs now, the maps on the first matvec
  const z = lz.outputs();
  const k = z.size / n;
  const h = outputHessians(split.outer, z, y).reshape([n, k, k]);
  return sandwichOperator(split.inner, params, batch.x, z.shape, { matrices: h, factors: () => vmap(psdCholesky)(h) }, s, undefined, lz);
}

/**
 * ∇²_z a(zₙ, yₙ) for every example. Compiled, the program is traced once per outer function and
 * signature (the printed trace of vmap(a) and its constants, see `program-cache.ts`) and reused
 * by later operators; jit returns the eager bits.
 */
function outputHessians(outer: (z: Tensor, y: any) => Tensor, z: Tensor, y: Tensor): Tensor {
  const hessians = (zz: Tensor, yy: Tensor): Tensor => vmap(hessian((a: Tensor, b: any) => outer(a, b)), { inAxes: [0, 0] })(zz, yy);
  if (!curvatureCompilation.enabled) return hessians(z, y);
  let signature: ProgramSignature | undefined;
  try {
    signature = signatureOf(makeJaxpr((zz: Tensor, yy: Tensor) => vmap(outer, { inAxes: [0, 0] })(zz, yy))(z, y).jaxpr);
  } catch {
    return hessians(z, y); // not traceable: eager (which reports any error of `outer`)
  }
  return reuseProgram('output hessians', outer, signature, () => jit(hessians))(z, y);
}

/** A probabilistic model: an output per example and a likelihood p(y | output). */
export interface FisherModel<P extends Params> {
  /** (params, x) ↦ one example's output f(x; θ). */
  readonly model: (params: P, x: any) => Tensor;
  /** The likelihood p(y | f). */
  readonly likelihood: Likelihood;
}

/** Options of {@link fisher}. */
export interface FisherOptions extends ReductionOptions {
  /** `'exact'` (expectation in closed form), `'mc'` (sampled labels) or `'empirical'` (training labels). @defaultValue `'exact'` */
  readonly kind?: 'exact' | 'mc' | 'empirical';
  /** Number of label samples per example for `'mc'`. @defaultValue 1 */
  readonly samples?: number;
  /** PRNG key for `'mc'` (required). */
  readonly key?: Tensor;
  /**
   * For `'mc'`: the global index of this batch's first example. Example n draws its labels from
   * `foldIn(split(key, samples)[s], exampleOffset + n)`, so a data set processed in chunks (with
   * their offsets, `reduction: 'sum'`) gives exactly the Fisher of the whole batch. @defaultValue 0
   */
  readonly exampleOffset?: number;
}

/**
 * The Fisher information of a likelihood model — exact, Monte-Carlo, or the empirical Fisher.
 *
 * ```text
 * exact:      F   = s Σₙ Jₙᵀ F(fₙ) Jₙ                    F(f) = E_{y~p(·|f)}[∇_f log p ∇_f log pᵀ]
 * mc:         F̂   = s Σₙ (1/S) Σₛ gₙₛ gₙₛᵀ,  gₙₛ = ∇_θ log p(ŷₙₛ | fₙ),  ŷₙₛ ~ p(· | fₙ)
 * empirical:  F̃   = s Σₙ gₙ gₙᵀ,             gₙ  = ∇_θ log p(yₙ | fₙ)   (training labels)
 * ```
 * All three are Jacobian sandwiches: the MC and empirical output matrices are the outer products
 * of output-space scores, so matvec costs one JVP and one VJP and the diagonal is exact.
 * @param spec - `model` and `likelihood`.
 * @param params - θ.
 * @param batch - `{ x, y }` (y needed for `'empirical'`; validated when given).
 * @param options - `kind`, `samples`, `key`, `reduction`.
 * @returns A {@link CurvatureOperator}.
 * @throws {ValueError} for a missing key/labels, bad `samples`, an unknown kind or invalid labels.
 * @example
 * ```ts
 * const F = fisher({ model, likelihood: likelihoods.bernoulli() }, params, { x, y });
 * const Fmc = fisher({ model, likelihood: likelihoods.bernoulli() }, params, { x }, { kind: 'mc', key: random.key(0), samples: 8 });
 * ```
 */
export function fisher<P extends Params>(spec: FisherModel<P>, params: P, batch: Batch, options: FisherOptions = {}): CurvatureOperator<P> {
  const op = 'fisher';
  checkParams(op, params);
  const n = batchSize(op, batch);
  const s = reductionScale(op, options.reduction, n);
  const lik = spec.likelihood;
  const lz = linearization(spec.model, params, batch.x);
  const zOf = (): Tensor => lz.outputs();
  // The exact kind needs the outputs only when its matrices or factors are formed (its diagonal
  // recomputes them in its own program), so the forward pass and factor are only traced here.
  const exact = (options.kind ?? 'exact') === 'exact';
  const factorOf = (zn: Tensor): Tensor => lik.outputFisherSqrt(zn);
  const traced = exact ? traceOutputs(spec.model, factorOf, params, batch.x) : undefined;
  const shape = traced?.shape ?? zOf().shape;
  const cur = outputCurvatureOf(op, lik, shape, zOf, batch, options);
  return sandwichOperator(spec.model, params, batch.x, shape, cur, s, exact ? { of: factorOf, ...(traced?.signature ? { signature: traced.signature } : {}) } : undefined, lz);
}

/**
 * The output-space curvature of a likelihood at the outputs of a batch, for each Fisher kind.
 *
 * ```text
 * exact:      Mₙ = F(fₙ),   Uₙ = S(fₙ)
 * mc:         Uₙ = [∇_f log p(ŷₙ₁ | fₙ), …, ∇_f log p(ŷₙₛ | fₙ)] / √S
 * empirical:  Uₙ = ∇_f log p(yₙ | fₙ)
 * ```
 * @param op - Builder name for errors.
 * @param lik - The likelihood.
 * @param z - Outputs `[N, ...]`.
 * @param batch - The batch (labels validated when present, required for `'empirical'`).
 * @param options - `kind`, `samples`, `key`.
 * @returns `{ matrices?, factors }` with `[N, k, k]` / `[N, k, c]` tensors.
 * @throws {ValueError} for a missing key/labels, bad `samples`, an unknown kind or invalid labels.
 * @example
 * ```ts
 * const { factors } = outputCurvature('fisher', likelihoods.categorical(), z, { x, y }, { kind: 'empirical' });
 * ```
 */
export function outputCurvature(op: string, lik: Likelihood, z: Tensor, batch: Batch, options: FisherOptions): OutputCurvature {
  return outputCurvatureOf(op, lik, z.shape, () => z, batch, options);
}

/** {@link outputCurvature} from the outputs' shape and a thunk for their values (the exact kind calls it on first use). */
function outputCurvatureOf(op: string, lik: Likelihood, shape: readonly number[], zOf: () => Tensor, batch: Batch, options: FisherOptions): OutputCurvature {
  const n = shape[0]!;
  const k = shape.slice(1).reduce((a, b) => a * b, 1);
  if (batch.y) lik.checkLabels?.(batch.y, shape.slice(1), 1);
  const scores = (labels: Tensor): Tensor =>
    vmap(grad((zz: Tensor, yy: Tensor) => lik.logProb(zz, yy)), { inAxes: [0, 0] })(zOf(), labels).reshape([n, k, 1]);
  const kind = options.kind ?? 'exact';
  if (kind === 'exact') {
    // Both formed on first use (a diagonal needs only the factors, a matvec only the matrices).
    let m: Tensor | undefined;
    return {
      get matrices() { return (m ??= vmap((f: Tensor) => lik.outputFisher(f))(zOf())); },
      factors: () => vmap((f: Tensor) => lik.outputFisherSqrt(f))(zOf()),
    };
  }
  if (kind === 'empirical') {
    const u = scores(requireLabels(op, batch));
    return { factors: () => u };
  }
  if (kind === 'mc') {
    const samples = options.samples ?? 1;
    if (!Number.isInteger(samples) || samples < 1) {
      throw new ValueError(`${op}: samples must be a positive integer, got ${samples}.`, { op, argument: 'samples', received: String(samples) });
    }
    if (!options.key) throw new ValueError(`${op}: kind 'mc' needs a PRNG key (options.key).`, { op, argument: 'key' });
    const offset = options.exampleOffset ?? 0;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new ValueError(`${op}: exampleOffset must be an integer ≥ 0, got ${offset}.`, { op, argument: 'exampleOffset', received: String(offset) });
    }
    // One key per (sample, example), keyed by the example's global index: independent of chunking.
    const z = zOf();
    const rest = z.shape.slice(1);
    const draw = (ks: Tensor): Tensor => stack(Array.from({ length: n }, (_, i) =>
      lik.sample(random.foldIn(ks, offset + i), z.slice([i, ...rest.map(() => 0)], [1, ...rest]).reshape(rest))));
    const cols = random.splitList(options.key, samples).map((kk) => scores(draw(kk)));
    const u = concat(cols, 2).mul(1 / Math.sqrt(samples));
    return { factors: () => u };
  }
  throw new ValueError(`${op}: kind must be 'exact', 'mc' or 'empirical', got ${String(kind)}.`, { op, argument: 'kind', received: String(kind) });
}

/**
 * The Hessian of the reduced loss as a matrix-free operator (forward-over-reverse HVPs).
 *
 * ```text
 * H = ∇²_θ s Σₙ ℓ(θ, xₙ, yₙ),   matvec(v) = J_{∇L}(θ) v  (∇L linearized once)
 * ```
 * The diagonal comes from the dense matrix (P HVPs, vmapped).
 * @param loss - ℓ(params, x, y) for one example.
 * @param params - θ.
 * @param batch - `{ x, y }`.
 * @param options - `reduction`.
 * @returns A {@link CurvatureOperator} (symmetric, possibly indefinite).
 * @throws {ShapeError} for inconsistent batches; {ValueError} for an empty batch.
 * @example
 * ```ts
 * const H = hessianOperator((p, x, y) => x.dot(p.w).sub(y).square(), params, { x, y });
 * H.dense();
 * ```
 */
export function hessianOperator<P extends Params>(loss: ExampleLoss<P>, params: P, batch: Batch, options: ReductionOptions = {}): CurvatureOperator<P> {
  const op = 'hessianOperator';
  checkParams(op, params);
  const n = batchSize(op, batch);
  const s = reductionScale(op, options.reduction, n);
  const total = (p: P): Tensor => vmap(loss, { inAxes: [null, 0, batch.y === undefined ? null : 0] })(p, batch.x, batch.y).sum().mul(s);
  let hvp: ((v: P) => P) | undefined;
  // ∇L linearized on the first call; later calls run the tangent program as one jitted executable.
  return linearOperator({
    params,
    matvec: compiledAfterFirstCall((v: P) => (hvp ??= linearize(grad(total), params)[1] as (v: P) => P)(v)),
  });
}

/** Re-exported helper types. */
export type { Batch, Reduction };

