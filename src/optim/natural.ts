/**
 * Curvature-aware transformations that build their curvature each step from `update`'s `extra`
 * argument (model, likelihood, batch — or a ready curvature operator), on top of the public
 * `curvature` API, and the natural-gradient aliases.
 *
 * ```text
 * scaleByFisher           u = (F(θ) + λI)⁻¹ g,   F = curvature.fisher({ model, likelihood }, θ, batch, { kind })
 * scaleByEmpiricalFisher  u = (F̃(θ) + λI)⁻¹ g,   F̃ = the empirical Fisher
 * scaleByGgn              u = (G(θ) + λI)⁻¹ g,   G = curvature.ggn({ inner, outer }, θ, batch)
 * ngd(α) = chain(scaleByFisher, scaleByLearningRate(α))         (Amari 1998)
 * efgd(α) = chain(scaleByEmpiricalFisher, scaleByLearningRate(α)) (Kunstner et al. 2019)
 * ```
 * @module
 */
import { ConcretizationError, TransformError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from '../ops/arithmetic.js';
import { assertSameStructure, flatten, map, type Tree } from '../tree/tree.js';
import { fisher, ggn, type Batch, type CurvatureOperator, type GgnSplit, type Params as CurvatureParams, type SolveOptions } from '../curvature/index.js';
import type { Likelihood } from '../likelihoods/index.js';
import type { EmptyState, GradientTransformation, Params, ScalarOrSchedule, UpdateExtra, Updates } from './base.js';
import { chain } from './combine.js';
import { scaleByLearningRate } from './transform.js';
import { requireParams } from './internal.js';

/** The Fisher variant: closed-form expectation, Monte-Carlo sampled labels, or training labels. */
export type FisherKind = 'exact' | 'mc' | 'empirical';

/**
 * The keys of `update`'s `extra` argument read by the curvature-aware transformations
 * ({@link scaleByFisher}, {@link scaleByEmpiricalFisher}, {@link scaleByGgn}, `scaleByKfac`).
 * Give either a ready operator (`curvature`, or the transformation's `curvatureKey`) or the
 * pieces to build one at the current params.
 *
 * ```text
 * scaleByFisher / ngd:     curvature  |  model, likelihood, batch (+ key for kind 'mc')
 * scaleByEmpiricalFisher:  empiricalFisher  |  model, likelihood, batch (batch.y required)
 * scaleByGgn:              curvature  |  split = { inner, outer }, batch
 * scaleByKfac / kfac:      curvature (a K-FAC operator with factors)  |  model(params, x, dense), likelihood, batch (+ key)
 * ```
 * @example
 * ```ts
 * const extra: optim.CurvatureExtra = { model: (p, x) => x.dot(p.w), likelihood: likelihoods.bernoulli(), batch: { x, y } };
 * const [u, s] = optim.ngd({ learningRate: 1, damping: 1e-3 }).update(g, state, params, extra);
 * ```
 */
export interface CurvatureExtra extends UpdateExtra {
  /** A ready curvature operator (anything with `solve(b, { damping, … })`); used instead of building one. */
  readonly curvature?: unknown;
  /** One example's model output: `(params, x) ↦ f` (for `scaleByKfac`: `(params, x, dense) ↦ f`). */
  readonly model?: (...args: any[]) => Tensor;
  /** The likelihood p(y | f), e.g. `likelihoods.categorical()`. */
  readonly likelihood?: Likelihood;
  /** The batch `{ x, y? }` with a leading example axis on every leaf. */
  readonly batch?: Batch;
  /** A PRNG key for Monte-Carlo Fisher estimates (`kind: 'mc'`); pass a fresh key each step. */
  readonly key?: Tensor;
  /** The GGN split `{ inner, outer }` of the loss, for {@link scaleByGgn}. */
  readonly split?: GgnSplit<any>;
}

/** Options of the linear solve shared by the curvature-aware transformations. */
export interface CurvatureSolveOptions {
  /** Damping λ ≥ 0 added to the curvature: the step is (C + λI)⁻¹ g. @defaultValue 1e-3 */
  readonly damping?: number;
  /**
   * `'cg'` (matrix-free conjugate gradients) or `'cholesky'` (dense, P×P). For a curvature built
   * from `extra` the default is `'cg'`; a ready operator in `extra` is solved by its own default
   * method (e.g. K-FAC's factored inverse) unless `solver` is given. @defaultValue 'cg'
   *
   * Both are written in primitives (CG as a fixed-length loop of tensor operations that stops early
   * only on concrete values; Cholesky through the `cholesky`/`triangular_solve` primitives), so
   * `update` runs under `jit`, `vmap` and `grad` with either. Under a transformation CG cannot throw
   * on non-convergence: it returns its iterate after `maxIter` steps (truncated CG). `'cgFixed'` is
   * kept as an alias of `'cg'` with `truncate: true` and a required `maxIter`. A ready operator's
   * own solve is traceable when it is written in tensor operations (K-FAC's factored inverse is).
   */
  readonly solver?: 'cg' | 'cholesky' | 'cgFixed';
  /** CG iteration cap (for `'cgFixed'`: the number of iterations traced, required). @defaultValue 10·P (the operator's default) */
  readonly maxIter?: number;
  /** CG relative residual tolerance. @defaultValue 1e-10 for float64, 1e-5 otherwise (the operator's default) */
  readonly tol?: number;
  /**
   * Return CG's last iterate when it stops at `maxIter` before converging (truncated CG, as in
   * Hessian-free optimization) instead of throwing. @defaultValue true when `maxIter` is given, else false
   */
  readonly truncate?: boolean;
  /** How the curvature averages examples; match the loss (`'mean'` for a mean loss). @defaultValue 'mean' */
  readonly reduction?: 'mean' | 'sum';
  /** The key of `extra` holding a ready operator. @defaultValue 'curvature' ('empiricalFisher' for scaleByEmpiricalFisher) */
  readonly curvatureKey?: string;
}

/** Options of {@link scaleByFisher}. */
export interface ScaleByFisherOptions extends CurvatureSolveOptions {
  /** `'exact'`, `'mc'` (needs `extra.key`) or `'empirical'` (needs `batch.y`). @defaultValue 'exact' */
  readonly kind?: FisherKind;
  /** Label samples per example for `kind: 'mc'`. @defaultValue 1 */
  readonly samples?: number;
}

/** Options of {@link scaleByGgn}. */
export interface ScaleByGgnOptions extends CurvatureSolveOptions {}

/** @internal A Preconditioner-like object: has `solve`. */
type Solvable = { solve(b: Tree<Tensor>, options: SolveOptions & { readonly damping: number }): Tree<Tensor> };

const isSolvable = (x: unknown): x is Solvable => typeof x === 'object' && x !== null && typeof (x as { solve?: unknown }).solve === 'function';

/** @internal Checks the solve options at construction. */
export function checkSolveOptions(op: string, o: CurvatureSolveOptions & { readonly samples?: number; readonly kind?: string }, kinds?: readonly string[]): void {
  const bad = (argument: string, expected: string, received: unknown): never => {
    throw new ValueError(`${op}: '${argument}' must be ${expected}, got ${String(received)}.`, { op, argument, expected, received: String(received) });
  };
  if (o.damping !== undefined && !(Number.isFinite(o.damping) && o.damping >= 0)) bad('damping', 'a finite number ≥ 0', o.damping);
  if (o.solver !== undefined && o.solver !== 'cg' && o.solver !== 'cholesky' && o.solver !== 'cgFixed') bad('solver', "'cg', 'cholesky' or 'cgFixed'", o.solver);
  if (o.maxIter !== undefined && !(Number.isInteger(o.maxIter) && o.maxIter >= 1)) bad('maxIter', 'an integer ≥ 1', o.maxIter);
  if (o.solver === 'cgFixed' && o.maxIter === undefined) bad('maxIter', "an integer ≥ 1 with solver 'cgFixed' (the number of CG iterations traced)", o.maxIter);
  if (o.tol !== undefined && !(Number.isFinite(o.tol) && o.tol > 0)) bad('tol', 'a finite number > 0', o.tol);
  if (o.reduction !== undefined && o.reduction !== 'mean' && o.reduction !== 'sum') bad('reduction', "'mean' or 'sum'", o.reduction);
  if (o.samples !== undefined && !(Number.isInteger(o.samples) && o.samples >= 1)) bad('samples', 'an integer ≥ 1', o.samples);
  if (kinds && o.kind !== undefined && !kinds.includes(o.kind)) bad('kind', kinds.map((k) => `'${k}'`).join(', '), o.kind);
}

/** @internal Reads one required piece of `extra`, naming the transformation, the key and the alternative. */
export function requirePiece(op: string, extra: UpdateExtra | undefined, key: string, what: string, alternative: string, check: (v: unknown) => boolean): unknown {
  const v = extra?.[key];
  if (v === undefined || v === null) {
    throw new TransformError(`${op}: update needs extra.${key} (${what}) to build the curvature at the current params, got ${extra === undefined ? 'no extra argument' : 'undefined'}. Pass ${alternative}.`, {
      op, argument: `extra.${key}`, expected: what, received: 'undefined',
    });
  }
  if (!check(v)) {
    throw new TransformError(`${op}: extra.${key} must be ${what}, got ${typeof v}.`, { op, argument: `extra.${key}`, expected: what, received: typeof v });
  }
  return v;
}

/** @internal Validators for the pieces of `extra`. */
export const isFunction = (v: unknown): boolean => typeof v === 'function';
/** @internal */
export const isLikelihood = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as Likelihood).logProb === 'function' && typeof (v as Likelihood).outputFisher === 'function';
/** @internal */
export const isBatch = (v: unknown): boolean => typeof v === 'object' && v !== null && (v as Batch).x !== undefined;
/** @internal */
export const isKey = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as Tensor).shape === 'object';

/** @internal The solve options passed to an operator; `method` only when asked for (or for built operators). */
function solveOptions(o: CurvatureSolveOptions, damping: number, built: boolean): SolveOptions & { readonly damping: number } {
  const method = o.solver === 'cgFixed' ? 'cg' : o.solver ?? (built ? 'cg' : undefined);
  const truncate = o.solver === 'cgFixed' || (o.truncate ?? o.maxIter !== undefined);
  return {
    damping,
    ...(method !== undefined ? { method } : {}),
    ...(o.maxIter !== undefined ? { maxIter: o.maxIter } : {}),
    ...(o.tol !== undefined ? { tol: o.tol } : {}),
    ...(truncate ? { truncate } : {}),
  };
}

/** @internal Solves with the operator and restores the updates' tree and dtypes. */
function applySolve(op: string, c: Solvable, updates: Updates, options: SolveOptions & { readonly damping: number }): Updates {
  const x = c.solve(updates, options);
  assertSameStructure(op, flatten(updates)[1], flatten(x)[1], 'updates and solve(updates)');
  return map((g: Tensor, v: Tensor) => (v.dtype === g.dtype ? v : cast(v, g.dtype)), updates, x);
}

/** @internal Re-throws a ConcretizationError from a host solver with the transformation's name and the way out. */
function explainConcretization<T>(op: string, method: string | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ConcretizationError)) throw e;
    const which = method === undefined ? "the ready operator's own solve" : `solver '${method}'`;
    throw new TransformError(`${op}: ${which} reads values on the host and cannot run inside jit or vmap (${e.message}) Pass solver: 'cg' or 'cholesky' (both traceable), or call update outside the transformation.`, {
      op, argument: 'solver', expected: "'cg' or 'cholesky' under jit/vmap", received: method ?? 'default',
    });
  }
}

/** @internal A stateless transformation preconditioning with a ready operator or one built from `extra`. */
function curvatureTransform(
  op: string,
  options: CurvatureSolveOptions,
  defaultKey: string,
  build: (params: Params, extra: UpdateExtra | undefined) => CurvatureOperator<CurvatureParams>,
): GradientTransformation<EmptyState> {
  const damping = options.damping ?? 1e-3;
  const key = options.curvatureKey ?? defaultKey;
  return {
    init: () => ({}),
    update: (updates, state, params, extra) => {
      const ready = extra?.[key];
      if (ready !== undefined && ready !== null) {
        if (!isSolvable(ready)) {
          throw new TransformError(`${op}: extra.${key} must be a curvature operator with solve(b, { damping }), got ${typeof ready}.`, { op, argument: `extra.${key}`, expected: 'a curvature operator', received: typeof ready });
        }
        const so = solveOptions(options, damping, false);
        return [explainConcretization(op, so.method, () => applySolve(op, ready, updates, so)), state];
      }
      const c = build(requireParams(op, params), extra);
      const so = solveOptions(options, damping, true);
      return [explainConcretization(op, so.method, () => applySolve(op, c as unknown as Solvable, updates, so)), state];
    },
  };
}

/** @internal scaleByFisher under a given name and default ready-operator key. */
function fisherTransform(op: string, options: ScaleByFisherOptions, defaultKey: string): GradientTransformation<EmptyState> {
  checkSolveOptions(op, options, ['exact', 'mc', 'empirical']);
  const kind = options.kind ?? 'exact';
  const readyKey = options.curvatureKey ?? defaultKey;
  const alt = `extra.${readyKey} (a ready curvature operator) or extra.model, extra.likelihood and extra.batch`;
  return curvatureTransform(op, options, defaultKey, (params, extra) => {
    const model = requirePiece(op, extra, 'model', 'a function (params, x) ↦ one example\'s output', alt, isFunction) as (p: CurvatureParams, x: any) => Tensor;
    const likelihood = requirePiece(op, extra, 'likelihood', 'a Likelihood (e.g. likelihoods.categorical())', alt, isLikelihood) as Likelihood;
    const batch = requirePiece(op, extra, 'batch', 'a batch { x, y? }', alt, isBatch) as Batch;
    if (kind === 'empirical' && batch.y === undefined) {
      throw new TransformError(`${op}: the empirical Fisher needs the training labels extra.batch.y, got undefined.`, { op, argument: 'extra.batch.y', expected: 'labels', received: 'undefined' });
    }
    const key = kind === 'mc' ? (requirePiece(op, extra, 'key', 'a PRNG key (random.key(…)) for the Monte-Carlo Fisher', 'a fresh extra.key each step', isKey) as Tensor) : undefined;
    return fisher({ model, likelihood }, params as CurvatureParams, batch, {
      kind,
      ...(options.samples !== undefined ? { samples: options.samples } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(options.reduction !== undefined ? { reduction: options.reduction } : {}),
    });
  });
}

/**
 * Natural-gradient preconditioning: solves with the Fisher of the model at the current params,
 * built each step from `extra.model`, `extra.likelihood` and `extra.batch` (and `extra.key` for
 * `kind: 'mc'`), or with a ready operator given as `extra.curvature`.
 *
 * ```text
 * F(θ) = (1/N) Σₙ Jₙᵀ F_out(fₙ) Jₙ      (exact;  'mc': sampled labels;  'empirical': training labels)
 * u = (F(θ) + λI)⁻¹ g
 * ```
 * Like every `scaleBy*`, the output is a descent direction with a positive sign: follow it with
 * `scaleByLearningRate(α)` (which negates) or use {@link ngd}.
 * @param options - see {@link ScaleByFisherOptions}.
 * @returns a stateless transformation.
 * @throws {ValueError} for invalid options (negative damping, unknown kind or solver, …).
 * @throws {TransformError} (from `update`) when params or a needed `extra` key are missing, naming the key.
 * @throws {ValueError} (from `update`) when CG does not converge (pass `maxIter` for truncated CG) or the damped Fisher is singular.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByFisher({ damping: 1e-3 }), optim.clipByGlobalNorm(1), optim.scaleByLearningRate(0.1));
 * const [u, s] = opt.update(g, state, params, { model, likelihood: likelihoods.categorical(), batch: { x, y } });
 * ```
 */
export function scaleByFisher(options: ScaleByFisherOptions = {}): GradientTransformation<EmptyState> {
  return fisherTransform('scaleByFisher', options, 'curvature');
}

/**
 * Preconditioning with the empirical Fisher F̃ = (1/N) Σₙ ∇ℓₙ∇ℓₙᵀ (training labels), built each
 * step from `extra.model`, `extra.likelihood` and `extra.batch` (with `batch.y`), or given ready
 * as `extra.empiricalFisher`.
 *
 * ```text
 * u = (F̃(θ) + λI)⁻¹ g
 * ```
 * Kunstner, Balles & Hennig (2019): F̃ can distort the step badly away from a minimum.
 * @param options - see {@link ScaleByFisherOptions} (without `kind` and `samples`).
 * @returns a stateless transformation.
 * @throws {ValueError} for invalid options.
 * @throws {TransformError} (from `update`) when params, a needed `extra` key or `extra.batch.y` are missing.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByEmpiricalFisher({ damping: 1e-2 }), optim.scaleByLearningRate(0.1));
 * opt.update(g, state, params, { model, likelihood, batch: { x, y } });
 * ```
 */
export function scaleByEmpiricalFisher(options: Omit<ScaleByFisherOptions, 'kind' | 'samples'> = {}): GradientTransformation<EmptyState> {
  return fisherTransform('scaleByEmpiricalFisher', { ...options, kind: 'empirical' }, 'empiricalFisher');
}

/**
 * Gauss–Newton preconditioning with the generalized Gauss–Newton matrix of a split loss
 * L(θ) = (1/N) Σₙ outer(inner(θ, xₙ), yₙ), built each step from `extra.split` and `extra.batch`,
 * or given ready as `extra.curvature`.
 *
 * ```text
 * G(θ) = (1/N) Σₙ Jₙᵀ ∇²_z outer(zₙ, yₙ) Jₙ,   zₙ = inner(θ, xₙ)
 * u = (G(θ) + λI)⁻¹ g
 * ```
 * Reference: Schraudolph (2002); Martens (2010, 2020).
 * @param options - see {@link ScaleByGgnOptions}.
 * @returns a stateless transformation.
 * @throws {ValueError} for invalid options.
 * @throws {TransformError} (from `update`) when params, `extra.split`, `extra.batch` or its labels are missing.
 * @example
 * ```ts
 * const split = { inner: (p, x) => x.matmul(p.w), outer: (z, y) => z.sub(y).square().sum().mul(0.5) };
 * const opt = optim.chain(optim.scaleByGgn({ damping: 1e-3 }), optim.scaleByLearningRate(1));
 * opt.update(g, state, params, { split, batch: { x, y } });
 * ```
 */
export function scaleByGgn(options: ScaleByGgnOptions = {}): GradientTransformation<EmptyState> {
  const op = 'scaleByGgn';
  checkSolveOptions(op, options);
  const alt = `extra.${options.curvatureKey ?? 'curvature'} (a ready curvature operator) or extra.split = { inner, outer } and extra.batch`;
  return curvatureTransform(op, options, 'curvature', (params, extra) => {
    const split = requirePiece(op, extra, 'split', 'a GGN split { inner(params, x), outer(z, y) }', alt,
      (v) => typeof v === 'object' && v !== null && isFunction((v as GgnSplit<any>).inner) && isFunction((v as GgnSplit<any>).outer)) as GgnSplit<CurvatureParams>;
    const batch = requirePiece(op, extra, 'batch', 'a batch { x, y }', alt, isBatch) as Batch;
    if (batch.y === undefined) {
      throw new TransformError(`${op}: the GGN needs the labels extra.batch.y, got undefined.`, { op, argument: 'extra.batch.y', expected: 'labels', received: 'undefined' });
    }
    return ggn(split, params as CurvatureParams, batch, options.reduction !== undefined ? { reduction: options.reduction } : {});
  });
}

/** Options of {@link ngd}: a learning rate plus {@link ScaleByFisherOptions}. */
export interface NgdOptions extends ScaleByFisherOptions {
  /** Learning rate α (constant or schedule). */
  readonly learningRate: ScalarOrSchedule;
  /** Damping λ ≥ 0 (0 kept for backward compatibility with the preconditioner-only `ngd`). @defaultValue 0 */
  readonly damping?: number;
}

/** Options of {@link efgd}: a learning rate plus the options of {@link scaleByEmpiricalFisher}. */
export interface EfgdOptions extends Omit<ScaleByFisherOptions, 'kind' | 'samples'> {
  /** Learning rate α (constant or schedule). */
  readonly learningRate: ScalarOrSchedule;
  /** Damping λ ≥ 0. @defaultValue 0 */
  readonly damping?: number;
}

/** @deprecated Use {@link NgdOptions} / {@link EfgdOptions}; kept as the common subset. */
export interface PreconditionedDescentOptions {
  /** Learning rate α (constant or schedule). */
  readonly learningRate: ScalarOrSchedule;
  /** Damping λ ≥ 0. @defaultValue 0 */
  readonly damping?: number;
}

/**
 * Natural gradient descent (Amari 1998): the Fisher is built each step from `extra.model`,
 * `extra.likelihood`, `extra.batch` (see {@link scaleByFisher}), or given as `extra.curvature`
 * (any object with `solve(b, { damping })`, as before).
 *
 * ```text
 * θ ← θ − α (F(θ) + λI)⁻¹ ∇L(θ)
 * ```
 * @param options - see {@link NgdOptions}.
 * @returns `chain(scaleByFisher({ ...options, damping }), scaleByLearningRate(α))`.
 * @throws {ValueError} for a negative damping or learning rate and invalid options.
 * @example
 * ```ts
 * const opt = optim.ngd({ learningRate: 1, damping: 1e-4 });
 * const [u, s] = opt.update(grads, state, params, { model, likelihood: likelihoods.bernoulli(), batch: { x, y } });
 * ```
 */
export function ngd(options: NgdOptions) {
  const { learningRate, damping = 0, ...rest } = options;
  return chain(scaleByFisher({ ...rest, damping }), scaleByLearningRate(learningRate));
}

/**
 * Empirical-Fisher gradient descent (Kunstner et al. 2019): the empirical Fisher
 * F̃ = (1/N) Σₙ ∇ℓₙ∇ℓₙᵀ is built each step from `extra.model`, `extra.likelihood`, `extra.batch`,
 * or given as `extra.empiricalFisher` (any object with `solve`, as before).
 *
 * ```text
 * θ ← θ − α (F̃(θ) + λI)⁻¹ ∇L(θ)
 * ```
 * @param options - see {@link EfgdOptions}.
 * @returns `chain(scaleByEmpiricalFisher({ ...options, damping }), scaleByLearningRate(α))`.
 * @throws {ValueError} for a negative damping or learning rate and invalid options.
 * @example
 * ```ts
 * const opt = optim.efgd({ learningRate: 0.1, damping: 1e-4 });
 * const [u, s] = opt.update(grads, state, params, { empiricalFisher: ef });
 * ```
 */
export function efgd(options: EfgdOptions) {
  const { learningRate, damping = 0, ...rest } = options;
  return chain(scaleByEmpiricalFisher({ ...rest, damping }), scaleByLearningRate(learningRate));
}
