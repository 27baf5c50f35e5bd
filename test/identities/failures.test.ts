// Proofs that the identity checkers CAN fail: each case violates an identity (or feeds a checker a
// wrong quantity) and asserts `holds === false`, that the failing comparison is named in the
// verdict and its report, and that the correct quantity passes where that makes sense. Also: Monte
// Carlo verdicts are never vacuous — too few samples give INCONCLUSIVE, not a pass.
// (A wrong JVP rule caught by checkGrads is in test/testing/check-grads.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arange, curvature, customJvp, exp, grad, likelihoods, mul, outer, random, sigmoid, softplus, tensor, tree, type Tensor,
} from '../../src/index.js';
import {
  assertIdentity, cramerRao, empiricalFisherConvergence, firstBartlett, fisherAdditivity, fisherGgn, iid, naturalGradientInvariance,
  reparameterizationCovariance, sandwichIdentity, secondBartlett, IdentityError, type Distribution, type Family, type IdentityVerdict,
} from '../../src/testing/index.js';
import * as M from './models.js';

const d = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const item = (t: Tensor): number => t.item() as number;

/**
 * Asserts that a verdict fails, that exactly the comparisons in `failing` fail (matched by label
 * prefix), and that the report headline says FAILS and marks each of them with ✗.
 */
function expectFails(v: IdentityVerdict, failing: string[]): void {
  expect(v.holds, v.detail).toBe(false);
  const bad = v.comparisons.filter((c) => !c.holds).map((c) => c.label);
  expect(bad.length, v.detail).toBe(failing.length);
  for (const f of failing) {
    expect(bad.some((l) => l.startsWith(f)), `${f} should fail:\n${v.detail}`).toBe(true);
    expect(v.detail).toContain(`✗ ${f}`);
  }
  expect(v.detail.split('\n')[0]).toMatch(/: FAILS$/);
  expect(() => assertIdentity(v)).toThrow(IdentityError);
}

// ---- models --------------------------------------------------------------------------------------

/** N(μ, 1): σ fixed at 1. */
const gaussianMean: Family = {
  name: 'gaussian(μ, σ = 1)',
  logProb: (m, y) => y.sub(m).square().mul(-0.5).sub(0.5 * Math.log(2 * Math.PI)),
  quadrature: (m) => ({ lower: -Infinity, upper: Infinity, center: item(m), scale: 1 }),
  sample: (key, m, n) => random.normal(key, [n], M.f64).add(m),
};
/** N(0.2, 2²): data with four times the variance the σ = 1 model assumes. */
const wideData: Distribution = {
  name: 'N(0.2, 2²)',
  logProb: (y) => y.sub(0.2).div(2).square().mul(-0.5).sub(Math.log(2 * Math.sqrt(2 * Math.PI))),
  quadrature: { lower: -Infinity, upper: Infinity, center: 0.2, scale: 2 },
  sample: (key, n) => random.normal(key, [n], M.f64).mul(2).add(0.2),
};
/**
 * Overdispersed counts: negative binomial with r = 2, p = 0.6 (mean 3, variance 7.5), i.e. Poisson
 * with a Gamma(2, scale 1.5) rate. log q(y) = log(y + 1) + 2 log 0.4 + y log 0.6.
 */
const negativeBinomial: Distribution = {
  name: 'negative binomial (r = 2, p = 0.6)',
  logProb: (y) => y.add(1).log().add(2 * Math.log(0.4)).add(y.mul(Math.log(0.6))),
  support: arange(0, 200, 1, 'float64'),
  sample: (key, n) => {
    const [kr, kp] = random.splitList(key, 2);
    const rate = random.normal(kr!, [n, 4], M.f64).square().sum(-1).mul(0.75); // χ²₄/2 · 1.5 ~ Gamma(2, scale 1.5)
    return likelihoods.poisson().sample(kp!, rate.log());
  },
};

describe('Uniform(0, θ): the support depends on θ, so the Bartlett identities fail', () => {
  it('first Bartlett: E[score] = −1/θ ≠ 0, by quadrature for every θ (fast-check) and by Monte Carlo', () => {
    fc.assert(fc.property(d(0.2, 5), (theta) => {
      const v = firstBartlett(M.uniform, M.scalar(theta));
      expect(v.method).toBe('quadrature');
      expect(v.conclusive).toBe(true);
      expectFails(v, ['E[score] = 0']);
      expect(v.estimate[0]).toBeCloseTo(-1 / theta, 9);
      expect(v.comparisons.find((c) => c.label.startsWith('normalization'))!.holds).toBe(true); // it IS a density
    }), { numRuns: 10 });
    const mc = firstBartlett(M.uniform, M.scalar(1.5), { method: 'monte-carlo' });
    expectFails(mc, ['E[score] = 0']);
    expect(mc.detail).toContain('E[score] = 0 [1]');
  });

  it('second Bartlett: Cov[score] = 0 but −E[∇² log p] = −1/θ²', () => {
    const v = secondBartlett(M.uniform, M.scalar(1.5));
    expectFails(v, ['Cov[score] = −E[∇² log p]']);
    expect(v.reference[0]).toBeCloseTo(-1 / 2.25, 12);
    expect(Math.abs(v.estimate[0]!)).toBeLessThan(1e-12);
  });

  it('a model with a wrong derivative rule (softplus′ = 1.1·σ) breaks E[score] = 0 for the Bernoulli', () => {
    const badSoftplus = customJvp((x: Tensor) => softplus(x), ([x], [t]) => [softplus(x), mul(t, sigmoid(x).mul(1.1))]);
    const bad: Family = { name: 'bernoulli with a wrong softplus rule', logProb: (e, y) => M.bernoulliLogProb(e, y, badSoftplus), support: M.vec([0, 1]) };
    const v = firstBartlett(bad, M.scalar(0.4));
    expectFails(v, ['E[score] = 0']);
    expect(v.estimate[0]).toBeCloseTo(-0.1 * item(sigmoid(M.scalar(0.4))), 12);
    assertIdentity(firstBartlett(M.bernoulli, M.scalar(0.4)));
  });
});

describe('a misspecified model: sandwich ≠ inverse Fisher', () => {
  it('Gaussian with σ = 1 fitted to N(0.2, 2²) data: sandwich = 4 = 4·A⁻¹ (quadrature and Monte Carlo)', () => {
    const v = sandwichIdentity(gaussianMean, wideData, M.scalar(0.2));
    expectFails(v, ['sandwich A⁻¹BA⁻¹/N = A⁻¹/N']);
    expect(v.estimate[0]).toBeCloseTo(4, 8);
    expect(v.reference[0]).toBeCloseTo(1, 8);
    expectFails(sandwichIdentity(gaussianMean, wideData, M.scalar(0.2), { method: 'monte-carlo', samples: 40000 }), ['sandwich A⁻¹BA⁻¹/N = A⁻¹/N']);
  });

  it('Poisson on overdispersed (negative binomial) counts: sandwich = 7.5/9 vs A⁻¹ = 1/3 (exact and Monte Carlo)', () => {
    const v = sandwichIdentity(M.poisson, negativeBinomial, M.scalar(Math.log(3)));
    expectFails(v, ['sandwich A⁻¹BA⁻¹/N = A⁻¹/N']);
    expect(v.method).toBe('exact');
    expect(v.estimate[0]).toBeCloseTo(7.5 / 9, 10);
    expect(v.reference[0]).toBeCloseTo(1 / 3, 10);
    expectFails(sandwichIdentity(M.poisson, negativeBinomial, M.scalar(Math.log(3)), { method: 'monte-carlo' }), ['sandwich A⁻¹BA⁻¹/N = A⁻¹/N']);
  });

  it('θ that is not the pseudo-true parameter fails E_q[score] = 0 as well', () => {
    expectFails(sandwichIdentity(M.poisson, negativeBinomial, M.scalar(1.5)), ['sandwich A⁻¹BA⁻¹/N = A⁻¹/N', 'E_q[score] = 0']);
  });

  it('the empirical Fisher does not converge to the Fisher on misspecified data (EF → B = 7.5 ≠ F = 3)', () => {
    const v = empiricalFisherConvergence(M.poisson, M.scalar(Math.log(3)), { data: negativeBinomial.sample!, sizes: [2000, 32000] });
    expect(v.holds).toBe(false);
    const large = v.comparisons[1]!;
    expect(large.label).toBe('EF(θ̂) = F(θ̂) at N = 32000');
    expect(large.holds).toBe(false);
    expect(large.estimate[0]! / large.reference[0]!).toBeGreaterThan(2); // 7.5 / 3 = 2.5
    expect(v.detail.split('\n')[0]).toMatch(/: FAILS$/);
  });
});

describe('a wrong Fisher fails the second Bartlett identity ({ fisher: wrong })', () => {
  const p = { w: M.vec([0.8, -1.1]), b: M.scalar(0.3) };
  const Y = M.vec([1, 0, 0, 1, 1, 0]);
  const F = curvature.fisher(M.logisticSpec, p, { x: M.X6 }, { reduction: 'sum' }).dense();
  const candidate = 'candidate Fisher = −E[∇² log p]';

  it('the right one passes (control)', () => assertIdentity(secondBartlett(M.logistic, p, { fisher: F })));

  it('the squared batch gradient g gᵀ at the observed labels, for every θ (fast-check)', () => {
    fc.assert(fc.property(fc.tuple(d(-2, 2), d(-2, 2), d(-1, 1)), ([a, b, c]) => {
      const q = { w: M.vec([a, b]), b: M.scalar(c) };
      const [w, unravel] = tree.ravel(q);
      const g = grad((v: Tensor) => M.logistic.logProb(unravel(v), Y))(w);
      expectFails(secondBartlett(M.logistic, q, { fisher: outer(g, g) }), [candidate]);
    }), { numRuns: 10 });
  });

  it('the empirical Fisher at a non-optimum', () => {
    const ef = curvature.fisher(M.logisticSpec, p, { x: M.X6, y: Y }, { kind: 'empirical', reduction: 'sum' });
    expectFails(secondBartlett(M.logistic, p, { fisher: ef }), [candidate]);
  });

  it('a Fisher scaled by 1.05 (exact), and one scaled by 1.2 under Monte Carlo', () => {
    expectFails(secondBartlett(M.logistic, p, { fisher: F.mul(1.05) }), [candidate]);
    const t = { alpha: M.scalar(2.5), beta: M.scalar(0.7) };
    const v = secondBartlett(M.gamma, t, { method: 'monte-carlo', fisher: M.gammaFisher(t).mul(1.2) });
    expect(v.method).toBe('monte-carlo');
    expectFails(v, [candidate]);
  });
});

describe('a wrong reparameterization Jacobian fails F_η = Jᵀ F_θ J', () => {
  // φ(log σ) = exp(log σ) with a derivative rule 20 % too large: right values, wrong J.
  const badExp = customJvp((a: Tensor) => exp(a), ([a], [t]) => [exp(a), mul(t, exp(a)).mul(1.2)]);
  const badPhi = (e: M.MuLogSigma): M.MuSigma => ({ mu: e.mu, sigma: badExp(e.logSigma) });
  const eta = { mu: M.scalar(0.3), logSigma: M.scalar(-0.4) };

  it('against an independently coded η-family, by quadrature and by Monte Carlo', () => {
    const v = reparameterizationCovariance(M.gaussian, badPhi, eta, { reparameterized: M.gaussianLog });
    expectFails(v, ['F_η = Jᵀ F_θ J']);
    expect(v.estimate[0]).toBeCloseTo(2, 9); // F_{log σ} = 2; Jᵀ F J = 1.2² · 2 = 2.88
    expect(v.reference[0]).toBeCloseTo(2.88, 9);
    expectFails(reparameterizationCovariance(M.gaussian, badPhi, eta, { reparameterized: M.gaussianLog, method: 'monte-carlo' }), ['F_η = Jᵀ F_θ J']);
  });

  it('an η-family that is not the same distributions (σ = exp(2·log σ)) is caught', () => {
    const wrongFamily: Family<M.MuLogSigma> = { ...M.gaussianLog, name: 'wrong η-family', logProb: (t, y) => M.gaussianLog.logProb({ mu: t.mu, logSigma: t.logSigma.mul(2) }, y) };
    const v = reparameterizationCovariance(M.gaussian, M.toMuSigma, eta, { reparameterized: wrongFamily });
    expect(v.holds).toBe(false);
    expect(v.comparisons.find((c) => c.label.startsWith('same distributions'))!.holds).toBe(false);
  });

  it('a wrong closed-form F_θ', () => {
    expectFails(reparameterizationCovariance(M.gaussian, M.toMuSigma, eta, { fisher: (t: M.MuSigma) => M.gaussianFisher(t).mul(1.1) }), ['F_η = Jᵀ F_θ J']);
  });
});

describe('Fisher = GGN: wrong candidates and a non-canonical likelihood fail', () => {
  const p = { w: M.vec([0.8, -1.1]), b: M.scalar(0.3) };
  const batch = { x: M.X6, y: M.vec([1, 0, 0, 1, 1, 0]) };

  it('the empirical Fisher and a scaled Fisher as candidates', () => {
    const v = fisherGgn(M.logisticSpec, p, batch, {
      labels: M.vec([0, 1]),
      candidates: {
        'curvature.fisher': curvature.fisher(M.logisticSpec, p, { x: M.X6 }),
        'empirical Fisher': curvature.fisher(M.logisticSpec, p, batch, { kind: 'empirical' }),
        '1.1 × Fisher': curvature.fisher(M.logisticSpec, p, { x: M.X6 }).dense().mul(1.1),
      },
    });
    expectFails(v, ['empirical Fisher = Fisher', '1.1 × Fisher = Fisher']);
  });

  it('a Gaussian with a learned scale ([μ, log σ] outputs) is not canonical: GGN ≠ Fisher', () => {
    const spec = { model: (q: Tensor, x: Tensor) => x.matmul(q), likelihood: likelihoods.normalWithScale() };
    const q = tensor([[0.3, -0.2], [0.1, 0.4]], M.f64);
    expectFails(fisherGgn(spec, q, { x: M.X6, y: M.design(4, 6, 1).reshape([6]) }), ['GGN (observed labels) = Fisher']);
  });
});

describe('other identities that fail when their assumptions fail', () => {
  it('plain gradient descent is not invariant under reparameterization (euclidean metric)', () => {
    const loss = (t: M.MuSigma): Tensor => M.gaussian.logProb(t, M.scalar(1.7)).neg();
    const eta = { mu: M.scalar(0.3), logSigma: M.scalar(-0.4) };
    const v = naturalGradientInvariance(M.gaussian, M.toMuSigma, eta, loss, { metric: 'euclidean' });
    expectFails(v, ['first-order invariance', 'finite steps differ at O(ε²)']);
    expect(v.comparisons[1]!.estimate[0]).toBeCloseTo(1, 1); // the steps differ at first order
    assertIdentity(naturalGradientInvariance(M.gaussian, M.toMuSigma, eta, loss));
  });

  it('a natural gradient preconditioned by a wrong closed-form F_θ is not invariant (Monte Carlo F_η)', () => {
    const loss = (t: M.MuSigma): Tensor => M.gaussian.logProb(t, M.scalar(1.7)).neg();
    const eta = { mu: M.scalar(0.3), logSigma: M.scalar(-0.4) };
    const v = naturalGradientInvariance(M.gaussian, M.toMuSigma, eta, loss, { method: 'monte-carlo', fisher: (t: M.MuSigma) => M.gaussianFisher(t).mul(1.5) });
    expect(v.holds).toBe(false);
    expect(v.comparisons[0]!.holds).toBe(false);
  });

  it('Fisher information is not additive over dependent observations (a duplicated Bernoulli)', () => {
    const duplicated: Family = { name: 'y₂ = y₁ ~ bernoulli', logProb: (e, y) => M.bernoulli.logProb(e, y.slice([0], [1]).reshape([])), support: M.vec([0, 0, 1, 1]).reshape([2, 2]) };
    const v = fisherAdditivity(duplicated, [M.bernoulli, M.bernoulli], M.scalar(0.4));
    expectFails(v, ['F_joint = Σ F_parts']);
    expect(v.estimate[0]! / v.reference[0]!).toBeCloseTo(0.5, 12);
    expectFails(fisherAdditivity(iid(M.bernoulli, 3), [M.bernoulli, M.bernoulli], M.scalar(0.4)), ['F_joint = Σ F_parts']);
  });

  it('a biased estimator (½ · sample mean) beats the Cramér–Rao bound, which assumes unbiasedness', () => {
    const v = cramerRao(gaussianMean, M.scalar(0.2), { n: 50, estimator: (ys) => ys.mean().mul(0.5), expect: 'bound' });
    expectFails(v, ['Cramér–Rao bound']);
    expect(v.estimate[0]).toBeCloseTo(0.25, 1); // n·Var = σ²/4
  });
});

describe('Monte Carlo verdicts are not vacuous', () => {
  const t = { mu: M.scalar(0.3), sigma: M.scalar(1.2) };

  it('too few samples: a true identity is INCONCLUSIVE (holds = false), not a pass; enough samples pass', () => {
    const few = secondBartlett(M.gaussian, t, { method: 'monte-carlo', samples: 200 });
    expect(few.holds).toBe(false);
    expect(few.conclusive).toBe(false);
    expect(few.comparisons.every((c) => c.holds)).toBe(true); // nothing failed …
    expect(few.comparisons[0]!.resolution).toBeGreaterThan(0.2); // … but the bound is wider than 20 % of the Fisher
    expect(few.detail.split('\n')[0]).toMatch(/INCONCLUSIVE/);
    expect(few.detail).toMatch(/inconclusive: Cov\[score\] = −E\[∇² log p\] — bound\/scale exceeds 0\.2/);
    expect(() => assertIdentity(few)).toThrow(/INCONCLUSIVE/);
    assertIdentity(secondBartlett(M.gaussian, t, { method: 'monte-carlo' }));

    const first = firstBartlett(M.gaussian, t, { method: 'monte-carlo', samples: 300 });
    expect(first.holds).toBe(false);
    expect(first.conclusive).toBe(false);
    expect(cramerRao(M.bernoulli, M.scalar(0.4), { n: 100, replications: 200 }).conclusive).toBe(false);
  });

  it('the resolution option sets the precision required to pass', () => {
    const strict = secondBartlett(M.gaussian, t, { method: 'monte-carlo', resolution: 0.02 });
    expect(strict.holds).toBe(false);
    expect(strict.conclusive).toBe(false);
    const exact = secondBartlett(M.gaussian, t, { resolution: 0.02 }); // quadrature: bound ≪ 2 %
    expect(exact.method).toBe('quadrature');
    assertIdentity(exact);
  });

  it('a significant deviation FAILS even when another bound is too wide to pass', () => {
    const v = secondBartlett(M.gaussian, t, { method: 'monte-carlo', samples: 200, fisher: tensor([[1, 0], [0, 1]], M.f64) });
    expect(v.conclusive).toBe(false);
    expectFails(v, ['candidate Fisher = −E[∇² log p]']);
    expect(v.detail).toContain('also inconclusive:');
  });

  it('a violated identity with a zero-variance estimate fails conclusively even with few draws (Uniform score is constant)', () => {
    const v = firstBartlett(M.uniform, M.scalar(2), { method: 'monte-carlo', samples: 200 });
    expect(v.conclusive).toBe(true);
    expectFails(v, ['E[score] = 0']);
  });
});
