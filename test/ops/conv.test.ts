// conv / convTranspose: conformance against direct float64 loops, JVP against central differences,
// adjointness of both transposes, vmap = loop, vmap(grad) = loop of grad, jit = eager, typed errors.
import { describe, expect, it } from 'vitest';
import {
  DTypeError, ShapeError, ValueError, grad, jit, jvp, makeJaxpr, random, sum, tanh, tensor, vjp, vmap, zeros, type Tensor,
} from '../../src/index.js';
import { conv, convTranspose, type ConvOptions } from '../../src/ops/conv.js';
import { refConv, samePad, type RefConv } from './conv-ref.js';
import { expectClose, flat, thrown } from '../helpers.js';

const f64 = { dtype: 'float64' } as const;
const rnd = (seed: number, shape: readonly number[]): Tensor => random.normal(random.key(seed), [...shape], f64);
const dot = (a: Tensor, b: Tensor): number => { const x = flat(a), y = flat(b); return x.reduce((s, v, i) => s + v * y[i]!, 0); };

interface Case { name: string; x: number[]; w: number[]; opts: ConvOptions; ref: (x: number[], w: number[]) => RefConv }
const fixed = (strides: number[], padding: [number, number][], dilation: number[], groups = 1) => (): RefConv => ({ strides, padding, dilation, groups });

const CASES: Case[] = [
  { name: '1-D valid', x: [2, 7, 3], w: [3, 3, 4], opts: {}, ref: fixed([1], [[0, 0]], [1]) },
  { name: '1-D stride 2, dilation 2, padding [2, 1]', x: [3, 11, 2], w: [3, 2, 5], opts: { strides: 2, dilation: 2, padding: [[2, 1]] }, ref: fixed([2], [[2, 1]], [2]) },
  { name: '1-D groups 3, SAME, stride 3', x: [2, 10, 6], w: [4, 2, 9], opts: { groups: 3, padding: 'SAME', strides: 3 }, ref: (x, w) => ({ strides: [3], padding: [samePad(x[1]!, w[0]!, 3)], dilation: [1], groups: 3 }) },
  { name: '2-D SAME', x: [2, 5, 6, 3], w: [3, 3, 3, 4], opts: { padding: 'SAME' }, ref: (x, w) => ({ strides: [1, 1], padding: [samePad(x[1]!, w[0]!, 1), samePad(x[2]!, w[1]!, 1)], dilation: [1, 1], groups: 1 }) },
  { name: '2-D strides [2, 3], dilation [1, 2], padding 1', x: [2, 9, 10, 2], w: [3, 2, 2, 3], opts: { strides: [2, 3], dilation: [1, 2], padding: 1 }, ref: fixed([2, 3], [[1, 1], [1, 1]], [1, 2]) },
  { name: '2-D depthwise (groups = C), SAME stride 2', x: [1, 7, 5, 4], w: [2, 3, 1, 8], opts: { groups: 4, padding: 'SAME', strides: 2 }, ref: (x, w) => ({ strides: [2, 2], padding: [samePad(x[1]!, w[0]!, 2), samePad(x[2]!, w[1]!, 2)], dilation: [1, 1], groups: 4 }) },
  { name: '2-D groups 2, asymmetric padding', x: [3, 6, 4, 4], w: [2, 2, 2, 6], opts: { groups: 2, padding: [[0, 2], [3, 1]] }, ref: fixed([1, 1], [[0, 2], [3, 1]], [1, 1], 2) },
  { name: '3-D strides, dilation, padding', x: [2, 5, 6, 4, 2], w: [2, 3, 2, 2, 3], opts: { strides: [1, 2, 2], dilation: [2, 1, 1], padding: [[1, 0], [1, 1], [0, 1]] }, ref: fixed([1, 2, 2], [[1, 0], [1, 1], [0, 1]], [2, 1, 1]) },
  { name: '3-D SAME groups 2', x: [1, 3, 4, 5, 4], w: [3, 2, 3, 2, 2], opts: { padding: 'SAME', groups: 2 }, ref: (x, w) => ({ strides: [1, 1, 1], padding: [1, 2, 3].map((a) => samePad(x[a]!, w[a - 1]!, 1)), dilation: [1, 1, 1], groups: 2 }) },
];

describe('conv conformance (float64 direct loop)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const x = rnd(1, c.x), w = rnd(2, c.w);
      const r = refConv(x.toTypedArray() as Float64Array, c.x, w.toTypedArray() as Float64Array, c.w, c.ref(c.x, c.w));
      const y = conv(x, w, c.opts);
      expect(y.shape).toEqual(r.shape);
      expectClose(y, tensor(r.data, { ...f64, shape: r.shape }), 1e-13);
    });
  }

  it('unbatched input [...spatial, C] gives an unbatched result', () => {
    const x = rnd(3, [6, 5, 2]), w = rnd(4, [3, 2, 2, 3]);
    const y = conv(x, w, { padding: 'SAME' });
    expect(y.shape).toEqual([6, 5, 3]);
    expect(flat(y)).toEqual(flat(conv(x.reshape([1, 6, 5, 2]), w, { padding: 'SAME' })));
  });

  it('float32 rounds the float64 sum once', () => {
    const x = rnd(5, [2, 6, 6, 3]).cast('float32'), w = rnd(6, [3, 3, 3, 5]).cast('float32');
    const y = conv(x, w, { padding: 'SAME' });
    expect(y.dtype).toBe('float32');
    const r = refConv(new Float64Array(x.toTypedArray()), x.shape, new Float64Array(w.toTypedArray()), w.shape, { strides: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], groups: 1 });
    expect(Array.from(y.toTypedArray())).toEqual(Array.from(Float32Array.from(r.data)));
  });
});

describe('conv derivatives', () => {
  for (const c of CASES) {
    it(`JVP = central differences: ${c.name}`, () => {
      const x = rnd(7, c.x), w = rnd(8, c.w), tx = rnd(9, c.x), tw = rnd(10, c.w);
      const [, t] = jvp((a: Tensor, b: Tensor) => conv(a, b, c.opts), [x, w], [tx, tw]);
      const h = 1e-3;
      const plus = conv(x.add(tx.mul(h)), w.add(tw.mul(h)), c.opts), minus = conv(x.sub(tx.mul(h)), w.sub(tw.mul(h)), c.opts);
      expectClose(t as Tensor, plus.sub(minus).div(2 * h), 1e-9); // bilinear: the difference quotient is exact up to rounding
    });

    it(`adjointness of both transposes: ${c.name}`, () => {
      const x = rnd(11, c.x), w = rnd(12, c.w);
      const [y, back] = vjp((a: Tensor, b: Tensor) => conv(a, b, c.opts), x, w);
      const ct = rnd(13, (y as Tensor).shape);
      const [gx, gw] = back(ct) as Tensor[];
      const yx = conv(x, w, c.opts);
      // ⟨conv(x, w), ct⟩ = ⟨x, Aᵀ ct⟩ = ⟨w, Bᵀ ct⟩
      const lhs = dot(yx, ct);
      expect(Math.abs(dot(x, gx!) - lhs)).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
      expect(Math.abs(dot(w, gw!) - lhs)).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
      // and each transpose against the explicit adjoint on a basis-free check: perturb x only
      const xt = rnd(14, c.x);
      expect(Math.abs(dot(conv(xt, w, c.opts), ct) - dot(xt, gx!))).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
    });
  }
});

describe('conv batching', () => {
  const c = CASES[6]!; // 2-D groups 2, asymmetric padding
  const f = (a: Tensor, b: Tensor) => conv(a, b, c.opts);
  const stackOf = (ts: Tensor[]) => tensor(Float64Array.from(ts.flatMap(flat)), { ...f64, shape: [ts.length, ...ts[0]!.shape] });

  it('mapped input = loop (batch axis not first)', () => {
    const xs = rnd(20, [c.x[0]!, 4, ...c.x.slice(1)]), w = rnd(21, c.w); // mapped axis 1
    const v = vmap(f, { inAxes: [1, null] })(xs, w) as Tensor;
    const loop = [0, 1, 2, 3].map((i) => f(xs.take(i, 1), w));
    expectClose(v, stackOf(loop), 0);
  });

  it('mapped kernel = loop', () => {
    const x = rnd(22, c.x), ws = rnd(23, [...c.w.slice(0, 3), 3, c.w[3]!]); // mapped axis 3
    const v = vmap(f, { inAxes: [null, 3] })(x, ws) as Tensor;
    expectClose(v, stackOf([0, 1, 2].map((i) => f(x, ws.take(i, 3)))), 0);
  });

  it('both mapped = loop, and the batched program has no loop (one conv)', () => {
    const xs = rnd(24, [3, ...c.x]), ws = rnd(25, [3, ...c.w]);
    const g = vmap(f);
    expectClose(g(xs, ws) as Tensor, stackOf([0, 1, 2].map((i) => f(xs.take(i, 0), ws.take(i, 0)))), 0);
    const text = makeJaxpr(g)(xs, ws).toString();
    expect(text.match(/conv_general_dilated/g)?.length).toBe(1);
  });
});

describe('per-example gradients of a tiny conv net', () => {
  // conv (stride 2, SAME) → tanh → grouped conv (dilation 2) → sum of squares against a target
  const net = (p: { w1: Tensor; w2: Tensor; b: Tensor }, x: Tensor, y: Tensor): Tensor => {
    const h = tanh(conv(x, p.w1, { strides: 2, padding: 'SAME' }).add(p.b));
    const o = conv(h, p.w2, { groups: 2, dilation: 2, padding: 1 });
    return sum(o.sub(y).square());
  };
  const params = { w1: rnd(30, [3, 3, 2, 4]), w2: rnd(31, [2, 2, 2, 6]), b: rnd(32, [4]) };
  const xs = rnd(33, [5, 9, 8, 2]);
  const ys = rnd(34, [5, 5, 4, 6]);

  it('vmap(grad) = loop of grad, and the program has no per-example loop', () => {
    const per = vmap(grad(net), { inAxes: [null, 0, 0] })(params, xs, ys) as Record<string, Tensor>;
    for (const k of ['w1', 'w2', 'b'] as const) {
      const loop = [0, 1, 2, 3, 4].map((i) => (grad(net)(params, xs.take(i, 0), ys.take(i, 0)) as Record<string, Tensor>)[k]!);
      expectClose(per[k]!, tensor(Float64Array.from(loop.flatMap(flat)), { ...f64, shape: [5, ...params[k].shape] }), 1e-12);
    }
    const text = makeJaxpr(vmap(grad(net), { inAxes: [null, 0, 0] }))(params, xs, ys).toString();
    // forward 2 convs + input transpose of the second + kernel transposes of both = 5 convolutions
    expect(text.match(/conv_general_dilated/g)?.length).toBe(5);
  });

  it('grad matches central differences of the loss (float64)', () => {
    const x = xs.take(0, 0), y = ys.take(0, 0);
    const g = grad(net)(params, x, y) as Record<string, Tensor>;
    const dir = { w1: rnd(40, [3, 3, 2, 4]), w2: rnd(41, [2, 2, 2, 6]), b: rnd(42, [4]) };
    const h = 1e-5;
    const at = (s: number) => net({ w1: params.w1.add(dir.w1.mul(s)), w2: params.w2.add(dir.w2.mul(s)), b: params.b.add(dir.b.mul(s)) }, x, y).item();
    const fd = (at(h) - at(-h)) / (2 * h);
    const an = dot(g.w1!, dir.w1) + dot(g.w2!, dir.w2) + dot(g.b!, dir.b);
    expect(Math.abs(fd - an)).toBeLessThan(1e-6 * Math.max(1, Math.abs(an)));
  });

  it('jit = eager bit for bit (value and per-example gradients)', () => {
    const pe = vmap(grad(net), { inAxes: [null, 0, 0] });
    const eager = pe(params, xs, ys) as Record<string, Tensor>;
    const jitted = jit(pe)(params, xs, ys) as Record<string, Tensor>;
    for (const k of ['w1', 'w2', 'b']) expect(flat(jitted[k]!)).toEqual(flat(eager[k]!));
    const x32 = xs.cast('float32'), w32 = params.w1.cast('float32');
    const f = (a: Tensor, b: Tensor) => conv(a, b, { strides: 2, padding: 'SAME' });
    expect(Array.from(jit(f)(x32, w32).toTypedArray())).toEqual(Array.from(f(x32, w32).toTypedArray()));
  });
});

describe('convTranspose', () => {
  it('with transposeKernel is the gradient of conv with respect to its input (VALID, stride 2, groups 2)', () => {
    const x = rnd(50, [2, 9, 7, 4]), w = rnd(51, [3, 3, 2, 6]);
    const opts = { strides: 2, padding: 'VALID', groups: 2 } as const;
    const [y, back] = vjp((a: Tensor) => conv(a, w, opts), x);
    const ct = rnd(52, (y as Tensor).shape);
    const [gx] = back(ct) as Tensor[];
    const t = convTranspose(ct, w, { ...opts, transposeKernel: true });
    expect(t.shape).toEqual([2, 9, 7, 4]);
    expectClose(t, gx!, 1e-12);
  });

  it('matches the definition (dilated input, stride-1 conv) and JAX output sizes', () => {
    const x = rnd(53, [2, 4, 5, 3]), w = rnd(54, [3, 2, 3, 2]);
    for (const padding of ['SAME', 'VALID'] as const) {
      const y = convTranspose(x, w, { strides: [2, 3], padding });
      const sizes = padding === 'SAME' ? [8, 15] : [4 * 2 + 1, 5 * 3];
      expect(y.shape).toEqual([2, ...sizes, 2]);
      const pads = [[3, 2], [2, 3]].map(([k, s]) => {
        const len = padding === 'SAME' ? k! + s! - 2 : k! + s! - 2 + Math.max(k! - s!, 0);
        const lo = padding === 'SAME' ? (s! > k! - 1 ? k! - 1 : Math.ceil(len / 2)) : k! - 1;
        return [lo, len - lo] as [number, number];
      });
      const r = refConv(x.toTypedArray() as Float64Array, x.shape, w.toTypedArray() as Float64Array, w.shape, { strides: [1, 1], padding: pads, dilation: [1, 1], groups: 1, lhsDilation: [2, 3] });
      expectClose(y, tensor(r.data, { ...f64, shape: r.shape }), 1e-13);
    }
  });
});

describe('convTranspose derivatives and second order', () => {
  const TCASES: [string, number[], number[], Record<string, unknown>][] = [
    ['2-D stride [2, 3] SAME', [2, 4, 5, 3], [3, 2, 3, 2], { strides: [2, 3], padding: 'SAME' }],
    ['1-D stride 3 dilation 2 explicit padding, groups 2', [2, 5, 4], [3, 2, 6], { strides: 3, dilation: 2, padding: [[1, 3]], groups: 2 }],
    ['3-D stride 2 VALID transposeKernel groups 2', [1, 3, 2, 3, 6], [2, 2, 3, 3, 6], { strides: 2, padding: 'VALID', groups: 2, transposeKernel: true }],
  ];
  for (const [name, xs, ws, opts] of TCASES) {
    it(`JVP and adjointness of both transposes: ${name}`, () => {
      const f = (a: Tensor, b: Tensor) => convTranspose(a, b, opts);
      const x = rnd(60, xs), w = rnd(61, ws), tx = rnd(62, xs), tw = rnd(63, ws);
      const [, t] = jvp(f, [x, w], [tx, tw]);
      const h = 1e-3;
      expectClose(t as Tensor, f(x.add(tx.mul(h)), w.add(tw.mul(h))).sub(f(x.sub(tx.mul(h)), w.sub(tw.mul(h)))).div(2 * h), 1e-9);
      const [y, back] = vjp(f, x, w);
      const ct = rnd(64, (y as Tensor).shape);
      const [gx, gw] = back(ct) as Tensor[];
      const lhs = dot(y as Tensor, ct);
      expect(Math.abs(dot(x, gx!) - lhs)).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
      expect(Math.abs(dot(w, gw!) - lhs)).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
    });
  }

  it('Hessian-vector products of a conv net (jvp of grad: the transposes differentiated) = central differences of grad', () => {
    const net = (p: { w1: Tensor; w2: Tensor }, x: Tensor) => {
      const h = tanh(conv(x, p.w1, { strides: 2, padding: 'SAME', groups: 2 }));
      return sum(tanh(convTranspose(h, p.w2, { strides: 2, padding: 'SAME' })).square());
    };
    const p = { w1: rnd(70, [3, 3, 1, 4]), w2: rnd(71, [2, 3, 4, 3]) };
    const x = rnd(72, [2, 7, 6, 2]);
    const v = { w1: rnd(73, [3, 3, 1, 4]), w2: rnd(74, [2, 3, 4, 3]) };
    const g = (q: typeof p) => grad(net)(q, x) as Record<string, Tensor>;
    const [, hv] = jvp(g, [p], [v]) as [unknown, Record<string, Tensor>];
    const h = 1e-5;
    const gp = g({ w1: p.w1.add(v.w1.mul(h)), w2: p.w2.add(v.w2.mul(h)) }), gm = g({ w1: p.w1.sub(v.w1.mul(h)), w2: p.w2.sub(v.w2.mul(h)) });
    for (const k of ['w1', 'w2'] as const) expectClose(hv[k]!, gp[k]!.sub(gm[k]!).div(2 * h), 1e-6);
  });
});

describe('conv errors', () => {
  it('bad shapes, dtypes and options are typed errors naming conv and the argument', () => {
    const cases: [() => unknown, Function, string][] = [
      [() => conv(zeros([2, 5, 5, 3]), zeros([3, 3, 2, 4])), ShapeError, 'w'],
      [() => conv(zeros([5, 3]), zeros([3, 3, 3, 4])), ShapeError, 'x'],
      [() => conv(zeros([2, 5, 3]), zeros([3, 4])), ShapeError, 'w'],
      [() => conv(zeros([2, 5, 4]), zeros([3, 2, 6]), { groups: 3 }), ShapeError, 'w'],
      [() => conv(zeros([2, 2, 3]), zeros([5, 3, 4])), ShapeError, 'padding'],
      [() => conv(zeros([2, 5, 3]), zeros([3, 3, 4]), { strides: 0 }), ValueError, 'strides'],
      [() => conv(zeros([2, 5, 3]), zeros([3, 3, 4]), { strides: [1, 1] }), ValueError, 'strides'],
      [() => conv(zeros([2, 5, 3]), zeros([3, 3, 4]), { padding: 'same' as 'SAME' }), ValueError, 'padding'],
      [() => conv(zeros([2, 5, 3]), zeros([3, 3, 4]), { padding: [[1, -1]] }), ValueError, 'padding'],
      [() => conv(zeros([2, 5, 3]), zeros([3, 3, 4]), { dilation: 1.5 }), ValueError, 'dilation'],
      [() => conv(zeros([2, 5, 3]), zeros([3, 3, 4]), { groups: 0 }), ValueError, 'groups'],
      [() => conv(zeros([2, 5, 3]), zeros([3, 3, 4]), { stride: 2 } as ConvOptions), ValueError, 'options'],
    ];
    for (const [f, E, arg] of cases) {
      const e = thrown(f) as ShapeError;
      expect(e).toBeInstanceOf(E);
      expect(e.op).toBe('conv');
      expect(e.argument).toBe(arg);
    }
    const e = thrown(() => conv(zeros([2, 5, 4]), zeros([3, 2, 6]), { groups: 3 }));
    expect(e.message).toContain('f32[2,5,4]');
  });

  it('the primitive rejects mixed dtypes with a DTypeError', async () => {
    const { convGeneralDilated } = await import('../../src/core/primitives/conv-general-dilated.js');
    const p = { strides: [1], padding: [[0, 0]] as [number, number][], lhsDilation: [1], rhsDilation: [1], groups: 1 };
    expect(() => convGeneralDilated(zeros([1, 4, 2]), zeros([2, 2, 3], 'float64'), p)).toThrow(DTypeError);
  });
});
