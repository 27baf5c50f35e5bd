/**
 * Strided index loops shared by the reference kernels.
 * @module
 */
import type { Shape } from '../../tensor/shape.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';

/** @internal Strides of `shape` aligned right to an output of rank `rank`, 0 on broadcast axes. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const rank = outShape.length;
  const s = stridesOf(shape);
  const out = new Array<number>(rank).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const j = rank - shape.length + i;
    out[j] = shape[i] === 1 && outShape[j] !== 1 ? 0 : s[i]!;
  }
  return out;
}

/**
 * @internal Visits every index of `shape` in row-major order, calling `fn(outIndex, offA, offB, offC)`
 * with offsets advanced by the given per-axis strides.
 */
export function forEachStrided(
  shape: Shape,
  sa: readonly number[],
  sb: readonly number[] | null,
  sc: readonly number[] | null,
  fn: (i: number, a: number, b: number, c: number) => void,
  baseA = 0,
  baseB = 0,
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const rank = shape.length;
  if (rank === 0) {
    fn(0, baseA, baseB, 0);
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const inner = shape[last]!;
  const ia = sa[last]!;
  const ib = sb ? sb[last]! : 0;
  const ic = sc ? sc[last]! : 0;
  let a = baseA, b = baseB, c = 0, i = 0;
  for (;;) {
    for (let k = 0; k < inner; k++) fn(i++, a + k * ia, b + k * ib, c + k * ic);
    let d = last - 1;
    while (d >= 0) {
      idx[d]!++;
      a += sa[d]!;
      if (sb) b += sb[d]!;
      if (sc) c += sc[d]!;
      if (idx[d]! < shape[d]!) break;
      a -= sa[d]! * shape[d]!;
      if (sb) b -= sb[d]! * shape[d]!;
      if (sc) c -= sc[d]! * shape[d]!;
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}
