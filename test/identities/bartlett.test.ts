// The Bartlett identities and the KL-Hessian identity on every model of the issue, as fast-check
// properties over θ: exact sums (discrete), double-exponential quadrature (1-D continuous) and
// Monte Carlo (fixed keys, CLT bounds) — plus closed-form Fishers and KLs where they exist.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curvature, likelihoods, sigmoid, softmax, type Tensor } from '../../src/index.js';
import {
  assertIdentity, firstBartlett, identityProperty, klHessian, secondBartlett, type Family, type IdentityOptions, type Theta,
} from '../../src/testing/index.js';
import * as M from './models.js';

const d = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const mc: IdentityOptions = { method: 'monte-carlo' };

interface Case<P extends Theta> {
  readonly name: string;
  readonly family: Family<P>;
  readonly arb: fc.Arbitrary<P>;
  /** A closed-form (or library) Fisher, checked as the candidate of the second identity. */
  readonly fisher?: (theta: P) => Tensor;
  readonly method: 'exact' | 'quadrature';
  readonly runs?: number;
}

const muSigma = fc.record({ mu: d(-3, 3).map(M.scalar), sigma: d(0.2, 4).map(M.scalar) });
const muLogSigma = fc.record({ mu: d(-3, 3).map(M.scalar), logSigma: d(-1.5, 1.5).map(M.scalar) });
const gammaArb = fc.record({ alpha: d(0.3, 6).map(M.scalar), beta: d(0.2, 4).map(M.scalar) });
const naturalArb = fc.tuple(d(-2, 2), d(0.3, 3)).map(([m, s]) => M.natural(m, s));
const linearArb = fc.tuple(d(-2, 2), d(-2, 2), d(-1, 1)).map(([a, b, c]) => ({ w: M.vec([a, b]), b: M.scalar(c) }));
const mlpArb = fc.integer({ min: 0, max: 1_000_000 }).map((s) => M.mlpParams(s));

const cases: Case<any>[] = [
  { name: 'Bernoulli (logit)', family: M.bernoulli, arb: d(-6, 6).map(M.scalar), method: 'exact', fisher: (e: Tensor) => likelihoods.bernoulli().outputFisher(e) },
  { name: 'Bernoulli (mean p)', family: M.bernoulliMean, arb: d(0.02, 0.98).map(M.scalar), method: 'exact', fisher: (p: Tensor) => p.mul(p.neg().add(1)).reciprocal().reshape([1, 1]) },
  { name: 'Gaussian (μ, σ)', family: M.gaussian, arb: muSigma, method: 'quadrature', fisher: M.gaussianFisher },
  { name: 'Gaussian (μ, log σ)', family: M.gaussianLog, arb: muLogSigma, method: 'quadrature', fisher: (t: M.MuLogSigma) => M.vec([2, 0, 0, Math.exp(-2 * (t.logSigma.item() as number))]).reshape([2, 2]) },
  { name: 'Poisson (log-rate)', family: M.poisson, arb: d(-3, 3).map(M.scalar), method: 'exact', fisher: (e: Tensor) => likelihoods.poisson().outputFisher(e) },
  { name: 'Categorical (softmax, k = 4)', family: M.categorical(4), arb: fc.array(d(-3, 3), { minLength: 4, maxLength: 4 }).map(M.vec), method: 'exact', fisher: (f: Tensor) => likelihoods.categorical().outputFisher(f) },
  { name: 'Exponential (rate)', family: M.exponential, arb: d(0.1, 10).map(M.scalar), method: 'quadrature', fisher: (l: Tensor) => l.square().reciprocal().reshape([1, 1]) },
  { name: 'Gamma (α, β)', family: M.gamma, arb: gammaArb, method: 'quadrature', fisher: M.gammaFisher },
  { name: 'canonical exponential family (Gaussian in natural parameters)', family: M.naturalGaussian, arb: naturalArb, method: 'quadrature', fisher: (e: Tensor) => M.naturalGaussianLik.outputFisher(e) },
  {
    name: 'logistic regression (6 examples, 64 label vectors)', family: M.logistic, arb: linearArb, method: 'exact',
    fisher: (p: M.Linear) => curvature.fisher(M.logisticSpec, p, { x: M.X6 }, { reduction: 'sum' }).dense(),
  },
  {
    name: 'MLP 2-3-3 with a categorical likelihood (4 examples, 81 label vectors)', family: M.mlpFamily, arb: mlpArb, method: 'exact', runs: 10,
    fisher: (p: M.Mlp) => curvature.fisher(M.mlpSpec, p, { x: M.X4 }, { reduction: 'sum' }).dense(),
  },
];

describe('Bartlett identities and the KL Hessian, exact and by quadrature (fast-check over θ)', () => {
  for (const c of cases) {
    describe(c.name, () => {
      const runs = { numRuns: c.runs ?? 25 };
      it(`first Bartlett identity E[score] = 0 (${c.method})`, () => {
        fc.assert(identityProperty(c.arb, (t) => {
          const v = firstBartlett(c.family, t);
          expect(v.method).toBe(c.method);
          return v;
        }), runs);
      });
      it('second Bartlett identity Cov[score] = −E[∇² log p] = closed-form / library Fisher', () => {
        fc.assert(identityProperty(c.arb, (t) => secondBartlett(c.family, t, c.fisher ? { fisher: c.fisher } : {})), runs);
      });
      it('KL-Hessian identity ∇²θ′ KL(p_θ‖p_θ′)|θ′=θ = F(θ)', () => {
        fc.assert(identityProperty(c.arb, (t) => klHessian(c.family, t)), runs);
      });
    });
  }

  it('closed-form KLs are used when present (and the engine KL otherwise)', () => {
    const withKl = klHessian(M.gamma, { alpha: M.scalar(0.7), beta: M.scalar(2) });
    expect(withKl.detail).toContain('closed form');
    expect(withKl.comparisons.map((c) => c.label)).toContain('KL(p_θ ‖ p_θ) = 0');
    const noKl = klHessian(M.gaussianLog, { mu: M.scalar(0), logSigma: M.scalar(0.5) });
    expect(noKl.holds).toBe(true);
    expect(noKl.detail).toContain('no closed form');
  });

  it('the second identity at a Bernoulli logit is p(1 − p) exactly', () => {
    const v = secondBartlett(M.bernoulli, M.scalar(0.3));
    const p = sigmoid(M.scalar(0.3)).item() as number;
    expect(v.reference[0]).toBeCloseTo(p * (1 - p), 14);
    expect(v.estimate[0]).toBeCloseTo(p * (1 - p), 14);
    expect(v.shape).toEqual([1, 1]);
    expect(v.method).toBe('exact');
  });

  it('the categorical Fisher is singular (rank k − 1) and the identities still hold', () => {
    const f = M.vec([0.2, -0.5, 1.1]);
    const v = secondBartlett(M.categorical(3), f);
    assertIdentity(v);
    const p = Array.from(softmax(f).toTypedArray() as Float64Array);
    const rowSums = [0, 1, 2].map((i) => [0, 1, 2].reduce((s, j) => s + v.reference[i * 3 + j]!, 0));
    rowSums.forEach((s) => expect(Math.abs(s)).toBeLessThan(1e-14));
    expect(v.reference[0]).toBeCloseTo(p[0]! * (1 - p[0]!), 14);
  });
});

describe('Bartlett identities by Monte Carlo (fixed keys, CLT bounds)', () => {
  const mcCases: [string, Family<any>, fc.Arbitrary<any>][] = [
    ['Gaussian (μ, σ)', M.gaussian, muSigma],
    ['Gaussian (μ, log σ)', M.gaussianLog, muLogSigma],
    ['Gamma (α, β)', M.gamma, gammaArb],
    ['Exponential (rate)', M.exponential, d(0.1, 10).map(M.scalar)],
    ['canonical exponential family', M.naturalGaussian, naturalArb],
    ['Poisson (log-rate), via likelihoods.poisson().sample', M.poisson, d(-1, 2).map(M.scalar)],
    ['Bernoulli (logit), via likelihoods.bernoulli().sample', M.bernoulli, d(-2, 2).map(M.scalar)],
    ['Categorical, via likelihoods.categorical().sample', M.categorical(3), fc.array(d(-1, 1), { minLength: 3, maxLength: 3 }).map(M.vec)],
  ];
  for (const [name, family, arb] of mcCases) {
    it(`${name}: first and second identities`, () => {
      fc.assert(identityProperty(arb, (t) => {
        const v1 = firstBartlett(family, t, mc);
        expect(v1.method).toBe('monte-carlo');
        assertIdentity(v1);
        return secondBartlett(family, t, mc);
      }), { numRuns: 2 });
    });
  }

  it('KL Hessian by Monte Carlo for the Gamma family (closed-form KL vs sampled E[s sᵀ])', () => {
    assertIdentity(klHessian(M.gamma, { alpha: M.scalar(2.5), beta: M.scalar(0.7) }, mc));
  });

  it('MC verdicts are deterministic for a fixed key and change with the key', () => {
    const t = { mu: M.scalar(0.1), sigma: M.scalar(1.3) };
    const a = secondBartlett(M.gaussian, t, { ...mc, key: 5 }), b = secondBartlett(M.gaussian, t, { ...mc, key: 5 });
    const c = secondBartlett(M.gaussian, t, { ...mc, key: 6 });
    expect(a.estimate).toEqual(b.estimate);
    expect(a.estimate).not.toEqual(c.estimate);
    expect(a.holds && c.holds).toBe(true);
  });
});
