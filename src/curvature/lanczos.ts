/**
 * Extreme eigenpairs of a {@link CurvatureOperator} without its dense matrix: Lanczos with full
 * reorthogonalization, and power iteration for the largest eigenvalue (sharpness). The outer loop
 * runs on the host in float64, one `op.matvec` per iteration.
 * @module
 */
import { ValueError } from '../errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { eighSymmetric } from '../linalg/eigh.js';
import * as random from '../random/index.js';
import type { CurvatureOperator, Params } from './operator.js';
import { checkCount, checkKey, dot, flatOperator, orthogonalize, probe, type FlatOperator } from './flat-operator.js';

/** @internal The Lanczos tridiagonal T (α on the diagonal, β below it) and the basis Q. */
export interface LanczosRun {
  /** α₀ … α_{m−1}. */
  readonly alpha: number[];
  /** β₀ … β_{m−1}: βⱼ couples qⱼ and qⱼ₊₁; the last is the norm of the final residual. */
  readonly beta: number[];
  /** The m orthonormal Lanczos vectors. */
  readonly basis: Float64Array[];
}

/**
 * @internal m steps of Lanczos from `v0` with full reorthogonalization (Gram–Schmidt twice against
 * every previous vector). When the Krylov space becomes invariant (β below P·ε·‖C‖), it stops, or
 * with `restart` continues from a fresh random vector orthogonal to the basis (β = 0 there), so
 * that m = P steps reach every eigenvalue with its multiplicity.
 */
export function lanczosRun<P extends Params>(f: FlatOperator<P>, v0: Float64Array, steps: number, restart?: Tensor): LanczosRun {
  const n = f.size;
  const alpha: number[] = [], beta: number[] = [], basis: Float64Array[] = [];
  const nv = Math.sqrt(dot(v0, v0));
  let q = nv > 0 ? v0.map((v) => v / nv) : fresh(n, restart, 0, basis);
  let normEst = 0;
  for (let j = 0; j < steps && q; j++) {
    basis.push(q);
    const w = f.apply(q);
    normEst = Math.max(normEst, Math.sqrt(dot(w, w)));
    const a = dot(q, w);
    alpha.push(a);
    const prev = j > 0 ? basis[j - 1]! : undefined;
    const b = j > 0 ? beta[j - 1]! : 0;
    for (let i = 0; i < n; i++) w[i]! -= a * q[i]! + (prev ? b * prev[i]! : 0);
    orthogonalize(w, basis);
    orthogonalize(w, basis);
    const bn = Math.sqrt(dot(w, w));
    if (bn > n * Number.EPSILON * normEst) {
      beta.push(bn);
      for (let i = 0; i < n; i++) w[i] = w[i]! / bn;
      q = w;
      continue;
    }
    beta.push(0);
    q = restart && j + 1 < steps ? fresh(n, restart, j + 1, basis) : undefined;
  }
  return { alpha, beta, basis };
}

/** A unit vector orthogonal to `basis` from foldIn(key, j) (undefined when the basis spans everything). */
function fresh(n: number, key: Tensor | undefined, j: number, basis: readonly Float64Array[]): Float64Array | undefined {
  if (!key || basis.length >= n) return undefined;
  const r = probe(random.foldIn(key, j), n, 'normal');
  orthogonalize(r, basis);
  orthogonalize(r, basis);
  const nr = Math.sqrt(dot(r, r));
  return nr > 0 ? r.map((v) => v / nr) : undefined;
}

/** @internal Eigenvalues (ascending) and eigenvectors (row-major, column j) of the symmetric tridiagonal T. */
export function tridiagonalEigen(run: LanczosRun): { values: Float64Array; vectors: Float64Array; m: number } {
  const m = run.alpha.length;
  const t = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    t[i * m + i] = run.alpha[i]!;
    if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = run.beta[i]!;
  }
  return { ...eighSymmetric(t, m), m };
}

/** Options of {@link lanczos}. */
export interface LanczosOptions {
  /** The number of eigenpairs, 1 ≤ k ≤ P. */
  readonly k: number;
  /** PRNG key of the starting vector (and of restarts): the result is a function of the key. */
  readonly key: Tensor;
  /** Lanczos steps (matvecs), k ≤ steps ≤ P; `steps = P` gives every eigenpair to rounding. @defaultValue min(P, max(3k, k + 20)) */
  readonly steps?: number;
  /** Which end of the spectrum. @defaultValue 'largest' */
  readonly which?: 'largest' | 'smallest';
}

/** Result of {@link lanczos}. */
export interface LanczosResult {
  /** The k Ritz values, most extreme first (descending for `'largest'`, ascending for `'smallest'`). */
  readonly values: number[];
  /** `[P, k]`: the unit Ritz vectors as columns in `tree.ravel` order (largest-magnitude component positive), in the parameters' dtype. */
  readonly vectors: Tensor;
  /** ‖C y − θ y‖ for each pair, = |β_m · (last component of the tridiagonal eigenvector)|. */
  readonly residuals: number[];
  /** The steps taken (matvecs). */
  readonly steps: number;
}

/**
 * The k extreme eigenpairs of a symmetric operator by the Lanczos method with full
 * reorthogonalization, deterministic given the key.
 *
 * ```text
 * C Qₘ = Qₘ Tₘ + βₘ qₘ₊₁ eₘᵀ,   Tₘ = tridiag(β, α, β),   QₘᵀQₘ = I        (m matvecs)
 * Tₘ sᵢ = θᵢ sᵢ  →  Ritz pair (θᵢ, yᵢ = Qₘ sᵢ),   ‖C yᵢ − θᵢ yᵢ‖ = |βₘ sᵢ[m]|
 * ```
 * The outer loop runs on the host in float64 with one `op.matvec` per step. The extreme Ritz values
 * converge first; with `steps = P` (and a random restart whenever the Krylov space becomes
 * invariant) they are the eigenvalues of `op.dense()` to rounding, multiplicities included.
 * @param op - A symmetric operator (any {@link CurvatureOperator}).
 * @param options - `k`, `key`, `steps`, `which`.
 * @returns `{ values, vectors, residuals, steps }`.
 * @throws {ValueError} for a bad key, k, steps or which.
 * @example
 * ```ts
 * const { values, residuals } = curvature.lanczos(G, { k: 5, key: random.key(0) });
 * ```
 */
export function lanczos<P extends Params>(op: CurvatureOperator<P>, options: LanczosOptions): LanczosResult {
  const name = 'lanczos';
  const f = flatOperator(op);
  const n = f.size;
  const { k, key, which = 'largest' } = options;
  checkKey(name, key);
  checkCount(name, 'k', k, 1);
  if (k > n) throw new ValueError(`${name}: k must be at most P = ${n}, got ${k}.`, { op: name, argument: 'k', expected: `≤ ${n}`, received: String(k) });
  const steps = options.steps ?? Math.min(n, Math.max(3 * k, k + 20));
  checkCount(name, 'steps', steps, k);
  if (steps > n) throw new ValueError(`${name}: steps must be at most P = ${n}, got ${steps}.`, { op: name, argument: 'steps', expected: `≤ ${n}`, received: String(steps) });
  if (which !== 'largest' && which !== 'smallest') {
    throw new ValueError(`${name}: which must be 'largest' or 'smallest', got ${String(which)}.`, { op: name, argument: 'which', received: String(which) });
  }
  const [kStart, kRestart] = random.splitList(key, 2);
  const run = lanczosRun(f, probe(kStart!, n, 'normal'), steps, kRestart);
  const { values, vectors, m } = tridiagonalEigen(run);
  const picks = Array.from({ length: Math.min(k, m) }, (_, i) => (which === 'largest' ? m - 1 - i : i));
  const lastBeta = run.beta[m - 1]!;
  const out = new Float64Array(n * picks.length);
  picks.forEach((col, c) => {
    const y = new Float64Array(n);
    run.basis.forEach((q, j) => {
      const s = vectors[j * m + col]!;
      for (let i = 0; i < n; i++) y[i]! += s * q[i]!;
    });
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(y[i]!) > Math.abs(y[big]!)) big = i;
    const sign = y[big]! < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) out[i * picks.length + c] = sign * y[i]!;
  });
  const v = tensor(out, { dtype: 'float64' }).reshape([n, picks.length]);
  return {
    values: picks.map((i) => values[i]!),
    vectors: f.dtype === 'float64' ? v : v.cast(f.dtype),
    residuals: picks.map((i) => Math.abs(lastBeta * vectors[(m - 1) * m + i]!)),
    steps: m,
  };
}

/** Options of {@link powerIteration}. */
export interface PowerIterationOptions {
  /** PRNG key of the starting vector. */
  readonly key: Tensor;
  /** Iteration cap (matvecs). @defaultValue 500 */
  readonly iterations?: number;
  /** Stop once ‖C v − λ v‖ ≤ tol·|λ|. @defaultValue 1e-6 */
  readonly tol?: number;
}

/** Result of {@link powerIteration}. */
export interface PowerIterationResult<P extends Params> {
  /** The Rayleigh quotient λ = vᵀCv at the last iterate. */
  readonly value: number;
  /** The unit vector v, shaped like the parameters. */
  readonly vector: P;
  /** Matvecs performed. */
  readonly iterations: number;
  /** Whether the residual reached `tol·|λ|`. */
  readonly converged: boolean;
  /** ‖C v − λ v‖. */
  readonly residual: number;
}

/**
 * The eigenvalue of largest magnitude by power iteration: λmax of a PSD curvature (GGN, Fisher),
 * the sharpness of a loss when applied to its Hessian at a minimum.
 *
 * ```text
 * v ← C v / ‖C v‖,   λ = vᵀ C v,   stop when ‖C v − λ v‖ ≤ tol·|λ|      (converges like (λ₂/λ₁)ᵗ)
 * ```
 * One matvec per iteration; prefer {@link lanczos} with k = 1 when the gap λ₁ − λ₂ is small.
 * @param op - A symmetric operator.
 * @param options - `key`, `iterations`, `tol`.
 * @returns `{ value, vector, iterations, converged, residual }`.
 * @throws {ValueError} for a bad key, iteration count or tolerance.
 * @example
 * ```ts
 * const { value: sharpness } = curvature.powerIteration(curvature.hessianOperator(loss, params, batch), { key: random.key(0) });
 * ```
 */
export function powerIteration<P extends Params>(op: CurvatureOperator<P>, options: PowerIterationOptions): PowerIterationResult<P> {
  const name = 'powerIteration';
  const { key, iterations = 500, tol = 1e-6 } = options;
  checkKey(name, key);
  checkCount(name, 'iterations', iterations, 1);
  if (!(tol >= 0) || !Number.isFinite(tol)) throw new ValueError(`${name}: tol must be a finite number ≥ 0, got ${tol}.`, { op: name, argument: 'tol', received: String(tol) });
  const f = flatOperator(op);
  let v = probe(key, f.size, 'normal');
  const nv = Math.sqrt(dot(v, v));
  v = v.map((x) => x / nv);
  let value = 0, residual = Infinity, t = 0, converged = false;
  while (t < iterations) {
    const w = f.apply(v);
    t++;
    value = dot(v, w);
    let rr = 0;
    for (let i = 0; i < w.length; i++) rr += (w[i]! - value * v[i]!) ** 2;
    residual = Math.sqrt(rr);
    const nw = Math.sqrt(dot(w, w));
    if (residual <= tol * Math.abs(value) || nw === 0) {
      converged = true;
      break;
    }
    v = w.map((x) => x / nw);
  }
  return { value, vector: f.toTree(v), iterations: t, converged, residual };
}
