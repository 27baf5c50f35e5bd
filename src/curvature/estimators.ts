/**
 * Stochastic trace and diagonal estimators with standard errors: Hutchinson (1989) for the trace
 * and the diagonal, Hutch++ (Meyer, Musco, Musco & Woodruff 2021) for the trace.
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { where } from '../ops/logic.js';
import * as random from '../random/index.js';
import * as tree from '../tree/index.js';
import type { CurvatureOperator, Params } from './operator.js';
import { checkCount, checkKey, checkProbeKind, dot, flatOperator, meanAndError, orthogonalize, probe } from './flat-operator.js';

/**
 * A Monte-Carlo estimate with its standard error.
 *
 * ```text
 * estimate      = (1/S) Σₛ xₛ
 * standardError = √( Σₛ (xₛ − estimate)² / (S − 1) ) / √S      (the standard deviation of the estimate)
 * ```
 * For a tree-valued estimate, both are trees and the formulas hold entry by entry. The interval
 * `estimate ± 2·standardError` covers the true value about 95 % of the time when S is large enough
 * for the mean to be near normal (tested by coverage over many keys).
 * @example
 * ```ts
 * const { estimate, standardError, samples } = curvature.traceHutchinson(F, { key: random.key(0), samples: 50 });
 * ```
 */
export interface Estimate<T = number> {
  /** The estimate (the mean of the per-sample values). */
  readonly estimate: T;
  /** The standard error of the estimate: sample standard deviation / √samples. */
  readonly standardError: T;
  /** S, the number of independent samples averaged. */
  readonly samples: number;
}

/** Options of {@link traceHutchinson} and {@link diagonalHutchinson}. */
export interface HutchinsonOptions {
  /** PRNG key: probe s is drawn from `random.splitList(key, samples)[s]`. */
  readonly key: Tensor;
  /** S ≥ 2, the number of probes (matvecs). */
  readonly samples: number;
  /** Probe distribution; Rademacher has the smaller variance. @defaultValue 'rademacher' */
  readonly probes?: 'rademacher' | 'normal';
}

/**
 * Hutchinson's trace estimate with its standard error.
 *
 * ```text
 * tr(C) ≈ (1/S) Σₛ zₛᵀ C zₛ,   E[zzᵀ] = I       Var[zᵀCz] = 2 Σ_{i≠j} C²ᵢⱼ (Rademacher),  2‖C‖²_F (normal)
 * ```
 * With Rademacher probes the estimate equals `op.traceHutchinson(key, samples)` bit for bit, and is
 * exact (standard error 0) when C is diagonal.
 * @param op - The operator.
 * @param options - `key`, `samples` (≥ 2), `probes`.
 * @returns `{ estimate, standardError, samples }`.
 * @throws {ValueError} for a bad key, sample count or probe kind.
 * @example
 * ```ts
 * const t = curvature.traceHutchinson(F, { key: random.key(0), samples: 100 });
 * console.log(`${t.estimate} ± ${2 * t.standardError}`);
 * ```
 */
export function traceHutchinson<P extends Params>(op: CurvatureOperator<P>, options: HutchinsonOptions): Estimate {
  const name = 'traceHutchinson';
  const { key, samples, probes = 'rademacher' } = options;
  checkKey(name, key);
  checkCount(name, 'samples', samples, 2);
  checkProbeKind(name, probes);
  const [flat, unravel] = tree.ravel(op.params);
  const xs = random.splitList(key, samples).map((k) => {
    // the draw of CurvatureOperator.traceHutchinson for Rademacher probes
    const z = unravel((probes === 'rademacher' ? where(random.bernoulli(k, 0.5, [op.size]), 1, -1) : random.normal(k, [op.size], { dtype: 'float64' })).cast(flat.dtype)) as P;
    return tree.vdot(z, op.matvec(z)).item();
  });
  const { mean, standardError } = meanAndError(xs);
  return { estimate: mean, standardError, samples };
}

/** Options of {@link traceHutchPlusPlus}. */
export interface HutchPlusPlusOptions {
  /** PRNG key (split into the sketch's and the residual probes' keys). */
  readonly key: Tensor;
  /** m ≥ 2, the Hutchinson probes of the residual (deflated) operator. */
  readonly samples: number;
  /** k ≥ 1, the columns of the range sketch. @defaultValue `samples` */
  readonly sketch?: number;
  /** Distribution of the sketch and residual probes. @defaultValue 'rademacher' */
  readonly probes?: 'rademacher' | 'normal';
}

/**
 * Hutch++: the trace on a sketched dominant subspace, exactly, plus Hutchinson on the rest.
 *
 * ```text
 * Q = orth(C Ω),  Ω ∈ ℝ^{P×k} random               (k matvecs; rank-deficient columns dropped)
 * tr(C) ≈ tr(QᵀCQ) + (1/m) Σᵢ gᵢᵀ (I − QQᵀ) C (I − QQᵀ) gᵢ    (≤ k + m more matvecs)
 * standardError = that of the second term given Q (the first has none)
 * ```
 * The error decays like 1/(matvecs) instead of 1/√(matvecs) when the spectrum decays, and the
 * estimate is exact (to rounding, standard error 0) when rank(C) ≤ k.
 * @param op - The operator (symmetric).
 * @param options - `key`, `samples` (m ≥ 2), `sketch` (k ≥ 1), `probes`.
 * @returns `{ estimate, standardError, samples: m }`.
 * @throws {ValueError} for a bad key, count or probe kind.
 * @example
 * ```ts
 * const t = curvature.traceHutchPlusPlus(F, { key: random.key(0), sketch: 20, samples: 20 });
 * ```
 */
export function traceHutchPlusPlus<P extends Params>(op: CurvatureOperator<P>, options: HutchPlusPlusOptions): Estimate {
  const name = 'traceHutchPlusPlus';
  const { key, samples, probes = 'rademacher' } = options;
  const sketch = options.sketch ?? samples;
  checkKey(name, key);
  checkCount(name, 'samples', samples, 2);
  checkCount(name, 'sketch', sketch, 1);
  checkProbeKind(name, probes);
  const f = flatOperator(op);
  const [kSketch, kResidual] = random.splitList(key, 2);
  // Q: an orthonormal basis of range(C Ω), by Gram–Schmidt applied twice; columns that vanish
  // against the ones before (rank(C Ω) < k) are dropped.
  const Y = random.splitList(kSketch!, sketch).map((k) => f.apply(probe(k, f.size, probes)));
  const scale = Math.max(0, ...Y.map((y) => Math.sqrt(dot(y, y))));
  const Q: Float64Array[] = [];
  for (const y of Y) {
    orthogonalize(y, Q);
    orthogonalize(y, Q);
    const n = Math.sqrt(dot(y, y));
    if (n > f.size * Number.EPSILON * scale) Q.push(y.map((v) => v / n));
  }
  let exact = 0;
  for (const q of Q) exact += dot(q, f.apply(q));
  const xs = random.splitList(kResidual!, samples).map((k) => {
    const g = probe(k, f.size, probes);
    orthogonalize(g, Q);
    orthogonalize(g, Q);
    return dot(g, f.apply(g));
  });
  const { mean, standardError } = meanAndError(xs);
  return { estimate: exact + mean, standardError, samples };
}

/**
 * Hutchinson's estimate of the diagonal, with entrywise standard errors.
 *
 * ```text
 * diag(C) ≈ (1/S) Σₛ zₛ ⊙ C zₛ          (zₛ ⊙ C zₛ)ᵢ = Cᵢᵢ + Σ_{j≠i} Cᵢⱼ zᵢ zⱼ  (Rademacher)
 * ```
 * Exact (standard error 0) for a diagonal C with Rademacher probes. Use it when the operator has
 * no cheap exact `diagonal()` (e.g. a Hessian of a large model).
 * @param op - The operator.
 * @param options - `key`, `samples` (≥ 2), `probes`.
 * @returns `{ estimate, standardError, samples }` with trees shaped like the parameters.
 * @throws {ValueError} for a bad key, sample count or probe kind.
 * @example
 * ```ts
 * const d = curvature.diagonalHutchinson(H, { key: random.key(1), samples: 64 });
 * d.estimate; // a tree like params
 * ```
 */
export function diagonalHutchinson<P extends Params>(op: CurvatureOperator<P>, options: HutchinsonOptions): Estimate<P> {
  const name = 'diagonalHutchinson';
  const { key, samples, probes = 'rademacher' } = options;
  checkKey(name, key);
  checkCount(name, 'samples', samples, 2);
  checkProbeKind(name, probes);
  const f = flatOperator(op);
  const n = f.size;
  // Welford's update: stable, and exactly 0 spread for a diagonal C (every sample equal)
  const mean = new Float64Array(n), m2 = new Float64Array(n);
  random.splitList(key, samples).forEach((k, s) => {
    const z = probe(k, n, probes);
    const cz = f.apply(z);
    for (let i = 0; i < n; i++) {
      const x = z[i]! * cz[i]!;
      const d = x - mean[i]!;
      mean[i]! += d / (s + 1);
      m2[i]! += d * (x - mean[i]!);
    }
  });
  const se = m2.map((v) => Math.sqrt(Math.max(0, v) / (samples - 1) / samples));
  return { estimate: f.toTree(mean), standardError: f.toTree(se), samples };
}
