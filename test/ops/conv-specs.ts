// Conformance-table rows (test/conformance/op-specs.ts) for conv, convTranspose, maxPool, avgPool
// and layerNorm: random small cases in 1-D and 2-D with strides, dilation, groups and padding, a
// float64 direct-loop reference (conv-ref.ts), and every property of the table (JVP/VJP vs finite
// differences, second order, vmap with random inAxes and batch size 0, vmap of JVP/VJP, linearity).
import fc from 'fast-check';
import * as cx from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { tensorArb } from '../../src/testing/index.js';
import type { OpSpec } from '../conformance/op-specs.js';
import { arr, type Arr } from '../conformance/ref.js';
import { refConv, refPool, samePad, transposePad } from './conv-ref.js';

type Pair = [number, number];
const int = (min: number, max: number) => fc.integer({ min, max });
const dil = (n: number, d: number) => (n === 0 ? 0 : (n - 1) * d + 1);
const withBatch = (x: Arr, unbatched: boolean): number[] => (unbatched ? [1, ...x.shape] : [...x.shape]);
const out = (r: { data: Float64Array; shape: number[] }, unbatched: boolean): Arr => arr(unbatched ? r.shape.slice(1) : r.shape, r.data);

interface ConvP { readonly opts: cx.ConvTransposeOptions; readonly strides: number[]; readonly dilation: number[]; readonly pads: Pair[]; readonly groups: number; readonly unbatched: boolean }

/** One spatial axis: window, stride, dilation, explicit padding and an input size that fits. */
const axisArb = (transposed: boolean) => fc.record({ k: int(1, 3), s: int(1, 2), r: int(1, 2), lo: int(0, 2), hi: int(0, 2), extra: int(0, 2) }).map((a) => {
  const dk = dil(a.k, a.r);
  const need = Math.max(1, dk - a.lo - a.hi); // the (dilated) input must cover the window
  const n = (transposed ? Math.max(1, Math.ceil((need - 1) / a.s) + 1) : need) + a.extra;
  return { ...a, dk, n };
});

function convArgs(transposed: boolean): fc.Arbitrary<{ args: Tensor[]; params: ConvP }> {
  return int(1, 2).chain((d) => fc.record({
    axes: fc.array(axisArb(transposed), { minLength: d, maxLength: d }),
    n: int(1, 2), g: int(1, 2), cg: int(1, 2), og: int(1, 2), mode: fc.constantFrom('explicit', 'SAME', 'VALID'), unbatched: fc.boolean(),
  })).chain((c) => {
    const strides = c.axes.map((a) => a.s), dilation = c.axes.map((a) => a.r);
    const pads: Pair[] = c.axes.map((a) => (c.mode === 'explicit' ? [a.lo, a.hi]
      : transposed ? transposePad(a.dk, a.s, c.mode === 'SAME') : c.mode === 'SAME' ? samePad(a.n, a.k, a.s, a.r) : [0, 0]));
    // VALID needs the input to cover the window on its own
    const sizes = c.axes.map((a) => (c.mode === 'VALID' && !transposed ? Math.max(a.n, a.dk) : a.n));
    const padding = c.mode === 'explicit' ? pads : c.mode;
    const xs = [...(c.unbatched ? [] : [c.n]), ...sizes, c.g * c.cg];
    const ws = [...c.axes.map((a) => a.k), c.cg, c.g * c.og];
    const params: ConvP = { opts: { strides, dilation, padding: padding as cx.ConvPadding, groups: c.g }, strides, dilation, pads, groups: c.g, unbatched: c.unbatched };
    return fc.tuple(tensorArb({ shape: xs }), tensorArb({ shape: ws })).map(([x, w]) => ({ args: [x, w], params }));
  });
}

interface PoolP { readonly window: number[]; readonly opts: cx.PoolOptions; readonly strides: number[]; readonly pads: Pair[]; readonly unbatched: boolean }

function poolArgs(distinct: boolean): fc.Arbitrary<{ args: Tensor[]; params: PoolP }> {
  const ax = fc.record({ k: int(1, 3), s: int(1, 2), lo: int(0, 2), hi: int(0, 2), extra: int(0, 3) }).map((a) => {
    const lo = Math.min(a.lo, a.k - 1), hi = Math.min(a.hi, a.k - 1); // every window keeps a real element
    return { ...a, lo, hi, n: Math.max(1, a.k - lo - hi) + a.extra };
  });
  return int(1, 2).chain((d) => fc.record({ axes: fc.array(ax, { minLength: d, maxLength: d }), n: int(1, 2), c: int(1, 3), mode: fc.constantFrom('explicit', 'SAME', 'VALID'), defaultStrides: fc.boolean(), unbatched: fc.boolean(), countIncludePad: fc.boolean() }))
    .chain((c) => {
      const window = c.axes.map((a) => a.k);
      const strides = c.defaultStrides ? window : c.axes.map((a) => a.s);
      const sizes = c.axes.map((a) => (c.mode === 'VALID' ? Math.max(a.n, a.k) : a.n));
      const pads: Pair[] = c.axes.map((a, i) => (c.mode === 'explicit' ? [a.lo, a.hi] : c.mode === 'SAME' ? samePad(sizes[i]!, a.k, strides[i]!) : [0, 0]));
      const opts: cx.PoolOptions = { ...(c.defaultStrides ? {} : { strides }), padding: c.mode === 'explicit' ? pads : c.mode, ...(distinct ? {} : { countIncludePad: c.countIncludePad }) };
      const xs = [...(c.unbatched ? [] : [c.n]), ...sizes, c.c];
      return tensorArb({ shape: xs, distinct }).map((x) => ({ args: [x], params: { window, opts, strides, pads, unbatched: c.unbatched } }));
    });
}

const convSpec: OpSpec<ConvP> = {
  name: 'conv',
  fn: ([x, w], p) => cx.conv(x!, w!, p.opts),
  args: convArgs(false),
  ref: ([x, w], p) => out(refConv(x!.data, withBatch(x!, p.unbatched), w!.data, w!.shape, { strides: p.strides, padding: p.pads, dilation: p.dilation, groups: p.groups }), p.unbatched),
  gradOrder: 2,
  linear: [0, 1],
};

const convTransposeSpec: OpSpec<ConvP> = {
  name: 'convTranspose',
  fn: ([x, w], p) => cx.convTranspose(x!, w!, p.opts),
  args: convArgs(true),
  ref: ([x, w], p) => out(refConv(x!.data, withBatch(x!, p.unbatched), w!.data, w!.shape, {
    strides: p.strides.map(() => 1), padding: p.pads, dilation: p.dilation, groups: p.groups, lhsDilation: p.strides,
  }), p.unbatched),
  gradOrder: 2,
  linear: [0, 1],
};

const poolSpec = (kind: 'max' | 'avg'): OpSpec<PoolP> => ({
  name: `${kind}Pool`,
  fn: ([x], p) => (kind === 'max' ? cx.maxPool : cx.avgPool)(x!, p.window, p.opts),
  args: poolArgs(kind === 'max'),
  ref: ([x], p) => out(refPool(x!.data, withBatch(x!, p.unbatched), p.window, p.strides, p.pads, kind, p.opts.countIncludePad ?? true), p.unbatched),
  gradOrder: 2,
  ...(kind === 'avg' ? { linear: [0] } : {}),
});

interface NormP { readonly axis: number[]; readonly affine: boolean }
const layerNormSpec: OpSpec<NormP> = {
  name: 'layerNorm',
  fn: ([x, s, o], p) => cx.layerNorm(x!, { axis: p.axis, epsilon: 0.1, ...(p.affine ? { scale: s!, offset: o! } : {}) }),
  args: fc.record({ lead: fc.array(int(1, 3), { maxLength: 2 }), c: int(2, 5), both: fc.boolean(), affine: fc.boolean() }).chain(({ lead, c, both, affine }) => {
    const sh = [...lead, c];
    const axis = both && lead.length ? [sh.length - 2, sh.length - 1] : [sh.length - 1];
    const args = affine ? [tensorArb({ shape: sh }), tensorArb({ shape: [c] }), tensorArb({ shape: [c] })] : [tensorArb({ shape: sh })];
    return fc.tuple(...(args as [fc.Arbitrary<Tensor>])).map((ts) => ({ args: ts as Tensor[], params: { axis, affine } }));
  }),
  ref: ([x, s, o], p) => {
    const sh = x!.shape, c = sh[sh.length - 1]!;
    const group = p.axis.length === 2 ? c * sh[sh.length - 2]! : c;
    const res = new Float64Array(x!.data.length);
    for (let r = 0; r < x!.data.length / group; r++) {
      const v = x!.data.slice(r * group, (r + 1) * group);
      const mu = v.reduce((a, b) => a + b, 0) / group;
      const va = v.reduce((a, b) => a + (b - mu) ** 2, 0) / group;
      v.forEach((e, i) => {
        const y = (e - mu) / Math.sqrt(va + 0.1);
        res[r * group + i] = p.affine ? y * s!.data[i % c]! + o!.data[i % c]! : y;
      });
    }
    return arr(sh, res);
  },
  gradOrder: 2,
};

/** The rows, appended to the conformance table. */
export const CONV_SPECS: readonly OpSpec[] = [convSpec, convTransposeSpec, poolSpec('max'), poolSpec('avg'), layerNormSpec] as OpSpec[];
