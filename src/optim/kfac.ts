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
import { tensor, zeros } from '../tensor/creation.js';
import { cast } from '../ops/arithmetic.js';
import { concat } from '../ops/manipulation.js';
import { kfac as kfacOperator, type Batch, type DenseFn, type KfacFactors, type KfacParams } from '../curvature/index.js';
import { eighSymmetric, inverseSpd } from '../linalg/index.js';
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
  /** The key of `extra` holding a ready K-FAC operator (with `factors`). @defaultValue 'curvature' */
  readonly curvatureKey?: string;
}

function layerNames(op: string, params: unknown): string[] {
  const bad = (why: string): never => {
    throw new TransformError(`${op}: params must be an object of dense layers { name: { w: [din, dout], b?: [dout] } }; ${why}.`, { op, argument: 'params', expected: '{ name: { w, b? } }', received: why });
  };
  if (typeof params !== 'object' || params === null || Array.isArray(params)) bad(`got ${Array.isArray(params) ? 'an array' : typeof params}`);
  const names = Object.keys(params as object).sort();
  for (const nm of names) {
    const l = (params as KfacParams)[nm];
    if (!l || typeof l !== 'object' || !l.w || l.w.ndim !== 2 || (l.b !== undefined && (l.b.ndim !== 1 || l.b.shape[0] !== l.w.shape[1]))) bad(`layer '${nm}' is not { w: [din, dout], b?: [dout] }`);
  }
  return names;
}

const dims = (l: KfacParams[string]): [number, number] => [l.w.shape[0]! + (l.b ? 1 : 0), l.w.shape[1]!];

/** Ḡ = [G_w; g_bᵀ]. */
const join = (l: KfacParams[string]): Tensor => (l.b ? concat([l.w, l.b.reshape([1, l.b.shape[0]!])], 0) : l.w);

function split(like: KfacParams[string], bar: Tensor): KfacParams[string] {
  const din = like.w.shape[0]!, dout = like.w.shape[1]!;
  const w = bar.slice([0, 0], [din, dout]);
  return like.b ? { b: bar.slice([din, 0], [1, dout]).reshape([dout]), w } : { w };
}

const f64 = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray() as ArrayLike<number>);

function trace(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i]!;
  return s;
}

function dampedInverse(op: string, layer: string, m: Float64Array, n: number, delta: number, dtype: Tensor['dtype']): Tensor {
  const a = Float64Array.from(m);
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + delta;
  try {
    return tensor(inverseSpd(a, n), { dtype, shape: [n, n] });
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new ValueError(`${op}: a Kronecker factor of layer '${layer}' is singular (${e.message}); pass damping > 0.`, { op, argument: 'damping' });
  }
}

/** The damped inverse of one layer's averaged factors. */
function invert(op: string, layer: string, f: KfacFactors, damping: number, mode: 'factored' | 'exact'): KfacInverse {
  const da = f.A.shape[0]!, db = f.B.shape[0]!;
  const a = f64(f.A), b = f64(f.B);
  if (mode === 'factored') {
    const ta = trace(a, da) / da, tb = trace(b, db) / db;
    const pi = ta > 0 && tb > 0 ? Math.sqrt(ta / tb) : 1;
    const r = Math.sqrt(damping);
    return { A: dampedInverse(op, layer, a, da, pi * r, f.A.dtype), B: dampedInverse(op, layer, b, db, r / pi, f.B.dtype) };
  }
  const ea = eighSymmetric(a, da), eb = eighSymmetric(b, db);
  const d = new Float64Array(da * db);
  for (let i = 0; i < da; i++) {
    for (let j = 0; j < db; j++) {
      const den = Math.max(ea.values[i]!, 0) * Math.max(eb.values[j]!, 0) + damping;
      if (!(den > 0)) throw new ValueError(`${op}: the Kronecker factors of layer '${layer}' are singular; pass damping > 0.`, { op, argument: 'damping' });
      d[i * db + j] = 1 / den;
    }
  }
  return {
    QA: tensor(ea.vectors, { dtype: f.A.dtype, shape: [da, da] }),
    QB: tensor(eb.vectors, { dtype: f.B.dtype, shape: [db, db] }),
    D: tensor(d, { dtype: f.A.dtype, shape: [da, db] }),
  };
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
 * Not traceable: the inverses are computed on the host from concrete factors. The expensive part,
 * the factors (and the gradient, with `curvature.kfac(…, { withGradient: true })`), is traceable:
 * `jit` it and pass `{ curvature: { factors } }` as `extra` to the eager update.
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
  const alt = `extra.${curvatureKey} (a K-FAC operator with factors) or extra.model (params, x, dense), extra.likelihood and extra.batch`;

  const freshFactors = (params: KfacParams, extra: UpdateExtra | undefined): { readonly [name: string]: KfacFactors } => {
    const ready = extra?.[curvatureKey];
    if (ready !== undefined && ready !== null) {
      if (!hasFactors(ready)) {
        throw new TransformError(`${op}: extra.${curvatureKey} must be a K-FAC operator with factors (curvature.kfac(…)), got ${typeof ready}.`, { op, argument: `extra.${curvatureKey}`, expected: 'a KfacOperator', received: typeof ready });
      }
      return ready.factors;
    }
    const model = requirePiece(op, extra, 'model', 'a K-FAC model (params, x, dense) ↦ one example\'s output', alt, isFunction) as (p: KfacParams, x: any, dense: DenseFn) => Tensor;
    const likelihood = requirePiece(op, extra, 'likelihood', 'a Likelihood (e.g. likelihoods.categorical())', alt, isLikelihood) as Likelihood;
    const batch = requirePiece(op, extra, 'batch', 'a batch { x, y? }', alt, isBatch) as Batch;
    const key = kind === 'mc' ? (requirePiece(op, extra, 'key', 'a PRNG key (random.key(…)) for the Monte-Carlo Fisher', 'a fresh extra.key each step', isKey) as Tensor) : undefined;
    return kfacOperator({ model, likelihood }, params, batch, {
      kind,
      ...(options.samples !== undefined ? { samples: options.samples } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(options.reduction !== undefined ? { reduction: options.reduction } : {}),
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
      const count = concreteValue(state.count);
      if (count === undefined) {
        throw new TransformError(
          `${op}: the step count must be concrete: the K-FAC update inverts its factors on the host, so it cannot run under jit/vmap/grad. ` +
            'What works: jit the gradient and the factors, run the update eagerly, e.g. ' +
            '`const f = jit((p, x, y) => { const K = curvature.kfac(spec, p, { x, y }, { withGradient: true }); return { g: K.gradient, factors: K.factors }; })`, ' +
            'then `const { g, factors } = f(params, x, y); opt.update(g, state, params, { curvature: { factors } })` outside jit. ' +
            'Full jit support needs traceable linear algebra.',
          { op, argument: 'state.count', received: 'a traced tensor' },
        );
      }
      const fresh = freshFactors(p, extra);
      const t = count + 1;
      const eps = Math.min(1 - 1 / t, decay);
      const factors: Record<string, KfacFactors> = {};
      for (const nm of names) {
        const f = fresh[nm], old = state.factors[nm];
        if (!f || !old) {
          throw new TransformError(`${op}: no Kronecker factors for layer '${nm}' (the model, the params and the state must name the same layers).`, { op, argument: 'params', received: nm });
        }
        const A = f.A.dtype === old.A.dtype ? f.A : cast(f.A, old.A.dtype);
        const B = f.B.dtype === old.B.dtype ? f.B : cast(f.B, old.B.dtype);
        factors[nm] = eps === 0 ? { A, B } : { A: old.A.mul(eps).add(A.mul(1 - eps)), B: old.B.mul(eps).add(B.mul(1 - eps)) };
      }
      const inverses = count % inverseEvery === 0
        ? Object.fromEntries(names.map((nm) => [nm, invert(op, nm, factors[nm]!, damping, dampingMode)]))
        : state.inverses;
      const u = updates as KfacParams;
      const out: Record<string, KfacParams[string]> = {};
      for (const nm of names) {
        const g = u[nm];
        if (!g || !g.w) throw new TransformError(`${op}: the updates have no layer '${nm}'.`, { op, argument: 'updates', received: nm });
        const bar = join(g);
        const inv = inverses[nm]!;
        const x = precondition(inv, bar);
        out[nm] = split(g, x.dtype === bar.dtype ? x : cast(x, bar.dtype));
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
