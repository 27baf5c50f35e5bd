import { afterAll, describe, expect, it } from 'vitest';
import { jit, random, setBackend, tensor, vmap, type Tensor } from '../../src/index.js';
import { ShapeError, TransformError, ValueError } from '../../src/errors.js';
import { cholesky } from '../../src/linalg/dense.js';
import { thrown } from '../helpers.js';
import { betaCdf, gammaCdf, ksStatistic, lgamma, moments, normalCdf } from './reference-cdf.js';

const f64 = { dtype: 'float64' } as const;
const N = 20000;
// Kolmogorov–Smirnov critical value at α ≈ 0.001; keys are fixed, so the verdict is deterministic.
const KS_CRIT = 1.95 / Math.sqrt(N);
const arr = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray() as ArrayLike<number>);

/** Mean and variance within 5 CLT standard errors of the exact values. */
function expectMoments(xs: ArrayLike<number>, mean: number, variance: number): void {
  const m = moments(xs);
  expect(Math.abs(m.mean - mean)).toBeLessThan(5 * m.seMean);
  expect(Math.abs(m.variance - variance)).toBeLessThan(5 * m.seVariance);
}

describe('random.gamma', () => {
  for (const [seed, a] of [[1, 0.3], [2, 1], [3, 2.5], [4, 40]] as const) {
    it(`a = ${a}: moments and KS against the regularised incomplete gamma`, () => {
      const xs = arr(random.gamma(random.key(seed), a, [N], f64));
      expectMoments(xs, a, a);
      expect(ksStatistic(xs, (x) => gammaCdf(a, x))).toBeLessThan(KS_CRIT);
      expect(xs.every((x) => x > 0)).toBe(true);
    });
  }
  it('a sample depends only on the key, its index and its own shape parameter', () => {
    const k = random.key(7);
    const a = arr(random.gamma(k, tensor([0.5, 3, 9], f64)));
    const b = arr(random.gamma(k, tensor([0.5, 3, 0.1], f64)));
    expect(a[0]).toBe(b[0]);
    expect(a[1]).toBe(b[1]);
    expect(a[2]).not.toBe(b[2]);
    expect(arr(random.gamma(k, tensor([0.5, 3, 9], f64)))).toEqual(a);
  });
  it('float32 samples are the float64 samples rounded once; broadcasting a to shape', () => {
    const k = random.key(8);
    const x64 = arr(random.gamma(k, tensor([[1], [4]]), [2, 3], f64));
    const x32 = random.gamma(k, tensor([[1], [4]]), [2, 3]);
    expect(x32.dtype).toBe('float32');
    expect(Array.from(x32.toTypedArray())).toEqual(Array.from(Float32Array.from(x64)));
  });
  it('rejects non-positive or non-finite shapes and shapes that do not broadcast', () => {
    const e = thrown(() => random.gamma(random.key(0), tensor([1, -2]), [2]));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/random\.gamma: a must be finite and > 0, got -2 at flat index 1/);
    expect(thrown(() => random.gamma(random.key(0), 0))).toBeInstanceOf(ValueError);
    expect(thrown(() => random.gamma(random.key(0), Infinity))).toBeInstanceOf(ValueError);
    expect(thrown(() => random.gamma(random.key(0), tensor([1, 2, 3]), [2]))).toBeInstanceOf(ShapeError);
    expect(thrown(() => random.gamma(random.key(0), 1, [2], { dtype: 'int32' }))).toBeInstanceOf(ValueError);
  });
});

describe('random.beta and random.dirichlet', () => {
  it('beta(2, 5): moments and KS against the numerically integrated CDF', () => {
    const [a, b] = [2, 5];
    const xs = arr(random.beta(random.key(11), a, b, [N], f64));
    expectMoments(xs, a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1)));
    expect(ksStatistic(xs, betaCdf(a, b))).toBeLessThan(KS_CRIT);
  });
  it('beta with tiny shapes stays in [0, 1] (log-space ratio), with the exact mean', () => {
    const xs = arr(random.beta(random.key(12), 0.02, 0.05, [N], f64));
    expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
    const m = moments(xs);
    expect(Math.abs(m.mean - 0.02 / 0.07)).toBeLessThan(5 * m.seMean);
  });
  it('dirichlet: rows on the simplex, marginals Beta(α_c, α₀ − α_c) by KS', () => {
    const alpha = [1, 2, 3];
    const x = random.dirichlet(random.key(13), tensor(alpha, f64), [N], f64);
    expect(x.shape).toEqual([N, 3]);
    const d = arr(x);
    for (let r = 0; r < N; r++) expect(Math.abs(d[3 * r]! + d[3 * r + 1]! + d[3 * r + 2]! - 1)).toBeLessThan(1e-12);
    for (let c = 0; c < 3; c++) {
      const col = Float64Array.from({ length: N }, (_, r) => d[3 * r + c]!);
      const a0 = 6, ac = alpha[c]!;
      expectMoments(col, ac / a0, (ac * (a0 - ac)) / (a0 * a0 * (a0 + 1)));
      expect(ksStatistic(col, betaCdf(ac, a0 - ac))).toBeLessThan(KS_CRIT);
    }
  });
  it('validation: beta parameters, dirichlet alpha shape and values', () => {
    expect(thrown(() => random.beta(random.key(0), 1, -1)).message).toMatch(/random\.beta: b must be finite and > 0/);
    expect(thrown(() => random.dirichlet(random.key(0), 1))).toBeInstanceOf(ShapeError);
    expect(thrown(() => random.dirichlet(random.key(0), tensor([1, 0])))).toBeInstanceOf(ValueError);
    expect(thrown(() => random.dirichlet(random.key(0), tensor([[1, 2], [3, 4]]), [3]))).toBeInstanceOf(ShapeError);
  });
});

describe('random.poisson', () => {
  const pmf = (lam: number, k: number): number => Math.exp(k * Math.log(lam) - lam - lgamma(k + 1));
  for (const [seed, lam] of [[21, 0.7], [22, 3.5], [23, 9.99], [24, 10], [25, 150], [26, 1e4]] as const) {
    it(`λ = ${lam}: mean = variance = λ, and the CDF within the KS bound at every count`, () => {
      const x = random.poisson(random.key(seed), lam, [N]);
      expect(x.dtype).toBe('int32');
      const xs = arr(x);
      expectMoments(xs, lam, lam);
      const counts = new Map<number, number>();
      for (const v of xs) counts.set(v, (counts.get(v) ?? 0) + 1);
      const lo = Math.max(0, Math.floor(lam - 8 * Math.sqrt(lam) - 2)), hi = Math.ceil(lam + 8 * Math.sqrt(lam) + 5);
      let cdf = 0, inside = 0, d = 0;
      for (let k = 0; k < lo; k++) cdf += pmf(lam, k);
      for (let k = lo; k <= hi; k++) {
        cdf += pmf(lam, k);
        inside += counts.get(k) ?? 0;
        d = Math.max(d, Math.abs(inside / N - cdf));
      }
      expect(inside).toBe(N); // nothing outside λ ± 8√λ
      expect(d).toBeLessThan(KS_CRIT);
    });
  }
  it('λ = 0 gives zeros; float dtypes; per-element rates', () => {
    expect(Array.from(random.poisson(random.key(0), 0, [5]).toTypedArray())).toEqual([0, 0, 0, 0, 0]);
    expect(random.poisson(random.key(0), 2, [3], { dtype: 'float64' }).dtype).toBe('float64');
    const x = arr(random.poisson(random.key(1), tensor([0, 1e6], f64)));
    expect(x[0]).toBe(0);
    expect(Math.abs(x[1]! - 1e6)).toBeLessThan(6000);
  });
  it('rejects a negative, NaN or too large rate and a bool dtype', () => {
    const e = thrown(() => random.poisson(random.key(0), tensor([1, -0.5]), [2]));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/random\.poisson: lam must be finite, ≥ 0 and ≤ 1000000000, got -0\.5 at flat index 1/);
    expect(thrown(() => random.poisson(random.key(0), NaN))).toBeInstanceOf(ValueError);
    expect(thrown(() => random.poisson(random.key(0), 2e9))).toBeInstanceOf(ValueError);
    expect(thrown(() => random.poisson(random.key(0), 1, [2], { dtype: 'bool' }))).toBeInstanceOf(ValueError);
  });
});

describe('random.truncatedNormal', () => {
  for (const [seed, lo, hi] of [[31, -1, 2], [32, 1.5, Infinity], [33, -Infinity, -2], [34, 3, 3.5], [35, -0.1, 0.1]] as const) {
    it(`[${lo}, ${hi}]: inside the bounds, moments and KS against the exact truncated CDF`, () => {
      const xs = arr(random.truncatedNormal(random.key(seed), lo, hi, [N], f64));
      expect(xs.every((x) => x >= lo && x <= hi)).toBe(true);
      const pa = normalCdf(lo), pb = normalCdf(hi), z = pb - pa;
      const dens = (x: number): number => (Number.isFinite(x) ? Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) : 0);
      const mean = (dens(lo) - dens(hi)) / z;
      const xd = (x: number): number => (Number.isFinite(x) ? x * dens(x) : 0);
      const variance = 1 + (xd(lo) - xd(hi)) / z - mean * mean;
      expectMoments(xs, mean, variance);
      expect(ksStatistic(xs, (x) => (normalCdf(x) - pa) / z)).toBeLessThan(KS_CRIT);
    });
  }
  it('rejects lower ≥ upper and NaN bounds', () => {
    const e = thrown(() => random.truncatedNormal(random.key(0), tensor([0, 1]), tensor([1, 1])));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/need lower < upper, got lower=1, upper=1 at flat index 1/);
    expect(thrown(() => random.truncatedNormal(random.key(0), NaN, 1))).toBeInstanceOf(ValueError);
  });
});

describe('random.multivariateNormal', () => {
  const cov = [[2, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 0.5]];
  const mean = [1, -2, 0.5];
  it('is mean + L·z with z = random.normal(key, [...shape, n], float64) bit for bit', () => {
    const k = random.key(41);
    const x = arr(random.multivariateNormal(k, tensor(mean, f64), tensor(cov, f64), [4], f64));
    const z = arr(random.normal(k, [4, 3], f64));
    const l = cholesky(Float64Array.from(cov.flat()), 3);
    for (let b = 0; b < 4; b++) {
      for (let i = 0; i < 3; i++) {
        let acc = mean[i]!;
        for (let j = 0; j <= i; j++) acc += l[i * 3 + j]! * z[b * 3 + j]!;
        expect(x[b * 3 + i]).toBe(acc);
      }
    }
  });
  it('sample mean and covariance match within CLT bounds', () => {
    const x = arr(random.multivariateNormal(random.key(42), tensor(mean, f64), tensor(cov, f64), [N], f64));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j <= i; j++) {
        // x_i x_j products: their mean estimates cov_ij + μ_i μ_j
        const prod = Float64Array.from({ length: N }, (_, r) => (x[3 * r + i]! - mean[i]!) * (x[3 * r + j]! - mean[j]!));
        const m = moments(prod);
        expect(Math.abs(m.mean - cov[i]![j]!)).toBeLessThan(5 * m.seMean);
      }
      const col = Float64Array.from({ length: N }, (_, r) => x[3 * r + i]!);
      expectMoments(col, mean[i]!, cov[i]![i]!);
    }
  });
  it('batched covariances broadcast against shape', () => {
    const covs = tensor([[[1, 0], [0, 1]], [[4, 0], [0, 9]]], f64);
    const x = random.multivariateNormal(random.key(43), tensor([0, 0], f64), covs, [5, 2], f64);
    expect(x.shape).toEqual([5, 2, 2]);
    const d = arr(x), z = arr(random.normal(random.key(43), [5, 2, 2], f64));
    expect(d[3]).toBe(3 * z[3]!); // batch (0, 1), component 1: sqrt(9)·z
  });
  it('rejects a non-SPD, asymmetric or mis-shaped covariance', () => {
    const e = thrown(() => random.multivariateNormal(random.key(0), tensor([0, 0]), tensor([[1, 2], [2, 1]])));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/random\.multivariateNormal: cov must be symmetric positive definite/);
    expect(thrown(() => random.multivariateNormal(random.key(0), tensor([0, 0]), tensor([[1, 0.5], [0, 1]]))).message).toMatch(/cov must be symmetric/);
    expect(thrown(() => random.multivariateNormal(random.key(0), tensor([0, 0, 0]), tensor([[1, 0], [0, 1]])))).toBeInstanceOf(ShapeError);
  });
});

describe('host samplers: keys, transformations and backends', () => {
  const draws = (): Float64Array[] => {
    const k = random.key(99);
    return [
      arr(random.gamma(k, tensor([0.2, 1, 7], f64), [50, 3], f64)),
      arr(random.beta(k, 0.5, 3, [100], f64)),
      arr(random.dirichlet(k, tensor([0.3, 1, 4], f64), [20], f64)),
      arr(random.poisson(k, tensor([0.5, 12, 500], f64), [40, 3])),
      arr(random.truncatedNormal(k, -0.5, 4, [100], f64)),
      arr(random.multivariateNormal(k, tensor([0, 1], f64), tensor([[1, 0.3], [0.3, 2]], f64), [30], f64)),
      arr(random.gamma(k, 3, [64])),
    ];
  };
  afterAll(() => {
    setBackend(process.env['CURVAX_BACKEND'] ?? 'wasm');
  });
  it('the js and wasm backends draw the same bits', () => {
    setBackend('js');
    const onJs = draws();
    setBackend('wasm');
    const onWasm = draws();
    onJs.forEach((x, i) => expect(onWasm[i]).toEqual(x));
  });
  it('under jit, vmap or grad: a TransformError that says what to do', () => {
    const e = thrown(() => jit((k: Tensor) => random.gamma(k, 2, [3]))(random.key(0)));
    expect(e).toBeInstanceOf(TransformError);
    expect(e.message).toMatch(/random\.gamma: needs a concrete key.*draw the samples outside the transformation/);
    const p = thrown(() => vmap((lam: Tensor) => random.poisson(random.key(0), lam))(tensor([1, 2])));
    expect(p).toBeInstanceOf(TransformError);
    expect(p.message).toMatch(/random\.poisson: needs a concrete lam/);
  });
  it('rejects malformed keys', () => {
    expect(thrown(() => random.gamma(tensor([1, 2]), 1))).toBeInstanceOf(ValueError);
    expect(thrown(() => random.gamma(random.split(random.key(0), 2), 1))).toBeInstanceOf(ValueError);
  });
});
