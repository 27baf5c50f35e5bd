/**
 * The Jacobian sandwich Jᵀ M J shared by the GGN and all Fisher variants: one linearization of
 * the vmapped model over the batch, an output-space matrix per example, and one VJP.
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import { dotGeneral, matmul } from '../ops/linalg.js';
import { jacrev } from '../transforms/jacobian.js';
import { vmap } from '../transforms/vmap.js';
import type { Tensor } from '../tensor/tensor.js';
import * as tree from '../tree/index.js';
import { linearOperator, type CurvatureOperator, type Params } from './operator.js';
import { compiledAfterFirstCall, sandwichDiagonal, type OutputFactor } from './compiled.js';
import { linearization, type Linearization } from './linearization.js';

/** How examples are combined: `'mean'` (1/N Σₙ) or `'sum'` (Σₙ). */
export type Reduction = 'mean' | 'sum';

/** A batch of examples: inputs `x` (a pytree with a leading batch axis) and labels `y`. */
export interface Batch {
  /** Inputs, every leaf with leading axis N. */
  readonly x: tree.Tree<Tensor>;
  /** Labels with leading axis N (optional for the exact and MC Fisher). */
  readonly y?: Tensor;
}

/** Output-space curvature per example: dense `[N, k, k]` matrices and/or `[N, k, c]` factors. */
export interface OutputCurvature {
  /** Mₙ, `[N, k, k]` (if absent, Mₙ = Uₙ Uₙᵀ from the factors). */
  readonly matrices?: Tensor;
  /** Uₙ with Uₙ Uₙᵀ = Mₙ, `[N, k, c]`, computed on demand (used for exact diagonals). */
  readonly factors: () => Tensor;
}

/**
 * The scale factor of a reduction over N examples.
 *
 * ```text
 * 'mean' → 1/N,   'sum' → 1
 * ```
 * @param op - Builder name for errors.
 * @param reduction - `'mean'` or `'sum'` (default `'mean'`).
 * @param n - Number of examples.
 * @returns The factor.
 * @throws {ValueError} for an unknown reduction or an empty batch.
 * @example
 * ```ts
 * reductionScale('ggn', 'mean', 4); // 0.25
 * ```
 */
export function reductionScale(op: string, reduction: Reduction | undefined, n: number): number {
  if (n < 1) throw new ValueError(`${op}: the batch is empty.`, { op, argument: 'batch' });
  const r = reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum') throw new ValueError(`${op}: reduction must be 'mean' or 'sum', got ${String(r)}.`, { op, argument: 'reduction', received: String(r) });
  return r === 'mean' ? 1 / n : 1;
}

/**
 * The number of examples N of a batch (the common leading axis of `x` and `y`).
 *
 * ```text
 * N = x_leaf.shape[0] = y.shape[0]
 * ```
 * @param op - Builder name for errors.
 * @param batch - The batch.
 * @returns N.
 * @throws {ShapeError} when leading axes disagree or a leaf is a scalar.
 * @example
 * ```ts
 * batchSize('fisher', { x: zeros([5, 3]), y: zeros([5]) }); // 5
 * ```
 */
export function batchSize(op: string, batch: Batch): number {
  const leaves = [...tree.leaves(batch.x), ...(batch.y ? [batch.y] : [])];
  const sizes = leaves.map((l) => l.shape[0]);
  const n = sizes[0];
  if (n === undefined || sizes.some((s) => s !== n)) {
    throw new ShapeError(`${op}: every leaf of batch.x and batch.y needs the same leading batch axis, got [${leaves.map((l) => l.aval.toString()).join(', ')}].`, { op, argument: 'batch', received: leaves.map((l) => l.aval.toString()).join(', ') });
  }
  return n;
}

/**
 * Builds the operator C = s · Σₙ Jₙᵀ Mₙ Jₙ, with Jₙ = ∂ inner(θ, xₙ)/∂θ.
 *
 * ```text
 * matvec(v) = vjp_θ( s · Mₙ (J v)ₙ )        (J v from one linearization of the vmapped inner)
 * diag(C)   = s · Σₙ Σ_c (Jₙᵀ Uₙ[:, c])²     (per-example VJPs vmapped over examples and columns, one jitted program)
 * ```
 * @param inner - (params, x) ↦ z, one example's output.
 * @param params - Parameters.
 * @param x - Batched inputs.
 * @param outputs - z for every example, `[N, ...zShape]`.
 * @param curvature - Output-space matrices and/or factors.
 * @param scale - s, e.g. 1/N.
 * @returns The operator.
 * @throws {ShapeError} when the curvature tensors do not match the outputs.
 * @example
 * ```ts
 * const op = jacobianSandwich(inner, params, x, z, { factors: () => u }, 1 / n);
 * ```
 */
export function jacobianSandwich<P extends Params>(
  inner: (params: P, x: any) => Tensor, params: P, x: tree.Tree<Tensor>, outputs: Tensor, curvature: OutputCurvature, scale: number,
): CurvatureOperator<P> {
  return sandwichOperator(inner, params, x, outputs.shape, curvature, scale);
}

/**
 * {@link jacobianSandwich} from the outputs' shape only (the outputs themselves are never read),
 * optionally with the per-example factor as a function of the output, zₙ ↦ Uₙ `[k, c]`: the
 * exact diagonal then computes outputs, factors and squares in one program from θ and x.
 * @param inner - (params, x) ↦ z, one example's output.
 * @param params - Parameters.
 * @param x - Batched inputs.
 * @param outShape - `[N, ...zShape]`.
 * @param curvature - Output-space matrices and/or factors.
 * @param scale - s.
 * @param factor - zₙ ↦ Uₙ, traceable, with its trace's signature (used by `diagonal`).
 * @param shared - the builder's linearization of the batched model (else one is made on first use).
 * @returns The operator.
 * @throws {ShapeError} when the curvature tensors do not match the outputs.
 * @example
 * ```ts
 * const F = sandwichOperator(model, params, x, [n, k], cur, 1 / n, { of: (z) => lik.outputFisherSqrt(z) });
 * ```
 */
export function sandwichOperator<P extends Params>(
  inner: (params: P, x: any) => Tensor, params: P, x: tree.Tree<Tensor>, outShape: readonly number[], curvature: OutputCurvature, scale: number,
  factor?: OutputFactor, shared?: Linearization<P>,
): CurvatureOperator<P> {
  const outputs = { shape: outShape, size: outShape.reduce((a, b) => a * b, 1) };
  const n = outputs.shape[0]!;
  const k = outputs.size / n;
  const lz = shared ?? linearization(inner, params, x);
  let factors: Tensor | undefined;
  const getFactors = (): Tensor => {
    if (factors) return factors;
    const u = curvature.factors();
    if (u.ndim !== 3 || u.shape[0] !== n || u.shape[1] !== k) {
      throw new ShapeError(`curvature: output-space factors must be [${n}, ${k}, c], got ${u.aval.toString()}.`, { op: 'curvature', argument: 'factors', received: u.aval.toString() });
    }
    return (factors = u);
  };
  // Matrices behind a getter (the exact Fisher's) are formed on first use: a diagonal needs only
  // the factors. Plain ones are checked now.
  let matrices: Tensor | undefined;
  let resolved = false;
  const getMatrices = (): Tensor | undefined => {
    if (resolved) return matrices;
    const m = curvature.matrices;
    if (m && (m.ndim !== 3 || m.shape[0] !== n || m.shape[1] !== k || m.shape[2] !== k)) {
      throw new ShapeError(`curvature: output-space matrices must be [${n}, ${k}, ${k}], got ${m.aval.toString()}.`, { op: 'curvature', argument: 'matrices', received: m.aval.toString() });
    }
    resolved = true;
    return (matrices = m);
  };
  const lazyMatrices = typeof Object.getOwnPropertyDescriptor(curvature, 'matrices')?.get === 'function';
  if (!lazyMatrices) getMatrices();
  const applyM = (u: Tensor): Tensor => {
    const matrices = getMatrices();
    // Mₙ uₙ for every n as one batched product (not a broadcast [N, k, k] multiply and a sum)
    if (matrices) return dotGeneral(matrices, u, { contract: [[2], [1]], batch: [[0], [0]] });
    const f = getFactors();
    const t = dotGeneral(f, u, { contract: [[1], [1]], batch: [[0], [0]] }); // Uₙᵀ uₙ, [N, c]
    return dotGeneral(f, t, { contract: [[2], [1]], batch: [[0], [0]] }); // Uₙ (Uₙᵀ uₙ), [N, k]
  };
  // Linearized once (on the first call); from the second call on the whole linear map
  // (J v → Mₙ → Jᵀ) runs as one jitted program with the linearization's residuals as constants.
  const matvec = compiledAfterFirstCall((v: P): P => {
    const { jvp, vjp } = lz.maps();
    const u = jvp(v).reshape([n, k]);
    // s·Jᵀ(M u) as Jᵀ(s·M u): the scale on the [N, k] cotangent, not on the P-sized result (the
    // same bits when s is a power of two, e.g. 1/N for N = 2ᵏ or 'sum'; else within rounding).
    return vjp(applyM(u).mul(scale).reshape(outputs.shape));
  });
  // One jitted program over all factor columns (see compiled.ts).
  const diagonal = (): P => sandwichDiagonal(inner, params, x, outputs.shape, getFactors, scale, factor);
  // Dense C = s Σₙ Jₙᵀ Mₙ Jₙ from per-example Jacobians (one batched reverse pass per output
  // entry), used when the [N, k, P] Jacobian fits in memory; otherwise linearOperator falls back
  // to matvec on the basis vectors.
  const size = tree.leaves(params).reduce((acc, l) => acc + l.size, 0);
  const dense = (): Tensor => {
    const [flat, unravel] = tree.ravel(params);
    const jac = vmap((xn: any) => jacrev((w: Tensor) => inner(unravel(w), xn).reshape([k]))(flat) as Tensor)(x) as Tensor; // [N, k, P]
    // Where the matrices are formed only on demand (the exact Fisher's, whose factors are their
    // exact square roots Mₙ = UₙUₙᵀ), the factors give C as a Gram matrix AᵀA of one array at the
    // same cost: symmetric by construction, and one triangle of the product where the backend
    // exploits that. The choice depends on the curvature only, never on what ran before.
    const matrices = lazyMatrices ? undefined : getMatrices();
    if (matrices) {
      // s·Mₙ Jₙ, then one product contracting the flattened batch (N·k); with k = 1 the per-example
      // 1×1 products are a broadcast multiply, not N tiny matrix products.
      const sm = matrices.mul(scale);
      const mj = k === 1 ? jac.mul(sm) : matmul(sm, jac);
      return dotGeneral(jac, mj, { contract: [[0, 1], [0, 1]] });
    }
    const u = getFactors(); // [N, k, c]
    const c = u.shape[2]!;
    // Uₙᵀ Jₙ, [N, c, P]; with k = 1 a broadcast multiply instead of N products of [c, 1]·[1, P]
    const a = k === 1 ? u.reshape([n, c, 1]).mul(jac) : dotGeneral(u, jac, { contract: [[1], [1]], batch: [[0], [0]] });
    const rows = a.reshape([n * c, size]); // C = s·AᵀA over the N·c rows: one Gram matrix of one array
    return dotGeneral(rows, rows, { contract: [[0], [0]] }).mul(scale);
  };
  const useJacobian = n * k * size <= 1 << 24;
  return linearOperator({ params, matvec, diagonal, ...(useJacobian ? { dense } : {}) });
}
