/**
 * Curvature-aware transformations: the preconditioner arrives each step through `update`'s
 * `extra` argument, so any curvature operator can be used (exact Fisher, GGN, empirical
 * Fisher, K-FAC, a diagonal) as long as it can `solve`.
 *
 * ```text
 * scaleByPreconditioner   u = (C + λI)⁻¹ g,   C = extra.curvature
 * ```
 * `ngd`, `efgd` and `kfac`, which also build the curvature from the model, live in `natural.ts`
 * and `kfac.ts`.
 * @module
 */
import { TransformError, ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, cast, div } from '../ops/arithmetic.js';
import { assertSameStructure, flatten, map, type Tree } from '../tree/tree.js';
import type { EmptyState, GradientTransformation } from './base.js';
import { requireExtra } from './internal.js';

/**
 * The minimal interface a curvature operator must offer: a damped linear solve on pytrees.
 * Curvature operators from `curvature/` (with `matvec`, `solve(b, { damping, method })`,
 * `diagonal()`) satisfy it.
 *
 * ```text
 * solve(b, { damping: λ }) = (C + λI)⁻¹ b
 * ```
 */
export interface Preconditioner {
  /**
   * Solves `(C + λI) x = b`.
   * @param b - a pytree like the params.
   * @param options - `{ damping: λ }`.
   * @returns `x`, a pytree like `b`.
   */
  solve(b: Tree<Tensor>, options: { readonly damping: number }): Tree<Tensor>;
}

/** Options of {@link scaleByPreconditioner}. */
export interface ScaleByPreconditionerOptions {
  /** Damping λ ≥ 0 added to the curvature. @defaultValue 0 */
  readonly damping?: number;
  /** The key of `extra` holding the {@link Preconditioner}. @defaultValue 'curvature' */
  readonly key?: string;
}

function isPreconditioner(x: unknown): x is Preconditioner {
  return typeof x === 'object' && x !== null && typeof (x as { solve?: unknown }).solve === 'function';
}

/**
 * Preconditions updates with a curvature operator given per step in `extra[key]`.
 *
 * ```text
 * u = (C + λI)⁻¹ g
 * ```
 * @param options - see {@link ScaleByPreconditionerOptions}.
 * @returns a stateless transformation.
 * @throws {ValueError} when `damping` is negative.
 * @throws {TransformError} (from `update`) when `extra[key]` is missing or has no `solve`.
 * @throws {TreeMismatchError} (from `update`) when `solve` returns another tree structure.
 * @example
 * ```ts
 * const opt = optim.chain(optim.scaleByPreconditioner({ damping: 1e-3 }), optim.scaleByLearningRate(1));
 * const [u, s] = opt.update(grads, state, params, { curvature: fisherOperator });
 * ```
 */
export function scaleByPreconditioner(options: ScaleByPreconditionerOptions = {}): GradientTransformation<EmptyState> {
  const op = 'scaleByPreconditioner';
  const { damping = 0, key = 'curvature' } = options;
  if (!Number.isFinite(damping) || damping < 0) {
    throw new ValueError(`${op}: 'damping' must be a finite number ≥ 0, got ${damping}.`, { op, argument: 'damping', expected: '≥ 0', received: String(damping) });
  }
  return {
    init: () => ({}),
    update: (updates, state, _params, extra) => {
      const c = requireExtra(op, extra, key, 'a Preconditioner { solve(b, { damping }) }');
      if (!isPreconditioner(c)) {
        throw new TransformError(`${op}: extra.${key} must have a solve(b, { damping }) method, got ${typeof c}.`, { op, argument: `extra.${key}`, expected: 'Preconditioner', received: typeof c });
      }
      const x = c.solve(updates, { damping });
      assertSameStructure(op, flatten(updates)[1], flatten(x)[1], 'updates and solve(updates)');
      return [map((g: Tensor, v: Tensor) => (v.dtype === g.dtype ? v : cast(v, g.dtype)), updates, x), state];
    },
  };
}

/**
 * A diagonal preconditioner from a pytree of diagonal entries (e.g. a Fisher diagonal).
 *
 * ```text
 * solve(b, { damping: λ }) = b / (d + λ)
 * ```
 * @param diagonal - a pytree like the params holding the diagonal d.
 * @returns a {@link Preconditioner}.
 * @throws {ShapeError} (from `solve`) when a leaf's shape differs from `b`'s.
 * @example
 * ```ts
 * opt.update(grads, state, params, { curvature: optim.diagonalPreconditioner(fisherDiag) });
 * ```
 */
export function diagonalPreconditioner(diagonal: Tree<Tensor>): Preconditioner {
  return {
    solve: (b, { damping }) => map((x: Tensor, d: Tensor) => {
      if (x.size !== d.size) throw new ShapeError(`diagonalPreconditioner: diagonal leaf ${d.aval.toString()} does not match ${x.aval.toString()}.`, { op: 'diagonalPreconditioner', expected: x.aval.toString(), received: d.aval.toString() });
      return div(x, add(d.dtype === x.dtype ? d : cast(d, x.dtype), damping));
    }, b, diagonal),
  };
}
