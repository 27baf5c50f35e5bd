// Variance adaptation (Balles & Hennig 2018): SVAG / M-SVAG against float64 hand computations,
// zero variance = SGD, and the unbiasedness of the per-example variance estimate (exact enumeration).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curvature, jit, tensor, type Tensor } from '../../src/index.js';
import { TransformError, ValueError } from '../../src/errors.js';
import * as optim from '../../src/optim/index.js';
import { rng } from './helpers.js';

const f64 = (a: number[], shape?: number[]) => tensor(a, { dtype: 'float64', ...(shape ? { shape } : {}) });
const arr = (t: Tensor) => Array.from(t.toTypedArray() as Float64Array);

/** B per-example gradients of dimension d, as rows. */
function examples(seed: number, b: number, d: number, scale = 1): number[][] {
  const r = rng(seed);
  return Array.from({ length: b }, () => Array.from({ length: d }, () => scale * (2 * r() - 1) + 0.3));
}

describe('scaleByVarianceAdaptation', () => {
  it('per-example SVAG factors equal g²/(g² + σ̂²/B) computed by hand', () => {
    const B = 5, d = 4;
    const rows = examples(1, B, d);
    const g = Array.from({ length: d }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0) / B);
    const s2 = g.map((m, j) => rows.reduce((a, r) => a + (r[j]! - m) ** 2, 0) / (B - 1));
    const want = g.map((x, j) => (x * x / (x * x + s2[j]! / B)) * x);
    const opt = optim.scaleByVarianceAdaptation({ variance: 'perExample', momentum: false });
    const [u] = opt.update(f64(g), opt.init(f64(g)), undefined, { perExampleGrads: f64(rows.flat(), [B, d]) });
    arr(u as Tensor).forEach((v, j) => expect(v).toBeCloseTo(want[j]!, 14));
    // 'sum': the batch gradient is Σgₙ, whose variance is B·σ̂².
    const gs = g.map((x) => B * x);
    const [us] = optim.scaleByVarianceAdaptation({ variance: 'perExample', momentum: false, reduction: 'sum' })
      .update(f64(gs), opt.init(f64(g)), undefined, { perExampleGrads: f64(rows.flat(), [B, d]) });
    arr(us as Tensor).forEach((v, j) => expect(v).toBeCloseTo((gs[j]! ** 2 / (gs[j]! ** 2 + B * s2[j]!)) * gs[j]!, 12));
  });

  it('moving-average M-SVAG and SVAG follow Balles & Hennig\'s algorithm (ρ as the sum of squared weights)', () => {
    const beta = 0.8, d = 3, T = 6;
    const gs = examples(2, T, d, 2);
    for (const momentum of [true, false]) {
      const opt = optim.scaleByVarianceAdaptation({ beta, momentum });
      let state = opt.init(f64([0, 0, 0]));
      const m = [0, 0, 0], v = [0, 0, 0];
      for (let t = 1; t <= T; t++) {
        const g = gs[t - 1]!;
        const [u, s] = opt.update(f64(g), state);
        state = s;
        // ρ = Σᵢ wᵢ², wᵢ the weights of the bias-corrected average (computed by summation, not the closed form).
        const c = 1 - beta ** t;
        let rho = 0;
        for (let i = 1; i <= t; i++) rho += ((1 - beta) * beta ** (t - i) / c) ** 2;
        const got = arr(u as Tensor);
        for (let j = 0; j < d; j++) {
          m[j] = beta * m[j]! + (1 - beta) * g[j]!;
          v[j] = beta * v[j]! + (1 - beta) * g[j]! ** 2;
          const mh = m[j]! / c, vh = v[j]! / c;
          const sv = t === 1 ? 0 : (vh - mh * mh) / (1 - rho);
          const gamma = Math.min(1, Math.max(0, momentum ? mh * mh / (mh * mh + rho * sv) : mh * mh / (mh * mh + sv)));
          expect(got[j]).toBeCloseTo(gamma * (momentum ? mh : g[j]!), 12);
        }
      }
    }
  });

  it('per-example M-SVAG accumulates Var[m̂] = Σ wᵢ² σ̂ᵢ²/B', () => {
    const beta = 0.7, B = 4, d = 2, T = 5;
    const opt = optim.scaleByVarianceAdaptation({ beta, variance: 'perExample' });
    let state = opt.init(f64([0, 0]));
    const hist: { g: number[]; s2: number[] }[] = [];
    for (let t = 1; t <= T; t++) {
      const rows = examples(10 + t, B, d);
      const g = Array.from({ length: d }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0) / B);
      const s2 = g.map((mm, j) => rows.reduce((a, r) => a + (r[j]! - mm) ** 2, 0) / (B - 1) / B);
      hist.push({ g, s2 });
      const [u, s] = opt.update(f64(g), state, undefined, { perExampleGrads: f64(rows.flat(), [B, d]) });
      state = s;
      const c = 1 - beta ** t;
      const got = arr(u as Tensor);
      for (let j = 0; j < d; j++) {
        let mh = 0, vm = 0;
        hist.forEach((h, i) => {
          const w = (1 - beta) * beta ** (t - 1 - i) / c;
          mh += w * h.g[j]!;
          vm += w * w * h.s2[j]!;
        });
        expect(got[j]).toBeCloseTo((mh * mh / (mh * mh + vm)) * mh, 12);
      }
    }
  });

  it('zero gradient variance gives plain SGD (SVAG) and bias-corrected momentum SGD (M-SVAG)', () => {
    const g = [0.5, -1.25, 2, 1e-3];
    const same = f64(Array.from({ length: 3 }, () => g).flat(), [3, 4]);
    const params = f64([1, 2, 3, 4]);
    const sv = optim.svag({ learningRate: 0.1, variance: 'perExample' });
    const [u] = sv.update(f64(g), sv.init(params), params, { perExampleGrads: same });
    const [uSgd] = optim.sgd({ learningRate: 0.1 }).update(f64(g), optim.sgd({ learningRate: 0.1 }).init(params), params);
    expect(arr(u as Tensor)).toEqual(arr(uSgd as Tensor));
    // Moving averages of a constant gradient: m̂ = g and s = 0 (up to rounding), so every step is −αg.
    const ms = optim.msvag({ learningRate: 0.1, beta: 0.9 });
    let s = ms.init(params);
    for (let t = 0; t < 5; t++) {
      const [ut, st] = ms.update(f64(g), s, params);
      s = st;
      arr(ut as Tensor).forEach((x, j) => expect(x).toBeCloseTo(-0.1 * g[j]!, 14));
    }
  });

  it('the mini-batch variance estimate is unbiased (exact expectation over all batches drawn with replacement)', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 2, max: 4 }),
      (pop, B) => {
        const N = pop.length;
        // Every batch (i₁, …, i_B) ∈ [N]^B as one column: a leaf [B, N^B] whose column k is batch k.
        const M = N ** B;
        const data = new Float64Array(B * M);
        for (let k = 0; k < M; k++) {
          let r = k;
          for (let b = 0; b < B; b++) { data[b * M + k] = pop[r % N]!; r = Math.floor(r / N); }
        }
        const est = arr(optim.minibatchGradientVariance(tensor(data, { shape: [B, M] })));
        const expectation = est.reduce((a, x) => a + x, 0) / M;
        const mu = pop.reduce((a, x) => a + x, 0) / N;
        const truth = pop.reduce((a, x) => a + (x - mu) ** 2, 0) / N / B; // Var of the batch mean
        expect(Math.abs(expectation - truth)).toBeLessThanOrEqual(1e-12 * (1 + Math.max(...pop.map((x) => x * x))));
      },
    ));
  });

  it('works with per-example gradients from curvature.perExampleGrads and under jit (bit for bit)', () => {
    const X = f64(examples(3, 6, 2).flat(), [6, 2]);
    const y = f64([1, 0, 1, 1, 0, 0]);
    const loss = (w: Tensor, x: Tensor, yy: Tensor) => x.dot(w).sub(yy).square().mul(0.5);
    const w = f64([0.2, -0.4]);
    const pe = curvature.perExampleGrads(loss)(w, { x: X, y }) as Tensor;
    const g = pe.mean(0);
    const opt = optim.scaleByVarianceAdaptation({ variance: 'perExample', beta: 0.9 });
    const s0 = opt.init(w);
    const eager = opt.update(g, s0, w, { perExampleGrads: pe });
    const jitted = jit((gg: Tensor, st: typeof s0, p: Tensor, pp: Tensor) => opt.update(gg, st, p, { perExampleGrads: pp }))(g, s0, w, pe);
    expect(arr(jitted[0] as Tensor)).toEqual(arr(eager[0] as Tensor));
    const mv = optim.scaleByVarianceAdaptation({ beta: 0.9 });
    const m0 = mv.init(w);
    const [, m1] = mv.update(g, m0, w);
    const e2 = mv.update(g.mul(1.5), m1, w);
    const j2 = jit((gg: Tensor, st: typeof m1) => mv.update(gg, st))(g.mul(1.5), m1);
    expect(arr(j2[0] as Tensor)).toEqual(arr(e2[0] as Tensor));
  });

  it('svag and msvag are exactly their chains', () => {
    const cases = [
      [optim.svag({ learningRate: 0.3, beta: 0.8 }), optim.chain(optim.scaleByVarianceAdaptation({ beta: 0.8, momentum: false }), optim.scaleByLearningRate(0.3))],
      [optim.msvag({ learningRate: 0.3, variance: 'perExample' }), optim.chain(optim.scaleByVarianceAdaptation({ variance: 'perExample' }), optim.scaleByLearningRate(0.3))],
    ] as const;
    for (const [alias, manual] of cases) {
      let w = f64([0.5, -0.5, 1]);
      let sa = alias.init(w), sm = manual.init(w);
      for (let t = 0; t < 5; t++) {
        const rows = examples(30 + t, 4, 3);
        const pe = f64(rows.flat(), [4, 3]);
        const g = pe.mean(0);
        const [ua, na] = alias.update(g, sa, w, { perExampleGrads: pe });
        const [um, nm] = manual.update(g, sm, w, { perExampleGrads: pe });
        expect(arr(ua as Tensor)).toEqual(arr(um as Tensor));
        sa = na; sm = nm;
        w = optim.applyUpdates(w, ua) as Tensor;
      }
    }
  });

  it('rejects bad options and missing per-example gradients with typed errors', () => {
    expect(() => optim.scaleByVarianceAdaptation({ beta: 1 })).toThrow(ValueError);
    expect(() => optim.scaleByVarianceAdaptation({ beta: 0 })).toThrow(/beta/);
    expect(() => optim.scaleByVarianceAdaptation({ variance: 'x' as never })).toThrow(ValueError);
    const opt = optim.scaleByVarianceAdaptation({ variance: 'perExample' });
    const g = f64([1, 2]);
    expect(() => opt.update(g, opt.init(g))).toThrow(TransformError);
    expect(() => opt.update(g, opt.init(g), undefined, { perExampleGrads: f64([1, 2, 3], [3, 1]) })).toThrow(/\[B, 2\]/);
    expect(() => optim.minibatchGradientVariance(f64([1, 2], [1, 2]))).toThrow(/at least 2/);
  });
});
