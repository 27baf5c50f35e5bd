/**
 * `cholesky` primitive: the lower factor L of each symmetric positive definite matrix of
 * `[..., n, n]`, with L Lᵀ = S = (A + Aᵀ)/2 (the kernel averages the two triangles, after checking
 * they agree within the dtype's tolerance).
 *
 * ```text
 * dS = (dA + dAᵀ)/2,   X = L⁻¹ dS L⁻ᵀ,   dL = L Φ(X),   Φ = lower triangle with the diagonal halved
 * ```
 * The JVP is built from `triangular_solve`, `dot_general` and elementwise primitives, so it is
 * transposable (reverse mode) and batchable. A matrix that is not positive definite — a pivot not
 * above n·ε·max diag, exact singularity included — is a NotPositiveDefiniteError naming the pivot
 * (and the batch element), eagerly and under `jit` alike: no NaN fill.
 * @module
 */
import { choleskyKernel } from '../../backend/js/linalg.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { Zero } from '../zero.js';
import { add } from './add.js';
import { bmm, checkSquare, constMatrix, mT, runLinalg } from './_linalg.js';
import { moveAxis } from './_rules.js';
import { mul } from './mul.js';
import { triangularSolve } from './triangular-solve.js';

/** @internal (A + Aᵀ)/2 over the last two axes. */
export function symmetrize(x: Tensor): Tensor {
  return mul(add(x, mT(x)), constMatrix(1, x.dtype, () => 0.5));
}

/** @internal */
export const choleskyP = definePrimitive<Record<string, never>>({
  name: 'cholesky',
  abstractEval: ([a]) => {
    checkSquare('cholesky', a!);
    return [new Aval(a!.shape, a!.dtype)];
  },
  impl: (args, _p, outs) => runLinalg(args, outs, 'cholesky',
    (k, [a]) => [k.cholesky!(a, args[0]!.aval, outs[0]!)],
    ([a]) => [choleskyKernel(a!, args[0]!.aval, outs[0]!)]),
  jvp: ([a], [ta]) => {
    const l = cholesky(a!);
    if (ta instanceof Zero) return [[l], [new Zero(l.aval)]];
    const n = l.shape[l.ndim - 1]!;
    const lo = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false };
    const y = triangularSolve(l, symmetrize(ta!), lo); // L⁻¹ dS
    const x = triangularSolve(l, y, { ...lo, leftSide: false, transposeA: true }); // L⁻¹ dS L⁻ᵀ
    const phi = mul(x, constMatrix(n, l.dtype, (i, j) => (j < i ? 1 : i === j ? 0.5 : 0)));
    return [[l], [bmm(l, phi)]];
  },
  batch: (_s, [a], [d]) => [[cholesky(moveAxis(a!, d!, 0))], [0]],
});

/** @internal Lower Cholesky factor of each matrix of `[..., n, n]`. */
export function cholesky(a: Tensor): Tensor {
  return bind1(choleskyP, [a], {});
}
