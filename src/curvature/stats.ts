/**
 * Fisher statistics: the EWC penalty, KL divergence between likelihood outputs, the sandwich
 * covariance, and sequential (streaming) Fisher accumulation.
 * @module
 */
import { ConcreteTensor, type Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../errors.js';
import { tensor } from '../tensor/creation.js';
import * as linalg from '../linalg/index.js';
import * as tree from '../tree/index.js';
import type { Likelihood } from '../likelihoods/types.js';
import { checkSameTree, type CurvatureOperator, type Params } from './operator.js';

function checkNonNegative(op: string, name: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new ValueError(`${op}: ${name} must be a non-negative finite number, got ${v}.`, { op, argument: name, received: String(v) });
}

/**
 * The elastic weight consolidation (EWC) penalty of a previous task, as a function of θ.
 *
 * ```text
 * R(θ) = (λ/2) Σᵢ Fᵢ (θᵢ − θ*ᵢ)²,   F = diag Fisher at θ* (exact or MC — not the squared batch gradient)
 * ```
 * @param fisherDiagonal - diag(F) as a tree shaped like the parameters (e.g. `fisher(...).diagonal()`).
 * @param anchor - θ*, the previous task's parameters.
 * @param lambda - λ ≥ 0.
 * @returns θ ↦ R(θ), differentiable (a scalar tensor).
 * @throws {ValueError} for negative λ or negative Fisher entries; {TreeMismatchError} /
 *   {ShapeError} when the trees differ (also when the returned function gets a mismatched θ).
 * @example
 * ```ts
 * const penalty = ewcPenalty(F.diagonal(), params, 100);
 * const loss2 = (p) => taskLoss(p).add(penalty(p));
 * ```
 */
export function ewcPenalty<P extends Params>(fisherDiagonal: P, anchor: P, lambda: number): (params: P) => Tensor {
  const op = 'ewcPenalty';
  checkNonNegative(op, 'lambda', lambda);
  checkSameTree(op, anchor, fisherDiagonal);
  for (const leaf of tree.leaves(fisherDiagonal)) {
    if (leaf instanceof ConcreteTensor && Array.from(leaf.toTypedArray() as ArrayLike<number>).some((v) => !(v >= 0))) {
      throw new ValueError(`${op}: the Fisher diagonal must be non-negative, got a negative or NaN entry.`, { op, argument: 'fisherDiagonal' });
    }
  }
  return (params) => {
    checkSameTree(op, anchor, params);
    const d = tree.sub(params, anchor);
    return tree.vdot(fisherDiagonal, tree.map((t: Tensor) => t.square(), d)).mul(lambda / 2);
  };
}

/**
 * KL divergence between the distributions a likelihood assigns to two outputs.
 *
 * ```text
 * KL(p(·|f) ‖ p(·|g)) = E_{y~p(·|f)}[log p(y|f) − log p(y|g)] ≈ ½ (g − f)ᵀ F(f) (g − f)  for g → f
 * ```
 * @param likelihood - A likelihood with a `kl` method (all built-ins have one).
 * @param p - Output f.
 * @param q - Output g (same shape).
 * @returns A scalar tensor (differentiable).
 * @throws {ValueError} when the likelihood has no `kl`; {ShapeError} when shapes differ.
 * @example
 * ```ts
 * klDivergence(likelihoods.categorical(), tensor([0, 0]), tensor([1, 0])).item();
 * ```
 */
export function klDivergence(likelihood: Likelihood, p: Tensor, q: Tensor): Tensor {
  const op = 'klDivergence';
  if (!likelihood.kl) throw new ValueError(`${op}: likelihood '${likelihood.name}' has no kl method.`, { op, argument: 'likelihood' });
  if (p.ndim !== q.ndim || p.shape.some((d, i) => d !== q.shape[i])) {
    throw new ShapeError(`${op}: outputs must have the same shape, got ${p.aval.toString()} and ${q.aval.toString()}.`, { op, argument: 'q', expected: p.aval.toString(), received: q.aval.toString() });
  }
  return likelihood.kl(p, q);
}

/** Options of {@link sandwichCovariance}. */
export interface SandwichOptions {
  /** λ ≥ 0 added to A before inverting. @defaultValue 0 */
  readonly damping?: number;
  /** Divide by the number of examples N (A, B as per-example means give Cov(θ̂) ≈ A⁻¹BA⁻¹/N). @defaultValue 1 */
  readonly examples?: number;
}

function denseOf(m: CurvatureOperator | Tensor): Tensor {
  return 'matvec' in m ? m.dense() : m;
}

/**
 * The sandwich (robust, Huber–White) covariance A⁻¹ B A⁻¹, valid under model misspecification.
 *
 * ```text
 * Cov(θ̂) ≈ (1/N) A⁻¹ B A⁻¹,   A = E[∇²ℓ] (Hessian or Fisher),   B = E[∇ℓ ∇ℓᵀ] (empirical Fisher)
 * well specified: B = A, so Cov(θ̂) ≈ A⁻¹/N (Cramér–Rao)
 * ```
 * Computed in float64 with two Cholesky solves.
 * @param a - A as an operator or a dense `[P, P]` tensor (symmetric positive definite).
 * @param b - B as an operator or a dense `[P, P]` tensor.
 * @param options - `damping`, `examples`.
 * @returns The dense `[P, P]` covariance in `tree.ravel` order.
 * @throws {ShapeError} when sizes differ; {ValueError} when A (+ damping) is not positive definite
 *   or options are invalid.
 * @example
 * ```ts
 * const cov = sandwichCovariance(hessianOperator(nll, params, batch), fisher(spec, params, batch, { kind: 'empirical' }), { examples: N });
 * ```
 */
export function sandwichCovariance(a: CurvatureOperator | Tensor, b: CurvatureOperator | Tensor, options: SandwichOptions = {}): Tensor {
  const op = 'sandwichCovariance';
  const da = denseOf(a), db = denseOf(b);
  const n = da.shape[0]!;
  if (da.ndim !== 2 || da.shape[1] !== n || db.ndim !== 2 || db.shape[0] !== n || db.shape[1] !== n) {
    throw new ShapeError(`${op}: A and B must be square matrices of the same size, got ${da.aval.toString()} and ${db.aval.toString()}.`, { op, argument: 'b', received: `${da.aval.toString()} and ${db.aval.toString()}` });
  }
  const damping = options.damping ?? 0;
  const examples = options.examples ?? 1;
  checkNonNegative(op, 'damping', damping);
  if (!(examples > 0) || !Number.isFinite(examples)) throw new ValueError(`${op}: examples must be positive, got ${examples}.`, { op, argument: 'examples', received: String(examples) });
  const af = Float64Array.from(da.toTypedArray() as ArrayLike<number>);
  const bf = Float64Array.from(db.toTypedArray() as ArrayLike<number>);
  let x: Float64Array;
  try {
    const aib = linalg.solveSpd(af, bf, n, { damping, nrhs: n }); // A⁻¹B
    x = linalg.solveSpd(af, linalg.transposeDense(aib, n, n), n, { damping, nrhs: n }); // A⁻¹(A⁻¹B)ᵀ = A⁻¹BA⁻¹
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new ValueError(`${op}: A is not positive definite (${e.message}); pass damping > 0.`, { op, argument: 'a' });
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const m = (0.5 * (x[i * n + j]! + x[j * n + i]!)) / examples;
      x[i * n + j] = m;
      x[j * n + i] = m;
    }
    x[i * n + i] = x[i * n + i]! / examples;
  }
  return tensor(x, { dtype: da.dtype }).reshape([n, n]);
}

/** A running Fisher estimate over the examples seen so far. */
export interface FisherState<T extends Params> {
  /** The current estimate (a diagonal tree, a dense tensor, …). */
  readonly value: T;
  /** Number of examples it summarises. */
  readonly count: number;
}

/** Options of {@link accumulateFisher}. */
export interface AccumulateOptions {
  /** If set, an exponential moving average with this decay β ∈ [0, 1) instead of the exact running mean. */
  readonly decay?: number;
}

/**
 * Sequential Fisher accumulation: merges a new batch's mean Fisher into a running estimate.
 *
 * ```text
 * exact (additivity):  F_{n+m} = (n F_n + m F_batch) / (n + m)     (the mean over all n + m examples)
 * with decay β:        F ← β F + (1 − β) F_batch                    (Adam-style moving average)
 * ```
 * @param state - The running state, or `undefined` to start.
 * @param batchValue - The batch's mean Fisher (e.g. `fisher(...).diagonal()` or `.dense()`).
 * @param batchCount - m, the number of examples in the batch.
 * @param options - `decay`.
 * @returns The new state (inputs are not modified).
 * @throws {ValueError} for a non-positive count or a decay outside [0, 1); {TreeMismatchError} when trees differ.
 * @example
 * ```ts
 * let s = accumulateFisher(undefined, F1.diagonal(), 100);
 * s = accumulateFisher(s, F2.diagonal(), 50); // s.value = mean diagonal over 150 examples
 * ```
 */
export function accumulateFisher<T extends Params>(state: FisherState<T> | undefined, batchValue: T, batchCount: number, options: AccumulateOptions = {}): FisherState<T> {
  const op = 'accumulateFisher';
  if (!(batchCount > 0) || !Number.isFinite(batchCount)) throw new ValueError(`${op}: batchCount must be positive, got ${batchCount}.`, { op, argument: 'batchCount', received: String(batchCount) });
  const decay = options.decay;
  if (decay !== undefined && !(decay >= 0 && decay < 1)) throw new ValueError(`${op}: decay must be in [0, 1), got ${decay}.`, { op, argument: 'decay', received: String(decay) });
  if (!state) return { value: batchValue, count: batchCount };
  checkSameTree(op, state.value, batchValue);
  const total = state.count + batchCount;
  const wOld = decay === undefined ? state.count / total : decay;
  return { value: tree.add(tree.scale(state.value, wOld), tree.scale(batchValue, 1 - wOld)), count: total };
}
