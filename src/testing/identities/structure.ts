/**
 * Structural identities of the Fisher information of conditional models: Fisher = GGN for
 * exponential families in natural parameters (canonical link), and additivity over independent
 * observations.
 *
 * ```text
 * Fisher = GGN     Σₙ E_{y~p(·|fₙ)}[sₙ sₙᵀ] = Σₙ Jₙᵀ ∇²_f(−log p(yₙ | f))|_{fₙ} Jₙ   (any observed yₙ)
 * additivity       F_{y₁…y_N}(θ) = Σₙ F_{yₙ}(θ)                                      (independent yₙ)
 * ```
 * @module
 */
import { hessian, jacfwd } from '../../transforms/jacobian.js';
import { matmul } from '../../ops/linalg.js';
import { vmap } from '../../transforms/vmap.js';
import type { Tensor } from '../../tensor/tensor.js';
import type * as curvature from '../../curvature/index.js';
import type * as tree from '../../tree/index.js';
import { contextLines, normalization, readMatrix } from './bartlett.js';
import { leastExact, moments, toFloat64, type Flat, type Moments, type Points } from './engine.js';
import { exampleFamilies, type ConditionalSpec, type FamilyOptions } from './families.js';
import { matrixScale } from './stats.js';
import type { Family, IdentityOptions, IdentityVerdict, Method, Theta } from './types.js';
import { makeVerdict, type RawComparison } from './verdict.js';

/**
 * A batch for {@link fisherGgn}: inputs and the observed labels (leading axis N), as for
 * `curvature.fisher`.
 * @example
 * ```ts
 * const batch: LabelledBatch = { x: X, y: Y };
 * ```
 */
export interface LabelledBatch {
  /** Inputs, leading axis N on every leaf. */
  readonly x: tree.Tree<Tensor>;
  /** Observed labels, leading axis N. */
  readonly y: Tensor;
}

/**
 * Options of {@link fisherGgn}.
 * @example
 * ```ts
 * const opts: FisherGgnOptions = { labels: arange(0, 3, 1, 'int32'), reduction: 'sum', candidates: { library: curvature.fisher(spec, params, { x }, { reduction: 'sum' }) } };
 * ```
 */
export interface FisherGgnOptions extends IdentityOptions, Pick<FamilyOptions, 'labels'> {
  /** `'mean'` (default, as in `curvature`) or `'sum'` over examples. */
  readonly reduction?: 'mean' | 'sum' | undefined;
  /** Other matrices claimed to equal the Fisher (e.g. `curvature.fisher(...)`), `[P, P]` or operators with `dense()`. */
  readonly candidates?: Readonly<Record<string, Tensor | Pick<curvature.CurvatureOperator, 'dense'>>> | undefined;
}

/** @internal Sum of the Fisher informations of several families at θ, with combined errors. */
export function summedFisher<P extends Theta>(op: string, families: readonly Family<P>[], theta: P, options: IdentityOptions, saltBase: number): {
  value: Float64Array; se: Float64Array; absErr: Float64Array; abs: Float64Array; methods: Method[]; first: Moments & { flat: Flat<P> }; sets: Points[];
} {
  let value: Float64Array | undefined, se: Float64Array | undefined, absErr: Float64Array | undefined, abs: Float64Array | undefined;
  const methods: Method[] = [];
  const sets: Points[] = [];
  let first: (Moments & { flat: Flat<P> }) | undefined;
  families.forEach((fam, i) => {
    const mo = moments(op, fam, theta, options, false, saltBase + i);
    first ??= mo;
    methods.push(mo.pts.method);
    sets.push(mo.pts);
    const d = mo.fisher.value.length;
    value ??= new Float64Array(d); se ??= new Float64Array(d); absErr ??= new Float64Array(d); abs ??= new Float64Array(d);
    for (let k = 0; k < d; k++) {
      value[k]! += mo.fisher.value[k]!;
      abs[k]! += mo.fisher.abs[k]!;
      if (mo.pts.method === 'monte-carlo') se[k]! += mo.fisher.err[k]! ** 2;
      else absErr[k]! += mo.fisher.err[k]!;
    }
  });
  if (!first) throw new RangeError(`${op}: at least one family is needed.`);
  return { value: value!, se: se!.map(Math.sqrt), absErr: absErr!, abs: abs!, methods, first, sets };
}

/**
 * Checks that the Fisher information of a conditional model equals the generalized Gauss–Newton
 * matrix of the split L = Σₙ −log p(yₙ | f(θ, xₙ)) at the observed labels — true for every label
 * when p(y | f) is an exponential family in its natural parameters (canonical link), since then
 * ∇²_f(−log p(y | f)) = ∇²A(f) does not depend on y.
 *
 * ```text
 * F = s Σₙ E_{y~p(·|fₙ)}[∇θ log p ∇θ log pᵀ]         (expectation engine, per example)
 * G = s Σₙ Jₙᵀ ∇²_f(−log p(yₙ | f))|_{fₙ} Jₙ          (jacfwd and hessian, observed yₙ)
 * s = 1/N ('mean') or 1 ('sum')
 * ```
 * For a non-canonical likelihood (e.g. `normalWithScale`, output [μ, log σ]) the two differ and
 * the verdict fails. `candidates` (e.g. the library's `curvature.fisher(...)` operator) are
 * compared with F as well.
 * @param spec - `model` and `likelihood`.
 * @param params - θ.
 * @param batch - `{ x, y }` with observed labels.
 * @param options - `labels` (per-example support → exact), `reduction`, `candidates`, {@link IdentityOptions}.
 * @returns the verdict (estimate = G, reference = F).
 * @throws {ValueError} when there are no labels to enumerate and the likelihood cannot sample.
 * @example
 * ```ts
 * fisherGgn({ model, likelihood: likelihoods.categorical() }, params, { x, y }, { labels: arange(0, 3, 1, 'int32') });
 * ```
 */
export function fisherGgn<P extends Theta>(spec: ConditionalSpec<P>, params: P, batch: LabelledBatch, options: FisherGgnOptions = {}): IdentityVerdict {
  const op = 'fisherGgn';
  const theta = toFloat64(params, op);
  const fams = exampleFamilies(spec, batch.x, { labels: options.labels });
  const n = fams.length;
  const s = (options.reduction ?? 'mean') === 'mean' ? 1 / n : 1;
  const F = summedFisher(op, fams, theta, options, 0);
  const { w, unravel, p } = F.first.flat;
  const lik = spec.likelihood;
  const perExample = (xn: any, yn: Tensor): Tensor => {
    const out = (v: Tensor): Tensor => spec.model(unravel(v), xn);
    const z = out(w);
    const k = z.size;
    const J = (jacfwd((v: Tensor) => out(v).reshape([k]))(w) as Tensor).reshape([k, p]);
    const H = (hessian((zz: Tensor) => lik.logProb(zz.reshape(z.shape), yn).neg())(z.reshape([k])) as Tensor).reshape([k, k]);
    return matmul(J.T, matmul(H, J));
  };
  const G = vmap(perExample)(batch.x, batch.y).sum(0).mul(s);
  const g = Float64Array.from(G.toTypedArray() as ArrayLike<number>);
  const ref = F.value.map((v) => v * s);
  const method = leastExact(...F.methods);
  const mc = method === 'monte-carlo';
  const scale = matrixScale(ref, p);
  const err = (mc ? F.se : F.absErr).map((v) => v * s);
  const slack = mc ? F.absErr.map((v) => v * s) : undefined;
  const abs = F.abs.map((v) => v * s);
  const raws: RawComparison[] = [{ label: 'GGN (observed labels) = Fisher', estimate: g, reference: ref, shape: [p, p], err, standardError: mc, slack, abs, scale }];
  for (const [name, c] of Object.entries(options.candidates ?? {})) {
    raws.push({ label: `${name} = Fisher`, estimate: readMatrix(c, theta, p, op), reference: ref, shape: [p, p], err, standardError: mc, slack, abs, scale });
  }
  raws.push(...normalization(...F.sets));
  return makeVerdict(`Fisher = GGN (${lik.name}; exact for exponential families in natural parameters)`, method, raws, options,
    contextLines({ name: `${lik.name} model over ${n} examples` } as Family<P>, F.first.flat, F.first.pts, [`reduction: ${s === 1 ? 'sum' : 'mean'}; per-example expectations, first shown`]));
}

/**
 * Checks additivity of Fisher information over independent observations: the Fisher of the
 * joint family equals the sum of the Fishers of its independent parts.
 *
 * ```text
 * F_{joint}(θ) = Σᵢ F_{partᵢ}(θ)        (i.i.d.: F_n = n F_1)
 * ```
 * Build the joint family with {@link iid} or {@link conditionalFamily}, the parts with the
 * single family or {@link exampleFamilies}.
 * @param joint - the family of all observations together.
 * @param parts - the family of each independent observation.
 * @param theta - θ.
 * @param options - {@link IdentityOptions}.
 * @returns the verdict (estimate = F_joint, reference = Σ F_parts).
 * @throws {ValueError} when a family offers no way to take expectations; {RangeError} with no parts.
 * @example
 * ```ts
 * fisherAdditivity(iid(poissonFamily, 2), [poissonFamily, poissonFamily], tensor(0.3, { dtype: 'float64' }));
 * ```
 */
export function fisherAdditivity<P extends Theta>(joint: Family<P>, parts: readonly Family<P>[], theta: P, options: IdentityOptions = {}): IdentityVerdict {
  const op = 'fisherAdditivity';
  const th = toFloat64(theta, op);
  const J = summedFisher(op, [joint], th, options, 0);
  const S = summedFisher(op, parts, th, options, 1);
  const p = J.first.ev.p;
  const method = leastExact(...J.methods, ...S.methods);
  const mc = method === 'monte-carlo';
  const se = J.se.map((v, k) => Math.hypot(v, S.se[k]!));
  const absErr = J.absErr.map((v, k) => v + S.absErr[k]!);
  const raws: RawComparison[] = [{
    label: `F_joint = Σ F_parts (${parts.length} parts)`, estimate: J.value, reference: S.value, shape: [p, p],
    err: mc ? se : absErr, standardError: mc, slack: mc ? absErr : undefined, abs: J.abs.map((v, k) => v + S.abs[k]!), scale: matrixScale(S.value, p),
  }, ...normalization(...J.sets, ...S.sets)];
  return makeVerdict('additivity of Fisher information over independent observations', method, raws, options,
    contextLines(joint, J.first.flat, J.first.pts, [`parts: ${parts.map((f) => f.name ?? 'family').slice(0, 4).join(', ')}${parts.length > 4 ? ', …' : ''}`]));
}
