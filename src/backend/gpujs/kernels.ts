/**
 * The gpujs kernel table and its routing between the device and the host.
 *
 * gpu.js computes in float32 only, so:
 * - float32 and bool kernels run on the device;
 * - float64 kernels, and kernels producing int32 from arithmetic (int32 `add`, casts to int32,
 *   int32 reductions), run on the host with the js reference kernels: results are exact, at the
 *   price of a download of device inputs. float64 on gpujs therefore means "computed by the js
 *   backend", never "silently float32";
 * - movement kernels (transpose, slice, pad, concat, take, ...) run where their data lives:
 *   int32 data on the device (argmax results, for instance) stays there, since moving values
 *   is exact;
 * - `argmax` and float32 `iota` run on the device (positions are exact below 2^24);
 * - `randomBits` runs on the host with the shared Threefry code, so its bits are identical to the
 *   js backend's; float samples are uploaded on first use;
 * - any kernel with an empty input or output runs on the host, and so does, in GL modes, any
 *   kernel touching a tensor of 2^24 elements or more (GL index arithmetic is float32).
 * @module
 */
import type { Kernels } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { Aval } from '../../tensor/aval.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { contiguous } from './codegen.js';
import { MAX_ARRAY_ARGS } from './compile-cache.js';
import { dotOnDevice } from './dot.js';
import { binarySpec, selectSpec, toBoolSpec, unarySpec } from './elementwise.js';
import { concatSpec, iotaSpec, padSpec, scatterAddSpec, takeSpec } from './movement.js';
import { reduceOnDevice } from './reduce.js';
import type { GpujsBackend } from './backend.js';
import type { GpuBuf } from './texture-pool.js';

/**
 * GL kernels index in float32, exact below 2^24; larger tensors run on the host.
 * @example
 * ```ts
 * const onDevice = aval.size < GL_MAX_ELEMENTS;
 * ```
 */
export const GL_MAX_ELEMENTS = 1 << 24;

/**
 * scatterAdd costs `out.size × indices` on the device; above this it runs on the host.
 * @example
 * ```ts
 * const onDevice = out.size * idx.size <= SCATTER_DEVICE_LIMIT;
 * ```
 */
export const SCATTER_DEVICE_LIMIT = 1 << 26;

const js = jsBackend.kernels;

/**
 * Builds the kernel table of a gpujs backend (routing each kernel to the device or the host).
 * @param be - the backend (device operations, buffers, host fallback).
 * @returns the kernels.
 * @example
 * ```ts
 * this.kernels = makeKernels(this);
 * ```
 */
export function makeKernels(be: GpujsBackend): Kernels<GpuBuf> {
  const dev = (...dts: DType[]): boolean => dts.every((d) => d === 'float32' || d === 'bool');
  // GL index arithmetic is float32: exact only below 2^24 elements; bigger tensors go to the host.
  const limit = be.flavor === 'gl' ? GL_MAX_ELEMENTS : Number.MAX_SAFE_INTEGER;
  const nonEmpty = (...avs: Aval[]): boolean => avs.every((a) => a.size > 0 && a.size < limit);
  const movable = (x: GpuBuf, ax: Aval): boolean => ax.dtype !== 'float64' && (dev(ax.dtype) || be.resident(x));
  const rd = (b: GpuBuf, a: Aval): TypedArray => be.read(b, a);
  const host = (out: Aval, f: () => TypedArray): GpuBuf => be.host(f(), out.dtype);

  const kernels: Kernels<GpuBuf> = {
    unary(op, x, ax, out) {
      if (dev(ax.dtype, out.dtype) && nonEmpty(out)) {
        const spec = unarySpec(op, out.shape, be.flavor);
        return be.run(spec, [x], spec.specials);
      }
      return host(out, () => js.unary(op, rd(x, ax), ax, out));
    },
    binary(op, x, y, ax, ay, out) {
      if (dev(ax.dtype, ay.dtype, out.dtype) && nonEmpty(ax, ay, out)) {
        const spec = binarySpec(op, ax.shape, ay.shape, out.shape, be.flavor);
        return be.run(spec, [x, y], spec.specials);
      }
      return host(out, () => js.binary(op, rd(x, ax), rd(y, ay), ax, ay, out));
    },
    select(p, x, y, ap, ax, ay, out) {
      if (dev(ap.dtype, ax.dtype, ay.dtype, out.dtype) && nonEmpty(ap, ax, ay, out)) {
        return be.run(selectSpec(ap.shape, ax.shape, ay.shape, out.shape, be.flavor), [p, x, y]);
      }
      return host(out, () => js.select(rd(p, ap), rd(x, ax), rd(y, ay), ap, ax, ay, out));
    },
    cast(x, ax, out) {
      if (ax.dtype === out.dtype || (ax.dtype === 'bool' && out.dtype === 'float32')) return be.share(x);
      if (ax.dtype === 'float32' && out.dtype === 'bool' && nonEmpty(out)) return be.run(toBoolSpec(out.shape, be.flavor), [x]);
      return host(out, () => js.cast(rd(x, ax), ax, out));
    },
    reduce(op, x, ax, axes, out) {
      const ok = op === 'argmax' ? dev(ax.dtype) : dev(ax.dtype, out.dtype);
      if (ok && nonEmpty(ax, out)) return reduceOnDevice(be, op, x, ax.shape, axes);
      return host(out, () => js.reduce(op, rd(x, ax), ax, axes, out));
    },
    reshape(x) {
      return be.share(x);
    },
    transpose(x, ax, perm, out) {
      if (movable(x, ax) && nonEmpty(ax, out)) {
        const s = contiguous(ax.shape);
        return be.gather(x, out.shape, perm.map((p) => s[p]!), 0);
      }
      return host(out, () => js.transpose(rd(x, ax), ax, perm, out));
    },
    broadcastInDim(x, ax, dims, out) {
      if (movable(x, ax) && nonEmpty(ax, out)) {
        const s = contiguous(ax.shape);
        const os = new Array<number>(out.shape.length).fill(0);
        dims.forEach((d, i) => { os[d] = ax.shape[i] === 1 && out.shape[d] !== 1 ? 0 : s[i]!; });
        return be.gather(x, out.shape, os, 0);
      }
      return host(out, () => js.broadcastInDim(rd(x, ax), ax, dims, out));
    },
    slice(x, ax, starts, out) {
      if (movable(x, ax) && nonEmpty(ax, out)) {
        const s = contiguous(ax.shape);
        const base = starts.reduce((acc, st, i) => acc + st * s[i]!, 0);
        return be.gather(x, out.shape, s, base);
      }
      return host(out, () => js.slice(rd(x, ax), ax, starts, out));
    },
    pad(x, ax, lo, out) {
      if (movable(x, ax) && nonEmpty(ax, out) && lo.every((l) => l >= 0)) return be.run(padSpec(ax.shape, lo, out.shape), [x]);
      return host(out, () => js.pad(rd(x, ax), ax, lo, out));
    },
    concat(xs, axs, axis, out) {
      const keep = xs.map((x, i) => ({ x, a: axs[i]! })).filter((e) => e.a.size > 0);
      if (!nonEmpty(out, ...keep.map((e) => e.a)) || !keep.every((e) => movable(e.x, e.a))) {
        return host(out, () => js.concat(xs.map((x, i) => rd(x, axs[i]!)), axs, axis, out));
      }
      if (keep.length === 1) return be.share(keep[0]!.x);
      return concatOnDevice(be, keep, axis, out);
    },
    take(x, idx, ax, aidx, axis, out) {
      if (movable(x, ax) && nonEmpty(ax, aidx, out)) {
        return be.run(takeSpec(ax.shape, aidx.size, axis), [x, idx]);
      }
      return host(out, () => js.take(rd(x, ax), rd(idx, aidx), ax, aidx, axis, out));
    },
    scatterAdd(idx, upd, aidx, aupd, axis, out) {
      if (dev(aupd.dtype, out.dtype) && nonEmpty(aidx, aupd, out) && out.size * aidx.size <= SCATTER_DEVICE_LIMIT) {
        return be.run(scatterAddSpec(out.shape, aidx.size, axis, be.flavor), [idx, upd]);
      }
      return host(out, () => js.scatterAdd(rd(idx, aidx), rd(upd, aupd), aidx, aupd, axis, out));
    },
    dotGeneral(x, y, ax, ay, dims, out) {
      if (ax.dtype === 'float32' && ay.dtype === 'float32' && out.dtype === 'float32' && nonEmpty(ax, ay, out)) {
        return dotOnDevice(be, x, y, ax.shape, ay.shape, dims);
      }
      return host(out, () => js.dotGeneral(rd(x, ax), rd(y, ay), ax, ay, dims, out));
    },
    iota(dim, out) {
      if (out.dtype === 'float32' && nonEmpty(out)) return be.run(iotaSpec(dim, out.shape), []);
      return host(out, () => js.iota(dim, out));
    },
    randomBits(key, akey, dist, out) {
      return host(out, () => js.randomBits(rd(key, akey), akey, dist, out));
    },
  };
  return kernels;
}

interface Part { readonly x: GpuBuf; readonly a: Aval }

function concatOnDevice(be: GpujsBackend, parts: readonly Part[], axis: number, out: Aval): GpuBuf {
  if (parts.length <= MAX_ARRAY_ARGS) {
    return be.run(concatSpec(parts.map((p) => p.a.shape), axis, out.shape), parts.map((p) => p.x));
  }
  // More inputs than a kernel may take: concatenate groups, then the groups.
  const groups: Part[] = [];
  const temps: GpuBuf[] = [];
  for (let i = 0; i < parts.length; i += MAX_ARRAY_ARGS) {
    const chunk = parts.slice(i, i + MAX_ARRAY_ARGS);
    const shape = [...out.shape];
    shape[axis] = chunk.reduce((s, p) => s + p.a.shape[axis]!, 0);
    const a = new Aval(shape, out.dtype);
    const x = chunk.length === 1 ? chunk[0]!.x : concatOnDevice(be, chunk, axis, a);
    if (chunk.length > 1) temps.push(x);
    groups.push({ x, a });
  }
  const res = concatOnDevice(be, groups, axis, out);
  for (const t of temps) be.release(t);
  return res;
}
