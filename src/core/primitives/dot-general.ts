/**
 * `dot_general` primitive: generalised batched tensor contraction (XLA's DotGeneral).
 * Output axes are: batch axes, then the left operand's free axes, then the right's. Bilinear.
 *
 * ```text
 * out[b, i, j] = Σ_k x[b, i, k] · y[b, k, j]          (after grouping axes)
 * transpose in x: dot_general(ct, y) contracting the right free axes, permuted to x's layout
 * transpose in y: dot_general(x, ct) contracting the left free axes, permuted to y's layout
 * ```
 * Batching a mapped operand turns it into a batch axis (both mapped) or a free axis (one
 * mapped), so `vmap` of a dense layer is one batched matrix product, not a loop.
 * @module
 */
import type { DotDims } from '../../backend/backend.js';
import { DTypeError, ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive, type BDim } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { moveAxis, runKernel } from './_rules.js';
import { add } from './add.js';
import { transpose } from './transpose.js';

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
const free = (rank: number, c: readonly number[], b: readonly number[]): number[] => range(0, rank).filter((i) => !c.includes(i) && !b.includes(i));

function dotAval(ax: Aval, ay: Aval, d: DotDims): Aval {
  const desc = `${ax.toString()} and ${ay.toString()}`;
  if (ax.dtype !== ay.dtype) throw new DTypeError(`dotGeneral: operands must have the same dtype, got ${desc}.`, { op: 'dotGeneral', received: desc });
  const check = (l: readonly number[], r: readonly number[], what: string) => {
    if (l.length !== r.length) throw new ShapeError(`dotGeneral: ${what} dimension lists differ in length, got [${l.join(',')}] and [${r.join(',')}].`, { op: 'dotGeneral' });
    l.forEach((a, i) => {
      const la = ax.shape[a], rb = ay.shape[r[i]!];
      if (la === undefined || rb === undefined || la !== rb) {
        throw new ShapeError(`dotGeneral: ${what} dimensions must match, got ${desc} (${la} ≠ ${rb}).`, { op: 'dotGeneral', expected: `equal ${what} sizes`, received: desc });
      }
    });
  };
  const distinct = (l: readonly number[], rank: number, side: string) => {
    if (new Set(l).size !== l.length || l.some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) {
      throw new ShapeError(`dotGeneral: the ${side} contracting and batch axes [${l.join(',')}] must be distinct axes of ${side === 'left' ? ax.toString() : ay.toString()}.`, { op: 'dotGeneral', argument: 'dims', received: `[${l.join(',')}]` });
    }
  };
  distinct([...d.lhsContract, ...d.lhsBatch], ax.ndim, 'left');
  distinct([...d.rhsContract, ...d.rhsBatch], ay.ndim, 'right');
  check(d.lhsContract, d.rhsContract, 'contracting');
  check(d.lhsBatch, d.rhsBatch, 'batch');
  const shape = [
    ...d.lhsBatch.map((a) => ax.shape[a]!),
    ...free(ax.ndim, d.lhsContract, d.lhsBatch).map((a) => ax.shape[a]!),
    ...free(ay.ndim, d.rhsContract, d.rhsBatch).map((a) => ay.shape[a]!),
  ];
  return new Aval(shape, ax.dtype);
}

function transposeLhs(ct: Tensor, y: Tensor, xa: Aval, d: DotDims): Tensor {
  const nb = d.lhsBatch.length;
  const xFree = free(xa.ndim, d.lhsContract, d.lhsBatch);
  const yFree = free(y.ndim, d.rhsContract, d.rhsBatch);
  const r = dotGeneral(ct, y, { lhsContract: range(nb + xFree.length, ct.ndim), rhsContract: yFree, lhsBatch: range(0, nb), rhsBatch: d.rhsBatch });
  // r axes: batch, xFree, then y's contract axes in increasing y order
  const sortedRc = [...d.rhsContract].sort((a, b) => a - b);
  const pos = range(0, xa.ndim).map((a) => {
    const bi = d.lhsBatch.indexOf(a);
    if (bi >= 0) return bi;
    const fi = xFree.indexOf(a);
    if (fi >= 0) return nb + fi;
    return nb + xFree.length + sortedRc.indexOf(d.rhsContract[d.lhsContract.indexOf(a)]!);
  });
  return transpose(r, pos);
}

function transposeRhs(ct: Tensor, x: Tensor, ya: Aval, d: DotDims): Tensor {
  const nb = d.lhsBatch.length;
  const xFree = free(x.ndim, d.lhsContract, d.lhsBatch);
  const yFree = free(ya.ndim, d.rhsContract, d.rhsBatch);
  const r = dotGeneral(x, ct, { lhsContract: xFree, rhsContract: range(nb, nb + xFree.length), lhsBatch: d.lhsBatch, rhsBatch: range(0, nb) });
  // r axes: batch, x's contract axes in increasing x order, then yFree
  const sortedLc = [...d.lhsContract].sort((a, b) => a - b);
  const pos = range(0, ya.ndim).map((b) => {
    const bi = d.rhsBatch.indexOf(b);
    if (bi >= 0) return bi;
    const fi = yFree.indexOf(b);
    if (fi >= 0) return nb + sortedLc.length + fi;
    return nb + sortedLc.indexOf(d.lhsContract[d.rhsContract.indexOf(b)]!);
  });
  return transpose(r, pos);
}

const shift = (l: readonly number[]): number[] => l.map((a) => a + 1);

function batchDot(x: Tensor, y: Tensor, dx: BDim, dy: BDim, d: DotDims): [Tensor[], BDim[]] {
  if (dx !== null && dy !== null) {
    const nd = { lhsContract: shift(d.lhsContract), rhsContract: shift(d.rhsContract), lhsBatch: [0, ...shift(d.lhsBatch)], rhsBatch: [0, ...shift(d.rhsBatch)] };
    return [[dotGeneral(moveAxis(x, dx, 0), moveAxis(y, dy, 0), nd)], [0]];
  }
  if (dx !== null) {
    const nd = { ...d, lhsContract: shift(d.lhsContract), lhsBatch: shift(d.lhsBatch) };
    return [[dotGeneral(moveAxis(x, dx, 0), y, nd)], [d.lhsBatch.length]];
  }
  const nd = { ...d, rhsContract: shift(d.rhsContract), rhsBatch: shift(d.rhsBatch) };
  const xFree = free(x.ndim, d.lhsContract, d.lhsBatch).length;
  return [[dotGeneral(x, moveAxis(y, dy!, 0), nd)], [d.lhsBatch.length + xFree]];
}

/** @internal */
export const dotGeneralP = definePrimitive<DotDims>({
  name: 'dot_general',
  abstractEval: ([ax, ay], d) => [dotAval(ax!, ay!, d)],
  impl: (args, d, outs) => runKernel(args, outs[0]!, (k, [x, y]) => k.dotGeneral(x, y, args[0]!.aval, args[1]!.aval, d, outs[0]!)),
  jvp: ([x, y], [tx, ty], d) => {
    const z = dotGeneral(x!, y!, d);
    const a = tx instanceof Zero ? null : dotGeneral(tx!, y!, d);
    const b = ty instanceof Zero ? null : dotGeneral(x!, ty!, d);
    return [[z], [a && b ? add(a, b) : a ?? b ?? new Zero(z.aval)]];
  },
  transpose: ([ct], [x, y], d) => {
    if (ct instanceof Zero) return [null, null];
    return [
      x instanceof UndefPrimal ? transposeLhs(ct!, y as Tensor, x.aval, d) : null,
      y instanceof UndefPrimal ? transposeRhs(ct!, x as Tensor, y.aval, d) : null,
    ];
  },
  batch: (_s, [x, y], [dx, dy], d) => batchDot(x!, y!, dx!, dy!, d),
  pretty: (d) => `contract=([${d.lhsContract.join(',')}],[${d.rhsContract.join(',')}]) batch=([${d.lhsBatch.join(',')}],[${d.rhsBatch.join(',')}])`,
});

/** @internal */
export function dotGeneral(x: Tensor, y: Tensor, dims: DotDims): Tensor {
  return bind1(dotGeneralP, [x, y], dims);
}
