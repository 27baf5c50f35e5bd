// maxPool / avgPool / layerNorm: direct float64 loops, derivatives (central differences, adjointness,
// max routing), vmap = loop, vmap(grad) of a small CNN = loop, jit = eager, typed errors.
import { describe, expect, it } from 'vitest';
import {
  AxisError, ShapeError, ValueError, grad, jit, jvp, ones, random, reshape, sum, tanh, tensor, vjp, vmap, zeros, type Tensor,
} from '../../src/index.js';
import { conv } from '../../src/ops/conv.js';
import { avgPool, maxPool, type PoolOptions } from '../../src/ops/pool.js';
import { layerNorm } from '../../src/ops/norm.js';
import { refPool as refPoolLoop, samePad } from './conv-ref.js';
import { expectClose, flat, thrown } from '../helpers.js';

const f64 = { dtype: 'float64' } as const;
const rnd = (seed: number, shape: readonly number[]): Tensor => random.normal(random.key(seed), [...shape], f64);
const dot = (a: Tensor, b: Tensor): number => { const x = flat(a), y = flat(b); return x.reduce((s, v, i) => s + v * y[i]!, 0); };

/** Direct loop (conv-ref's `refPool`): reduce each window (padding excluded from max; counted as 0 / optionally in the divisor for avg). */
function refPool(x: Tensor, k: number[], s: number[], pads: [number, number][], kind: 'max' | 'avg', countPad = true): Tensor {
  const r = refPoolLoop(Float64Array.from(flat(x)), x.shape, k, s, pads, kind, countPad);
  return tensor(r.data, { ...f64, shape: r.shape });
}

interface Case { name: string; x: number[]; k: number[]; opts: PoolOptions; s: number[]; pads: (x: number[]) => [number, number][] }
const CASES: Case[] = [
  { name: '1-D window 3 stride 2 VALID', x: [2, 11, 3], k: [3], opts: { strides: 2 }, s: [2], pads: () => [[0, 0]] },
  { name: '2-D 2×2 default strides (non-overlapping), odd size', x: [2, 7, 6, 3], k: [2, 2], opts: {}, s: [2, 2], pads: () => [[0, 0], [0, 0]] },
  { name: '2-D 3×3 stride 2 SAME', x: [2, 7, 8, 2], k: [3, 3], opts: { strides: 2, padding: 'SAME' }, s: [2, 2], pads: (x) => [samePad(x[1]!, 3, 2), samePad(x[2]!, 3, 2)] },
  { name: '2-D 2×3 strides [1, 2] explicit padding', x: [1, 5, 7, 4], k: [2, 3], opts: { strides: [1, 2], padding: [[1, 0], [2, 1]] }, s: [1, 2], pads: () => [[1, 0], [2, 1]] },
  { name: '3-D 2×2×2 stride [1, 2, 3] padding 1', x: [2, 4, 5, 6, 2], k: [2, 2, 2], opts: { strides: [1, 2, 3], padding: 1 }, s: [1, 2, 3], pads: () => [[1, 1], [1, 1], [1, 1]] },
];
const both = [['maxPool', maxPool, 'max'], ['avgPool', avgPool, 'avg']] as const;

describe('pooling conformance (float64 direct loop)', () => {
  for (const c of CASES) {
    for (const [name, f, kind] of both) {
      it(`${name} ${c.name}`, () => {
        const x = rnd(1, c.x);
        const y = f(x, c.k, c.opts);
        expectClose(y, refPool(x, c.k, c.s, c.pads(c.x), kind), 1e-14);
      });
    }
  }
  it('avgPool countIncludePad: false averages the real elements only', () => {
    const c = CASES[2]!;
    const x = rnd(2, c.x);
    expectClose(avgPool(x, c.k, { ...c.opts, countIncludePad: false }), refPool(x, c.k, c.s, c.pads(c.x), 'avg', false), 1e-14);
  });
  it('a number window covers every spatial axis; unbatched input; integer input is promoted', () => {
    const x = rnd(3, [2, 6, 6, 3]);
    expect(flat(maxPool(x, 2))).toEqual(flat(maxPool(x, [2, 2])));
    expect(flat(avgPool(reshape(x, [12, 6, 3]).take(0, 0), [2]))).toEqual(flat(avgPool(reshape(x, [12, 6, 3]), [2]).take(0, 0)));
    expect(avgPool(tensor([[[1], [2], [3], [4]]], { dtype: 'int32' }), [2]).toArray()).toEqual([[[1.5], [3.5]]]);
  });
});

describe('pooling derivatives', () => {
  for (const c of CASES) {
    for (const [name, f] of both) {
      it(`${name} JVP = central differences: ${c.name}`, () => {
        const x = rnd(4, c.x), t = rnd(5, c.x);
        const [, dy] = jvp((a: Tensor) => f(a, c.k, c.opts), [x], [t]);
        const h = 1e-6; // random normal data has no ties, and the max switches only beyond |h|·|t|
        expectClose(dy as Tensor, f(x.add(t.mul(h)), c.k, c.opts).sub(f(x.sub(t.mul(h)), c.k, c.opts)).div(2 * h), 1e-7);
      });
    }
    it(`avgPool transpose is its adjoint; maxPool routes each cotangent to its window's maximum: ${c.name}`, () => {
      const x = rnd(6, c.x);
      const [ya, backA] = vjp((a: Tensor) => avgPool(a, c.k, c.opts), x);
      const ct = rnd(7, (ya as Tensor).shape);
      const [gx] = backA(ct) as Tensor[];
      const xt = rnd(8, c.x);
      expect(Math.abs(dot(avgPool(xt, c.k, c.opts), ct) - dot(xt, gx!))).toBeLessThan(1e-12);
      // max: dL/dx = Σ over windows of ct at the argmax — check against perturbing exactly the argmax
      const [, backM] = vjp((a: Tensor) => maxPool(a, c.k, c.opts), x);
      const [gm] = backM(ct) as Tensor[];
      const ym = flat(maxPool(x, c.k, c.opts)), xd = flat(x), g = flat(gm!), cts = flat(ct);
      const expected = new Float64Array(xd.length);
      ym.forEach((v, o) => { expected[xd.indexOf(v)]! += cts[o]!; }); // values are distinct, so the value locates the argmax
      g.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 14));
    });
  }
});

describe('pooling batching, jit, a small CNN', () => {
  // conv 3×3 SAME → tanh → 2×2 avg-pool → dense, the W8 shape scaled down
  const net = (p: { w: Tensor; d: Tensor }, x: Tensor, y: Tensor): Tensor => {
    const h = avgPool(tanh(conv(x, p.w, { padding: 'SAME' })), [2, 2]); // x is one unbatched example
    const m = maxPool(h, [2, 2], { strides: 1, padding: 'SAME' });
    const f = reshape(m, [-1]).matmul(p.d);
    return sum(f.sub(y).square());
  };
  const params = { w: rnd(10, [3, 3, 1, 4]), d: rnd(11, [4 * 4 * 4, 3]) };
  const xs = rnd(12, [6, 8, 8, 1]), ys = rnd(13, [6, 3]);

  it('vmap = loop (maxPool over a mapped axis 2)', () => {
    const x = rnd(14, [2, 6, 4, 5, 3]);
    const v = vmap((a: Tensor) => maxPool(a, [2, 2], { strides: 1 }), { inAxes: 2 })(x) as Tensor;
    const loop = [0, 1, 2, 3].map((i) => maxPool(x.take(i, 2), [2, 2], { strides: 1 }));
    expect(flat(v)).toEqual(loop.flatMap(flat));
  });

  it('vmap(grad) = loop of grad', () => {
    const per = vmap(grad(net), { inAxes: [null, 0, 0] })(params, xs, ys) as Record<string, Tensor>;
    for (const k of ['w', 'd'] as const) {
      const loop = [0, 1, 2, 3, 4, 5].map((i) => (grad(net)(params, xs.take(i, 0), ys.take(i, 0)) as Record<string, Tensor>)[k]!);
      expectClose(per[k]!, tensor(Float64Array.from(loop.flatMap(flat)), { ...f64, shape: [6, ...params[k].shape] }), 1e-12);
    }
  });

  it('jit = eager bit for bit', () => {
    const pe = vmap(grad(net), { inAxes: [null, 0, 0] });
    const e = pe(params, xs, ys) as Record<string, Tensor>, j = jit(pe)(params, xs, ys) as Record<string, Tensor>;
    expect(flat(j.w!)).toEqual(flat(e.w!));
    expect(flat(j.d!)).toEqual(flat(e.d!));
    const x32 = xs.cast('float32');
    const f = (a: Tensor) => avgPool(maxPool(a, 3, { strides: 2, padding: 'SAME' }), [2, 2], { padding: 'SAME', countIncludePad: false });
    expect(Array.from(jit(f)(x32).toTypedArray())).toEqual(Array.from(f(x32).toTypedArray()));
  });
});

describe('pooling empty tensors', () => {
  it('zero channels or examples give empty results of the right shape', () => {
    expect(avgPool(zeros([2, 4, 4, 0]), 2).shape).toEqual([2, 2, 2, 0]);
    expect(maxPool(zeros([2, 4, 4, 0]), 2).shape).toEqual([2, 2, 2, 0]);
    expect(avgPool(zeros([0, 5, 3]), [2], { strides: 1, padding: 'SAME', countIncludePad: false }).shape).toEqual([0, 5, 3]);
    expect(conv(zeros([0, 5, 5, 2]), zeros([3, 3, 2, 4]), { padding: 'SAME' }).shape).toEqual([0, 5, 5, 4]);
    expect(flat(conv(ones([1, 4, 0]), zeros([3, 0, 2])))).toEqual([0, 0, 0, 0]);
  });
});

describe('pooling errors', () => {
  it('typed errors name the op and the argument', () => {
    const cases: [() => unknown, Function, string, string][] = [
      [() => maxPool(zeros([2, 5, 5, 3]), [2]), ShapeError, 'maxPool', 'x'],
      [() => maxPool(zeros([2, 5, 5, 3]), [2, 2, 2, 2]), ShapeError, 'maxPool', 'window'],
      [() => avgPool(zeros([2, 3, 3, 1]), 4), ShapeError, 'avgPool', 'window'],
      [() => avgPool(zeros([2, 5, 5, 3]), 0), ValueError, 'avgPool', 'window'],
      [() => maxPool(zeros([2, 5, 5, 3]), 2, { strides: [1] }), ValueError, 'maxPool', 'strides'],
      [() => maxPool(zeros([2, 5, 5, 3]), 2, { padding: 'FULL' as 'SAME' }), ValueError, 'maxPool', 'padding'],
      [() => maxPool(zeros([2, 5, 5, 3]), 2, { countIncludePad: true }), ValueError, 'maxPool', 'options'],
      [() => avgPool(zeros([2, 5, 5, 3]), 2, { countIncludePad: 1 as unknown as boolean }), ValueError, 'avgPool', 'countIncludePad'],
    ];
    for (const [f, E, op, arg] of cases) {
      const e = thrown(f) as ShapeError;
      expect(e).toBeInstanceOf(E);
      expect(e.op).toBe(op);
      expect(e.argument).toBe(arg);
    }
  });
});

describe('layerNorm', () => {
  it('matches a float64 loop over the normalised axes, with scale and offset', () => {
    const x = rnd(20, [3, 4, 5]), scale = rnd(21, [5]), offset = rnd(22, [5]);
    const y = layerNorm(x, { scale, offset, epsilon: 1e-3 });
    const xd = flat(x), sd = flat(scale), od = flat(offset), out: number[] = [];
    for (let r = 0; r < 12; r++) {
      const row = xd.slice(r * 5, r * 5 + 5);
      const mu = row.reduce((a, b) => a + b, 0) / 5;
      const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 5;
      row.forEach((e, i) => out.push(((e - mu) / Math.sqrt(v + 1e-3)) * sd[i]! + od[i]!));
    }
    expectClose(y, tensor(Float64Array.from(out), { ...f64, shape: [3, 4, 5] }), 1e-13);
    const z = layerNorm(x, { axis: [1, 2] });
    expectClose(z.mean({ axis: [1, 2] }), zeros([3], 'float64'), 1e-14);
    expectClose(z.square().mean({ axis: [1, 2] }), ones([3], 'float64'), 1e-4); // σ²/(σ² + ε) ≈ 1
  });

  it('grad = central differences', () => {
    const x = rnd(23, [2, 6]), s = rnd(24, [6]), dir = rnd(25, [2, 6]);
    const f = (a: Tensor) => sum(tanh(layerNorm(a, { scale: s })));
    const g = grad(f)(x) as Tensor;
    const h = 1e-5;
    const fd = (f(x.add(dir.mul(h))).item() - f(x.sub(dir.mul(h))).item()) / (2 * h);
    expect(Math.abs(fd - dot(g, dir))).toBeLessThan(1e-7);
  });

  it('typed errors', () => {
    expect((thrown(() => layerNorm(zeros([2, 3]), { axis: 2 })) as AxisError).op).toBe('layerNorm');
    expect(thrown(() => layerNorm(zeros([2, 3]), { epsilon: -1 }))).toBeInstanceOf(ValueError);
    const e = thrown(() => layerNorm(zeros([2, 3]), { scale: zeros([4]) })) as ShapeError;
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.op).toBe('layerNorm');
    expect((thrown(() => layerNorm(zeros([2, 3]), { offset: zeros([2, 2, 3]) })) as ShapeError).argument).toBe('offset');
  });
});
