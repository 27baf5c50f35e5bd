// K-FAC for weight-sharing layers (Eschenhagen et al. 2023): dense layers over locations and conv
// layers through unfolded patches, expand and reduce, against the exact Fisher (float64).
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, conv, jacfwd, jit, optim, random, tensor, tree, valueAndGrad, type Tensor } from '../../src/index.js';
import { categorical, normal } from '../../src/likelihoods/index.js';
import { applyDense, fisher, kfac, patches, type ConvFn, type DenseFn, type KfacParams } from '../../src/curvature/index.js';
import { expectClose, mat } from './helpers.js';

const rnd = (seed: number, shape: number[], s = 0.6): Tensor => random.normal(random.key(seed), shape, { dtype: 'float64' }).mul(s);

/** Rows/cols of layer `name` in tree.ravel order (layers sorted by name, b before w inside a layer). */
function block(d: number[][], params: KfacParams, name: string): number[][] {
  let start = 0;
  for (const nm of Object.keys(params).sort()) {
    const size = params[nm]!.w.size + (params[nm]!.b?.size ?? 0);
    if (nm === name) return d.slice(start, start + size).map((r) => r.slice(start, start + size));
    start += size;
  }
  throw new Error(name);
}

/** Direct float64 loop: the patches of x [...spatial, C] (row order k₁..k_d, c), zero padding. */
function directPatches(x: Tensor, kernel: number[], strides: number[], dil: number[], pads: [number, number][]): number[] {
  const shape = x.shape, d = kernel.length, c = shape[d]!;
  const data = Array.from(x.toTypedArray() as Float64Array);
  const out = shape.slice(0, d).map((n, i) => Math.floor((n + pads[i]![0] + pads[i]![1] - (kernel[i]! - 1) * dil[i]! - 1) / strides[i]!) + 1);
  const res: number[] = [];
  const odo = (dims: number[], f: (idx: number[]) => void): void => {
    const idx = dims.map(() => 0);
    const total = dims.reduce((a, b) => a * b, 1);
    for (let q = 0; q < total; q++) {
      f(idx);
      for (let i = dims.length - 1; i >= 0; i--) { if (++idx[i]! < dims[i]!) break; idx[i] = 0; }
    }
  };
  odo(out, (o) => odo(kernel, (k) => {
    for (let ch = 0; ch < c; ch++) {
      const pos = o.map((oi, i) => oi * strides[i]! + k[i]! * dil[i]! - pads[i]![0]);
      const inside = pos.every((p, i) => p >= 0 && p < shape[i]!);
      let flat = 0;
      pos.forEach((p, i) => { flat = flat * shape[i]! + p; });
      res.push(inside ? data[flat * c + ch]! : 0);
    }
  }));
  return res;
}

describe('patches (im2col)', () => {
  it('equals a direct loop: 1-D, 2-D strided/dilated/SAME, 3-D explicit padding', () => {
    const cases: [number[], number[], object, number[], number[], [number, number][]][] = [
      [[7, 2], [3], { strides: 2, padding: 'SAME' }, [2], [1], [[1, 1]]],
      [[5, 6, 3], [2, 3], { strides: [1, 2], dilation: [2, 1], padding: 'VALID' }, [1, 2], [2, 1], [[0, 0], [0, 0]]],
      [[5, 5, 1], [3, 3], { padding: 'SAME' }, [1, 1], [1, 1], [[1, 1], [1, 1]]],
      [[4, 5, 2], [2, 2], { strides: 2, padding: 'SAME' }, [2, 2], [1, 1], [[0, 0], [0, 1]]],
      [[3, 4, 3, 2], [2, 2, 2], { padding: [[1, 0], [0, 2], [1, 1]] }, [1, 1, 1], [1, 1, 1], [[1, 0], [0, 2], [1, 1]]],
    ];
    cases.forEach(([shape, kernel, opts, st, dil, pads], i) => {
      const x = rnd(40 + i, shape, 1);
      const p = patches(x, kernel, opts);
      expect(Array.from(p.toTypedArray())).toEqual(directPatches(x, kernel, st, dil, pads));
    });
  });

  it('patches · w.reshape([K·Cin, Cout]) equals the conv primitive (1-, 2-, 3-D, strides, dilation, padding)', () => {
    const cases: [number[], number[], object][] = [
      [[9, 2], [3, 2, 4], { strides: 2, padding: 'SAME', dilation: 2 }],
      [[6, 7, 3], [3, 2, 3, 5], { strides: [2, 1], padding: 'SAME' }],
      [[6, 5, 1], [2, 3, 1, 2], { dilation: [2, 1], padding: [[1, 2], [0, 1]] }],
      [[4, 3, 5, 2], [2, 2, 3, 2, 3], { padding: 1, strides: [1, 2, 2] }],
    ];
    cases.forEach(([xs, ws, opts], i) => {
      const x = rnd(60 + i, xs, 1), w = rnd(70 + i, ws);
      const kernel = ws.slice(0, -2);
      const p = patches(x, kernel, opts);
      const y = p.matmul(w.reshape([p.shape[p.ndim - 1]!, ws[ws.length - 1]!]));
      expectClose(y, conv(x, w, opts), 1e-13);
    });
  });

  it('rejects bad shapes and options with typed errors', () => {
    const x = rnd(1, [4, 4, 2]);
    expect(() => patches(x, [3], {})).toThrow(ShapeError);
    expect(() => patches(x, [5, 5], {})).toThrow(ShapeError);
    expect(() => patches(x, [2, 2], { strides: 0 })).toThrow(ValueError);
    expect(() => patches(x, [2, 2], { padding: 'FULL' as never })).toThrow(/padding/);
    expect(() => patches('x' as never, [2, 2])).toThrow(/patches/);
    expect(() => patches(x, 3 as never)).toThrow(ValueError);
    expect(() => patches(x, [2, 2], null as never)).toThrow(/options must be an object/);
  });
});

describe('kfac with weight sharing', () => {
  const sq = { x: rnd(2, [3, 4, 3], 1), y: rnd(3, [3, 4, 2], 1) }; // N = 3 sequences of T = 4 vectors

  it('T = 1 reduces to dense K-FAC, and expand = reduce there', () => {
    const params = { h: { w: rnd(4, [3, 5]), b: rnd(5, [5], 0.3) }, o: { w: rnd(6, [5, 3]), b: rnd(7, [3], 0.3) } };
    const vec = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('o', dense('h', x).tanh());
    const row = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('o', dense('h', x.reshape([1, 3])).tanh()).reshape([3]);
    const batch = { x: rnd(8, [6, 3], 1), y: tensor([0, 1, 2, 2, 1, 0], { dtype: 'int32' }) };
    const K0 = kfac({ model: vec, likelihood: categorical() }, params, batch);
    for (const weightSharing of ['expand', 'reduce'] as const) {
      const K = kfac({ model: row, likelihood: categorical() }, params, batch, { weightSharing });
      for (const nm of ['h', 'o']) {
        expectClose(K.factors[nm]!.A, K0.factors[nm]!.A, 1e-14);
        expectClose(K.factors[nm]!.B, K0.factors[nm]!.B, 1e-14);
      }
    }
  });

  it('expand setting, deep linear network: K-FAC-expand = the exact GGN for any N', () => {
    const params = { a: { w: rnd(9, [3, 4]), b: rnd(10, [4], 0.3) }, b: { w: rnd(11, [4, 3]) }, c: { w: rnd(12, [3, 2]), b: rnd(13, [2], 0.3) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('c', dense('b', dense('a', x)));
    const F = mat(fisher({ model: (p: KfacParams, x: Tensor) => applyDense(model, p, x), likelihood: normal({ sigma: 0.7 }) }, params, sq).dense());
    const K = kfac({ model, likelihood: normal({ sigma: 0.7 }) }, params, sq, { weightSharing: 'expand' });
    const kd = mat(K.dense());
    for (const nm of ['a', 'b', 'c']) expectClose(block(kd, params, nm), block(F, params, nm), 1e-11);
    // reduce is a different approximation here, and not exact
    const R = mat(kfac({ model, likelihood: normal({ sigma: 0.7 }) }, params, sq, { weightSharing: 'reduce' }).dense());
    expect(Math.max(...block(R, params, 'a').flat().map((v, i) => Math.abs(v - block(F, params, 'a').flat()[i]!)))).toBeGreaterThan(1e-3);
  });

  it('reduce setting (mean over locations before the loss), deep linear network: K-FAC-reduce = the exact GGN', () => {
    const params = { a: { w: rnd(14, [3, 4]), b: rnd(15, [4], 0.3) }, b: { w: rnd(16, [4, 2]), b: rnd(17, [2], 0.3) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('b', dense('a', x)).mean(0);
    const batch = { x: sq.x, y: rnd(18, [3, 2], 1) };
    const F = mat(fisher({ model: (p: KfacParams, x: Tensor) => applyDense(model, p, x), likelihood: normal() }, params, batch, { reduction: 'sum' }).dense());
    const K = mat(kfac({ model, likelihood: normal() }, params, batch, { weightSharing: 'reduce', reduction: 'sum' }).dense());
    for (const nm of ['a', 'b']) expectClose(block(K, params, nm), block(F, params, nm), 1e-11);
  });

  it('A follows the documented normalisations (expand: mean over N·T rows; reduce: mean of per-example location means)', () => {
    const params = { h: { w: rnd(19, [3, 4]), b: rnd(20, [4], 0.3) }, o: { w: rnd(21, [4, 3]) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('o', dense('h', x).tanh()).sum(0);
    const batch = { x: sq.x, y: tensor([0, 2, 1], { dtype: 'int32' }) };
    const n = 3, t = 4;
    const xs = mat(sq.x.reshape([n * t, 3]));
    const abar = xs.map((r) => [...r, 1]);
    const A = (rows: number[][], scale: number): number[][] => rows[0]!.map((_, i) => rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0) * scale));
    for (const weightSharing of ['expand', 'reduce'] as const) {
      const K = kfac({ model, likelihood: categorical() }, params, batch, { weightSharing });
      if (weightSharing === 'expand') expectClose(K.factors['h']!.A, A(abar, 1 / (n * t)), 1e-13);
      else {
        const means = Array.from({ length: n }, (_, e) => abar[0]!.map((_, j) => abar.slice(e * t, e * t + t).reduce((s, r) => s + r[j]!, 0) / t));
        expectClose(K.factors['h']!.A, A(means, 1 / n), 1e-13);
      }
    }
  });

  it('B follows the documented normalisations: gradients from an independent Jacobian in the pre-activation', () => {
    const params = { h: { w: rnd(46, [3, 4]), b: rnd(47, [4], 0.3) }, o: { w: rnd(48, [4, 3]) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('o', dense('h', x).tanh()).sum(0);
    const batch = { x: sq.x, y: tensor([0, 2, 1], { dtype: 'int32' }) };
    const n = 3, t = 4, lik = categorical();
    // gₙₜ꜀ = Σ_k Uₙ[k, c] ∂fₙₖ/∂sₙₜ with fₙ(s) = o(tanh(s + b_h)).sum(0), s = xₙ W_h (jacfwd, one example at a time)
    const gs: number[][][][] = []; // [n][c][t][4]
    for (let e = 0; e < n; e++) {
      const xe = sq.x.slice([e, 0, 0], [1, t, 3]).reshape([t, 3]);
      const f = (sv: Tensor): Tensor => sv.add(params.h.b).tanh().matmul(params.o.w).sum(0);
      const s0 = xe.matmul(params.h.w);
      const J = jacfwd(f)(s0).toArray() as number[][][]; // [k, t, 4]
      const U = mat(lik.outputFisherSqrt(f(s0))); // [k, C]
      gs.push(U[0]!.map((_, c) => Array.from({ length: t }, (_, tt) => Array.from({ length: 4 }, (_, j) => U.reduce((acc, row, kk) => acc + row[c]! * J[kk]![tt]![j]!, 0)))));
    }
    const outer = (vs: number[][]): number[][] => Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => vs.reduce((acc, v) => acc + v[i]! * v[j]!, 0) / n));
    const expandB = outer(gs.flatMap((byC) => byC.flatMap((byT) => byT)));
    const reduceB = outer(gs.flatMap((byC) => byC.map((byT) => byT[0]!.map((_, j) => byT.reduce((acc, g) => acc + g[j]!, 0)))));
    expectClose(kfac({ model, likelihood: lik }, params, batch, { weightSharing: 'expand' }).factors['h']!.B, expandB, 1e-12);
    expectClose(kfac({ model, likelihood: lik }, params, batch, { weightSharing: 'reduce' }).factors['h']!.B, reduceB, 1e-12);
  });

  it('the same model function with a different number of locations gets fresh probe shapes', () => {
    const params = { h: { w: rnd(49, [3, 2]) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('h', x).sum(0);
    for (const t of [4, 2, 4]) {
      const x = sq.x.slice([0, 0, 0], [3, t, 3]);
      const K = kfac({ model, likelihood: normal() }, params, { x, y: rnd(50, [3, 2]) });
      const rows = mat(x.reshape([3 * t, 3]));
      const A = rows[0]!.map((_, i) => rows[0]!.map((_, j) => rows.reduce((acc, r) => acc + r[i]! * r[j]!, 0) / (3 * t)));
      expectClose(K.factors['h']!.A, A, 1e-13);
    }
  });

  it('withGradient equals valueAndGrad of the loss for a layer over locations and under jit', () => {
    const params = { h: { w: rnd(22, [3, 4]), b: rnd(23, [4], 0.3) }, o: { w: rnd(24, [4, 2]), b: rnd(25, [2], 0.3) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('o', dense('h', x).tanh());
    const lik = normal();
    const K = kfac({ model, likelihood: lik }, params, sq, { withGradient: true });
    const loss = (p: KfacParams): Tensor => {
      const f = (xx: Tensor): Tensor => applyDense(model, p, xx);
      let l = tensor(0, { dtype: 'float64' });
      for (let i = 0; i < 3; i++) l = l.add(lik.logProb(f(sq.x.slice([i, 0, 0], [1, 4, 3]).reshape([4, 3])), sq.y.slice([i, 0, 0], [1, 4, 2]).reshape([4, 2])));
      return l.neg().div(3);
    };
    const [v, gr] = valueAndGrad(loss)(params);
    expectClose(K.loss, v, 1e-12);
    expectClose(tree.ravel(K.gradient!)[0], tree.ravel(gr)[0], 1e-12);
    const jf = jit((p: KfacParams, x: Tensor, y: Tensor) => kfac({ model, likelihood: lik }, p, { x, y }, { weightSharing: 'reduce' }).factors);
    const eager = kfac({ model, likelihood: lik }, params, sq, { weightSharing: 'reduce' }).factors;
    expectClose(tree.ravel(jf(params, sq.x, sq.y) as never)[0], tree.ravel(eager as never)[0], 1e-13);
  });

  it('rejects a bad weightSharing and layer misuse with typed errors', () => {
    const params = { h: { w: rnd(26, [3, 4]) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('h', x);
    expect(() => kfac({ model, likelihood: normal() }, params, { x: sq.x, y: rnd(1, [3, 4, 4]) }, { weightSharing: 'sum' as never })).toThrow(ValueError);
    expect(() => optim.scaleByKfac({ weightSharing: 'sum' as never })).toThrow(/scaleByKfac: 'weightSharing'/);
    const wrong = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('h', x.slice([0, 0], [4, 2]));
    expect(() => kfac({ model: wrong, likelihood: normal() }, params, { x: sq.x, y: rnd(1, [3, 4, 4]) })).toThrow(ShapeError);
    const asConv = (_p: KfacParams, x: Tensor, _d: DenseFn, conv: ConvFn): Tensor => conv('h', x);
    expect(() => kfac({ model: asConv, likelihood: normal() }, params, { x: sq.x, y: rnd(1, [3, 4, 4]) })).toThrow(/conv layer 'h' needs a kernel/);
  });
});

describe('kfac for conv layers', () => {
  const imgs = rnd(30, [4, 5, 5, 2], 1); // N = 4 images 5×5×2

  it('a 1×1 conv is dense K-FAC over the pixels (expand and reduce)', () => {
    const wc = rnd(31, [1, 1, 2, 3]), b = rnd(32, [3], 0.3), wo = rnd(33, [3, 2]);
    const convM = (_p: KfacParams, x: Tensor, _d: DenseFn, conv: ConvFn): Tensor => _d('o', conv('c', x).tanh().mean([0, 1]));
    const denseM = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('o', dense('c', x).tanh().mean([0, 1]));
    const batch = { x: imgs, y: tensor([0, 1, 1, 0], { dtype: 'int32' }) };
    for (const weightSharing of ['expand', 'reduce'] as const) {
      const Kc = kfac({ model: convM, likelihood: categorical() }, { c: { w: wc, b }, o: { w: wo } }, batch, { weightSharing });
      const Kd = kfac({ model: denseM, likelihood: categorical() }, { c: { w: wc.reshape([2, 3]), b }, o: { w: wo } }, batch, { weightSharing });
      for (const nm of ['c', 'o']) {
        expectClose(Kc.factors[nm]!.A, Kd.factors[nm]!.A, 1e-14);
        expectClose(Kc.factors[nm]!.B, Kd.factors[nm]!.B, 1e-14);
      }
      expectClose(Kc.dense(), Kd.dense(), 1e-13);
    }
  });

  it('one location and one example: A ⊗ B is the exact Fisher block of the conv layer', () => {
    // a 3×3 VALID conv on 3×3 images has one output location
    const params = { c: { w: rnd(34, [3, 3, 2, 3]), b: rnd(35, [3], 0.3) }, o: { w: rnd(36, [3, 3]), b: rnd(37, [3], 0.3) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn, conv: ConvFn): Tensor => dense('o', conv('c', x).tanh().reshape([3]));
    const batch = { x: rnd(38, [1, 3, 3, 2], 1), y: tensor([2], { dtype: 'int32' }) };
    const F = mat(fisher({ model: (p: KfacParams, x: Tensor) => applyDense(model, p, x), likelihood: categorical() }, params, batch).dense());
    const K = mat(kfac({ model, likelihood: categorical() }, params, batch).dense());
    for (const nm of ['c', 'o']) expectClose(block(K, params, nm), block(F, params, nm), 1e-12);
  });

  it('conv K-FAC-expand factors are the patch second moment and the per-location gradient sum; the gradient matches', () => {
    const params = { c: { w: rnd(39, [3, 3, 2, 3]), b: rnd(40, [3], 0.3) }, o: { w: rnd(41, [3, 2]) } };
    const opts = { padding: 'SAME' as const, strides: 2 };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn, conv: ConvFn): Tensor => dense('o', conv('c', x, opts).tanh().mean([0, 1]));
    const batch = { x: imgs, y: tensor([0, 1, 1, 0], { dtype: 'int32' }) };
    const K = kfac({ model, likelihood: categorical() }, params, batch, { withGradient: true });
    const rows = Array.from({ length: 4 }, (_, e) => mat(patches(imgs.slice([e, 0, 0, 0], [1, 5, 5, 2]).reshape([5, 5, 2]), [3, 3], opts).reshape([9, 18])).map((r) => [...r, 1])).flat();
    const A = rows[0]!.map((_, i) => rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0) / rows.length));
    expectClose(K.factors['c']!.A, A, 1e-13);
    const loss = (p: KfacParams): Tensor => {
      let l = tensor(0, { dtype: 'float64' });
      for (let e = 0; e < 4; e++) l = l.add(categorical().logProb(applyDense(model, p, imgs.slice([e, 0, 0, 0], [1, 5, 5, 2]).reshape([5, 5, 2])), tensor([0, 1, 1, 0][e]!, { dtype: 'int32' })));
      return l.neg().div(4);
    };
    const [v, g] = valueAndGrad(loss)(params);
    expectClose(K.loss, v, 1e-12);
    expectClose(tree.ravel(K.gradient!)[0], tree.ravel(g)[0], 1e-12);
    expect((K.gradient as typeof params).c.w.shape).toEqual([3, 3, 2, 3]);
  });

  it('conv B (expand and reduce) from an independent Jacobian in the pre-activation, strided and dilated', () => {
    const params = { c: { w: rnd(51, [2, 3, 2, 3]), b: rnd(52, [3], 0.3) }, o: { w: rnd(53, [3, 4]) } };
    const opts = { strides: [1, 2], dilation: [2, 1], padding: 'SAME' as const };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn, cv: ConvFn): Tensor => dense('o', cv('c', x, opts).tanh().mean([0, 1]));
    const y = tensor([0, 3, 1, 2], { dtype: 'int32' }), lik = categorical();
    const gs: number[][][] = []; // per (n, c): [T][3]
    let T = 0;
    for (let e = 0; e < 4; e++) {
      const xe = imgs.slice([e, 0, 0, 0], [1, 5, 5, 2]).reshape([5, 5, 2]);
      const s0 = conv(xe, params.c.w, opts); // [5, 3, 3]
      T = s0.shape[0]! * s0.shape[1]!;
      const f = (sv: Tensor): Tensor => sv.add(params.c.b).tanh().mean([0, 1]).matmul(params.o.w);
      const J = jacfwd(f)(s0).reshape([4, T, 3]).toArray() as number[][][];
      const U = mat(lik.outputFisherSqrt(f(s0)));
      for (let c = 0; c < 4; c++) gs.push(Array.from({ length: T }, (_, t) => Array.from({ length: 3 }, (_, j) => U.reduce((acc, row, k) => acc + row[c]! * J[k]![t]![j]!, 0))));
    }
    const outer = (vs: number[][]): number[][] => Array.from({ length: 3 }, (_, i) => Array.from({ length: 3 }, (_, j) => vs.reduce((acc, v) => acc + v[i]! * v[j]!, 0) / 4));
    expect(T).toBe(15);
    const batch = { x: imgs, y };
    expectClose(kfac({ model, likelihood: lik }, params, batch, { weightSharing: 'expand' }).factors['c']!.B, outer(gs.flat()), 1e-12);
    expectClose(kfac({ model, likelihood: lik }, params, batch, { weightSharing: 'reduce' }).factors['c']!.B, outer(gs.map((byT) => [0, 1, 2].map((j) => byT.reduce((acc, g) => acc + g[j]!, 0)))), 1e-12);
  });

  it('reduce setting: a linear conv layer averaged over locations before a linear head, K-FAC-reduce = the exact GGN', () => {
    const params = { c: { w: rnd(54, [3, 3, 2, 3]), b: rnd(55, [3], 0.3) }, o: { w: rnd(56, [3, 2]), b: rnd(57, [2], 0.3) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn, cv: ConvFn): Tensor => dense('o', cv('c', x, { padding: 'SAME', strides: 2 }).mean([0, 1]));
    const batch = { x: imgs, y: rnd(58, [4, 2], 1) };
    const F = mat(fisher({ model: (p: KfacParams, x: Tensor) => applyDense(model, p, x), likelihood: normal() }, params, batch).dense());
    const K = mat(kfac({ model, likelihood: normal() }, params, batch, { weightSharing: 'reduce' }).dense());
    for (const nm of ['c', 'o']) expectClose(block(K, params, nm), block(F, params, nm), 1e-11);
    const E = mat(kfac({ model, likelihood: normal() }, params, batch, { weightSharing: 'expand' }).dense());
    expect(Math.max(...block(E, params, 'c').flat().map((v, i) => Math.abs(v - block(F, params, 'c').flat()[i]!)))).toBeGreaterThan(1e-4);
  });

  it('optim.kfac preconditions a conv kernel through its [K·Cin, Cout] matrix; jit(kfac) equals eager', () => {
    const params = { c: { w: rnd(42, [3, 3, 2, 3]), b: rnd(43, [3], 0.3) }, o: { w: rnd(44, [3, 2]) } };
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn, cv: ConvFn): Tensor => dense('o', cv('c', x, { padding: 'SAME' }).tanh().mean([0, 1]));
    const batch = { x: imgs, y: tensor([0, 1, 1, 0], { dtype: 'int32' }) };
    const lam = 0.1;
    const opt = optim.scaleByKfac({ damping: lam, decay: 0 });
    const state = opt.init(params);
    const g = tree.map((t: Tensor) => t.mul(1.7).sin(), params) as typeof params;
    const [u] = opt.update(g, state, params, { model, likelihood: categorical(), batch });
    const K = kfac({ model, likelihood: categorical() }, params, batch);
    const { A, B } = K.factors['c']!;
    const eye = (n: number, v: number): Tensor => tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? v : 0))), { dtype: 'float64' });
    const tr = (m: Tensor): number => mat(m).reduce((acc, r, i) => acc + r[i]!, 0) / m.shape[0]!;
    const pi = Math.sqrt(tr(A) / tr(B));
    const uc = (u as typeof params).c;
    expect(uc.w.shape).toEqual([3, 3, 2, 3]);
    const ubar = tensor([...mat(uc.w.reshape([18, 3])), uc.b.toArray() as number[]], { dtype: 'float64' });
    const gbar = tensor([...mat(g.c.w.reshape([18, 3])), g.c.b.toArray() as number[]], { dtype: 'float64' });
    expectClose(A.add(eye(19, pi * Math.sqrt(lam))).matmul(ubar).matmul(B.add(eye(3, Math.sqrt(lam) / pi))), gbar, 1e-9);
    const jf = jit((p: KfacParams, x: Tensor, y: Tensor) => kfac({ model, likelihood: categorical() }, p, { x, y }).factors);
    expectClose(tree.ravel(jf(params, batch.x, batch.y) as never)[0], tree.ravel(K.factors as never)[0], 1e-13);
  });

  it('a model function whose locations change between calls (state it closes over) gets fresh probe shapes', () => {
    const params = { c: { w: rnd(59, [3, 3, 2, 2]) }, o: { w: rnd(60, [2, 2]) } };
    let stride = 1;
    const model = (_p: KfacParams, x: Tensor, dense: DenseFn, cv: ConvFn): Tensor => dense('o', cv('c', x, { padding: 'SAME', strides: stride }).mean([0, 1]));
    const batch = { x: imgs, y: rnd(61, [4, 2]) };
    kfac({ model, likelihood: normal() }, params, batch);
    stride = 2;
    const K = kfac({ model, likelihood: normal() }, params, batch);
    const fresh = (_p: KfacParams, x: Tensor, dense: DenseFn, cv: ConvFn): Tensor => dense('o', cv('c', x, { padding: 'SAME', strides: 2 }).mean([0, 1]));
    const R = kfac({ model: fresh, likelihood: normal() }, params, batch);
    expectClose(tree.ravel(K.factors as never)[0], tree.ravel(R.factors as never)[0], 1e-14);
  });

  it('rejects grouped convolutions and inputs of the wrong rank', () => {
    const params = { c: { w: rnd(45, [3, 3, 2, 2]) } };
    const grouped = (_p: KfacParams, x: Tensor, _d: DenseFn, cv: ConvFn): Tensor => cv('c', x, { groups: 2 } as never).sum([0, 1]);
    expect(() => kfac({ model: grouped, likelihood: normal() }, params, { x: imgs, y: rnd(1, [4, 2]) })).toThrow(/grouped/);
    const flat = (_p: KfacParams, x: Tensor, _d: DenseFn, cv: ConvFn): Tensor => cv('c', x.reshape([50])).sum([0, 1]);
    expect(() => kfac({ model: flat, likelihood: normal() }, params, { x: imgs, y: rnd(1, [4, 2]) })).toThrow(ShapeError);
  });
});
