/**
 * Influence functions (Koh & Liang 2017): the first-order effect of upweighting a training
 * example on the loss at a test example, through an inverse curvature operator.
 * @module
 */
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/manipulation.js';
import { grad } from '../transforms/grad.js';
import { jit } from '../transforms/jit.js';
import { vmap } from '../transforms/vmap.js';
import * as tree from '../tree/index.js';
import { checkParams } from './check-params.js';
import { tensor } from '../tensor/creation.js';
import { lanczos } from './lanczos.js';
import { hessianOperator, type ExampleLoss } from './builders.js';
import { checkSameTree, type CurvatureOperator, type Params, type SolveOptions } from './operator.js';
import { batchSize, type Batch } from './sandwich.js';

/** Options of {@link influence}. */
export interface InfluenceOptions<P extends Params> {
  /**
   * H, the curvature of the training objective at θ* (a Hessian, GGN, Fisher or K-FAC operator).
   * @defaultValue `hessianOperator(lossFn, params, trainBatch, { reduction: 'sum' })`
   */
  readonly operator?: CurvatureOperator<P>;
  /** λ ≥ 0 in (H + λI)⁻¹ (the L2 regularizer of the objective, or a damping). @defaultValue 0 */
  readonly damping?: number;
  /** Solver passed to `operator.solve` (default: the operator's own, e.g. K-FAC's Kronecker inverse, else CG). */
  readonly method?: SolveOptions['method'];
  /** CG tolerance passed to `operator.solve`. */
  readonly tol?: number;
  /** Compute the per-example gradients with a jitted `vmap(grad(lossFn))`, cached per loss function. @defaultValue true */
  readonly jit?: boolean;
  /**
   * Replace the solves by a low-rank inverse from the top `rank` eigenpairs (U, s) of the operator,
   * found by Lanczos (`steps` matvecs, starting vector from `key`):
   * (H + λI)⁻¹ ≈ U diag(1/(s + λ)) Uᵀ + (I − UUᵀ)/λ for λ > 0, and U diag(1/s) Uᵀ (the inverse on the
   * top eigenspace, as in Arnoldi influence) for λ = 0. Exact when rank = P.
   */
  readonly lowRank?: InfluenceLowRank;
}

/** The low-rank inverse of {@link InfluenceOptions.lowRank}. */
export interface InfluenceLowRank {
  /** The number r of top eigenpairs, 1 ≤ r ≤ P. */
  readonly rank: number;
  /** PRNG key of Lanczos's starting vector. */
  readonly key: Tensor;
  /** Lanczos steps (matvecs), r ≤ steps ≤ P. @defaultValue min(P, max(3r, r + 20)) */
  readonly steps?: number;
}

const jitted = new WeakMap<object, (params: any, x: any, y: any) => Tensor>();

function flatGradsOf<P extends Params>(loss: ExampleLoss<P>, labels: boolean): (params: P, x: any, y: any) => Tensor {
  return (params, x, y) => vmap((xn: any, yn: any) => tree.ravel(grad(loss)(params, xn, yn) as P)[0], { inAxes: [0, labels ? 0 : null] })(x, y);
}

/**
 * Per-example gradients of a loss as rows of a `[N, P]` matrix (`tree.ravel` order), by
 * `vmap(grad(loss))`; jit-able, and jitted (per loss function) unless `useJit` is false.
 *
 * ```text
 * G[n, :] = ∇θ ℓ(θ, xₙ, yₙ)ᵀ
 * ```
 * @param loss - ℓ(params, x, y) for one example.
 * @param params - θ.
 * @param batch - `{ x, y }` with a leading axis N.
 * @param useJit - Run the jitted program. @defaultValue true
 * @returns G, `[N, P]`.
 * @throws {ShapeError} for inconsistent batches; {ValueError} for an empty batch.
 * @example
 * ```ts
 * const G = curvature.perExampleGradMatrix((p, x, y) => x.dot(p.w).sub(y).square(), { w }, { x, y }); // [N, P]
 * ```
 */
export function perExampleGradMatrix<P extends Params>(loss: ExampleLoss<P>, params: P, batch: Batch, useJit = true): Tensor {
  batchSize('perExampleGradMatrix', batch);
  const labels = batch.y !== undefined;
  if (!useJit) return flatGradsOf(loss, labels)(params, batch.x, batch.y);
  const key = loss as unknown as object;
  let f = jitted.get(key);
  if (!f) jitted.set(key, (f = jit((p: P, x: any, y: any) => flatGradsOf(loss, y !== undefined)(p, x, y))));
  return f(params, batch.x, batch.y);
}

/**
 * Influence of every training example on the loss of every test example (Koh & Liang 2017).
 *
 * ```text
 * I[i, j] = −∇ℓ(testᵢ)ᵀ (H + λI)⁻¹ ∇ℓ(trainⱼ)
 * ```
 * With H the Hessian at θ* of the objective L(θ) = Σₙ ℓ(θ, trainₙ) + (λ/2)‖θ‖² (the default
 * operator plus λ), I[i, j] is the derivative of ℓ(testᵢ) with respect to the weight ε of
 * trainⱼ in L + ε ℓ(trainⱼ); removing trainⱼ (ε = −1) changes the test loss by ≈ −I[i, j]: a
 * negative entry marks a helpful training example, a positive one a harmful one. One
 * `operator.solve` per test point (sᵢ = (H + λI)⁻¹ ∇ℓ(testᵢ)), then one matrix product with the
 * `[N, P]` training gradients. Built from tensor operations: it runs under `jit` with a
 * traceable solver (`method: 'cholesky'` or `'cg'`).
 * @param lossFn - ℓ(params, x, y) for one example.
 * @param params - θ*, a minimizer of the training objective.
 * @param trainBatch - `{ x, y }` of the N training examples.
 * @param testBatch - `{ x, y }` of the M test examples.
 * @param options - `operator`, `damping`, `method`, `tol`, `jit`, `lowRank`.
 * @returns I, `[M, N]`.
 * @throws {ValueError} for negative damping or a singular system; {TreeMismatchError} when the
 *   operator's parameters differ from `params`; {ShapeError} for inconsistent batches.
 * @example
 * ```ts
 * const I = curvature.influence(loss, thetaStar, train, test, { damping: 1e-2 });   // [M, N]
 * const mostHelpful = I.argmin(1);                                                   // per test point
 * ```
 */
export function influence<P extends Params>(lossFn: ExampleLoss<P>, params: P, trainBatch: Batch, testBatch: Batch, options: InfluenceOptions<P> = {}): Tensor {
  const op = 'influence';
  checkParams(op, params);
  batchSize(op, trainBatch);
  const m = batchSize(op, testBatch);
  const damping = options.damping ?? 0;
  if (!(damping >= 0 && Number.isFinite(damping))) {
    throw new ValueError(`${op}: damping must be a non-negative finite number, got ${damping}.`, { op, argument: 'damping', expected: '≥ 0', received: String(damping) });
  }
  const H = options.operator ?? hessianOperator(lossFn, params, trainBatch, { reduction: 'sum' });
  checkSameTree(`${op} (operator)`, params, H.params);
  const useJit = options.jit ?? true;
  const gTrain = perExampleGradMatrix(lossFn, params, trainBatch, useJit); // [N, P]
  const gTest = perExampleGradMatrix(lossFn, params, testBatch, useJit); // [M, P]
  if (options.lowRank) {
    const { rank, key, steps } = options.lowRank;
    const { values, vectors: u } = lanczos(H, { k: rank, key, ...(steps !== undefined ? { steps } : {}) });
    if (damping === 0 && !values.every((v) => v > 0)) {
      throw new ValueError(`${op}: lowRank with damping 0 needs positive top eigenvalues, got ${values.at(-1)}; pass damping > 0.`, { op, argument: 'damping', received: '0' });
    }
    const sv = tensor(values.map((v) => 1 / (v + damping)), { dtype: gTest.dtype });
    const proj = gTest.matmul(u); // [M, r]
    let solved = proj.mul(sv).matmul(u.T); // U diag(1/(s+λ)) Uᵀ g
    if (damping > 0) solved = solved.add(gTest.sub(proj.matmul(u.T)).mul(1 / damping));
    return solved.matmul(gTrain.T).neg();
  }
  const unravel = tree.ravel(params)[1];
  const solveOptions: SolveOptions = { damping, ...(options.method ? { method: options.method } : {}), ...(options.tol !== undefined ? { tol: options.tol } : {}) };
  const p = gTest.shape[1]!;
  const solves = Array.from({ length: m }, (_, i) => tree.ravel(H.solve(unravel(gTest.slice([i, 0], [1, p]).reshape([p])), solveOptions))[0]);
  return stack(solves).matmul(gTrain.T).neg();
}
