/**
 * Conjugate gradients written in tensor operations only, so it runs under `jit`, `vmap` and
 * `grad`: a fixed number of iterations, with the iterate frozen by a mask once converged. It is the
 * recurrence of `cg` (`cgIterate` in cg.ts) with scalar tensors for its scalars.
 * @module
 */
import { ConcretizationError, EscapedTracerError, ValueError } from '../errors.js';
import { ConcreteTensor, type Tensor } from '../tensor/tensor.js';
import { div, mul } from '../ops/arithmetic.js';
import { greater, logicalAnd, logicalNot, where } from '../ops/logic.js';
import { leaves as treeLeaves, type Tree } from '../tree/tree.js';
import { add as treeAdd, scale as treeScale, sub as treeSub, vdot, zerosLike } from '../tree/math.js';
import { cgIterate, cgStart, cgStep, type CgScalars, type CgSpace, type CgState } from './cg.js';
import { jit } from '../transforms/jit.js';
import { scopeActive } from '../core/scope.js';
import { currentInterpreter, evalInterpreter } from '../core/interpreter.js';

/** Options of {@link cgFixed}. */
export interface CgFixedOptions<V extends Tree<Tensor>> {
  /** Number of iterations traced (an upper bound; eagerly it stops once frozen). */
  readonly iterations: number;
  /** λ ≥ 0: solve (A + λI) x = b. @defaultValue 0 */
  readonly damping?: number;
  /** Relative residual tolerance: freeze once ‖r‖ ≤ tol·‖b‖. @defaultValue 1e-10 for float64, 1e-5 otherwise */
  readonly tol?: number;
  /** Initial guess. @defaultValue zeros */
  readonly x0?: V;
}

/**
 * Conjugate gradients on (A + λI) x = b over a pytree of tensors, traceable: every quantity stays
 * a tensor (no value is read on the host while a transformation traces). After `iterations` steps,
 * or earlier once ‖r‖ ≤ tol·‖b‖ or a direction of non-positive curvature pᵀ(A + λI)p ≤ 0 is met, the
 * step length and β are masked to 0 for good, which leaves x unchanged. On concrete values it stops
 * as soon as every step would be masked, with the same result bit for bit as the traced program.
 *
 * ```text
 * αₖ = rₖᵀrₖ / pₖᵀ(A + λI)pₖ,   xₖ₊₁ = xₖ + αₖ pₖ,   rₖ₊₁ = rₖ − αₖ (A + λI) pₖ,   pₖ₊₁ = rₖ₊₁ + βₖ pₖ
 * ```
 * @param matvec - v ↦ A v (symmetric positive semi-definite), in tensor operations.
 * @param b - The right-hand side (a tensor or pytree of tensors).
 * @param options - `iterations` (required), `damping`, `tol`, `x0`.
 * @returns The approximate solution, shaped like `b`.
 * @throws {@link ValueError} for a non-positive iteration count or negative damping/tolerance.
 * @example
 * ```ts
 * const a = tensor([[4, 1], [1, 3]], { dtype: 'float64' });
 * const x = jit((b: Tensor) => linalg.cgFixed((v) => a.matmul(v), b, { iterations: 2 }))(tensor([1, 2], { dtype: 'float64' }));
 * ```
 */
export function cgFixed<V extends Tree<Tensor>>(matvec: (v: V) => V, b: V, options: CgFixedOptions<V>): V {
  return cgRun(matvec, b, options).x;
}

/**
 * @internal {@link cgFixed} with its final state: `converged` (bool scalar: ‖r‖ ≤ tol·‖b‖) and `rr` = ‖r‖²
 * as tracked by the recurrence.
 */
export function cgRun<V extends Tree<Tensor>>(matvec: (v: V) => V, b: V, options: CgFixedOptions<V>): { x: V; converged: Tensor; rr: Tensor } {
  const op = 'cgFixed';
  const { iterations } = options;
  const damping = options.damping ?? 0;
  const bad = (argument: string, expected: string, v: unknown): never => {
    throw new ValueError(`${op}: '${argument}' must be ${expected}, got ${String(v)}.`, { op, argument, expected, received: String(v) });
  };
  if (!(Number.isInteger(iterations) && iterations >= 1)) bad('iterations', 'an integer ≥ 1', iterations);
  if (!(Number.isFinite(damping) && damping >= 0)) bad('damping', 'a finite number ≥ 0', damping);
  if (options.tol !== undefined && !(Number.isFinite(options.tol) && options.tol >= 0)) bad('tol', 'a finite number ≥ 0', options.tol);
  const f64 = treeLeaves(b).every((l) => (l as Tensor).dtype === 'float64');
  const tol = options.tol ?? (f64 ? 1e-10 : 1e-5);
  const threshold = mul(vdot(b, b), tol * tol);
  const sc: CgScalars<Tensor, Tensor> = {
    maskedDiv: (c, a, d) => where(c, div(a, where(c, d, 1)), 0),
    keep: (c, a, d) => where(c, a, d),
    positive: (a) => greater(a, 0),
    and: logicalAnd,
    above: (v) => greater(v, threshold),
    // eager: every further step is masked, so stopping gives the traced program's bits
    finished: (active) => active instanceof ConcreteTensor && !active.item(),
  };
  const eager = currentInterpreter() === evalInterpreter;
  if (eager && !scopeActive()) {
    const A = (v: V): V => (damping === 0 ? matvec(v) : treeAdd(matvec(v), treeScale(v, damping)));
    const run = compiledCg(A, b, { add: treeAdd, sub: treeSub, scale: treeScale, dot: vdot, zerosLike }, sc, iterations, options.x0);
    if (run !== undefined) return { x: run.x, converged: logicalNot(greater(run.rr, threshold)), rr: run.rr };
  }
  // Eagerly (inside a scope, or with a matvec that cannot be traced), the vectors the loop makes
  // are disposed as soon as they are dead (see Recycler).
  const rc = eager ? new Recycler<V>() : undefined;
  const mine = rc ? (v: V): V => rc.mine(v) : (v: V): V => v;
  const theirs = rc ? (v: V): V => rc.theirs(v) : (v: V): V => v;
  theirs(b);
  if (options.x0 !== undefined) theirs(options.x0);
  const A = (v: V): V => (damping === 0 ? theirs(matvec(v)) : mine(treeAdd(theirs(matvec(v)), mine(treeScale(v, damping)))));
  const space = {
    add: (a: V, c: V) => mine(treeAdd(a, c)), sub: (a: V, c: V) => mine(treeSub(a, c)),
    scale: (a: V, c: Tensor) => mine(treeScale(a, c)), dot: vdot, zerosLike: (a: V) => mine(zerosLike(a)),
  };
  const { x, rr } = cgIterate<V, Tensor, Tensor>(A, b, space, sc, { maxIter: iterations, ...(options.x0 !== undefined ? { x0: options.x0 } : {}), ...(rc ? { sweep: (live: readonly V[]) => rc.sweep(live) } : {}) });
  return { x, converged: logicalNot(greater(rr, threshold)), rr };
}

/**
 * Eager CG with each step one jitted program (traced once per solve, the previous state donated
 * to the next step): a step of a small model is otherwise some sixty dispatches of vector
 * operations. jit equals eager bit for bit, so the iterates are those of the eager loop and of
 * the traced program. The caller's `b` and `x0` enter the state as copies (`· 1`, exact), so
 * donation never disposes them. Undefined when the matvec cannot be traced (it reads values on
 * the host): the caller then runs the plain eager loop.
 */
function compiledCg<V extends Tree<Tensor>>(A: (v: V) => V, b: V, space: CgSpace<V, Tensor>, sc: CgScalars<Tensor, Tensor>,
  maxIter: number, x0: V | undefined): { x: V; rr: Tensor } | undefined {
  const start = cgStart(A, b, space, sc, x0 === undefined ? {} : { x0 });
  const copy = (v: V): V => treeScale(v, 1);
  const r = start.r === b ? copy(b) : start.r;
  let st: CgState<V, Tensor, Tensor> = { ...start, x: start.x === x0 ? copy(start.x) : start.x, r, z: r, p: r };
  // no breakdown test on tensors (sc has none): a step always returns a state
  const step = jit((s: CgState<V, Tensor, Tensor>) => cgStep(A, space, sc, s)!, { donateArgnums: [0] });
  for (let it = 0; it < maxIter && !sc.finished(st.active); it++) {
    try {
      st = step(st);
    } catch (e) {
      if (it > 0 || !(e instanceof ConcretizationError || e instanceof EscapedTracerError)) throw e;
      return undefined; // the matvec reads host values: not traceable
    }
  }
  const result = new Set(treeLeaves(st.x));
  for (const v of [st.r, st.p, st.z]) for (const t of treeLeaves(v) as Tensor[]) if (!result.has(t)) t.dispose();
  return { x: st.x, rr: st.rr };
}

/**
 * The tensors an eager CG solve made itself (iterates, residuals, directions and their
 * temporaries), disposed as soon as they are no longer live, so that each iteration's vectors
 * reuse the blocks of the last ones instead of touching fresh memory: on `wasm`, a result kept
 * until finalization costs about 1 ms per MiB of page faults on its first write (docs/performance.md),
 * several times a vector operation's own cost. Tensors it did not make (`b`, `x0`, the matvec's
 * outputs) are never disposed, even where an operation hands one back.
 */
class Recycler<V extends Tree<Tensor>> {
  private readonly made = new Set<Tensor>();
  /** Tensors the caller owns (weakly held: a matvec output per iteration must stay collectable). */
  private readonly foreign = new WeakSet<Tensor>();

  /** Records `v`'s tensors as made here (unless the caller owns them). */
  mine(v: V): V {
    for (const t of treeLeaves(v) as Tensor[]) if (!this.foreign.has(t)) this.made.add(t);
    return v;
  }

  /** Records `v`'s tensors as the caller's. */
  theirs(v: V): V {
    for (const t of treeLeaves(v) as Tensor[]) {
      this.foreign.add(t);
      this.made.delete(t);
    }
    return v;
  }

  /** Disposes every tensor made here that is not a leaf of `live`. */
  sweep(live: readonly V[]): void {
    const keep = new Set<Tensor>();
    for (const v of live) for (const t of treeLeaves(v) as Tensor[]) keep.add(t);
    for (const t of this.made) {
      if (keep.has(t)) continue;
      t.dispose();
      this.made.delete(t);
    }
  }
}
