/**
 * Matrix-free (preconditioned) conjugate gradients, generic over the vector representation
 * so it runs on flat arrays as well as on pytrees of tensors.
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import { checkNonNegative, fmt } from './util.js';

/**
 * The vector-space operations conjugate gradients needs on values of type `V`.
 * @example
 * ```ts
 * const space: VectorSpace<number[]> = {
 *   add: (a, b) => a.map((x, i) => x + b[i]!),
 *   scale: (a, s) => a.map((x) => x * s),
 *   dot: (a, b) => a.reduce((acc, x, i) => acc + x * b[i]!, 0),
 *   zerosLike: (a) => a.map(() => 0),
 * };
 * ```
 */
export interface VectorSpace<V> {
  /** Returns a + b (must not mutate its arguments). */
  add(a: V, b: V): V;
  /** Returns s·a (must not mutate its argument). */
  scale(a: V, s: number): V;
  /** Returns the Euclidean inner product ⟨a, b⟩. */
  dot(a: V, b: V): number;
  /** Returns the zero vector with the structure of `a`. */
  zerosLike(a: V): V;
  /** Optional: the dimension of `a`, used for the default iteration cap (10·dim). */
  size?(a: V): number;
}

/** Options of {@link cg}. */
export interface CgOptions<V> {
  /** Initial guess (default: zeros). */
  readonly x0?: V;
  /** Relative tolerance: stop when ‖r‖ ≤ max(tol·‖b‖, atol) (default 1e-6). */
  readonly tol?: number;
  /** Absolute tolerance on ‖r‖ (default 0). */
  readonly atol?: number;
  /** Maximum number of iterations (default 10·dim when `space.size` exists, else 1000). */
  readonly maxIter?: number;
  /** Non-negative λ: solve (A + λI) x = b instead of A x = b (default 0). */
  readonly damping?: number;
  /** Applies M⁻¹ for a symmetric positive definite preconditioner M ≈ A + λI (default identity). */
  readonly preconditioner?: (r: V) => V;
}

/** Result of {@link cg}. */
export interface CgResult<V> {
  /** The approximate solution. */
  readonly x: V;
  /** Number of CG iterations performed (matvecs after the initial residual). */
  readonly iterations: number;
  /** ‖b − (A + λI) x‖ as tracked by the recurrence. */
  readonly residualNorm: number;
  /** Whether the tolerance was met (false on hitting `maxIter` or on non-positive curvature). */
  readonly converged: boolean;
}

/**
 * Solves a symmetric positive definite system with (preconditioned) conjugate gradients,
 * using only matrix-vector products.
 *
 * ```text
 * (A + λI) x = b
 * r₀ = b − (A + λI) x₀,  z₀ = M⁻¹ r₀,  p₀ = z₀
 * αₖ = rₖᵀzₖ / pₖᵀ(A + λI)pₖ,  xₖ₊₁ = xₖ + αₖ pₖ,  rₖ₊₁ = rₖ − αₖ (A + λI) pₖ
 * βₖ = rₖ₊₁ᵀzₖ₊₁ / rₖᵀzₖ,  pₖ₊₁ = zₖ₊₁ + βₖ pₖ
 * stop when ‖rₖ‖ ≤ max(tol·‖b‖, atol)
 * ```
 * In exact arithmetic it converges in at most dim(b) iterations. If a direction of non-positive
 * curvature pᵀ(A + λI)p ≤ 0 is met (A not positive definite) it stops with `converged: false`.
 * @param matvec - v ↦ A v for a symmetric positive (semi-)definite linear operator A.
 * @param b - The right-hand side.
 * @param space - Vector-space operations on `V`, e.g. {@link float64Space}.
 * @param options - `x0`, `tol`, `atol`, `maxIter`, `damping` and `preconditioner`.
 * @returns `{ x, iterations, residualNorm, converged }`.
 * @throws {@link ValueError} when `tol`, `atol` or `damping` is negative or non-finite, or
 *   `maxIter` is not a non-negative integer.
 * @example
 * ```ts
 * const a = new Float64Array([4, 1, 1, 3]);
 * const matvec = (v: Float64Array) => new Float64Array([4 * v[0]! + v[1]!, v[0]! + 3 * v[1]!]);
 * const { x, converged } = cg(matvec, new Float64Array([1, 2]), float64Space, { tol: 1e-12 });
 * // x ≈ [1/11, 7/11], converged = true
 * ```
 */
export function cg<V>(matvec: (v: V) => V, b: V, space: VectorSpace<V>, options: CgOptions<V> = {}): CgResult<V> {
  const op = 'cg';
  const tol = options.tol ?? 1e-6;
  const atol = options.atol ?? 0;
  const damping = options.damping ?? 0;
  checkNonNegative(op, 'tol', tol);
  checkNonNegative(op, 'atol', atol);
  checkNonNegative(op, 'damping', damping);
  const maxIter = options.maxIter ?? (space.size ? 10 * space.size(b) : 1000);
  if (!Number.isInteger(maxIter) || maxIter < 0) {
    throw new ValueError(`${op}: maxIter must be a non-negative integer, got ${fmt(maxIter)}.`, {
      op,
      argument: 'maxIter',
      expected: 'a non-negative integer',
      received: String(maxIter),
    });
  }
  const apply = damping === 0 ? matvec : (v: V): V => space.add(matvec(v), space.scale(v, damping));
  const precond = options.preconditioner ?? ((r: V): V => r);

  const threshold = Math.max(tol * Math.sqrt(space.dot(b, b)), atol);
  let x: V;
  let r: V;
  if (options.x0 === undefined) {
    x = space.zerosLike(b);
    r = b;
  } else {
    x = options.x0;
    r = space.add(b, space.scale(apply(x), -1));
  }
  let rNorm = Math.sqrt(space.dot(r, r));
  let z = precond(r);
  let p = z;
  let rz = space.dot(r, z);
  let iterations = 0;
  while (!(rNorm <= threshold) && iterations < maxIter) {
    const ap = apply(p);
    const curvature = space.dot(p, ap);
    if (!(curvature > 0) || !Number.isFinite(curvature) || !(rz > 0)) break;
    const alpha = rz / curvature;
    x = space.add(x, space.scale(p, alpha));
    r = space.add(r, space.scale(ap, -alpha));
    iterations++;
    rNorm = Math.sqrt(space.dot(r, r));
    if (rNorm <= threshold) break;
    z = precond(r);
    const rzNew = space.dot(r, z);
    p = space.add(z, space.scale(p, rzNew / rz));
    rz = rzNew;
  }
  return { x, iterations, residualNorm: rNorm, converged: rNorm <= threshold };
}

/** Throws a `ShapeError` when two flat vectors differ in length. */
function sameLength(name: string, a: Float64Array, b: Float64Array): void {
  if (a.length !== b.length) {
    const op = `float64Space.${name}`;
    throw new ShapeError(`${op}: vectors must have the same length, got ${a.length} and ${b.length}.`, {
      op,
      argument: 'b',
      expected: `${a.length} entries`,
      received: `${b.length} entries`,
    });
  }
}

/**
 * {@link VectorSpace} over flat Float64Arrays (every operation allocates a new array).
 *
 * ```text
 * add(a, b) = a + b,  scale(a, s) = s·a,  dot(a, b) = Σᵢ aᵢbᵢ,  zerosLike(a) = 0,  size(a) = len(a)
 * ```
 * `add` and `dot` throw a {@link ShapeError} when the lengths differ.
 * @example
 * ```ts
 * const { x } = cg((v) => v, new Float64Array([1, 2]), float64Space); // x = [1, 2]
 * ```
 */
export const float64Space: VectorSpace<Float64Array> = {
  add(a, b) {
    sameLength('add', a, b);
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
    return out;
  },
  scale(a, s) {
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = s * a[i]!;
    return out;
  },
  dot(a, b) {
    sameLength('dot', a, b);
    let acc = 0;
    for (let i = 0; i < a.length; i++) acc += a[i]! * b[i]!;
    return acc;
  },
  zerosLike(a) {
    return new Float64Array(a.length);
  },
  size(a) {
    return a.length;
  },
};
