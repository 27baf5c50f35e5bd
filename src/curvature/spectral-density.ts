/**
 * Stochastic Lanczos quadrature (SLQ): the spectral density of a curvature operator from a few
 * Lanczos runs (Golub & Meurant; Ubaru, Chen & Saad 2017; Ghorbani, Krishnan & Xiao 2019).
 * @module
 */
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import * as random from '../random/index.js';
import type { Estimate } from './estimators.js';
import type { CurvatureOperator, Params } from './operator.js';
import { checkCount, checkKey, flatOperator, meanAndError, probe } from './flat-operator.js';
import { lanczosRun, tridiagonalEigen } from './lanczos.js';

/** Options of {@link spectralDensity}. */
export interface SpectralDensityOptions {
  /** PRNG key: probe i is Rademacher from `random.splitList(key, probes)[i]`. */
  readonly key: Tensor;
  /** n_v ≥ 2 probe vectors (independent Lanczos runs). @defaultValue 10 */
  readonly probes?: number;
  /** Lanczos steps m per probe (Gauss quadrature with m nodes). @defaultValue min(P, 80) */
  readonly steps?: number;
  /** Width σ > 0 of the Gaussian kernel that smooths the nodes into a density. @defaultValue 1 % of the node range */
  readonly sigma?: number;
  /** The points t at which the density is evaluated, or their number on [min node − 5σ, max node + 5σ]. @defaultValue 400 */
  readonly grid?: readonly number[] | number;
}

/** Result of {@link spectralDensity}. */
export interface SpectralDensity {
  /** The points t. */
  readonly grid: number[];
  /** φ(t) = (1/n_v) Σᵢ Σⱼ τᵢⱼ N(t; θᵢⱼ, σ²): a smoothed estimate of (1/P) Σₖ δ(t − λₖ) (it integrates to 1). */
  readonly density: number[];
  /** Standard error of `density` at each t: the spread over the n_v probes / √n_v. */
  readonly standardError: number[];
  /** θᵢⱼ: the Gauss-quadrature nodes of probe i (the eigenvalues of its tridiagonal Tᵢ, ascending). */
  readonly nodes: number[][];
  /** τᵢⱼ = (first component of the j-th unit eigenvector of Tᵢ)²; Σⱼ τᵢⱼ = 1. */
  readonly weights: number[][];
  /** The kernel width used. */
  readonly sigma: number;
  /** P, the operator's size. */
  readonly size: number;
  /**
   * tr f(C) ≈ P·(1/n_v) Σᵢ Σⱼ τᵢⱼ f(θᵢⱼ) with its standard error over the probes
   * (e.g. `traceOf(Math.log)` is log det C).
   */
  traceOf(f: (lambda: number) => number): Estimate;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * The spectral density of a symmetric operator by stochastic Lanczos quadrature.
 *
 * ```text
 * vᵢ = zᵢ/√P, zᵢ Rademacher;  m Lanczos steps from vᵢ → Tᵢ = Sᵢ diag(θᵢ) Sᵢᵀ,  τᵢⱼ = (Sᵢ[0, j])²
 * vᵢᵀ f(C) vᵢ ≈ Σⱼ τᵢⱼ f(θᵢⱼ)       (Gauss quadrature: exact for polynomials of degree ≤ 2m − 1)
 * (1/P) tr f(C) = E[vᵀ f(C) v] ≈ (1/n_v) Σᵢ Σⱼ τᵢⱼ f(θᵢⱼ)
 * φ(t) = (1/n_v) Σᵢ Σⱼ τᵢⱼ exp(−(t − θᵢⱼ)²/2σ²)/(σ√2π)
 * ```
 * Each probe runs plain Lanczos with full reorthogonalization; a run that reaches an invariant
 * subspace stops early (its quadrature is then exact). The error against the true spectral measure
 * μ = (1/P) Σₖ δ_{λₖ}, in Wasserstein-1 distance, is at most π(λmax − λmin)/(4m) from the quadrature
 * (Jackson's theorem on degree 2m − 1) plus a sampling term of order (λmax − λmin)/√(2 P n_v).
 * @param op - A symmetric operator.
 * @param options - `key`, `probes`, `steps`, `sigma`, `grid`.
 * @returns The density on the grid with standard errors, the nodes and weights of every probe, and `traceOf`.
 * @throws {ValueError} for a bad key, probe or step count, sigma or grid.
 * @example
 * ```ts
 * const d = curvature.spectralDensity(G, { key: random.key(0), probes: 10, steps: 60 });
 * d.traceOf((l) => l); // ≈ tr(G)
 * ```
 */
export function spectralDensity<P extends Params>(op: CurvatureOperator<P>, options: SpectralDensityOptions): SpectralDensity {
  const name = 'spectralDensity';
  const f = flatOperator(op);
  const n = f.size;
  const { key, probes = 10 } = options;
  const steps = options.steps ?? Math.min(n, 80);
  checkKey(name, key);
  checkCount(name, 'probes', probes, 2);
  checkCount(name, 'steps', steps, 1);
  if (steps > n) throw new ValueError(`${name}: steps must be at most P = ${n}, got ${steps}.`, { op: name, argument: 'steps', expected: `≤ ${n}`, received: String(steps) });
  if (options.sigma !== undefined && !(options.sigma > 0 && Number.isFinite(options.sigma))) {
    throw new ValueError(`${name}: sigma must be a positive finite number, got ${options.sigma}.`, { op: name, argument: 'sigma', received: String(options.sigma) });
  }
  const nodes: number[][] = [], weights: number[][] = [];
  for (const k of random.splitList(key, probes)) {
    const z = probe(k, n, 'rademacher');
    const run = lanczosRun(f, z, steps);
    const { values, vectors, m } = tridiagonalEigen(run);
    nodes.push([...values]);
    weights.push(Array.from({ length: m }, (_, j) => vectors[j]! ** 2)); // row 0 of the eigenvector matrix
  }
  const all = nodes.flat();
  const lo = Math.min(...all), hi = Math.max(...all);
  const sigma = options.sigma ?? (hi > lo ? 0.01 * (hi - lo) : 1e-3 * Math.max(1, Math.abs(hi)));
  const gridOpt = options.grid ?? 400;
  let grid: number[];
  if (typeof gridOpt === 'number') {
    checkCount(name, 'grid', gridOpt, 2);
    const a = lo - 5 * sigma, b = hi + 5 * sigma;
    grid = Array.from({ length: gridOpt }, (_, i) => a + ((b - a) * i) / (gridOpt - 1));
  } else {
    if (!Array.isArray(gridOpt) || gridOpt.length === 0 || gridOpt.some((t) => typeof t !== 'number' || !Number.isFinite(t))) {
      throw new ValueError(`${name}: grid must be a point count or a non-empty array of finite numbers.`, { op: name, argument: 'grid', received: String(gridOpt) });
    }
    grid = [...gridOpt];
  }
  const perProbe = nodes.map((th, i) => grid.map((t) => {
    let acc = 0;
    th.forEach((x, j) => { acc += weights[i]![j]! * Math.exp(-0.5 * ((t - x) / sigma) ** 2); });
    return acc / (sigma * SQRT_2PI);
  }));
  const stats = grid.map((_, g) => meanAndError(perProbe.map((row) => row[g]!)));
  return {
    grid,
    density: stats.map((s) => s.mean),
    standardError: stats.map((s) => s.standardError),
    nodes,
    weights,
    sigma,
    size: n,
    traceOf(fn) {
      const xs = nodes.map((th, i) => n * th.reduce((acc, x, j) => acc + weights[i]![j]! * fn(x), 0));
      const { mean, standardError } = meanAndError(xs);
      return { estimate: mean, standardError, samples: probes };
    },
  };
}
