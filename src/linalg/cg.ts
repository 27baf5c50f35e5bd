/**
 * Matrix-free (preconditioned) conjugate gradients, generic over the vector representation
 * so it runs on flat arrays as well as on pytrees of tensors. The recurrence is written once
 * (`cgIterate`), over numbers here and over scalar tensors with masked steps in `cgFixed`.
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
  const threshold = Math.max(tol * Math.sqrt(space.dot(b, b)), atol);
  const run = cgIterate<V, number, boolean>(apply, b, { ...space, sub: (a, c) => space.add(a, space.scale(c, -1)) }, {
    maskedDiv: (c, a, d) => (c ? a / d : 0),
    keep: (c, a, d) => (c ? a : d),
    positive: (a) => a > 0,
    and: (a, c) => a && c,
    above: (rr) => !(Math.sqrt(rr) <= threshold),
    finished: (active) => !active,
    breakdown: (pAp, rz) => !(pAp > 0) || !Number.isFinite(pAp) || !(rz > 0),
  }, { maxIter, ...(options.x0 !== undefined ? { x0: options.x0 } : {}), ...(options.preconditioner ? { preconditioner: options.preconditioner } : {}) });
  const residualNorm = Math.sqrt(run.rr);
  return { x: run.x, iterations: run.iterations, residualNorm, converged: residualNorm <= threshold };
}

/** @internal The vector operations of {@link cgIterate}, over vectors `V` with scalars `S`. */
export interface CgSpace<V, S> {
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  scale(a: V, s: S): V;
  dot(a: V, b: V): S;
  zerosLike(a: V): V;
}

/**
 * @internal The scalar side of {@link cgIterate}: JS numbers and booleans on the host, scalar
 * tensors (and bool tensors) when the loop must trace. A step is *masked* when its mask is false:
 * its step length and β are 0, which leaves the iterate unchanged.
 */
export interface CgScalars<S, B> {
  /** c ? a / d : 0 (the division never sees the masked denominator). */
  maskedDiv(c: B, a: S, d: S): S;
  /** c ? a : d. */
  keep(c: B, a: S, d: S): S;
  /** a > 0. */
  positive(a: S): B;
  and(a: B, c: B): B;
  /** Whether ‖r‖² = rr is still above the tolerance. */
  above(rr: S): B;
  /** Whether every further step is masked (decidable on concrete values only): the loop stops. */
  finished(active: B): boolean;
  /** Host only: stop before a step on non-positive or non-finite curvature (instead of masking it). */
  breakdown?(pAp: S, rz: S): boolean;
}

/**
 * @internal The one conjugate-gradient recurrence behind {@link cg} (host vectors, numbers) and
 * `cgFixed` (tensor pytrees, traceable): at most `maxIter` steps of
 *
 * ```text
 * ok = active ∧ pᵀAp > 0 ∧ rᵀz > 0,   α = ok ? rᵀz / pᵀAp : 0,   x += α p,   r −= α A p
 * z = M⁻¹ r,   β = ok ? rᵀz_new / rᵀz : 0,   p = z + β p,   active = ok ∧ ‖r‖² above tolerance
 * ```
 * `iterations` counts the loop passes that ran (each either a step or, traced, a masked step).
 * `sweep`, when given, is called after every pass with the vectors still live and once at the end
 * with the result alone: everything else the loop made may be freed then.
 */
export function cgIterate<V, S, B>(apply: (v: V) => V, b: V, space: CgSpace<V, S>, sc: CgScalars<S, B>,
  o: { readonly maxIter: number; readonly x0?: V; readonly preconditioner?: (r: V) => V; readonly sweep?: (live: readonly V[]) => void }): { x: V; rr: S; iterations: number } {
  let st = cgStart(apply, b, space, sc, o);
  let iterations = 0;
  while (iterations < o.maxIter && !sc.finished(st.active)) {
    const next = cgStep(apply, space, sc, st, o.preconditioner);
    if (next === undefined) break;
    st = next;
    iterations++;
    o.sweep?.([st.x, st.r, st.p, st.z]);
  }
  o.sweep?.([st.x]);
  return { x: st.x, rr: st.rr, iterations };
}

/** @internal The state of the CG recurrence between steps (see {@link cgIterate}). */
export interface CgState<V, S, B> {
  readonly x: V; readonly r: V; readonly z: V; readonly p: V;
  readonly rr: S; readonly rz: S; readonly active: B;
}

/** @internal The state before the first step: x = x0 (or 0), r = b − A x, z = M⁻¹ r, p = z. */
export function cgStart<V, S, B>(apply: (v: V) => V, b: V, space: CgSpace<V, S>, sc: CgScalars<S, B>,
  o: { readonly x0?: V; readonly preconditioner?: (r: V) => V }): CgState<V, S, B> {
  const x = o.x0 === undefined ? space.zerosLike(b) : o.x0;
  const r = o.x0 === undefined ? b : space.sub(b, apply(x));
  const precond = o.preconditioner;
  const rr = space.dot(r, r);
  const z = precond ? precond(r) : r;
  const rz = precond ? space.dot(r, z) : rr;
  return { x, r, z, p: z, rr, rz, active: sc.above(rr) };
}

/** @internal One step of the recurrence, or undefined where the host stops on breakdown. */
export function cgStep<V, S, B>(apply: (v: V) => V, space: CgSpace<V, S>, sc: CgScalars<S, B>, st: CgState<V, S, B>,
  precond?: (r: V) => V): CgState<V, S, B> | undefined {
  const { x, r, p, rz, active } = st;
  const ap = apply(p);
  const pAp = space.dot(p, ap);
  if (sc.breakdown?.(pAp, rz)) return undefined;
  const curved = sc.and(active, sc.positive(pAp));
  const ok = precond ? sc.and(curved, sc.positive(rz)) : curved; // rᵀr > 0 while active
  const alpha = sc.maskedDiv(ok, rz, pAp);
  const xNew = space.add(x, space.scale(p, alpha));
  const rNew = space.sub(r, space.scale(ap, alpha));
  const rrNew = space.dot(rNew, rNew);
  const zNew = precond ? precond(rNew) : rNew;
  const rzNew = precond ? space.dot(rNew, zNew) : rrNew;
  const pNew = space.add(zNew, space.scale(p, sc.maskedDiv(ok, rzNew, rz)));
  const rrKept = sc.keep(ok, rrNew, st.rr);
  return { x: xNew, r: rNew, z: zNew, p: pNew, rr: rrKept, rz: precond ? sc.keep(ok, rzNew, rz) : rrKept, active: sc.and(ok, sc.above(rrKept)) };
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
