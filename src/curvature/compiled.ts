/**
 * Compiled curvature programs: operator matvecs as one jitted program each, and the exact
 * diagonal of a Jacobian sandwich as one jitted program over all factor columns.
 *
 * ```text
 * matvec:    call 1 eager, calls ≥ 2 jit(v ↦ matvec(v))     (linearization residuals are constants)
 * diagonal:  s Σₙ Σ꜀ (Jₙᵀ Uₙ[:, c])² = jit(vmap_c(vmap_n(vjp)) → square → Σ_{c,n})
 * ```
 * A matvec closes over its linearization, so the jitted program is the linear (tangent and
 * cotangent) part only: dispatches, broadcasts and elementwise chains of the eager replay become
 * one executable. Its first call runs eagerly, so an operator used once pays no trace; jit is
 * bit-identical to eager, so every call returns the same bits. Calls inside `scope()` run
 * eagerly: jit keeps the constants it captures out of every scope.
 *
 * The diagonal stages the per-example VJPs vmapped over the columns; jit's simplification
 * (`core/simplify.ts`) turns each dense layer's Σ꜀ Σₙ (aₙ ⊗ δₙ꜀)² into (a²)ᵀ (Σ꜀ δ꜀²), so the
 * forward pass runs once and each layer costs one product instead of one per column. When some
 * layer does not simplify, the batched program would hold C per-example gradients at once; the
 * program is then refused by its largest value and the columns run one at a time as before.
 * @module
 */
import { ShapeError } from '../errors.js';
import { jit } from '../transforms/jit.js';
import { scopeActive } from '../core/scope.js';
import { vjp } from '../transforms/grad.js';
import { vmap } from '../transforms/vmap.js';
import type { Jaxpr } from '../core/jaxpr.js';
import type { Tensor } from '../tensor/tensor.js';
import * as tree from '../tree/index.js';
import type { Params } from './operator.js';
import { reuseProgram, type ProgramSignature } from './program-cache.js';

/** The output factor as a function of each output, zₙ ↦ Uₙ `[k, c]`, with the signature of its trace. */
export interface OutputFactor {
  /** zₙ ↦ Uₙ, traceable. */
  readonly of: (z: Tensor) => Tensor;
  /** From `traceOutputs` (absent: the program is not reused). */
  readonly signature?: ProgramSignature;
}

/**
 * Switch for the compiled curvature programs (on by default); off runs every matvec and diagonal
 * as before compilation existed (eager matvecs, one jitted program per diagonal column).
 * `compiledCalls` and `batchedDiagonals` count the calls that ran compiled. Internal: used by
 * benchmarks for same-process before/after comparisons and by tests.
 * @example
 * ```ts
 * curvatureCompilation.enabled = false; // eager matvecs, per-column diagonals
 * ```
 */
export const curvatureCompilation = { enabled: true, compiledCalls: 0, batchedDiagonals: 0 };

/**
 * `f` eagerly on its first call and as one jitted program from the second call on (eagerly
 * whenever a `scope` is active, so the scope still frees what `f` captured).
 * @param f - a function of one pytree of tensors (everything else captured).
 * @returns the same function, compiled after its first use.
 * @example
 * ```ts
 * const mv = compiledAfterFirstCall((v: P) => matvec(v));
 * ```
 */
export function compiledAfterFirstCall<A, R>(f: (a: A) => R): (a: A) => R {
  let calls = 0;
  let jitted: ((a: A) => R) | undefined;
  return (a) => {
    // Inside scope() the eager call: a jitted program keeps the tensors it captures (here the
    // linearization's residuals) beyond the scope, which would then not free them.
    if (!curvatureCompilation.enabled || calls++ === 0 || scopeActive()) return f(a);
    curvatureCompilation.compiledCalls++;
    return (jitted ??= jit(f) as unknown as (a: A) => R)(a);
  };
}

/** Largest value a batched diagonal program may hold without a comparison (elements). */
const FREE_VALUE = 1 << 22;
/** Largest value a batched program may hold when the per-column one holds less (elements). */
const CAPPED_VALUE = 1 << 24;

/**
 * Whether an all-columns diagonal program may run, from the largest value (in elements) it
 * holds and, asked for only when needed, the largest value of the one-column program and the
 * number of columns c. Up to 2²² elements it always may; beyond, it may hold no more than the
 * one-column program, or c times it up to 2²⁴ elements (c per-example gradients at once, when a
 * layer's squares did not simplify, are refused).
 * @param batched - the largest value of the all-columns program.
 * @param perColumn - `[largest value of the one-column program, c]` (a thunk: traced on demand).
 * @returns whether to run the all-columns program.
 * @example
 * ```ts
 * acceptBatchedDiagonal(1 << 20, () => [1 << 18, 10]); // true
 * acceptBatchedDiagonal(10 * (1 << 23), () => [1 << 23, 10]); // false
 * ```
 */
export function acceptBatchedDiagonal(batched: number, perColumn: () => readonly [number, number]): boolean {
  if (batched <= FREE_VALUE) return true;
  const [one, c] = perColumn();
  return batched <= Math.max(one, Math.min(c * one, CAPPED_VALUE));
}

/**
 * The largest value (in elements) an equation of `j` produces.
 * @param j - a program.
 * @returns the size of its largest intermediate or output.
 * @example
 * ```ts
 * largestValue(jit(f).lower(x).optimized);
 * ```
 */
export function largestValue(j: Jaxpr): number {
  return j.eqns.reduce((m, e) => e.outputs.reduce((mm, v) => Math.max(mm, v.aval.size), m), 0);
}

type PerExample<P> = (p: P, xs: any, u: Tensor) => P;

/** Per-example VJPs Jₙᵀ uₙ of `inner` over a batch (a tree with leading axis N). */
const perExampleVjp = <P extends Params>(inner: (params: P, x: any) => Tensor): PerExample<P> => (p, xs, u) =>
  vmap((xn: any, sn: Tensor) => vjp((q: P) => inner(q, xn), p)[1](sn)[0] as P, { inAxes: [0, 0] })(xs, u) as P;

/**
 * The one-column program: (θ, x, u) ↦ Σₙ (Jₙᵀ uₙ)², u shaped like the outputs.
 * @param inner - (params, x) ↦ one example's output.
 * @returns the jitted program.
 * @example
 * ```ts
 * columnDiagonalProgram(inner)(params, x, u); // a tree shaped like params
 * ```
 */
export function columnDiagonalProgram<P extends Params>(inner: (params: P, x: any) => Tensor) {
  const pe = perExampleVjp(inner);
  return jit((p: P, xs: any, u: Tensor) => tree.map((g: Tensor) => g.square().sum(0), pe(p, xs, u)) as P);
}

/**
 * The all-columns program: (θ, x, U) ↦ Σ꜀ Σₙ (Jₙᵀ U[n, …, c])², U shaped `[...outputs, c]`.
 * @param inner - (params, x) ↦ one example's output.
 * @returns the jitted program.
 * @example
 * ```ts
 * allColumnsDiagonalProgram(inner).lower(params, x, us).optimized; // one product per dense layer
 * ```
 */
export function allColumnsDiagonalProgram<P extends Params>(inner: (params: P, x: any) => Tensor) {
  const pe = perExampleVjp(inner);
  return jit((p: P, xs: any, us: Tensor) =>
    tree.map((g: Tensor) => g.square().sum([0, 1]), vmap((u: Tensor) => pe(p, xs, u), { inAxes: [us.ndim - 1] })(us)) as P);
}

/**
 * The whole-diagonal program from θ and x when the factor is a function of each output:
 * (θ, x) ↦ Σₙ Σ꜀ (Jₙᵀ Uₙ[:, c])² with Uₙ = factorOf(zₙ) `[k, c]` and zₙ from the same forward pass.
 * @param inner - (params, x) ↦ one example's output.
 * @param factorOf - zₙ ↦ Uₙ `[k, c]`, traceable.
 * @returns the jitted program.
 * @throws {ShapeError} (when traced) if a factor is not `[k, c]`.
 * @example
 * ```ts
 * outputFactorDiagonalProgram(model, (z) => lik.outputFisherSqrt(z))(params, x);
 * ```
 */
export function outputFactorDiagonalProgram<P extends Params>(inner: (params: P, x: any) => Tensor, factorOf: (z: Tensor) => Tensor) {
  return jit((p: P, xs: any) => {
    const g = vmap((xn: any) => {
      const [zn, pull] = vjp((q: P) => inner(q, xn), p);
      const un = factorOf(zn);
      if (un.ndim !== 2 || un.shape[0] !== zn.size) {
        throw new ShapeError(`curvature: output-space factors must be [${zn.size}, c] per example, got ${un.aval.toString()}.`, { op: 'curvature', argument: 'factors', received: un.aval.toString() });
      }
      const us = un.reshape([...zn.shape, un.shape[1]!]);
      return vmap((u: Tensor) => pull(u)[0] as P, { inAxes: [us.ndim - 1] })(us);
    })(xs);
    return tree.map((t: Tensor) => t.square().sum([0, 1]), g) as P;
  });
}

/**
 * diag(s Σₙ Jₙᵀ Uₙ Uₙᵀ Jₙ) for Jₙ = ∂ inner(θ, xₙ)/∂θ and factors U `[N, k, c]`.
 *
 * ```text
 * diag = s Σₙ Σ꜀ (Jₙᵀ Uₙ[:, c])²
 * ```
 * Compiled (see the module comment): one program from θ and x when `factor` is given, else one
 * program over the columns of U; the columns one at a time when compilation is off or the
 * batched program is refused.
 * @param inner - (params, x) ↦ one example's output.
 * @param params - θ.
 * @param x - batched inputs.
 * @param outShape - the outputs' shape `[N, ...zShape]` (k = Π zShape).
 * @param getFactors - U, `[N, k, c]` (asked for only when needed).
 * @param scale - s.
 * @param factor - zₙ ↦ Uₙ `[k, c]`, traceable, and the signature of its trace (optional; with a
 *   signature the program is reused across operators of the same model, see `program-cache.ts`).
 * @returns the diagonal, shaped like `params`.
 * @example
 * ```ts
 * const d = sandwichDiagonal(inner, params, x, z.shape, () => u, 1 / n);
 * ```
 */
export function sandwichDiagonal<P extends Params>(
  inner: (params: P, x: any) => Tensor, params: P, x: tree.Tree<Tensor>, outShape: readonly number[], getFactors: () => Tensor, scale: number,
  factor?: OutputFactor,
): P {
  const column = columnDiagonalProgram(inner);
  const firstColumn = (f: Tensor) => f.slice([0, 0, 0], [f.shape[0]!, f.shape[1]!, 1]).reshape(outShape);
  const perColumn = (): [number, number] => {
    const f = getFactors();
    return [largestValue(column.lower(params, x, firstColumn(f)).optimized), f.shape[2]!];
  };
  if (curvatureCompilation.enabled && factor) {
    const whole = reuseProgram('diagonal', inner, factor.signature, () => {
      const program = outputFactorDiagonalProgram(inner, factor.of);
      return { program, ok: acceptBatchedDiagonal(largestValue(program.lower(params, x).optimized), perColumn) };
    });
    if (whole.ok) {
      curvatureCompilation.batchedDiagonals++;
      return tree.scale(whole.program(params, x), scale);
    }
  }
  const factors = getFactors();
  const [n, k, c] = factors.shape as [number, number, number];
  if (curvatureCompilation.enabled && c > 1) {
    const all = allColumnsDiagonalProgram(inner);
    const us = factors.reshape([...outShape, c]);
    if (acceptBatchedDiagonal(largestValue(all.lower(params, x, us).optimized), perColumn)) {
      curvatureCompilation.batchedDiagonals++;
      return tree.scale(all(params, x, us), scale);
    }
  }
  let acc: P | undefined;
  for (let j = 0; j < c; j++) {
    const sq = column(params, x, factors.slice([0, 0, j], [n, k, 1]).reshape(outShape));
    acc = acc === undefined ? sq : tree.add(acc, sq);
  }
  return tree.scale(acc ?? tree.zerosLike(params), scale);
}
