/**
 * `triangular_solve` primitive: X with op(A) X = B (`leftSide`) or X op(A) = B, A triangular
 * (`lower` or upper; only that triangle is read, and not its diagonal when `unitDiagonal`),
 * op(A) = A or Aᵀ (`transposeA`), over equal leading batch axes. Linear in B.
 *
 * ```text
 * left:   dX = op(A)⁻¹ (dB − op(dÃ) X)        right:  dX = (dB − X op(dÃ)) op(A)⁻¹
 *         (dÃ = dA restricted to the triangle A is read from)
 * transpose in B:  B̄ = triangular_solve(A, X̄) with op(A) replaced by op(A)ᵀ (same side)
 * ```
 * A zero (or non-finite) diagonal entry is a ValueError naming it. Batching moves the mapped axis to
 * the front (an unmapped operand is broadcast), where it is one more batch axis.
 * @module
 */
import { triangularSolveKernel, type TriangularSolveParams } from '../../backend/js/linalg.js';
import { DTypeError, ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { batchToFront } from './_rules.js';
import { bmm, checkSquare, constMatrix, mT, runLinalg } from './_linalg.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { sub } from './sub.js';

export type { TriangularSolveParams } from '../../backend/js/linalg.js';

function solveAval(aa: Aval, ab: Aval, p: TriangularSolveParams): Aval {
  const op = 'triangularSolve';
  const n = checkSquare(op, aa);
  if (ab.dtype !== aa.dtype) {
    throw new DTypeError(`${op}: 'a' and 'b' must have the same dtype, got ${aa.toString()} and ${ab.toString()}.`, { op, argument: 'b', expected: aa.dtype, received: ab.toString() });
  }
  const desc = `${aa.toString()} and ${ab.toString()}`;
  if (ab.ndim !== aa.ndim || ab.shape.slice(0, -2).some((d, i) => d !== aa.shape[i])) {
    throw new ShapeError(`${op}: 'b' must have the batch shape of 'a' and be a matrix ([..., n, k] or [..., k, n]), got ${desc}.`, { op, argument: 'b', expected: `[${aa.shape.slice(0, -2).join(',')}${aa.ndim > 2 ? ',' : ''}…, …]`, received: desc });
  }
  const m = p.leftSide ? ab.shape[ab.ndim - 2] : ab.shape[ab.ndim - 1];
  if (m !== n) {
    throw new ShapeError(`${op}: ${p.leftSide ? 'the rows' : 'the columns'} of 'b' must match the order of 'a' (${p.leftSide ? 'left' : 'right'} side), got ${desc} (${m} ≠ ${n}).`, { op, argument: 'b', expected: `${n} ${p.leftSide ? 'rows' : 'columns'}`, received: desc });
  }
  return new Aval(ab.shape, ab.dtype);
}

/** The part of `da` that A's kernel reads: its triangle, without the diagonal when unit. */
function triangle(da: Tensor, p: TriangularSolveParams): Tensor {
  const n = da.shape[da.ndim - 1]!;
  const keep = (i: number, j: number): boolean => (p.lower ? j < i : j > i) || (!p.unitDiagonal && i === j);
  return mul(da, constMatrix(n, da.dtype, (i, j) => (keep(i, j) ? 1 : 0)));
}

/** @internal */
export const triangularSolveP = definePrimitive<TriangularSolveParams>({
  name: 'triangular_solve',
  abstractEval: ([aa, ab], p) => [solveAval(aa!, ab!, p)],
  impl: (args, p, outs) => runLinalg(args, outs, 'triangularSolve',
    (k, [a, b]) => [k.triangularSolve!(a, b, args[0]!.aval, args[1]!.aval, p, outs[0]!)],
    ([a, b]) => [triangularSolveKernel(a!, b!, args[0]!.aval, args[1]!.aval, p, outs[0]!)]),
  jvp: ([a, b], [ta, tb], p) => {
    const x = triangularSolve(a!, b!, p);
    let rhs: Tensor | null = tb instanceof Zero ? null : tb!;
    if (!(ta instanceof Zero)) {
      const t = triangle(ta!, p);
      const opT = p.transposeA ? mT(t) : t;
      const m = p.leftSide ? bmm(opT, x) : bmm(x, opT);
      rhs = rhs === null ? neg(m) : sub(rhs, m);
    }
    return [[x], [rhs === null ? new Zero(x.aval) : triangularSolve(a!, rhs, p)]];
  },
  transpose: ([ct], [a, b], p) => {
    if (a instanceof UndefPrimal) throw new Error('triangular_solve: transpose is linear in b only');
    if (ct instanceof Zero || !(b instanceof UndefPrimal)) return [null, null];
    return [null, triangularSolve(a as Tensor, ct!, { ...p, transposeA: !p.transposeA })];
  },
  batch: (size, [a, b], [da, db], p) => [[triangularSolve(batchToFront(a!, da!, size), batchToFront(b!, db!, size), p)], [0]],
  pretty: (p) => `left=${p.leftSide} lower=${p.lower} transposeA=${p.transposeA} unitDiagonal=${p.unitDiagonal}`,
});

/** @internal X with op(A) X = B (left side) or X op(A) = B, A triangular. */
export function triangularSolve(a: Tensor, b: Tensor, p: TriangularSolveParams): Tensor {
  return bind1(triangularSolveP, [a, b], p);
}
