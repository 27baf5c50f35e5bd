/**
 * Strided index loops shared by the reference kernels. Each loop walks the output in
 * row-major order with an odometer over all axes but the last, and a plain inner loop over
 * the last axis (no per-element callbacks on the hot paths).
 * @module
 */
import type { TypedArray } from '../../tensor/dtype.js';
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
 * @internal Drops size-1 axes and merges adjacent axes that are contiguous in every stride set,
 * so loops run over as few, as long axes as possible.
 */
export function coalesce(shape: Shape, strideSets: readonly (readonly number[])[]): [number[], number[][]] {
  const dims: number[] = [];
  const sets: number[][] = strideSets.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strideSets.every((st, s) => sets[s]![last] === st[d]! * n)) {
      dims[last] = dims[last]! * n;
      strideSets.forEach((st, s) => { sets[s]![last] = st[d]!; });
    } else {
      dims.push(n);
      strideSets.forEach((st, s) => sets[s]!.push(st[d]!));
    }
  }
  if (dims.length === 0) return [[1], strideSets.map(() => [0])];
  return [dims, sets];
}

/** @internal Advances an odometer over axes `0..last-1`; returns false when done. Offsets are updated in place. */
function step(idx: Int32Array, shape: Shape, offs: Float64Array, strides: readonly (readonly number[])[], last: number): boolean {
  let d = last - 1;
  while (d >= 0) {
    idx[d]!++;
    for (let s = 0; s < strides.length; s++) offs[s]! += strides[s]![d]!;
    if (idx[d]! < shape[d]!) return true;
    for (let s = 0; s < strides.length; s++) offs[s]! -= strides[s]![d]! * shape[d]!;
    idx[d] = 0;
    d--;
  }
  return false;
}

/** @internal `dst[i] = src[base + Σ idx·strides]` over `shape` in row-major order. */
export function gather(dst: TypedArray, src: TypedArray, shape0: Shape, strides0: readonly number[], base = 0): void {
  if (sizeOf(shape0) === 0) return;
  const [shape, [strides]] = coalesce(shape0, [strides0]) as [number[], [number[]]];
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[base]!;
    return;
  }
  const last = rank - 1, inner = shape[last]!, is = strides[last]!;
  const idx = new Int32Array(rank);
  const offs = new Float64Array([base]);
  const all = [strides];
  let o = 0;
  do {
    const a = offs[0]!;
    if (is === 1) for (let k = 0; k < inner; k++) dst[o + k] = src[a + k]!;
    else for (let k = 0; k < inner; k++) dst[o + k] = src[a + k * is]!;
    o += inner;
  } while (step(idx, shape, offs, all, last));
}

/** @internal `dst[base + Σ idx·dstStrides] = src[i]` over `shape` (the inverse of gather). */
export function scatter(dst: TypedArray, src: TypedArray, shape0: Shape, dstStrides0: readonly number[], base = 0): void {
  if (sizeOf(shape0) === 0) return;
  const [shape, [dstStrides]] = coalesce(shape0, [dstStrides0]) as [number[], [number[]]];
  const rank = shape.length;
  if (rank === 0) {
    dst[base] = src[0]!;
    return;
  }
  const last = rank - 1, inner = shape[last]!, ds = dstStrides[last]!;
  const idx = new Int32Array(rank);
  const offs = new Float64Array([base]);
  const all = [dstStrides];
  let i = 0;
  do {
    const b = offs[0]!;
    for (let k = 0; k < inner; k++) dst[b + k * ds] = src[i + k]!;
    i += inner;
  } while (step(idx, shape, offs, all, last));
}

/** @internal `dst[i] = f(x[offX], y[offY])` with per-axis strides (broadcasting). */
export function binaryStrided(dst: TypedArray, x: TypedArray, y: TypedArray, shape0: Shape, sx0: readonly number[], sy0: readonly number[], f: (a: number, b: number) => number): void {
  if (sizeOf(shape0) === 0) return;
  const [shape, [sx, sy]] = coalesce(shape0, [sx0, sy0]) as [number[], [number[], number[]]];
  const rank = shape.length;
  const last = rank - 1, inner = shape[last]!, ix = sx[last]!, iy = sy[last]!;
  const idx = new Int32Array(rank);
  const offs = new Float64Array(2);
  const all = [sx, sy];
  let o = 0;
  do {
    const a = offs[0]!, b = offs[1]!;
    for (let k = 0; k < inner; k++) dst[o + k] = f(x[a + k * ix]!, y[b + k * iy]!);
    o += inner;
  } while (step(idx, shape, offs, all, last));
}

/** @internal Offsets of each output element into a source with the given strides. */
export function offsets(shape0: Shape, strides0: readonly number[]): Int32Array {
  const n = sizeOf(shape0);
  const res = new Int32Array(n);
  if (n === 0) return res;
  const [shape, [strides]] = coalesce(shape0, [strides0]) as [number[], [number[]]];
  const rank = shape.length, last = rank - 1, inner = shape[last]!, is = strides[last]!;
  const idx = new Int32Array(rank);
  const offs = new Float64Array(1);
  const all = [strides];
  let o = 0;
  do {
    const a = offs[0]!;
    for (let k = 0; k < inner; k++) res[o + k] = a + k * is;
    o += inner;
  } while (step(idx, shape, offs, all, last));
  return res;
}

/**
 * @internal How a broadcast operand of shape `s` meets an output of shape `o`: `'rows'` when it is the
 * trailing block of `o` (repeated for every leading index), `'cols'` when it is the leading block
 * followed by size-1 axes (one value per run of trailing elements), else null.
 */
export function blockKind(s: readonly number[], o: readonly number[]): 'rows' | 'cols' | null {
  const off = o.length - s.length;
  let lead = 0;
  while (lead < s.length && s[lead] === 1) lead++;
  let rows = true;
  for (let i = lead; i < s.length; i++) if (s[i] !== o[i + off]) { rows = false; break; }
  if (rows) return 'rows';
  let end = s.length;
  while (end > 0 && s[end - 1] === 1) end--;
  for (let i = 0; i < end; i++) if (s[i] !== o[i + off]) return null;
  for (let i = 0; i < off; i++) if (o[i] !== 1) return null;
  return 'cols';
}
