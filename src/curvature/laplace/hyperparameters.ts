/**
 * Empirical Bayes for a Laplace approximation: the prior precision δ (and the Gaussian noise σ)
 * that maximize the Laplace log marginal likelihood at a fixed θ*, by MacKay's fixed point or by
 * gradient ascent (Adam on log δ, log σ).
 * @module
 */
import { ValueError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { tensor } from '../../tensor/creation.js';
import { valueAndGrad } from '../../transforms/grad.js';
import * as tree from '../../tree/index.js';
import type { Params } from '../operator.js';
import type { PriorPrecision } from './prior.js';
import { deltaOf, logMarginal, noiseScale, type LaplaceCore } from './core.js';
import type { Laplace } from './laplace.js';

/** Options of `Laplace.optimizeHyperparameters`. */
export interface HyperparameterOptions {
  /** `'fixedPoint'` (MacKay 1992; default) or `'gradient'` (Adam on log δ, log σ). */
  readonly method?: 'fixedPoint' | 'gradient';
  /** Also fit the noise scale σ (normal likelihood only). @defaultValue true for the normal likelihood */
  readonly noise?: boolean;
  /** Iteration cap. @defaultValue 100 (fixed point), 300 (gradient) */
  readonly iterations?: number;
  /** Stop when every hyperparameter changes by less than this relative amount. @defaultValue 1e-10 (fixed point), 1e-8 (gradient) */
  readonly tol?: number;
  /** Adam step size on the log scale. @defaultValue 0.1 */
  readonly learningRate?: number;
}

/** What `optimizeHyperparameters` returns. */
export interface HyperparameterResult<P extends Params> {
  /** The Laplace approximation at the optimized hyperparameters. */
  readonly laplace: Laplace<P>;
  /** The optimized δ (a number, or a tree of numbers for a per-leaf prior). */
  readonly priorPrecision: PriorPrecision;
  /** The optimized σ (normal likelihood). */
  readonly sigmaNoise: number | undefined;
  /** The log marginal likelihood at the optimum. */
  readonly logMarginalLikelihood: number;
  /** Iterations run. */
  readonly iterations: number;
  /** Whether the tolerance was met before the cap. */
  readonly converged: boolean;
}

/** The optimized quantities as numbers: one precision per group (1 group, or 1 per leaf) and σ. */
interface Groups {
  readonly perLeaf: boolean;
  readonly count: number;
  toPrior(values: readonly number[]): PriorPrecision;
}

function groupsOf<P extends Params>(core: LaplaceCore<P>, prior: PriorPrecision): { groups: Groups; init: number[] } {
  const { delta, perLeaf } = deltaOf(core, prior);
  const d = Array.from(delta.toTypedArray() as ArrayLike<number>, Number);
  if (delta.ndim === 0) return { groups: { perLeaf: false, count: 1, toPrior: (v) => v[0]! }, init: d };
  if (!perLeaf) throw new ValueError(`${core.op}: optimizeHyperparameters tunes a scalar or per-leaf prior precision, not one per parameter.`, { op: core.op, argument: 'priorPrecision' });
  const [leaves, def] = tree.flatten(core.params);
  const starts = leaves.map((_, i) => core.leafOf.indexOf(i));
  return { groups: { perLeaf: true, count: leaves.length, toPrior: (v) => tree.unflatten(def, v as never) as PriorPrecision }, init: starts.map((s) => d[s]!) };
}

function checkCount(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new ValueError(`${op}: ${name} must be a positive integer, got ${v}.`, { op, argument: name, received: String(v) });
}

/**
 * Maximizes the Laplace log marginal likelihood over δ (and σ) at fixed θ*.
 *
 * ```text
 * fixed point (stationarity of log p(D | δ, σ)):
 *   γ_g = Σ_{i∈g} (1 − δ_g Σᵢᵢ),   δ_g ← γ_g / Σ_{i∈g} θ*ᵢ²,   γ = Σ_g γ_g
 *   σ² ← s·RSS / (s·N·k − (e/2)·γ)            (e = 2, or 4 for the empirical Fisher)
 * gradient: Adam ascent on (log δ, log σ) with ∇ of the differentiable log marginal likelihood
 * ```
 * @param core - The Laplace internals.
 * @param la - The current approximation (initial values).
 * @param options - `method`, `noise`, `iterations`, `tol`, `learningRate`.
 * @param rebuild - Makes the approximation at new hyperparameters.
 * @returns A {@link HyperparameterResult}.
 * @throws {ValueError} for an unknown method, `noise` without a normal likelihood, a per-parameter
 *   prior, or θ* = 0 on a group (the fixed point is undefined there).
 * @example
 * ```ts
 * const { priorPrecision, laplace: tuned } = la.optimizeHyperparameters({ method: 'fixedPoint' });
 * ```
 */
export function optimizeHyperparameters<P extends Params>(
  core: LaplaceCore<P>, la: Laplace<P>, options: HyperparameterOptions,
  rebuild: (h: { priorPrecision: PriorPrecision; sigmaNoise: number | undefined }) => Laplace<P>,
): HyperparameterResult<P> {
  const op = `${core.op}.optimizeHyperparameters`;
  const method = options.method ?? 'fixedPoint';
  const noise = options.noise ?? core.gaussian !== undefined;
  if (noise && !core.gaussian) throw new ValueError(`${op}: noise: true needs likelihoods.normal, got '${core.likelihood.name}'.`, { op, argument: 'noise', received: core.likelihood.name });
  const { groups, init } = groupsOf(core, la.priorPrecision);
  let delta = init;
  let sigma = la.sigmaNoise;
  let it = 0;
  let converged = false;
  if (method === 'fixedPoint') {
    const iterations = options.iterations ?? 100;
    checkCount(op, 'iterations', iterations);
    const tol = options.tol ?? 1e-10;
    const theta2 = Array.from(core.theta.square().toTypedArray() as ArrayLike<number>, Number);
    const norm2 = new Array<number>(groups.count).fill(0);
    const size = new Array<number>(groups.count).fill(0);
    theta2.forEach((t, i) => { const g = groups.perLeaf ? core.leafOf[i]! : 0; norm2[g]! += t; size[g]! += 1; });
    if (norm2.some((v) => !(v > 0))) throw new ValueError(`${op}: the fixed point needs θ* ≠ 0 on every prior group; use method: 'gradient'.`, { op, argument: 'params' });
    for (; it < iterations && !converged; it++) {
      const dv = groups.perLeaf ? core.leafOf.map((g) => delta[g]!) : [delta[0]!];
      const dt = tensor(dv.length === 1 ? dv[0]! : dv, { dtype: core.theta.dtype });
      const variance = Array.from(core.structure.posterior(dt, noiseScale(core, sigma)).variance().toTypedArray() as ArrayLike<number>, Number);
      const gamma = size.slice();
      variance.forEach((v, i) => { const g = groups.perLeaf ? core.leafOf[i]! : 0; gamma[g]! -= delta[g]! * v; });
      const next = gamma.map((g, i) => g / norm2[i]!);
      let change = Math.max(...next.map((v, i) => Math.abs(v - delta[i]!) / delta[i]!));
      if (noise && core.gaussian) {
        const g = core.gaussian;
        const gt = gamma.reduce((a, b) => a + b, 0);
        const s2 = (core.s * g.rss) / (core.s * g.count - (g.exponent / 2) * gt);
        if (!(s2 > 0)) throw new ValueError(`${op}: the noise fixed point left the positive range (N·k ≤ γ); use method: 'gradient'.`, { op, argument: 'noise' });
        const sNew = Math.sqrt(s2);
        change = Math.max(change, Math.abs(sNew - sigma!) / sigma!);
        sigma = sNew;
      }
      delta = next;
      converged = change < tol;
    }
  } else if (method === 'gradient') {
    const iterations = options.iterations ?? 300;
    checkCount(op, 'iterations', iterations);
    const tol = options.tol ?? 1e-8;
    const lr = options.learningRate ?? 0.1;
    if (!(lr > 0 && Number.isFinite(lr))) throw new ValueError(`${op}: learningRate must be positive, got ${lr}.`, { op, argument: 'learningRate', received: String(lr) });
    const dtype = core.theta.dtype;
    const n = groups.count + (noise ? 1 : 0);
    let u = [...delta.map(Math.log), ...(noise ? [Math.log(sigma!)] : [])];
    const objective = valueAndGrad((v: Tensor) => {
      const e = v.exp();
      const d = Array.from({ length: groups.count }, (_, i) => e.slice([i], [1]).reshape([]));
      const prior = groups.perLeaf ? groups.toPrior(d as never) : d[0]!;
      return logMarginal(core, prior, noise ? e.slice([groups.count], [1]).reshape([]) : sigma).neg();
    });
    const m1 = new Array<number>(n).fill(0), m2 = new Array<number>(n).fill(0);
    for (; it < iterations && !converged; it++) {
      const [, gT] = objective(tensor(u, { dtype }));
      const g = Array.from((gT as Tensor).toTypedArray() as ArrayLike<number>, Number);
      const t = it + 1;
      const step = g.map((gi, i) => {
        m1[i] = 0.9 * m1[i]! + 0.1 * gi;
        m2[i] = 0.999 * m2[i]! + 0.001 * gi * gi;
        return (lr * (m1[i]! / (1 - 0.9 ** t))) / (Math.sqrt(m2[i]! / (1 - 0.999 ** t)) + 1e-12);
      });
      u = u.map((ui, i) => ui - step[i]!);
      converged = Math.max(...step.map(Math.abs)) < tol;
    }
    delta = u.slice(0, groups.count).map(Math.exp);
    if (noise) sigma = Math.exp(u[groups.count]!);
  } else {
    throw new ValueError(`${op}: method must be 'fixedPoint' or 'gradient', got ${String(method)}.`, { op, argument: 'method', received: String(method) });
  }
  const priorPrecision = groups.toPrior(delta);
  const laplace = rebuild({ priorPrecision, sigmaNoise: sigma });
  return { laplace, priorPrecision, sigmaNoise: sigma, logMarginalLikelihood: laplace.logMarginalLikelihood().item(), iterations: it, converged };
}

/** Re-export for the type of a tensor-valued prior. */
export type { Tensor };
