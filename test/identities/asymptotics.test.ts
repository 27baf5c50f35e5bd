// Asymptotic identities by simulation with fixed keys: the Cramér–Rao bound (attained by the MLE),
// the empirical Fisher → Fisher at a realizable optimum, and the sandwich = inverse Fisher for a
// well-specified model. (Their failures — a biased estimator, misspecified data — are in failures.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { random, type Tensor } from '../../src/index.js';
import {
  assertIdentity, cramerRao, distributionAt, empiricalFisherConvergence, identityProperty, sandwichIdentity, type Family, type IdentityVerdict, type Theta,
} from '../../src/testing/index.js';
import * as M from './models.js';

const d = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const item = (t: Tensor): number => t.item() as number;
const comparison = (v: IdentityVerdict, prefix: string) => {
  const c = v.comparisons.find((x) => x.label.startsWith(prefix));
  if (!c) throw new Error(`no comparison '${prefix}…' in\n${v.detail}`);
  return c;
};

/** The Gaussian location model N(μ, 1) (σ known): F = 1, so n·Var[μ̂] is the efficiency itself. */
const gaussianMean: Family = {
  name: 'gaussian(μ, σ = 1)',
  logProb: (m, y) => y.sub(m).square().mul(-0.5).sub(0.5 * Math.log(2 * Math.PI)),
  quadrature: (m) => ({ lower: -Infinity, upper: Infinity, center: item(m), scale: 1 }),
  sample: (key, m, n) => random.normal(key, [n], M.f64).add(m),
};
const median = (ys: Tensor): Tensor => {
  const a = Array.from(ys.toTypedArray() as Float64Array).sort((x, y) => x - y);
  return M.scalar(a[(a.length - 1) / 2]!);
};

describe('Cramér–Rao: n·Cov[θ̂] ⪰ F⁻¹, attained asymptotically by the MLE', () => {
  const gaussianTheta = { mu: M.scalar(0.4), sigma: M.scalar(1.3) };
  let gaussianQuad: IdentityVerdict | undefined;
  const gaussianCr = (): IdentityVerdict => (gaussianQuad ??= cramerRao(M.gaussian, gaussianTheta, { n: 60 }));

  it('Bernoulli (logit) MLE attains the bound (fast-check over the logit)', () => {
    fc.assert(identityProperty(d(-1.5, 1.5), (eta) => {
      const v = cramerRao(M.bernoulli, M.scalar(eta), { n: 100 });
      expect(Math.abs(comparison(v, 'Cramér–Rao bound').estimate[0]! - 1)).toBeLessThan(0.1); // efficiency λ ≈ 1
      return v;
    }), { numRuns: 3 });
  });

  it('Poisson (log-rate) MLE attains the bound', () => {
    const v = cramerRao(M.poisson, M.scalar(0.4), { n: 60 });
    assertIdentity(v);
    expect(v.reference[0]).toBeCloseTo(Math.exp(-0.4), 12); // F⁻¹ = 1/λ
  });

  it('Gaussian (μ, σ) MLE attains F⁻¹ = diag(σ², σ²/2), with the closed-form Fisher and with quadrature', () => {
    const v = gaussianCr();
    assertIdentity(v);
    [1.69, 0, 0, 0.845].forEach((x, k) => expect(v.reference[k]).toBeCloseTo(x, 9));
    assertIdentity(cramerRao(M.gaussian, gaussianTheta, { n: 40, fisher: M.gaussianFisher, key: 1 }));
  });

  it('a Fisher estimated by Monte Carlo (a family with only a sampler) adds its error to the bounds', () => {
    const { quadrature: _quadrature, ...sampled } = M.gaussian;
    const quad = gaussianCr();
    const mc = cramerRao(sampled, gaussianTheta, { n: 60, samples: 80000 });
    expect(mc.detail).toContain('Monte Carlo, 80000 draws');
    assertIdentity(mc);
    for (const k of [0, 3]) expect(mc.comparisons[0]!.errorBound[k]).toBeGreaterThan(quad.comparisons[0]!.errorBound[k]!);
  });

  it('an unbiased but inefficient estimator (the median) respects the bound and does not attain it', () => {
    const bound = cramerRao(gaussianMean, M.scalar(0.2), { n: 51, estimator: median, expect: 'bound' });
    assertIdentity(bound);
    const lambda = comparison(bound, 'Cramér–Rao bound').estimate[0]!;
    expect(lambda).toBeGreaterThan(1.35); // n·Var[median] → π/2 ≈ 1.571 (≈ 1.51 at n = 51)
    expect(lambda).toBeLessThan(1.75);
    const attained = cramerRao(gaussianMean, M.scalar(0.2), { n: 51, estimator: median });
    expect(attained.holds).toBe(false);
    expect(comparison(attained, 'efficiency').holds).toBe(false);
    expect(comparison(attained, 'Cramér–Rao bound').holds).toBe(true);
  });
});

describe('empirical Fisher → Fisher at a realizable optimum', () => {
  it('Poisson (exact F) over the log-rate; the bound shrinks like N^(−1/2)', () => {
    fc.assert(identityProperty(d(-1, 1.5), (eta) => {
      const v = empiricalFisherConvergence(M.poisson, M.scalar(eta), { sizes: [500, 32000] });
      const [small, large] = v.comparisons;
      const ratio = small!.errorBound[0]! / large!.errorBound[0]!;
      expect(ratio).toBeGreaterThan(4); // √(32000/500) = 8
      expect(ratio).toBeLessThan(16);
      return v;
    }), { numRuns: 3 });
  });

  it('Gaussian (μ, σ) (quadrature F), at the MLE and at the truth', () => {
    const t = { mu: M.scalar(0.1), sigma: M.scalar(2) };
    const v = empiricalFisherConvergence(M.gaussian, t);
    assertIdentity(v);
    expect(v.comparisons.filter((c) => c.label.startsWith('EF(θ̂) = F(θ̂)'))).toHaveLength(4);
    expect(v.detail).toContain('at the MLE');
    const truth = empiricalFisherConvergence(M.gaussian, t, { at: 'truth' });
    assertIdentity(truth);
    expect(truth.detail).toContain('at the θ');
  });

  it('Bernoulli: at the MLE the empirical Fisher equals the Fisher exactly ((1/N)Σ(y − p̂)² = p̂(1 − p̂))', () => {
    const v = empiricalFisherConvergence(M.bernoulli, M.scalar(0.7), { sizes: [500, 5000] });
    assertIdentity(v);
    for (const c of v.comparisons.slice(0, 2)) expect(Math.abs(c.estimate[0]! - c.reference[0]!)).toBeLessThan(1e-8);
  });

  it('logistic regression over a fixed design (exact F over 64 label vectors)', () => {
    assertIdentity(empiricalFisherConvergence(M.logistic, { w: M.vec([0.5, -1]), b: M.scalar(0.2) }, { sizes: [1000, 8000] }));
  });
});

describe('sandwich A⁻¹BA⁻¹ = A⁻¹ for a well-specified model (data = distributionAt(family, θ))', () => {
  const wellSpecified = <P extends Theta>(family: Family<P>, theta: P, options = {}) => sandwichIdentity(family, distributionAt(family, theta), theta, options);
  const cases: [string, Family<any>, fc.Arbitrary<any>][] = [
    ['Bernoulli (logit, exact)', M.bernoulli, d(-4, 4).map(M.scalar)],
    ['Poisson (log-rate, exact)', M.poisson, d(-2, 2.5).map(M.scalar)],
    ['Gaussian (μ, σ), quadrature', M.gaussian, fc.record({ mu: d(-3, 3).map(M.scalar), sigma: d(0.2, 4).map(M.scalar) })],
    ['Gaussian (μ, log σ), quadrature', M.gaussianLog, fc.record({ mu: d(-3, 3).map(M.scalar), logSigma: d(-1.5, 1.5).map(M.scalar) })],
    ['Gamma (α, β), quadrature', M.gamma, fc.record({ alpha: d(0.3, 6).map(M.scalar), beta: d(0.2, 4).map(M.scalar) })],
    ['Exponential (rate), quadrature', M.exponential, d(0.1, 10).map(M.scalar)],
    ['logistic regression (6 examples, exact)', M.logistic, fc.tuple(d(-2, 2), d(-2, 2), d(-1, 1)).map(([a, b, c]) => ({ w: M.vec([a, b]), b: M.scalar(c) }))],
  ];
  for (const [name, family, arb] of cases) {
    it(name, () => {
      fc.assert(identityProperty(arb, (t) => wellSpecified(family, t)), { numRuns: 10 });
    });
  }

  it('Gaussian by Monte Carlo; the sandwich is F⁻¹/N = diag(σ², σ²/2)/N', () => {
    const t = { mu: M.scalar(0.4), sigma: M.scalar(1.3) };
    const mc = wellSpecified(M.gaussian, t, { method: 'monte-carlo' });
    expect(mc.method).toBe('monte-carlo');
    assertIdentity(mc);
    const v = wellSpecified(M.gaussian, t, { examples: 10 });
    assertIdentity(v);
    [0.169, 0, 0, 0.0845].forEach((x, k) => {
      expect(v.reference[k]).toBeCloseTo(x, 9);
      expect(v.estimate[k]).toBeCloseTo(x, 9);
    });
  });
});
