/**
 * Information-theoretic statistics of seed 000 and the lecture notes: the observed information,
 * the Cramér–Rao bound, and sequential estimation with accumulated Fisher information.
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as linalg from '../linalg/index.js';
import * as tree from '../tree/index.js';
import { hessianOperator, type ExampleLoss } from './builders.js';
import { checkSameTree, type CurvatureOperator, type Params } from './operator.js';
import type { Batch } from './sandwich.js';

const denseOf = (a: CurvatureOperator | Tensor): Tensor => ('matvec' in a ? a.dense() : a);

function squareF64(op: string, name: string, a: CurvatureOperator | Tensor, size?: number): Float64Array {
  const d = denseOf(a);
  const n = d.shape[0]!;
  if (d.ndim !== 2 || d.shape[1] !== n || (size !== undefined && n !== size)) {
    throw new ShapeError(`${op}: ${name} must be a square [${size ?? 'P'}, ${size ?? 'P'}] matrix, got ${d.aval.toString()}.`, { op, argument: name, received: d.aval.toString() });
  }
  return Float64Array.from(d.toTypedArray() as ArrayLike<number>);
}

/**
 * The observed information: the negative Hessian of the total log-likelihood of the data.
 *
 * ```text
 * J(θ) = −∇²_θ Σₙ log p(yₙ | xₙ, θ)          E[J(θ)] = N·I(θ) (Bartlett's second identity)
 * ```
 * A Hessian operator (`reduction: 'sum'`), so `dense()`, `solve()`, … apply; at the MLE its
 * inverse is the usual plug-in covariance of θ̂.
 * @param logLik - log p(y | x, θ) for one example.
 * @param params - θ.
 * @param batch - `{ x, y }` with a leading batch axis.
 * @returns A {@link CurvatureOperator} (symmetric; positive definite near a strict MLE).
 * @throws {ShapeError} for inconsistent batches; {ValueError} for an empty batch.
 * @example
 * ```ts
 * const J = observedInformation((p, x, y) => likelihoods.bernoulli().logProb(x.dot(p.w), y), params, { x, y });
 * J.dense();
 * ```
 */
export function observedInformation<P extends Params>(logLik: ExampleLoss<P>, params: P, batch: Batch): CurvatureOperator<P> {
  return hessianOperator((p: P, x: any, y: any) => logLik(p, x, y).neg(), params, batch, { reduction: 'sum' });
}

/** Options of {@link cramerRaoBound}. */
export interface CramerRaoBoundOptions {
  /** n, the number of i.i.d. observations the per-observation information refers to. @defaultValue 1 */
  readonly examples?: number;
  /** J = ∂g/∂θ `[m, P]` for a bound on an estimator of g(θ) (delta method). @defaultValue the identity */
  readonly jacobian?: Tensor;
}

/**
 * The Cramér–Rao lower bound on the covariance of unbiased estimators.
 *
 * ```text
 * Cov[θ̂] ⪰ I(θ)⁻¹ / n            Cov[ĝ] ⪰ J I(θ)⁻¹ Jᵀ / n   for an unbiased ĝ of g(θ), J = ∂g/∂θ
 * ```
 * The MLE attains it asymptotically (`curvax/testing`'s `cramerRao` checks both by simulation).
 * @param information - the per-observation Fisher information I(θ): an operator or a dense `[P, P]` tensor.
 * @param options - `examples`, `jacobian`.
 * @returns the dense bound (`[P, P]`, or `[m, m]` with a Jacobian), float64.
 * @throws {ValueError} when I(θ) is not positive definite or n ≤ 0; {ShapeError} for mismatched sizes.
 * @example
 * ```ts
 * const bound = cramerRaoBound(fisher(spec, params, batch), { examples: 100 }); // [P, P]
 * ```
 */
export function cramerRaoBound(information: CurvatureOperator | Tensor, options: CramerRaoBoundOptions = {}): Tensor {
  const op = 'cramerRaoBound';
  const a = squareF64(op, 'information', information);
  const p = Math.round(Math.sqrt(a.length));
  const n = options.examples ?? 1;
  if (!(n > 0) || !Number.isFinite(n)) throw new ValueError(`${op}: examples must be positive, got ${n}.`, { op, argument: 'examples', received: String(n) });
  let inv: Float64Array;
  try {
    inv = linalg.inverseSpd(a, p);
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new ValueError(`${op}: the information is not positive definite (${e.message}); the parameters are not identifiable here.`, { op, argument: 'information' });
  }
  const bound = tensor(inv, { dtype: 'float64' }).reshape([p, p]).div(n);
  const J = options.jacobian;
  if (J === undefined) return bound;
  if (J.ndim !== 2 || J.shape[1] !== p) throw new ShapeError(`${op}: jacobian must be [m, ${p}], got ${J.aval.toString()}.`, { op, argument: 'jacobian', received: J.aval.toString() });
  const j64 = J.cast('float64');
  return j64.matmul(bound).matmul(j64.T);
}

/** The state of {@link sequentialNaturalUpdate}: the running estimate and the information accumulated so far. */
export interface SequentialState<P extends Params> {
  /** θ̂ₜ. */
  readonly params: P;
  /** Iₜ = Σ of the information of all data seen, dense `[P, P]` in `tree.ravel` order (float64). */
  readonly information: Tensor;
}

/** Options of {@link sequentialNaturalUpdate}. */
export interface SequentialOptions {
  /** η > 0. @defaultValue 1 */
  readonly stepSize?: number;
  /** λ ≥ 0 added to Iₜ in the solve only (not accumulated). @defaultValue 0 */
  readonly damping?: number;
}

/**
 * One step of sequential estimation with accumulated Fisher information (seed 000): new data
 * with total score sₜ and information I_new arrives, the information adds, and the estimate
 * takes a natural-gradient step with the accumulated information.
 *
 * ```text
 * Iₜ = Iₜ₋₁ + I_new            θ̂ₜ = θ̂ₜ₋₁ + η Iₜ⁻¹ sₜ,     sₜ = Σ_{new data} ∇_θ log p(x | θ̂ₜ₋₁)
 * ```
 * For a Gaussian mean (or least squares) with η = 1 and I₀ = 0, θ̂ₜ is exactly the maximum
 * likelihood estimate of all data seen so far (recursive least squares).
 * @param state - `{ params, information }`; start with `information` = zeros (or a prior precision).
 * @param batch - `score` sₜ (a tree like the params: the *sum* of the new data's scores) and
 *   `information` I_new (an operator with `reduction: 'sum'`, or a dense `[P, P]` tensor).
 * @param options - `stepSize`, `damping`.
 * @returns the new state (inputs are not modified).
 * @throws {ValueError} for a non-positive step size, negative damping or a singular Iₜ;
 *   {TreeMismatchError} / {ShapeError} for mismatched trees or sizes.
 * @example
 * ```ts
 * let s = { params, information: zeros([P, P], { dtype: 'float64' }) };
 * const spec = { model, likelihood };
 * s = sequentialNaturalUpdate(s, { score: grad(logLikSum)(s.params, xb, yb), information: fisher(spec, s.params, { x: xb }, { reduction: 'sum' }) });
 * ```
 */
export function sequentialNaturalUpdate<P extends Params>(
  state: SequentialState<P>, batch: { readonly score: P; readonly information: CurvatureOperator | Tensor }, options: SequentialOptions = {},
): SequentialState<P> {
  const op = 'sequentialNaturalUpdate';
  checkSameTree(op, state.params, batch.score);
  const eta = options.stepSize ?? 1;
  const damping = options.damping ?? 0;
  if (!(eta > 0) || !Number.isFinite(eta)) throw new ValueError(`${op}: stepSize must be positive, got ${eta}.`, { op, argument: 'stepSize', received: String(eta) });
  if (!(damping >= 0) || !Number.isFinite(damping)) throw new ValueError(`${op}: damping must be ≥ 0, got ${damping}.`, { op, argument: 'damping', received: String(damping) });
  const [theta, unravel] = tree.ravel(state.params);
  const p = theta.size;
  const prev = squareF64(op, 'state.information', state.information, p);
  const add = squareF64(op, 'information', batch.information, p);
  const total = prev.map((v, i) => v + add[i]!);
  const [s] = tree.ravel(batch.score);
  let step: Float64Array;
  try {
    step = linalg.solveSpd(total, Float64Array.from(s.toTypedArray() as ArrayLike<number>), p, { damping });
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new ValueError(`${op}: the accumulated information is singular (${e.message}); start from a prior precision or pass damping > 0.`, { op, argument: 'information' });
  }
  const next = theta.add(tensor(step, { dtype: 'float64' }).mul(eta).cast(theta.dtype));
  return { params: unravel(next), information: tensor(total, { dtype: 'float64' }).reshape([p, p]) };
}
