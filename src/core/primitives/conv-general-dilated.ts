/**
 * `conv_general_dilated` primitive: channels-last N-D convolution (1 to 3 spatial axes) with
 * strides, padding (`[lo, hi]`, negative crops), input and kernel dilation and feature groups.
 * Input `[N, ...S, C]`, kernel `[...K, C/G, O]`, output `[N, ...S', O]`. Bilinear.
 *
 * ```text
 * out[n, o, g·Og + j] = Σ_k Σ_i  x̃[n, o·s + k·rd − lo, g·Cg + i] · w[k, i, g·Og + j]     (x̃: x dilated by ld)
 * transpose in x: conv(ct, flip(w with in/out swapped per group)), strides ld, input dilation s,
 *                 padding (dk − lo − 1, dx + dk − 1 − dct − (dk − lo − 1))
 * transpose in w: conv(x as [Cg, S, G·N], ct as [S', N, O]), strides rd, input dilation ld,
 *                 kernel dilation s, padding (lo, dct − dx + dk − lo − 1), then [Cg, K, O] → [K, Cg, O]
 * ```
 * (`dx`, `dk`, `dct`: dilated sizes of the input, the kernel and the cotangent.) Both transposes
 * are convolutions with feature groups only, so the primitive needs no batch-group count.
 *
 * Batching: a mapped input folds into `N`; a mapped kernel is folded into the output features
 * (inside each group); both mapped becomes `B·G` feature groups. So `vmap(grad)` of a conv net
 * (per-example gradients) is a handful of grouped convolutions, never a loop over examples.
 * @module
 */
import { getBackend, type ConvParams } from '../../backend/backend.js';
import { convKernel, convOutSize, dilatedSize } from '../../backend/js/conv.js';
import { DTypeError, ShapeError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import { fromTyped, zeros } from '../../tensor/creation.js';
import { isFloat } from '../../tensor/dtype.js';
import { ConcreteTensor, type Tensor } from '../../tensor/tensor.js';
import { bind1 } from '../interpreter.js';
import { definePrimitive, type BDim } from '../primitive.js';
import { UndefPrimal, Zero } from '../zero.js';
import { add } from './add.js';
import { moveAxis, runKernel } from './_rules.js';
import { reshape } from './reshape.js';
import { take } from './take.js';
import { transpose } from './transpose.js';

export type { ConvParams } from '../../backend/backend.js';

const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
const list = (v: readonly number[]): string => `[${v.join(',')}]`;

function checkParams(ax: Aval, p: ConvParams, d: number): void {
  const fail = (argument: string, what: string, got: string) => {
    throw new ShapeError(`conv: ${argument} must be ${what} for ${d} spatial axes of ${ax.toString()}, got ${got}.`, { op: 'conv', argument, expected: what, received: got });
  };
  const ints = (v: readonly number[] | undefined, name: string, min: number) => {
    if (!Array.isArray(v) || v.length !== d || v.some((e) => !Number.isInteger(e) || e < min)) fail(name, `${d} integers ≥ ${min}`, Array.isArray(v) ? list(v) : String(v));
  };
  ints(p.strides, 'strides', 1);
  ints(p.lhsDilation, 'lhsDilation', 1);
  ints(p.rhsDilation, 'dilation', 1);
  if (!Array.isArray(p.padding) || p.padding.length !== d || p.padding.some((q) => !Array.isArray(q) || q.length !== 2 || !Number.isInteger(q[0]) || !Number.isInteger(q[1]))) {
    fail('padding', `${d} integer pairs [lo, hi]`, JSON.stringify(p.padding));
  }
  if (!Number.isInteger(p.groups) || p.groups < 1) fail('groups', 'a positive integer', String(p.groups));
}

/** @internal Output aval of a convolution; throws the structured errors. */
export function convAval(ax: Aval, aw: Aval, p: ConvParams): Aval {
  const desc = `input ${ax.toString()} and kernel ${aw.toString()}`;
  if (ax.dtype !== aw.dtype || !isFloat(ax.dtype)) {
    throw new DTypeError(`conv: input and kernel must share a floating dtype, got ${desc}.`, { op: 'conv', argument: 'w', expected: 'float32 or float64, equal', received: desc });
  }
  const d = aw.ndim - 2;
  if (d < 1 || d > 3 || ax.ndim !== d + 2) {
    throw new ShapeError(`conv: expected an input [N, ...spatial, C] and a kernel [...window, C/groups, O] with 1 to 3 spatial axes, got ${desc}.`, {
      op: 'conv', argument: d < 1 || d > 3 ? 'w' : 'x', expected: 'rank(x) = rank(w), 3 to 5', received: desc,
    });
  }
  checkParams(ax, p, d);
  const c = ax.shape[d + 1]!, ci = aw.shape[d]!, o = aw.shape[d + 1]!, g = p.groups;
  if (c % g !== 0 || o % g !== 0 || ci * g !== c) {
    throw new ShapeError(`conv: the kernel's input channels times groups (${ci}·${g}) must equal the input channels ${c}, and groups must divide the output channels ${o}, got ${desc}.`, {
      op: 'conv', argument: 'w', expected: `w.shape[${d}] = ${c}/${g}, ${o} divisible by ${g}`, received: desc,
    });
  }
  const shape = [ax.shape[0]!];
  for (let a = 0; a < d; a++) {
    const k = aw.shape[a]!, n = ax.shape[a + 1]!;
    const [lo, hi] = p.padding[a]!;
    const padded = dilatedSize(n, p.lhsDilation[a]!) + lo + hi, dk = dilatedSize(k, p.rhsDilation[a]!);
    if (k < 1 || padded < dk) {
      throw new ShapeError(`conv: spatial axis ${a}: the padded input (${padded}) is shorter than the dilated window (${dk}), got ${desc} with padding ${list([lo, hi])}.`, {
        op: 'conv', argument: 'padding', expected: `padded size ≥ ${dk}`, received: desc,
      });
    }
    shape.push(convOutSize(n, k, p.strides[a]!, lo, hi, p.lhsDilation[a]!, p.rhsDilation[a]!));
  }
  shape.push(o);
  return new Aval(shape, ax.dtype);
}

function convImpl(args: readonly ConcreteTensor[], p: ConvParams, out: Aval): ConcreteTensor[] {
  const b = getBackend();
  const [x, w] = args as [ConcreteTensor, ConcreteTensor];
  if (b.kernels.conv !== undefined) return runKernel(args, out, (k, [bx, bw]) => k.conv!(bx, bw, x.aval, w.aval, p, out));
  // Host fallback (e.g. gpujs): the reference kernel on the buffers' data.
  const data = convKernel(x.readData('conv'), w.readData('conv'), x.aval, w.aval, p, out);
  return [new ConcreteTensor(out, b, b.fromTyped(data, out))];
}

/** @internal Reverses the given axes of `x` (a gather with constant indices, so every rule applies). */
export function flipAxes(x: Tensor, axes: readonly number[]): Tensor {
  let r = x;
  for (const a of axes) {
    const n = r.shape[a]!;
    if (n <= 1) continue;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = n - 1 - i;
    r = take(r, fromTyped(idx, [n], 'int32'), a);
  }
  return r;
}

/**
 * @internal The kernel of the input transpose: `[...K, Cg, G·Og]` → `[...K, Og, G·Cg]` (input and
 * output channels swapped within each group) with the window flipped.
 */
export function transposeKernel(w: Tensor, groups: number): Tensor {
  const d = w.ndim - 2;
  const ks = w.shape.slice(0, d);
  const cg = w.shape[d]!, og = w.shape[d + 1]! / groups;
  const split = reshape(w, [...ks, cg, groups, og]);
  const swapped = transpose(split, [...range(0, d), d + 2, d + 1, d]);
  return flipAxes(reshape(swapped, [...ks, og, groups * cg]), range(0, d));
}

function transposeLhs(ct: Tensor, w: Tensor, xa: Aval, p: ConvParams): Tensor {
  const d = w.ndim - 2;
  const padding = range(0, d).map((a): [number, number] => {
    const dx = dilatedSize(xa.shape[a + 1]!, p.lhsDilation[a]!);
    const dk = dilatedSize(w.shape[a]!, p.rhsDilation[a]!);
    const dct = dilatedSize(ct.shape[a + 1]!, p.strides[a]!);
    const before = dk - p.padding[a]![0] - 1;
    return [before, dx + dk - 1 - dct - before];
  });
  return convGeneralDilated(ct, transposeKernel(w, p.groups), {
    strides: p.lhsDilation, padding, lhsDilation: p.strides, rhsDilation: p.rhsDilation, groups: p.groups,
  });
}

function transposeRhs(ct: Tensor, x: Tensor, wa: Aval, p: ConvParams): Tensor {
  const d = wa.ndim - 2;
  const g = p.groups, n = x.shape[0]!, cg = wa.shape[d]!;
  const sp = x.shape.slice(1, d + 1);
  // x [N, S, G, Cg] → [Cg, S, G, N] → [Cg, S, G·N]: the examples become the contracted features.
  const xs = transpose(reshape(x, [n, ...sp, g, cg]), [d + 2, ...range(1, d + 1), d + 1, 0]);
  const lhs = reshape(xs, [cg, ...sp, g * n]);
  const rhs = transpose(ct, [...range(1, d + 1), 0, d + 1]); // [S', N, O]
  const padding = range(0, d).map((a): [number, number] => {
    const dx = dilatedSize(x.shape[a + 1]!, p.lhsDilation[a]!);
    const dk = dilatedSize(wa.shape[a]!, p.rhsDilation[a]!);
    const dct = dilatedSize(ct.shape[a + 1]!, p.strides[a]!);
    const lo = p.padding[a]![0];
    return [lo, dct - dx + dk - lo - 1];
  });
  const r = convGeneralDilated(lhs, rhs, { strides: p.rhsDilation, padding, lhsDilation: p.lhsDilation, rhsDilation: p.strides, groups: g });
  return transpose(r, [...range(1, d + 1), 0, d + 1]); // [Cg, K, O] → [K, Cg, O]
}

function batchConv(size: number, x: Tensor, w: Tensor, dx: BDim, dw: BDim, p: ConvParams): [Tensor[], BDim[]] {
  const d = p.strides.length;
  const g = p.groups;
  if (dw === null) {
    const xb = moveAxis(x, dx!, 0);
    const y = convGeneralDilated(reshape(xb, [size * xb.shape[1]!, ...xb.shape.slice(2)]), w, p);
    return [[reshape(y, [size, xb.shape[1]!, ...y.shape.slice(1)])], [0]];
  }
  if (size === 0) {
    // No kernels to fold into feature groups: the (empty) result from the per-example shapes.
    const xa = dx === null ? x.aval : new Aval(x.shape.filter((_, i) => i !== dx), x.dtype);
    const out = convAval(xa, new Aval(w.shape.filter((_, i) => i !== dw), w.dtype), p);
    return [[zeros([0, ...out.shape], out.dtype)], [0]];
  }
  const wb = moveAxis(w, dw, 0); // [B, ...K, Cg, O]
  const ks = wb.shape.slice(1, d + 1), cg = wb.shape[d + 1]!, o = wb.shape[d + 2]!, og = o / g;
  if (dx === null) {
    // [B, K, Cg, G, Og] → [K, Cg, G, B, Og]: each group's outputs hold every kernel of the batch.
    const wk = transpose(reshape(wb, [size, ...ks, cg, g, og]), [...range(1, d + 2), d + 2, 0, d + 3]);
    const y = convGeneralDilated(x, reshape(wk, [...ks, cg, g * size * og]), p);
    const os = y.shape.slice(0, d + 1);
    const yb = transpose(reshape(y, [...os, g, size, og]), [d + 2, ...range(0, d + 1), d + 1, d + 3]);
    return [[reshape(yb, [size, ...os, o])], [0]];
  }
  // Both mapped: B·G feature groups, batch-major (group b·G + g).
  const xb = moveAxis(x, dx, 0); // [B, N, S, C]
  const xg = transpose(xb, [...range(1, d + 2), 0, d + 2]); // [N, S, B, C]
  const c = xb.shape[d + 2]!;
  const lhs = reshape(xg, [...xg.shape.slice(0, d + 1), size * c]);
  const wk = transpose(wb, [...range(1, d + 2), 0, d + 2]); // [K, Cg, B, O]
  const rhs = reshape(wk, [...ks, cg, size * o]);
  const y = convGeneralDilated(lhs, rhs, { ...p, groups: size * g });
  const os = y.shape.slice(0, d + 1);
  return [[moveAxis(reshape(y, [...os, size, o]), d + 1, 0)], [0]];
}

/** @internal */
export const convGeneralDilatedP = definePrimitive<ConvParams>({
  name: 'conv_general_dilated',
  abstractEval: ([ax, aw], p) => [convAval(ax!, aw!, p)],
  impl: (args, p, outs) => convImpl(args, p, outs[0]!),
  jvp: ([x, w], [tx, tw], p) => {
    const y = convGeneralDilated(x!, w!, p);
    const a = tx instanceof Zero ? null : convGeneralDilated(tx!, w!, p);
    const b = tw instanceof Zero ? null : convGeneralDilated(x!, tw!, p);
    return [[y], [a && b ? add(a, b) : a ?? b ?? new Zero(y.aval)]];
  },
  transpose: ([ct], [x, w], p) => {
    if (ct instanceof Zero) return [null, null];
    return [
      x instanceof UndefPrimal ? transposeLhs(ct!, w as Tensor, x.aval, p) : null,
      w instanceof UndefPrimal ? transposeRhs(ct!, x as Tensor, w.aval, p) : null,
    ];
  },
  batch: (size, [x, w], [dx, dw], p) => batchConv(size, x!, w!, dx!, dw!, p),
  pretty: (p) => `strides=${list(p.strides)} padding=${JSON.stringify(p.padding)} lhs_dilation=${list(p.lhsDilation)} rhs_dilation=${list(p.rhsDilation)} groups=${p.groups}`,
});

/** @internal Binds `conv_general_dilated` (channels-last; see the module comment). */
export function convGeneralDilated(x: Tensor, w: Tensor, p: ConvParams): Tensor {
  return bind1(convGeneralDilatedP, [x, w], p);
}
