/**
 * `eigh` primitive: eigenvalues `w` (`[..., n]`, ascending) and eigenvectors `V` (`[..., n, n]`,
 * column j for w_j) of each symmetric matrix S = (A + Aᵀ)/2 of `[..., n, n]` (the kernel checks
 * the triangles agree within the dtype's tolerance). Each eigenvector is signed so that its
 * largest-magnitude component (the first on a tie) is positive.
 *
 * ```text
 * dS = (dA + dAᵀ)/2,   M = Vᵀ dS V
 * dw = diag(M),        dV = V (F ∘ M),   F_ij = 1/(w_j − w_i) for w_i ≠ w_j, else 0
 * ```
 * At a degeneracy (w_i = w_j exactly) the eigenvectors are not differentiable; F_ij = 0 then drops
 * the rotation within the eigenspace (no NaN), so dV is the derivative of the returned basis only
 * when dS does not mix the degenerate eigenvectors, and dw (the diagonal of M in that basis) is the
 * derivative of the sorted eigenvalues only when M restricted to the eigenspace is diagonal; the
 * sum of the degenerate eigenvalues' tangents is exact always. Near-degenerate eigenvalues give
 * large F, as the true derivative does.
 * @module
 */
import { eighKernel } from '../../backend/js/linalg.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { scalar } from '../../tensor/creation.js';
import { bind } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { Zero } from '../zero.js';
import { bmm, checkSquare, constMatrix, mT, runLinalg } from './_linalg.js';
import { moveAxis } from './_rules.js';
import { reduceSum } from './reduce-sum.js';
import { eq } from './compare.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { reshape } from './reshape.js';
import { select } from './select.js';
import { sub } from './sub.js';
import { symmetrize } from './cholesky.js';

/** @internal */
export const eighP = definePrimitive<Record<string, never>>({
  name: 'eigh',
  abstractEval: ([a]) => {
    checkSquare('eigh', a!);
    return [new Aval(a!.shape.slice(0, -1), a!.dtype), new Aval(a!.shape, a!.dtype)];
  },
  impl: (args, _p, outs) => runLinalg(args, outs, 'eigh',
    (k, [a]) => k.eigh!(a, args[0]!.aval, outs[0]!, outs[1]!),
    ([a]) => eighKernel(a!, args[0]!.aval, outs[0]!, outs[1]!)),
  jvp: ([a], [ta]) => {
    const [w, v] = eigh(a!);
    if (ta instanceof Zero) return [[w!, v!], [new Zero(w!.aval), new Zero(v!.aval)]];
    const n = v!.shape[v!.ndim - 1]!;
    const m = bmm(bmm(mT(v!), symmetrize(ta!)), v!);
    const dw = reduceSum(mul(m, constMatrix(n, v!.dtype, (i, j) => (i === j ? 1 : 0))), [m.ndim - 1]);
    const lead = w!.shape.slice(0, -1);
    const diff = sub(reshape(w!, [...lead, 1, n]), reshape(w!, [...lead, n, 1])); // w_j − w_i
    const zero = eq(diff, scalar(0, w!.dtype));
    const f = select(zero, scalar(0, w!.dtype), div(scalar(1, w!.dtype), select(zero, scalar(1, w!.dtype), diff)));
    return [[w!, v!], [dw, bmm(v!, mul(f, m))]];
  },
  batch: (_s, [a], [d]) => [eigh(moveAxis(a!, d!, 0)), [0, 0]],
});

/** @internal Ascending eigenvalues `[..., n]` and column eigenvectors `[..., n, n]`. */
export function eigh(a: Tensor): Tensor[] {
  return bind(eighP, [a], {});
}
