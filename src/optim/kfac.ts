/**
 * K-FAC as a stateful transformation (Martens & Grosse 2015): per dense layer, moving averages of
 * the Kronecker factors from `curvature.kfac`, and damped inverses recomputed every k steps and
 * reused in between.
 *
 * ```text
 * Āₜ = εₜĀₜ₋₁ + (1−εₜ)Aₜ,   B̄ₜ = εₜB̄ₜ₋₁ + (1−εₜ)Bₜ,   εₜ = min(1 − 1/t, decay)
 * every k steps:  (Ā + π√λ I)⁻¹, (B̄ + √λ/π I)⁻¹        (factored damping)
 *            or   Ā = QₐΛₐQₐᵀ, B̄ = Q_bΛ_bQ_bᵀ            (exact damping: (Ā ⊗ B̄ + λI)⁻¹)
 * u_layer = (Ā + π√λ I)⁻¹ Ḡ (B̄ + √λ/π I)⁻¹,   Ḡ = [G_w; g_bᵀ]
 * ```
 * @module
 */
import { TransformError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { eye, zeros } from '../tensor/creation.js';
import { ConcreteTensor } from '../tensor/tensor.js';
import { cast, floor, maximum, minimum, sqrt } from '../ops/arithmetic.js';
import { equal, greater, logicalAnd, where } from '../ops/logic.js';
import * as tree from '../tree/tree.js';
import { joinLayer, layerDims, splitLayer } from '../curvature/layers.js';
import { kfac as kfacOperator, type Batch, type ConvFn, type DenseFn, type KfacFactors, type KfacParams } from '../curvature/index.js';
import * as linalg from '../linalg/index.js';
import type { Likelihood } from '../likelihoods/index.js';
import type { GradientTransformation, ScalarOrSchedule, UpdateExtra, Updates } from './base.js';
import { chain } from './combine.js';
import { scaleByLearningRate } from './transform.js';
import { checkInt, concreteValue, increment, requireParams, zeroCount } from './internal.js';
import { checkSolveOptions, isBatch, isFunction, isKey, isLikelihood, requirePiece, type FisherKind } from './natural.js';

/** Cached damped inverse of one layer: factored `{ A, B }` inverses, or exact-damping eigenbases `{ QA, QB, D }`. */
export type KfacInverse =
  | {
      /** (Ā + π√λ I)⁻¹. */
      readonly A: Tensor;
      /** (B̄ + √λ/π I)⁻¹. */
      readonly B: Tensor;
    }
  | {
      /** Eigenvectors of Ā (columns). */
      readonly QA: Tensor;
      /** Eigenvectors of B̄ (columns). */
      readonly QB: Tensor;
      /** 1/(λₐᵢλ_bⱼ + λ), `[dim A, dim B]`. */
      readonly D: Tensor;
    };

/** State of {@link scaleByKfac}. */
export type ScaleByKfacState = {
  /** Steps taken (int32 scalar). */
  readonly count: Tensor;
  /** Moving averages Ā, B̄ of the Kronecker factors, per layer name. */
  readonly factors: {
    readonly [layer: string]: {
      /** Ā, `[din(+1), din(+1)]`. */
      readonly A: Tensor;
      /** B̄, `[dout, dout]`. */
      readonly B: Tensor;
    };
  };
  /** The cached damped inverses, per layer name (recomputed every `inverseEvery` steps). */
  readonly inverses: { readonly [layer: string]: KfacInverse };
};

/** Options of {@link scaleByKfac}. */
export interface ScaleByKfacOptions {
  /** Damping λ ≥ 0. @defaultValue 1e-3 */
  readonly damping?: number;
  /** Moving-average decay of the factors, in [0, 1); 0 uses the current batch's factors only. @defaultValue 0.95 */
  readonly decay?: number;
  /** Recompute the damped inverses every k steps (the first step always computes them). @defaultValue 1 */
  readonly inverseEvery?: number;
  /** The Fisher kind behind B: `'exact'`, `'mc'` (needs `extra.key`) or `'empirical'`. @defaultValue 'exact' */
  readonly kind?: FisherKind;
  /** Label samples per example for `kind: 'mc'`. @defaultValue 1 */
  readonly samples?: number;
  /**
   * `'factored'`: (Ā + π√λI)⁻¹ ⊗ (B̄ + √λ/πI)⁻¹ (Martens & Grosse 2015, §6.3); `'exact'`: (Ā ⊗ B̄ + λI)⁻¹
   * through eigendecompositions of Ā and B̄. @defaultValue 'factored'
   */
  readonly dampingMode?: 'factored' | 'exact';
  /** How B averages examples (as `curvature.kfac`). @defaultValue 'mean' */
  readonly reduction?: 'mean' | 'sum';
  /**
   * How `curvature.kfac` factors layers shared over locations (conv layers, dense layers over sequences):
   * `'expand'` or `'reduce'` (Eschenhagen et al. 2023); used when the factors are built from `extra.model`.
   * @defaultValue 'expand'
   */
  readonly weightSharing?: 'expand' | 'reduce';
  /** The key of `extra` holding a ready K-FAC operator (with `factors`). @defaultValue 'curvature' */
  readonly curvatureKey?: string;
}

function layerNames(op: string, params: unknown): string[] {
  const bad = (why: string): never => {
    throw new TransformError(`${op}: params must be an object of layers { name: { w: [din, dout] or [...kernel, Cin, Cout], b?: [dout] } }; ${why}.`, { op, argument: 'params', expected: '{ name: { w, b? } }', received: why });
  };
  if (typeof params !== 'object' || params === null || Array.isArray(params)) bad(`got ${Array.isArray(params) ? 'an array' : typeof params}`);
  const names = Object.keys(params as object).sort();
  for (const nm of names) {
    const l = (params as KfacParams)[nm];
    if (!l || typeof l !== 'object' || !l.w || typeof l.w !== 'object' || !(l.w.ndim >= 2) || (l.b !== undefined && (l.b.ndim !== 1 || l.b.shape[0] !== l.w.shape[l.w.ndim - 1]))) bad(`layer '${nm}' is not { w: [din, dout] or [...kernel, Cin, Cout], b?: [dout] }`);
  }
  return names;
}

const dims = (l: KfacParams[string]): [number, number] => {
  const [din, dout] = layerDims(l);
  return [din + (l.b ? 1 : 0), dout];
};

/** tr(m)/n as a scalar tensor. */
const meanDiag = (m: Tensor): Tensor => m.mul(eye(m.shape[0]!, undefined, m.dtype)).sum().div(m.shape[0]!);

/** Re-throws a (not) positive definite error of a factor with the layer's name (concrete values only: under jit the kernel's error reaches the caller as is). */
function namingLayer<T>(op: string, layer: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new ValueError(`${op}: a Kronecker factor of layer '${layer}' is singular (${e.message}); pass damping > 0.`, { op, argument: 'damping' });
  }
}

/**
 * The damped inverse of one layer's averaged factors, in tensor operations (the `cholesky` and
 * `eigh` primitives), so it runs eagerly and under `jit`/`vmap` alike.
 */
function invert(op: string, layer: string, f: KfacFactors, damping: number, mode: 'factored' | 'exact'): KfacInverse {
  const da = f.A.shape[0]!, db = f.B.shape[0]!;
  if (mode === 'factored') {
    const ta = meanDiag(f.A), tb = meanDiag(f.B);
    const ok = logicalAnd(greater(ta, 0), greater(tb, 0));
    const pi = sqrt(where(ok, ta.div(where(ok, tb, 1)), 1));
    const r = Math.sqrt(damping);
    const A = namingLayer(op, layer, () => linalg.inv(f.A.add(eye(da, undefined, f.A.dtype).mul(pi.mul(r)))));
    const B = namingLayer(op, layer, () => linalg.inv(f.B.add(eye(db, undefined, f.B.dtype).mul(pi.cast(f.B.dtype).reciprocal().mul(r)))));
    return { A, B };
  }
  const ea = namingLayer(op, layer, () => linalg.eigh(f.A)), eb = namingLayer(op, layer, () => linalg.eigh(f.B));
  const den = maximum(ea.values, 0).reshape([da, 1]).mul(maximum(eb.values, 0).cast(f.A.dtype).reshape([1, db])).add(damping);
  if (den instanceof ConcreteTensor && !(den.min().item() > 0)) {
    throw new ValueError(`${op}: the Kronecker factors of layer '${layer}' are singular; pass damping > 0.`, { op, argument: 'damping' });
  }
  return { QA: ea.vectors, QB: eb.vectors.cast(f.B.dtype), D: den.reciprocal() };
}

function precondition(inv: KfacInverse, g: Tensor): Tensor {
  if ('QA' in inv) return inv.QA.matmul(inv.QA.T.matmul(g).matmul(inv.QB).mul(inv.D)).matmul(inv.QB.T);
  return inv.A.matmul(g).matmul(inv.B);
}

const hasFactors = (v: unknown): v is { readonly factors: { readonly [name: string]: KfacFactors } } =>
  typeof v === 'object' && v !== null && typeof (v as { factors?: unknown }).factors === 'object' && (v as { factors?: unknown }).factors !== null;

/**
 * K-FAC preconditioning for models made of dense layers, with factor moving averages and cached
 * inverses in the state. Each step takes the Kronecker factors of `curvature.kfac` at the current
 * params — built from `extra.model` (in K-FAC form `(params, x, dense) ↦ f`), `extra.likelihood`,
 * `extra.batch` (and `extra.key` for `kind: 'mc'`), or read from a ready K-FAC operator
 * `extra.curvature` — averages them, and preconditions each layer's update.
 *
 * ```text
 * t ← t + 1;  εₜ = min(1 − 1/t, decay);   Ā ← εₜĀ + (1−εₜ)A,   B̄ ← εₜB̄ + (1−εₜ)B
 * if (t − 1) mod k = 0:  recompute the damped inverses of Ā, B̄   (else reuse the cached ones)
 * factored:  u = (Ā + π√λI)⁻¹ Ḡ (B̄ + √λ/πI)⁻¹,   π = √((tr Ā/dim Ā)/(tr B̄/dim B̄))
 * exact:     u = Qₐ[(QₐᵀḠQ_b) ⊘ (λₐλ_bᵀ + λ)]Q_bᵀ = (Ā ⊗ B̄ + λI)⁻¹ vec Ḡ
 * ```
 * The params (and updates) must be an object of dense layers `{ name: { w: [din, dout], b?: [dout] } }`.
 * Traceable: the inverses are built from the `cholesky`/`eigh` primitives, so `update` runs under
 * `jit` and `vmap` (a traced step count recomputes the inverses every step and keeps them only
 * when `(t − 1) mod k = 0`). Eagerly, a singular factor is a ValueError naming the layer.
 * References: Martens & Grosse (2015); Grosse & Martens (2016).
 * @param options - see {@link ScaleByKfacOptions}.
 * @returns a transformation with state {@link ScaleByKfacState}.
 * @throws {ValueError} for invalid options.
 * @throws {TransformError} (from `init`/`update`) for params that are not dense layers, missing params
 *   or a missing `extra` key (named); {ValueError} (from `update`) for singular factors without damping.
 * @example
 * ```ts
 * const model = (p, x, dense) => dense('out', dense('hidden', x).tanh());
 * const opt = optim.chain(optim.scaleByKfac({ damping: 1e-2, inverseEvery: 10 }), optim.scaleByLearningRate(0.1));
 * const [u, s] = opt.update(g, state, params, { model, likelihood: likelihoods.categorical(), batch: { x, y } });
 * ```
 */
export function scaleByKfac(options: ScaleByKfacOptions = {}): GradientTransformation<ScaleByKfacState> {
  const op = 'scaleByKfac';
  checkSolveOptions(op, options, ['exact', 'mc', 'empirical']);
  const { damping = 1e-3, decay = 0.95, inverseEvery = 1, kind = 'exact', dampingMode = 'factored', curvatureKey = 'curvature' } = options;
  if (!(decay >= 0 && decay < 1)) throw new ValueError(`${op}: 'decay' must be a number in [0, 1), got ${decay}.`, { op, argument: 'decay', expected: '[0, 1)', received: String(decay) });
  checkInt(op, 'inverseEvery', inverseEvery, 1);
  if (dampingMode !== 'factored' && dampingMode !== 'exact') {
    throw new ValueError(`${op}: 'dampingMode' must be 'factored' or 'exact', got ${String(dampingMode)}.`, { op, argument: 'dampingMode', expected: "'factored' or 'exact'", received: String(dampingMode) });
  }
  if (options.weightSharing !== undefined && options.weightSharing !== 'expand' && options.weightSharing !== 'reduce') {
    throw new ValueError(`${op}: 'weightSharing' must be 'expand' or 'reduce', got ${String(options.weightSharing)}.`, { op, argument: 'weightSharing', expected: "'expand' or 'reduce'", received: String(options.weightSharing) });
  }
  const alt = `extra.${curvatureKey} (a K-FAC operator with factors) or extra.model (params, x, dense, conv), extra.likelihood and extra.batch`;

  const freshFactors = (params: KfacParams, extra: UpdateExtra | undefined): { readonly [name: string]: KfacFactors } => {
    const ready = extra?.[curvatureKey];
    if (ready !== undefined && ready !== null) {
      if (!hasFactors(ready)) {
        throw new TransformError(`${op}: extra.${curvatureKey} must be a K-FAC operator with factors (curvature.kfac(…)), got ${typeof ready}.`, { op, argument: `extra.${curvatureKey}`, expected: 'a KfacOperator', received: typeof ready });
      }
      return ready.factors;
    }
    const model = requirePiece(op, extra, 'model', 'a K-FAC model (params, x, dense) ↦ one example\'s output', alt, isFunction) as (p: KfacParams, x: any, dense: DenseFn, conv: ConvFn) => Tensor;
    const likelihood = requirePiece(op, extra, 'likelihood', 'a Likelihood (e.g. likelihoods.categorical())', alt, isLikelihood) as Likelihood;
    const batch = requirePiece(op, extra, 'batch', 'a batch { x, y? }', alt, isBatch) as Batch;
    const key = kind === 'mc' ? (requirePiece(op, extra, 'key', 'a PRNG key (random.key(…)) for the Monte-Carlo Fisher', 'a fresh extra.key each step', isKey) as Tensor) : undefined;
    return kfacOperator({ model, likelihood }, params, batch, {
      kind,
      ...(options.samples !== undefined ? { samples: options.samples } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(options.reduction !== undefined ? { reduction: options.reduction } : {}),
      ...(options.weightSharing !== undefined ? { weightSharing: options.weightSharing } : {}),
    }).factors;
  };

  return {
    init: (params) => {
      const p = params as KfacParams;
      const names = layerNames(op, p);
      const factors: Record<string, KfacFactors> = {};
      const inverses: Record<string, KfacInverse> = {};
      for (const nm of names) {
        const l = p[nm]!;
        const [da, db] = dims(l);
        const dt = l.w.dtype;
        factors[nm] = { A: zeros([da, da], dt), B: zeros([db, db], dt) };
        inverses[nm] = dampingMode === 'factored' ? { A: zeros([da, da], dt), B: zeros([db, db], dt) } : { QA: zeros([da, da], dt), QB: zeros([db, db], dt), D: zeros([da, db], dt) };
      }
      return { count: zeroCount(), factors, inverses };
    },
    update: (updates, state, params, extra) => {
      const p = requireParams(op, params) as KfacParams;
      const names = layerNames(op, p);
      const count = concreteValue(state.count); // undefined under jit/vmap: the same step in tensor operations
      const fresh = freshFactors(p, extra);
      const t = count === undefined ? cast(state.count, 'float64').add(1) : count + 1;
      const eps = typeof t === 'number' ? Math.min(1 - 1 / t, decay) : minimum(t.reciprocal().neg().add(1), decay);
      const factors: Record<string, KfacFactors> = {};
      for (const nm of names) {
        const f = fresh[nm], old = state.factors[nm];
        if (!f || !old) {
          throw new TransformError(`${op}: no Kronecker factors for layer '${nm}' (the model, the params and the state must name the same layers).`, { op, argument: 'params', received: nm });
        }
        const A = f.A.dtype === old.A.dtype ? f.A : cast(f.A, old.A.dtype);
        const B = f.B.dtype === old.B.dtype ? f.B : cast(f.B, old.B.dtype);
        if (typeof eps === 'number') factors[nm] = eps === 0 ? { A, B } : { A: old.A.mul(eps).add(A.mul(1 - eps)), B: old.B.mul(eps).add(B.mul(1 - eps)) };
        else {
          const e = eps.cast(A.dtype);
          factors[nm] = { A: old.A.mul(e).add(A.mul(e.neg().add(1))), B: old.B.mul(e).add(B.mul(e.neg().add(1))) };
        }
      }
      const fresh_ = (): Record<string, KfacInverse> => Object.fromEntries(names.map((nm) => [nm, invert(op, nm, factors[nm]!, damping, dampingMode)]));
      let inverses: Record<string, KfacInverse>;
      if (count !== undefined) inverses = count % inverseEvery === 0 ? fresh_() : state.inverses;
      else if (inverseEvery === 1) inverses = fresh_();
      else {
        // traced step count: compute the inverses and keep them only on recompute steps
        const c = cast(state.count, 'float64');
        const recompute = equal(c.sub(floor(c.div(inverseEvery)).mul(inverseEvery)), 0);
        const next = fresh_();
        inverses = Object.fromEntries(names.map((nm) => [nm, tree.map((n: Tensor, o: Tensor) => where(recompute, n, o), next[nm]!, state.inverses[nm]!) as KfacInverse]));
      }
      const u = updates as KfacParams;
      const out: Record<string, KfacParams[string]> = {};
      for (const nm of names) {
        const g = u[nm];
        if (!g || !g.w) throw new TransformError(`${op}: the updates have no layer '${nm}'.`, { op, argument: 'updates', received: nm });
        const bar = joinLayer(g);
        const inv = inverses[nm]!;
        const x = precondition(inv, bar);
        out[nm] = splitLayer(g, x.dtype === bar.dtype ? x : cast(x, bar.dtype));
      }
      return [out as Updates, { count: increment(state.count), factors, inverses }];
    },
  };
}

/** Options of {@link kfac}: a learning rate plus {@link ScaleByKfacOptions}. */
export interface KfacOptions extends ScaleByKfacOptions {
  /** Learning rate α (constant or schedule). */
  readonly learningRate: ScalarOrSchedule;
}

/**
 * K-FAC descent (Martens & Grosse 2015) with factor moving averages and periodic inverses.
 *
 * ```text
 * θ ← θ − α (Ā ⊗ B̄ + damping)⁻¹ ∇L(θ)      per dense layer
 * ```
 * @param options - see {@link KfacOptions}.
 * @returns `chain(scaleByKfac(options), scaleByLearningRate(α))`.
 * @throws {ValueError} for invalid hyperparameters.
 * @example
 * ```ts
 * const opt = optim.kfac({ learningRate: 0.1, damping: 1e-2, decay: 0.95, inverseEvery: 10 });
 * let state = opt.init(params);
 * const [u, s] = opt.update(g, state, params, { model, likelihood: likelihoods.categorical(), batch: { x, y } });
 * ```
 */
export function kfac(options: KfacOptions) {
  const { learningRate, ...rest } = options;
  return chain(scaleByKfac(rest), scaleByLearningRate(learningRate));
}
