/**
 * The `Likelihood` interface shared by all likelihoods, and helpers to validate labels and to
 * factor output-space Fisher matrices with plain tensor operations (so they work under `vmap`).
 * @module
 */
import { ConcreteTensor, type Tensor } from '../tensor/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { div, sqrt } from '../ops/arithmetic.js';
import { eye } from '../tensor/creation.js';
import { isFloat } from '../tensor/dtype.js';
import { stack } from '../ops/manipulation.js';
import { where } from '../ops/logic.js';
import type { Shape } from '../tensor/shape.js';

/**
 * A conditional distribution p(y | f) parameterised by one example's model output `f`.
 *
 * ```text
 * logProb(f, y)    = log p(y | f)
 * mean(f)          = E[y | f]
 * outputFisher(f)  = F(f) = E_{y~p(·|f)}[∇_f log p(y|f) ∇_f log p(y|f)ᵀ]      ([k, k], k = f.size)
 * outputFisherSqrt = S(f) with S Sᵀ = F(f)                                      ([k, c])
 * ```
 * Implement this interface to plug your own likelihood into `fisher`, `kfac` and `klDivergence`.
 * All methods except `sample` and `checkLabels` must be written with tensor operations only
 * (no `toArray`), because the curvature builders call them under `vmap`.
 * @example
 * ```ts
 * const lik: Likelihood = likelihoods.bernoulli();
 * lik.outputFisher(tensor([0])).toArray(); // [[0.25]]
 * ```
 */
export interface Likelihood {
  /** Name used in error messages, e.g. `"bernoulli"`. */
  readonly name: string;
  /** log p(y | output) for one example (a scalar tensor). */
  logProb(output: Tensor, y: Tensor): Tensor;
  /** Draws labels y ~ p(· | output); `output` may carry leading batch axes (one draw per example). */
  sample(key: Tensor, output: Tensor): Tensor;
  /** E[y | output]. */
  mean(output: Tensor): Tensor;
  /** The Fisher information of p(· | f) with respect to f, a dense `[k, k]` tensor (k = output.size, row-major order). */
  outputFisher(output: Tensor): Tensor;
  /** A factor S (`[k, c]`) with S Sᵀ = outputFisher(output). */
  outputFisherSqrt(output: Tensor): Tensor;
  /** Validates labels `y` for per-example outputs of shape `outputShape`; `batchDims` leading axes of `y` are batch axes. */
  checkLabels?(y: Tensor, outputShape: Shape, batchDims?: number): void;
  /** KL(p(·|p) ‖ p(·|q)) between the distributions of two outputs (a scalar tensor). */
  kl?(p: Tensor, q: Tensor): Tensor;
}

/** Options of {@link checkLabelTensor}. */
export interface LabelRule {
  /** The per-example label shape. */
  readonly shape: Shape;
  /** Whether labels must be integers. */
  readonly integer?: boolean;
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Whether the dtype must be int32. */
  readonly int32?: boolean;
}

/**
 * Validates a label tensor's shape, dtype and (when concrete) values for a likelihood.
 *
 * ```text
 * y.shape = [...batch, ...rule.shape],  min ≤ y ≤ max,  y ∈ ℤ when rule.integer
 * ```
 * @param name - The likelihood's name, used in messages.
 * @param y - The labels.
 * @param rule - Shape and value constraints.
 * @param batchDims - Number of leading batch axes of `y`.
 * @returns Nothing.
 * @throws {ShapeError} when the shape is wrong; {DTypeError} for a wrong dtype;
 *   {ValueError} for an out-of-range or non-integer value.
 * @example
 * ```ts
 * checkLabelTensor('categorical', tensor(3, { dtype: 'int32' }), { shape: [], min: 0, max: 2, int32: true }); // throws ValueError
 * ```
 */
export function checkLabelTensor(name: string, y: Tensor, rule: LabelRule, batchDims = 0): void {
  const op = `likelihoods.${name}`;
  const want = rule.shape;
  const got = y.shape.slice(batchDims);
  if (y.ndim < batchDims || got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: labels must have per-example shape [${want.join(',')}], got ${y.aval.toString()}${batchDims ? ` with ${batchDims} batch axis` : ''}.`, {
      op, argument: 'y', expected: `[${want.join(',')}]`, received: y.aval.toString(),
    });
  }
  if (rule.int32 && y.dtype !== 'int32') {
    throw new DTypeError(`${op}: labels must be int32 class indices, got ${y.aval.toString()}.`, { op, argument: 'y', expected: 'int32', received: y.aval.toString() });
  }
  if (!(y instanceof ConcreteTensor)) return;
  const data = y.toTypedArray();
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    const bad = !Number.isFinite(v) || (rule.integer && !Number.isInteger(v)) || (rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max);
    if (bad) {
      const range = `[${rule.min ?? '-∞'}, ${rule.max ?? '∞'}]${rule.integer ? ' (integers)' : ''}`;
      throw new ValueError(`${op}: label ${i} must be in ${range}, got ${v}.`, { op, argument: 'y', expected: range, received: String(v) });
    }
  }
}

/**
 * Requires a floating output tensor of a given rank.
 *
 * ```text
 * output.dtype ∈ {float32, float64},  output.ndim ≥ minRank
 * ```
 * @param name - The likelihood's name.
 * @param output - The model output.
 * @param minRank - Minimum rank (default 0).
 * @returns Nothing.
 * @throws {DTypeError} for integer outputs; {ShapeError} for a too-small rank.
 * @example
 * ```ts
 * checkOutput('categorical', tensor([0, 1]), 1);
 * ```
 */
export function checkOutput(name: string, output: Tensor, minRank = 0): void {
  const op = `likelihoods.${name}`;
  if (!isFloat(output.dtype)) throw new DTypeError(`${op}: output must be floating point, got ${output.aval.toString()}.`, { op, argument: 'output', received: output.aval.toString() });
  if (output.ndim < minRank) throw new ShapeError(`${op}: output must have rank ≥ ${minRank}, got ${output.aval.toString()}.`, { op, argument: 'output', received: output.aval.toString() });
}

/**
 * A diagonal matrix from a tensor of (flattened) diagonal entries, built with tensor ops.
 *
 * ```text
 * diagMatrix(w)[i, j] = w_i · δ_ij,   shape [k, k], k = w.size
 * ```
 * @param w - Diagonal entries (any shape; flattened row-major).
 * @returns A `[k, k]` tensor.
 * @throws Never for valid tensors.
 * @example
 * ```ts
 * diagMatrix(tensor([1, 2])).toArray(); // [[1, 0], [0, 2]]
 * ```
 */
export function diagMatrix(w: Tensor): Tensor {
  const k = w.size;
  if (k === 1) return w.reshape([1, 1]); // the same value as 1·w, without the multiply
  return eye(k, k, w.dtype).mul(w.reshape([1, k]));
}

/**
 * Lower-triangular factor of a symmetric positive semi-definite matrix using only tensor ops
 * (works under `vmap`); pivots below a relative tolerance give zero columns.
 *
 * ```text
 * F = L Lᵀ,   L_jj = √d_j if d_j > tol else 0,   d_j = F_jj − Σ_{m<j} L_jm²
 * tol = ε_dtype · k · max_j F_jj
 * ```
 * Intended for small k (output dimensions); cost O(k³) scalar ops.
 * @param f - A `[k, k]` symmetric PSD matrix.
 * @returns L (`[k, k]`) with L Lᵀ = F up to rounding.
 * @throws {ShapeError} when `f` is not square.
 * @example
 * ```ts
 * psdCholesky(tensor([[4, 2], [2, 1]])).toArray(); // [[2, 0], [1, 0]]
 * ```
 */
export function psdCholesky(f: Tensor): Tensor {
  const k = f.shape[0] ?? 0;
  if (f.ndim !== 2 || f.shape[1] !== k) throw new ShapeError(`psdCholesky: expected a square matrix, got ${f.aval.toString()}.`, { op: 'psdCholesky', argument: 'f', received: f.aval.toString() });
  const at = (i: number, j: number): Tensor => f.slice([i, j], [1, 1]).reshape([]);
  const eps = f.dtype === 'float64' ? 1e-13 : 1e-6;
  let maxDiag = at(0, 0);
  for (let i = 1; i < k; i++) maxDiag = maxDiag.maximum(at(i, i));
  const tol = maxDiag.mul(eps * k);
  const zero = f.slice([0, 0], [1, 1]).reshape([]).mul(0);
  const L: Tensor[][] = Array.from({ length: k }, () => Array.from({ length: k }, () => zero));
  for (let j = 0; j < k; j++) {
    let d = at(j, j);
    for (let m = 0; m < j; m++) d = d.sub(L[j]![m]!.square());
    const pos = d.greater(tol);
    const ljj = where(pos, sqrt(where(pos, d, 1)), 0);
    L[j]![j] = ljj;
    const safe = where(pos, ljj, 1);
    for (let i = j + 1; i < k; i++) {
      let s = at(i, j);
      for (let m = 0; m < j; m++) s = s.sub(L[i]![m]!.mul(L[j]![m]!));
      L[i]![j] = where(pos, s.div(safe), 0);
    }
  }
  return stack(L.map((row) => stack(row)));
}

/**
 * Natural log of y! (= lgamma(y + 1)) for y ≥ 0 with tensor ops: shift by 8, then Stirling's series.
 *
 * ```text
 * lgamma(z) = lgamma(w) − Σ_{i<8} log(z + i),   w = z + 8
 * lgamma(w) ≈ (w − ½) log w − w + ½ log 2π + 1/(12w) − 1/(360w³) + 1/(1260w⁵) − 1/(1680w⁷) + 1/(1188w⁹) − 691/(360360w¹¹)
 * ```
 * Absolute accuracy about 1e-14 in float64 for all y ≥ 0.
 * @param y - Non-negative values (any shape).
 * @returns log(y!) elementwise.
 * @throws Never for valid tensors.
 * @example
 * ```ts
 * logFactorial(tensor([3], { dtype: 'float64' })).toArray(); // [log 6]
 * ```
 */
export function logFactorial(y: Tensor): Tensor {
  const z = y.add(1);
  const w = z.add(8);
  let shift = z.log();
  for (let i = 1; i < 8; i++) shift = shift.add(z.add(i).log());
  const inv = div(1, w);
  const inv2 = inv.square();
  const coeffs = [-691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];
  let series = inv2.mul(coeffs[0]!);
  for (let i = 1; i < coeffs.length; i++) series = i === coeffs.length - 1 ? series.add(coeffs[i]!) : series.add(coeffs[i]!).mul(inv2);
  const stirling = w.sub(0.5).mul(w.log()).sub(w).add(0.5 * Math.log(2 * Math.PI)).add(series.mul(inv));
  return stirling.sub(shift);
}
