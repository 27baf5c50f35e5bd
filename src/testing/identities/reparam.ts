/**
 * Reparameterization: the Fisher information transforms as a covariant 2-tensor, and the
 * natural-gradient step is invariant to first order.
 *
 * ```text
 * θ = φ(η),  J = ∂θ/∂η        F_η = Jᵀ F_θ J        ∇_η L = Jᵀ ∇_θ L
 * J F_η⁻¹ ∇_η L = F_θ⁻¹ ∇_θ L                          (the natural-gradient direction is a tangent vector)
 * ‖φ(η − ε F_η⁻¹∇_η L) − (θ − ε F_θ⁻¹∇_θ L)‖ = O(ε²)   (finite Euler steps agree to first order only)
 * ```
 * @module
 */
import { ValueError } from '../../errors.js';
import { grad } from '../../transforms/grad.js';
import { jacfwd } from '../../transforms/jacobian.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as linalg from '../../linalg/index.js';
import * as tree from '../../tree/index.js';
import { num } from '../_util.js';
import { contextLines, normalization, readMatrix } from './bartlett.js';
import { at, average, combine, evaluate, flatten, outerRows, points, toFloat64, type Flat, type Points } from './engine.js';
import { reparameterize } from './families.js';
import { matmul, matrixScale, transpose } from './stats.js';
import type { Family, IdentityOptions, IdentityVerdict, Theta } from './types.js';
import { makeVerdict, type RawComparison } from './verdict.js';

/**
 * Options of {@link reparameterizationCovariance} and {@link naturalGradientInvariance}.
 * @example
 * ```ts
 * const opts: ReparameterizationOptions<MuSigma, MuLogSigma> = { reparameterized: gaussianMuLogSigma, fisher: gaussianFisher };
 * ```
 */
export interface ReparameterizationOptions<P extends Theta = Tensor, Q extends Theta = Tensor> extends IdentityOptions {
  /** Your own family in η (default: `reparameterize(family, phi)`); it must describe the same distributions. */
  readonly reparameterized?: Family<Q> | undefined;
  /** F_θ in closed form (`[P, P]`, tree.ravel order), instead of the expectation engine. */
  readonly fisher?: Tensor | ((theta: P) => Tensor) | undefined;
}

/**
 * Options of {@link naturalGradientInvariance}.
 * @example
 * ```ts
 * const opts: NaturalGradientOptions<MuSigma, MuLogSigma> = { metric: 'euclidean', step: 0.01, minOrder: 1.8 };
 * ```
 */
export interface NaturalGradientOptions<P extends Theta = Tensor, Q extends Theta = Tensor> extends ReparameterizationOptions<P, Q> {
  /** The largest step ε₀ (then ε₀/2, ε₀/4, ε₀/8). @defaultValue 0.05 / max(‖F_η⁻¹∇_η L‖∞, ‖F_θ⁻¹∇_θ L‖∞) */
  readonly step?: number | undefined;
  /** The preconditioner: the Fisher (natural gradient) or the identity (plain gradient descent, which is not invariant). @defaultValue 'fisher' */
  readonly metric?: 'fisher' | 'euclidean' | undefined;
  /** Smallest observed order of the step discrepancy accepted as "second order". @defaultValue 1.5 */
  readonly minOrder?: number | undefined;
}

interface Setup<P extends Theta, Q extends Theta> {
  readonly theta: P;
  readonly eta: Q;
  readonly fθ: Flat<P>;
  readonly fη: Flat<Q>;
  /** J = ∂θ/∂η, Pθ×Pη */
  readonly jac: Float64Array;
  readonly pts: Points;
  /** F_θ, F_η (values) and the paired error of F_η − Jᵀ F_θ J. */
  readonly fTheta: Float64Array;
  readonly fEta: Float64Array;
  readonly err: Float64Array;
  readonly abs: Float64Array;
  readonly closedForm: boolean;
  readonly raws: RawComparison[];
  readonly famEta: Family<Q>;
  /** Per-outcome η-scores (m×Pη). */
  readonly scoreEta: Float64Array;
}

function setup<P extends Theta, Q extends Theta>(op: string, family: Family<P>, phi: (eta: Q) => P, eta0: Q, options: ReparameterizationOptions<P, Q>): Setup<P, Q> {
  const eta = toFloat64(eta0, op);
  const theta = toFloat64(phi(eta), op);
  const fθ = flatten(theta), fη = flatten(eta);
  const a = fθ.p, b = fη.p;
  const jac = Float64Array.from((jacfwd((v: Tensor) => tree.ravel(phi(fη.unravel(v)))[0])(fη.w) as Tensor).toTypedArray() as ArrayLike<number>);
  const famEta = options.reparameterized ?? reparameterize(family, phi);
  const pts = points(op, at(family, theta), options);
  const evθ = evaluate(op, family, fθ, pts.ys, false);
  const evη = evaluate(op, famEta, fη, pts.ys, false);
  // Jᵀ s_θ per outcome (m×b): the chain rule applied draw by draw.
  const pulled = matmul(evθ.score, jac, pts.m, a, b);
  const outerEta = outerRows(evη.score, pts.m, b);
  const outerPulled = outerRows(pulled, pts.m, b);
  const fE = average(pts, outerEta, b * b);
  const diff = average(pts, combine(outerEta, outerPulled, 1, -1), b * b);
  const closedForm = options.fisher !== undefined;
  const fTheta = closedForm ? readMatrix(options.fisher!, theta, a, op) : average(pts, outerRows(evθ.score, pts.m, a), a * a).value;
  // Same distributions: log p_η(y | η) = log p(y | φ(η)) at every outcome used.
  let maxDiff = 0, maxAbs = 0;
  for (let i = 0; i < pts.m; i++) {
    if (pts.weights[i] === 0 && pts.method !== 'monte-carlo') continue;
    maxDiff = Math.max(maxDiff, Math.abs(evη.logp[i]! - evθ.logp[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(evθ.logp[i]!));
  }
  const raws: RawComparison[] = [{
    label: 'same distributions: max_y |log p_η(y|η) − log p(y|φ(η))| = 0', estimate: Float64Array.of(maxDiff), reference: Float64Array.of(0), shape: [],
    abs: Float64Array.of(maxAbs), scale: Float64Array.of(1), requireResolution: false,
  }];
  return { theta, eta, fθ, fη, jac, pts, fTheta, fEta: fE.value, err: closedForm ? fE.err : diff.err, abs: fE.abs, closedForm, raws, famEta, scoreEta: evη.score };
}

/**
 * Checks that the Fisher information transforms covariantly under a reparameterization θ = φ(η).
 *
 * ```text
 * F_η(η) = J(η)ᵀ F_θ(φ(η)) J(η),   J = ∂φ/∂η  (jacfwd)
 * ```
 * Both Fishers are expectations over the same outcomes (drawn or enumerated at θ = φ(η)), so
 * with Monte Carlo the error is that of the per-draw difference s_η s_ηᵀ − (Jᵀs_θ)(Jᵀs_θ)ᵀ.
 * Also checks that the η-family describes the same distributions (log-densities agree).
 * @param family - the family in θ.
 * @param phi - η ↦ θ.
 * @param eta - the point η.
 * @param options - {@link IdentityOptions}, your own η-family `reparameterized`, a closed-form `fisher` for F_θ.
 * @returns the verdict (estimate = F_η, reference = Jᵀ F_θ J).
 * @throws {ValueError} when the family offers no way to take expectations.
 * @example
 * ```ts
 * reparameterizationCovariance(gaussianMuSigma, (e) => ({ mu: e.mu, sigma: e.logSigma.exp() }), { mu: tensor(0.1), logSigma: tensor(-0.3) });
 * ```
 */
export function reparameterizationCovariance<P extends Theta, Q extends Theta>(family: Family<P>, phi: (eta: Q) => P, eta: Q, options: ReparameterizationOptions<P, Q> = {}): IdentityVerdict {
  const op = 'reparameterizationCovariance';
  const s = setup(op, family, phi, eta, options);
  const a = s.fθ.p, b = s.fη.p;
  const ref = matmul(transpose(s.jac, a, b), matmul(s.fTheta, s.jac, a, a, b), b, a, b);
  const raws: RawComparison[] = [
    { label: 'F_η = Jᵀ F_θ J', estimate: s.fEta, reference: ref, shape: [b, b], err: s.err, standardError: s.pts.method === 'monte-carlo', abs: s.abs, scale: matrixScale(ref, b) },
    ...s.raws, ...normalization(s.pts),
  ];
  return makeVerdict('reparameterization: F_η = Jᵀ F_θ J', s.pts.method, raws, options,
    contextLines(family, s.fθ, s.pts, [`η-family: ${s.famEta.name ?? 'family'}; J = ∂θ/∂η is ${a}×${b}${s.closedForm ? '; F_θ in closed form' : ''}`]));
}

function solve(op: string, f: Float64Array, g: Float64Array, n: number, what: string): Float64Array {
  try {
    return linalg.solveSpd(f, Float64Array.from(g), n);
  } catch (e) {
    throw new ValueError(`${op}: ${what} is not positive definite (${(e as Error).message}); the natural gradient needs an identifiable model.`, { op, argument: 'family' });
  }
}

/** F⁻¹ (n×n) of a positive definite F, with the same error as {@link solve}. */
function solveMatrix(op: string, f: Float64Array, n: number): Float64Array {
  try {
    return linalg.inverseSpd(Float64Array.from(f), n);
  } catch (e) {
    throw new ValueError(`${op}: F_η is not positive definite (${(e as Error).message}); the natural gradient needs an identifiable model.`, { op, argument: 'family' });
  }
}

function condition(f: Float64Array, n: number): number {
  const { values } = linalg.eighSymmetric(f, n);
  const lo = values[0]!, hi = values[n - 1]!;
  return lo > 0 ? hi / lo : Infinity;
}

/**
 * Checks the first-order parameterization invariance of the natural-gradient step for a loss
 * L(θ) under θ = φ(η): the η-space direction, pushed forward by J, is the θ-space direction, and
 * finite steps taken in the two coordinate systems differ only at second order in ε.
 *
 * ```text
 * J F_η⁻¹ ∇_η L = F_θ⁻¹ ∇_θ L                         (exact, up to rounding × cond(F_θ))
 * Δ(ε) = ‖φ(η − ε F_η⁻¹∇_η L) − (θ − ε F_θ⁻¹∇_θ L)‖∞,  order = log₂ Δ(ε)/Δ(ε/2) ≥ minOrder (≈ 2)
 * ```
 * With `metric: 'euclidean'` (plain gradient descent) both fail for a non-orthogonal J: this is
 * the reason to precondition with the Fisher. Both Fishers are computed over the same outcomes,
 * so they agree draw by draw and the first-order comparison is exact up to rounding. With a
 * closed-form `fisher` for F_θ and an estimated F_η (Monte Carlo or quadrature), it is bounded by
 * the estimation error of F̂_η instead, and the finite steps are compared with θ − ε J F_η⁻¹∇_η L.
 * @param family - the family in θ.
 * @param phi - η ↦ θ.
 * @param eta - the point η.
 * @param loss - L(θ), a scalar tensor (e.g. the negative log-likelihood of some data).
 * @param options - {@link NaturalGradientOptions}.
 * @returns the verdict (estimate = J·(η-direction), reference = θ-direction).
 * @throws {ValueError} when a Fisher is not positive definite.
 * @example
 * ```ts
 * naturalGradientInvariance(gaussianMuSigma, toMuSigma, eta, (t) => gaussianMuSigma.logProb(t, y0).neg());
 * ```
 */
export function naturalGradientInvariance<P extends Theta, Q extends Theta>(family: Family<P>, phi: (eta: Q) => P, eta: Q, loss: (theta: P) => Tensor, options: NaturalGradientOptions<P, Q> = {}): IdentityVerdict {
  const op = 'naturalGradientInvariance';
  const s = setup(op, family, phi, eta, options);
  const a = s.fθ.p, b = s.fη.p;
  const euclid = options.metric === 'euclidean';
  if (a !== b) throw new ValueError(`${op}: φ must be a bijection, but θ has ${a} and η has ${b} parameters.`, { op, argument: 'phi' });
  const eye = (n: number): Float64Array => Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  const fT = euclid ? eye(a) : s.fTheta, fE = euclid ? eye(b) : s.fEta;
  const read = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray() as ArrayLike<number>);
  const gθ = read(grad((v: Tensor) => loss(s.fθ.unravel(v)).reshape([]))(s.fθ.w) as Tensor);
  const gη = read(grad((v: Tensor) => loss(phi(s.fη.unravel(v))).reshape([]))(s.fη.w) as Tensor);
  const dθ = solve(op, fT, gθ, a, 'F_θ');
  const dη = solve(op, fE, gη, b, 'F_η');
  const pushed = matmul(s.jac, dη, a, b, 1);
  const kappa = condition(fT, a);
  // With a closed-form F_θ and an estimated F_η (Monte Carlo or quadrature), J F̂_η⁻¹∇_η L differs
  // from F_θ⁻¹∇_θ L by the estimation error of F̂_η, to first order −J F_η⁻¹ (F̂_η − F_η) d_η: the
  // error of the mean of the per-outcome rows J F̂_η⁻¹ s_η (s_ηᵀ d_η) (whose mean is J d_η).
  // (Without a closed form both Fishers come from the same outcomes and agree draw by draw.)
  const statistical = !euclid && s.closedForm && s.pts.method !== 'exact';
  let stat: ReturnType<typeof average> | undefined;
  if (statistical) {
    const K = matmul(s.jac, solveMatrix(op, fE, b), a, b, b); // J F̂_η⁻¹, a×b
    const rows = new Float64Array(s.pts.m * a);
    for (let i = 0; i < s.pts.m; i++) {
      const si = s.scoreEta.subarray(i * b, (i + 1) * b);
      let t = 0;
      for (let k = 0; k < b; k++) t += si[k]! * dη[k]!;
      rows.set(matmul(K, si, a, b, 1).map((v) => v * t), i * a);
    }
    stat = average(s.pts, rows, a);
  }
  const dmax = Math.max(...Array.from(dθ, Math.abs), ...Array.from(dη, Math.abs), 1e-300);
  const eps0 = options.step ?? 0.05 / dmax;
  const wθ = read(s.fθ.w);
  // The θ-step compared with φ(η − ε d_η): θ − ε d_θ, or θ − ε J d_η when d_θ = J d_η holds only statistically.
  const dRef = statistical ? pushed : dθ;
  const deltas: number[] = [];
  for (let k = 0; k < 4; k++) {
    const e = eps0 / 2 ** k;
    const stepped = read(tree.ravel(phi(s.fη.unravel(s.fη.w.sub(tensorOf(dη).mul(e)))))[0]);
    let d = 0;
    for (let i = 0; i < a; i++) d = Math.max(d, Math.abs(stepped[i]! - (wθ[i]! - e * dRef[i]!)));
    deltas.push(d);
  }
  const floor = 1e-9 * Math.max(...Array.from(wθ, Math.abs), 1);
  const orders = deltas.slice(1).map((d, i) => (deltas[i]! <= floor ? Infinity : Math.log2(deltas[i]! / Math.max(d, 1e-300))));
  const minOrder = options.minOrder ?? 1.5;
  const vecScale = Float64Array.from({ length: a }, () => Math.max(...Array.from(dθ, Math.abs)));
  const raws: RawComparison[] = [
    {
      label: `first-order invariance: J·${euclid ? '∇_η L' : 'F_η⁻¹∇_η L'} = ${euclid ? '∇_θ L' : 'F_θ⁻¹∇_θ L'}`, estimate: pushed, reference: dθ, shape: [a],
      abs: Float64Array.from(pushed, Math.abs), scale: vecScale, floorFactor: Math.min(kappa, 1e6),
      ...(stat ? { err: stat.err, standardError: s.pts.method === 'monte-carlo', requireResolution: true } : { requireResolution: false }),
    },
    {
      label: statistical
        ? `finite steps: φ(η − ε F_η⁻¹∇_η L) = θ − ε J F_η⁻¹∇_η L + O(ε²): observed order at the smallest steps ≥ ${minOrder}`
        : `finite steps differ at O(ε²): observed order of Δ(ε) at the smallest steps ≥ ${minOrder}`,
      kind: 'atLeast',
      estimate: Float64Array.of(orders[orders.length - 1]!), reference: Float64Array.of(minOrder), shape: [], scale: Float64Array.of(2), requireResolution: false,
    },
    ...s.raws, ...normalization(s.pts),
  ];
  const ctx = contextLines(family, s.fθ, s.pts, [
    `metric: ${euclid ? 'euclidean (plain gradient)' : `Fisher (cond ${num(kappa)})`}; η-family: ${s.famEta.name ?? 'family'}${statistical ? '; F_θ in closed form, F_η estimated (its error bounds the first-order comparison)' : ''}`,
    `steps ε = ${[0, 1, 2, 3].map((k) => num(eps0 / 2 ** k)).join(', ')}: Δ(ε) = ${deltas.map(num).join(', ')}; orders ${orders.map((o) => (Number.isFinite(o) ? o.toFixed(2) : 'exact')).join(', ')}`,
  ]);
  return makeVerdict(`natural-gradient invariance under reparameterization (${euclid ? 'euclidean metric' : 'Fisher metric'})`, s.pts.method, raws, options, ctx);
}

function tensorOf(d: Float64Array): Tensor {
  return tensor(d, { dtype: 'float64' });
}
