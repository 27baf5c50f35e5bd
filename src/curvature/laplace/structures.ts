/**
 * The posterior precision Λ = c·H + diag(δ) of a Laplace approximation in each structure (full,
 * diagonal, low-rank; K-FAC in `kfac-structure.ts`): its log-determinant as a differentiable
 * function of (δ, c), and, for fixed (δ, c), the covariance Σ = Λ⁻¹ applied as a square root
 * (sampling), as a sandwich J Σ Jᵀ (GLM predictive) and as its diagonal.
 * @module
 */
import { ValueError } from '../../errors.js';
import { eye } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as linalg from '../../linalg/index.js';

/** Σ = Λ⁻¹ at fixed hyperparameters. */
export interface PosteriorCovariance {
  /** Σ^{1/2} z for rows z of `[S, P]` (so that Σ^{1/2} z ~ N(0, Σ) for z ~ N(0, I)). */
  sample(z: Tensor): Tensor;
  /** Jₘ Σ Jₘᵀ for Jacobians `[M, k, P]`: `[M, k, k]`. */
  functional(j: Tensor): Tensor;
  /** diag(Σ), `[P]`. */
  variance(): Tensor;
}

/** A curvature H in one structure, with the posterior precision Λ(δ, c) = c·H + diag(δ). */
export interface CurvatureStructure {
  /** The structure's name. */
  readonly name: 'full' | 'diag' | 'kfac' | 'lowrank';
  /** Whether δ must be a scalar (K-FAC and low rank keep Λ's eigenbasis only for isotropic priors). */
  readonly scalarPriorOnly: boolean;
  /** log det Λ(δ, c): differentiable in δ (`[]` or `[P]`) and c (`[]`). */
  logdet(delta: Tensor, c: Tensor): Tensor;
  /** Σ = Λ(δ, c)⁻¹. */
  posterior(delta: Tensor, c: Tensor): PosteriorCovariance;
}

/** [S, P] → [P, S] → [S, P] helpers and J Σ Jᵀ from Σ^{1/2}-weighted Jacobians. */
function gram(g: Tensor): Tensor {
  return g.matmul(g.transpose([0, 2, 1]));
}

/**
 * The full structure: Λ = c·H + diag(δ) as a dense matrix, factored by Cholesky.
 *
 * ```text
 * log det Λ = 2 Σ log Lᵢᵢ,  Λ = L Lᵀ
 * sample: Σ^{1/2} z = L⁻ᵀ z           J Σ Jᵀ = (L⁻¹ Jᵀ)ᵀ (L⁻¹ Jᵀ)          diag Σ = diag(L⁻ᵀ L⁻¹)
 * ```
 * @param h - The dense curvature `[P, P]`.
 * @returns The structure.
 * @example
 * ```ts
 * const s = fullStructure(H);
 * s.logdet(tensor(1), tensor(1));
 * ```
 */
export function fullStructure(h: Tensor): CurvatureStructure {
  const p = h.shape[0]!;
  const I = eye(p, undefined, h.dtype);
  const precision = (delta: Tensor, c: Tensor): Tensor => h.mul(c).add(I.mul(delta.ndim === 0 ? delta : delta.reshape([1, p])));
  const chol = (delta: Tensor, c: Tensor): Tensor => {
    try {
      return linalg.choleskyTensor(precision(delta, c));
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      throw new ValueError(`laplace: the posterior precision (curvature + prior) is not positive definite (${e.message}); use hessian: 'ggn' or a larger prior precision.`, { op: 'laplace', argument: 'priorPrecision' });
    }
  };
  return {
    name: 'full',
    scalarPriorOnly: false,
    logdet: (delta, c) => chol(delta, c).mul(I).sum(1).log().sum().mul(2),
    posterior(delta, c) {
      const l = chol(delta, c);
      return {
        sample: (z) => linalg.triangularSolve(l, z.T, { lower: true, transposeA: true }).T,
        functional(j) {
          const [m, k] = [j.shape[0]!, j.shape[1]!];
          const v = linalg.triangularSolve(l, j.reshape([m * k, p]).T, { lower: true }); // [P, M k]
          return gram(v.reshape([p, m, k]).transpose([1, 2, 0]));
        },
        variance: () => {
          const li = linalg.triangularSolve(l, I, { lower: true }); // L⁻¹; Σ = L⁻ᵀ L⁻¹, diag Σ = column sums of (L⁻¹)²
          return li.square().sum(0);
        },
      };
    },
  };
}

/**
 * The diagonal structure: Λ = c·diag(h) + diag(δ).
 *
 * ```text
 * log det Λ = Σ log λᵢ,   Σ^{1/2} z = z / √λ,   J Σ Jᵀ = (J / λ) Jᵀ,   diag Σ = 1/λ
 * ```
 * @param h - diag(H), `[P]`.
 * @returns The structure.
 * @example
 * ```ts
 * diagStructure(tensor([1, 2])).logdet(tensor(1), tensor(1)); // log 2 + log 3
 * ```
 */
export function diagStructure(h: Tensor): CurvatureStructure {
  const lam = (delta: Tensor, c: Tensor): Tensor => h.mul(c).add(delta);
  return {
    name: 'diag',
    scalarPriorOnly: false,
    logdet: (delta, c) => lam(delta, c).log().sum(),
    posterior(delta, c) {
      const l = lam(delta, c);
      const sd = l.sqrt().reciprocal();
      return {
        sample: (z) => z.mul(sd),
        functional: (j) => gram(j.mul(sd)),
        variance: () => l.reciprocal(),
      };
    },
  };
}

/**
 * The low-rank structure: H ≈ U diag(s) Uᵀ from its r largest eigenpairs (s clamped at 0), with an
 * isotropic prior δ, so Λ = c U diag(s) Uᵀ + δ I keeps U's eigenbasis.
 *
 * ```text
 * log det Λ = Σᵢ log(c sᵢ + δ) + (P − r) log δ
 * Σ = I/δ + U diag(dᵢ) Uᵀ,   dᵢ = 1/(c sᵢ + δ) − 1/δ
 * Σ^{1/2} z = z/√δ + U diag(1/√(c sᵢ + δ) − 1/√δ) Uᵀ z
 * J Σ Jᵀ = J Jᵀ/δ + (J U) diag(d) (J U)ᵀ,   diag Σ = 1/δ + (U ∘ U) d
 * ```
 * @param u - Orthonormal eigenvectors `[P, r]`.
 * @param s - Eigenvalues `[r]` (≥ 0).
 * @returns The structure.
 * @example
 * ```ts
 * const { values, vectors } = linalg.eigh(H);
 * lowRankStructure(vectors, values.maximum(0));
 * ```
 */
export function lowRankStructure(u: Tensor, s: Tensor): CurvatureStructure {
  const [p, r] = [u.shape[0]!, u.shape[1]!];
  return {
    name: 'lowrank',
    scalarPriorOnly: true,
    logdet: (delta, c) => s.mul(c).add(delta).log().sum().add(delta.log().mul(p - r)),
    posterior(delta, c) {
      const ls = s.mul(c).add(delta);
      const d = ls.reciprocal().sub(delta.reciprocal());
      const ds = ls.sqrt().reciprocal().sub(delta.sqrt().reciprocal());
      const isd = delta.sqrt().reciprocal();
      return {
        sample: (z) => z.mul(isd).add(z.matmul(u).mul(ds).matmul(u.T)),
        functional: (j) => {
          const ju = j.matmul(u); // [M, k, r]
          return gram(j).div(delta).add(ju.mul(d).matmul(ju.transpose([0, 2, 1])));
        },
        variance: () => u.square().matmul(d).add(delta.reciprocal()),
      };
    },
  };
}
