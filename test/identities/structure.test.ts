// Structural identities of the Fisher information, as fast-check properties over parameters (and
// observed labels): Fisher = GGN for exponential families in natural parameters, additivity over
// independent observations, covariance under reparameterization (F_η = Jᵀ F_θ J) and first-order
// invariance of the natural-gradient step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arange, curvature, likelihoods, sigmoid, stack, tensor, type Tensor } from '../../src/index.js';
import {
  assertIdentity, exampleFamilies, fisherAdditivity, fisherGgn, identityProperty, iid, naturalGradientInvariance, reparameterizationCovariance,
  type ConditionalSpec, type IdentityVerdict,
} from '../../src/testing/index.js';
import * as M from './models.js';

const d = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const item = (t: Tensor): number => t.item() as number;
const labelVec = (n: number, max: number) => fc.array(fc.integer({ min: 0, max }), { minLength: n, maxLength: n });
const linearArb = (w: number, b: number) => fc.tuple(d(-w, w), d(-w, w), d(-b, b)).map(([a, c, e]) => ({ w: M.vec([a, c]), b: M.scalar(e) }));
const mlpArb = fc.integer({ min: 0, max: 1_000_000 }).map((s) => M.mlpParams(s));
const muLogSigma = fc.record({ mu: d(-3, 3).map(M.scalar), logSigma: d(-1.5, 1.5).map(M.scalar) });
const muSigma = fc.record({ mu: d(-2, 2).map(M.scalar), sigma: d(0.3, 3).map(M.scalar) });

/** The labels of a verdict's comparisons (so a test sees which checks ran). */
const labels = (v: IdentityVerdict): string[] => v.comparisons.map((c) => c.label);

// ---- models ----------------------------------------------------------------------------------

/** Poisson regression with a log link (canonical): 5 examples, |log λ| ≤ ~3, labels 0…79. */
const poissonSpec: ConditionalSpec<M.Linear> = { model: M.linear, likelihood: likelihoods.poisson() };
const X5 = M.design(21, 5, 2).mul(0.8);
const poissonLabels = arange(0, 80, 1, 'float64');
const bernoulliLabels = M.vec([0, 1]);
const classLabels = arange(0, 3, 1, 'int32');
const ints = (v: number[]): Tensor => tensor(v, { dtype: 'int32' });

describe('Fisher = GGN for exponential families in natural parameters (any observed labels)', () => {
  it('logistic regression: GGN at the observed labels = Fisher = curvature.fisher = curvature.ggn (exact)', () => {
    fc.assert(identityProperty(fc.tuple(linearArb(2, 1), labelVec(6, 1)), ([p, y]) => {
      const batch = { x: M.X6, y: M.vec(y) };
      const v = fisherGgn(M.logisticSpec, p, batch, {
        labels: bernoulliLabels,
        candidates: {
          'curvature.fisher': curvature.fisher(M.logisticSpec, p, { x: M.X6 }),
          'curvature.ggn': curvature.ggn({ inner: M.linear, outer: (z: Tensor, yn: Tensor) => likelihoods.bernoulli().logProb(z, yn).neg() }, p, batch),
        },
      });
      expect(v.method).toBe('exact');
      expect(labels(v)).toEqual(['GGN (observed labels) = Fisher', 'curvature.fisher = Fisher', 'curvature.ggn = Fisher', expect.stringMatching(/^normalization/)]);
      return v;
    }), { numRuns: 15 });
  });

  it('a 2-3-3 MLP with a categorical likelihood (21 parameters, exact)', () => {
    fc.assert(identityProperty(fc.tuple(mlpArb, labelVec(4, 2)), ([p, y]) =>
      fisherGgn(M.mlpSpec, p, { x: M.X4, y: ints(y) }, { labels: classLabels, candidates: { 'curvature.fisher': curvature.fisher(M.mlpSpec, p, { x: M.X4 }) } })), { numRuns: 6 });
  });

  it('Poisson regression with the log link (exact sums over 80 counts per example)', () => {
    fc.assert(identityProperty(fc.tuple(linearArb(0.9, 1), labelVec(5, 20)), ([p, y]) =>
      fisherGgn(poissonSpec, p, { x: X5, y: M.vec(y) }, { labels: poissonLabels, candidates: { 'curvature.fisher': curvature.fisher(poissonSpec, p, { x: X5 }) } })), { numRuns: 15 });
  });

  it('by Monte Carlo when no labels are enumerated (Poisson regression and the MLP)', () => {
    const p = { w: M.vec([0.4, -0.6]), b: M.scalar(0.3) };
    const vp = fisherGgn(poissonSpec, p, { x: X5, y: M.vec([0, 3, 1, 2, 7]) });
    expect(vp.method).toBe('monte-carlo');
    assertIdentity(vp);
    const vm = fisherGgn(M.mlpSpec, M.mlpParams(3), { x: M.X4, y: ints([0, 1, 2, 1]) });
    expect(vm.method).toBe('monte-carlo');
    assertIdentity(vm);
  });

  it("reduction: 'sum' is N times 'mean', and both hold", () => {
    const p = { w: M.vec([0.7, -1.2]), b: M.scalar(0.1) };
    const batch = { x: M.X6, y: M.vec([1, 0, 0, 1, 1, 0]) };
    const mean = fisherGgn(M.logisticSpec, p, batch, { labels: bernoulliLabels });
    const sum = fisherGgn(M.logisticSpec, p, batch, { labels: bernoulliLabels, reduction: 'sum' });
    assertIdentity(mean);
    assertIdentity(sum);
    sum.reference.forEach((v, k) => expect(v).toBeCloseTo(6 * mean.reference[k]!, 13));
    expect(sum.shape).toEqual([3, 3]);
  });
});

describe('additivity of Fisher information over independent observations', () => {
  it('n i.i.d. Bernoulli copies: F_n = n F_1 = n p(1 − p) (exact sums over 2ⁿ outcomes)', () => {
    fc.assert(identityProperty(fc.tuple(d(-4, 4), fc.integer({ min: 1, max: 5 })), ([eta, n]) => {
      const v = fisherAdditivity(iid(M.bernoulli, n), Array.from({ length: n }, () => M.bernoulli), M.scalar(eta));
      const p = item(sigmoid(M.scalar(eta)));
      expect(v.estimate[0]).toBeCloseTo(n * p * (1 - p), 12);
      expect(v.method).toBe('exact');
      return v;
    }), { numRuns: 20 });
  });

  it('two i.i.d. Poisson counts (exact over 80² pairs) and two categorical draws (exact over 3² pairs)', () => {
    fc.assert(identityProperty(d(-2, 2), (eta) =>
      fisherAdditivity(iid(M.poisson, 2, { maxSupport: 6400 }), [M.poisson, M.poisson], M.scalar(eta))), { numRuns: 8 });
    const cat = M.categorical(3);
    fc.assert(identityProperty(fc.array(d(-2, 2), { minLength: 3, maxLength: 3 }), (f) =>
      fisherAdditivity(iid(cat, 2), [cat, cat], M.vec(f))), { numRuns: 10 });
  });

  it('a conditional model is the sum of its examples: logistic regression and the MLP', () => {
    const parts = exampleFamilies(M.logisticSpec, M.X6, { labels: bernoulliLabels });
    fc.assert(identityProperty(linearArb(2, 1), (p) => fisherAdditivity(M.logistic, parts, p)), { numRuns: 15 });
    const mlpParts = exampleFamilies(M.mlpSpec, M.X4, { labels: classLabels });
    fc.assert(identityProperty(mlpArb, (p) => fisherAdditivity(M.mlpFamily, mlpParts, p)), { numRuns: 4 });
  });

  it('three Gaussian observations: Monte Carlo joint vs quadrature parts', () => {
    fc.assert(identityProperty(muSigma, (t) => {
      const v = fisherAdditivity(iid(M.gaussian, 3), [M.gaussian, M.gaussian, M.gaussian], t);
      expect(v.method).toBe('monte-carlo');
      return v;
    }), { numRuns: 3 });
  });
});

/** (μ, σ) ↦ natural parameters (μ/σ², −1/(2σ²)): a reparameterization with a non-diagonal Jacobian. */
const toNatural = (e: M.MuSigma): Tensor => stack([e.mu.div(e.sigma.square()), e.sigma.square().mul(-2).reciprocal()]);
const logit = (p: Tensor): Tensor => p.log().sub(p.neg().log1p());
type LogGamma = { logAlpha: Tensor; logBeta: Tensor };
const fromLogs = (e: LogGamma): M.Gamma => ({ alpha: e.logAlpha.exp(), beta: e.logBeta.exp() });

describe('reparameterization covariance F_η = Jᵀ F_θ J', () => {
  it('Gaussian (μ, σ) → (μ, log σ): composed family and an independently coded one (quadrature)', () => {
    fc.assert(identityProperty(muLogSigma, (e) => {
      const composed = reparameterizationCovariance(M.gaussian, M.toMuSigma, e);
      assertIdentity(composed);
      const own = reparameterizationCovariance(M.gaussian, M.toMuSigma, e, { reparameterized: M.gaussianLog });
      // ravel order (logSigma, mu): F_η = diag(2, 1/σ²)
      const s2 = Math.exp(2 * item(e.logSigma));
      [2, 0, 0, 1 / s2].forEach((v, k) => expect(own.estimate[k]).toBeCloseTo(v, 9));
      expect(labels(own)).toContain('same distributions: max_y |log p_η(y|η) − log p(y|φ(η))| = 0');
      return own;
    }), { numRuns: 20 });
  });

  it('Gaussian (μ, σ) → (μ, log σ) with a closed-form F_θ, by quadrature and by Monte Carlo', () => {
    fc.assert(identityProperty(muLogSigma, (e) => reparameterizationCovariance(M.gaussian, M.toMuSigma, e, { fisher: M.gaussianFisher })), { numRuns: 15 });
    const e = { mu: M.scalar(-0.4), logSigma: M.scalar(0.3) };
    const mc = reparameterizationCovariance(M.gaussian, M.toMuSigma, e, { fisher: M.gaussianFisher, reparameterized: M.gaussianLog, method: 'monte-carlo' });
    expect(mc.method).toBe('monte-carlo');
    assertIdentity(mc);
  });

  it('Bernoulli logit ↔ mean: F_p = 1/(p(1 − p)) from F_logit = p(1 − p), and back', () => {
    fc.assert(identityProperty(d(0.02, 0.98), (p) => {
      const v = reparameterizationCovariance(M.bernoulli, logit, M.scalar(p), { reparameterized: M.bernoulliMean });
      expect(v.estimate[0]).toBeCloseTo(1 / (p * (1 - p)), 8);
      return v;
    }), { numRuns: 20 });
    fc.assert(identityProperty(d(-5, 5), (eta) =>
      reparameterizationCovariance(M.bernoulliMean, (e: Tensor) => sigmoid(e), M.scalar(eta), { reparameterized: M.bernoulli })), { numRuns: 20 });
  });

  it('the canonical exponential family: natural parameters from (μ, σ) (non-diagonal J)', () => {
    fc.assert(identityProperty(muSigma, (e) => reparameterizationCovariance(M.naturalGaussian, toNatural, e, { reparameterized: M.gaussian })), { numRuns: 15 });
  });

  it('Gamma (α, β) → (log α, log β) against the closed-form Fisher (trigamma)', () => {
    const arb = fc.record({ logAlpha: d(-1, 1.7).map(M.scalar), logBeta: d(-1.5, 1.3).map(M.scalar) });
    fc.assert(identityProperty(arb, (e) => reparameterizationCovariance(M.gamma, fromLogs, e, { fisher: M.gammaFisher })), { numRuns: 10 });
  });

  it('a non-square J: the sub-model σ = 2 gives F_μ = 1/σ²', () => {
    const v = reparameterizationCovariance(M.gaussian, (m: Tensor) => ({ mu: m, sigma: m.mul(0).add(2) }), M.scalar(0.3));
    assertIdentity(v);
    expect(v.shape).toEqual([1, 1]);
    expect(v.estimate[0]).toBeCloseTo(0.25, 10);
  });
});

describe('first-order invariance of the natural-gradient step', () => {
  const data = M.vec([1.7, -0.4, 0.9]);
  const gaussianNll = (t: M.MuSigma): Tensor => data.sub(t.mu).div(t.sigma).square().mul(0.5).add(t.sigma.log()).sum();

  it('Gaussian (μ, σ) vs (μ, log σ), loss = NLL of three points (quadrature)', () => {
    fc.assert(identityProperty(muLogSigma, (e) => {
      const v = naturalGradientInvariance(M.gaussian, M.toMuSigma, e, gaussianNll, { reparameterized: M.gaussianLog });
      expect(v.comparisons[1]!.estimate[0]).toBeGreaterThan(1.5);
      return v;
    }), { numRuns: 15 });
  });

  it('Bernoulli mean vs logit, loss = cross-entropy of a label', () => {
    fc.assert(identityProperty(fc.tuple(d(-4, 4), fc.constantFrom(0, 1)), ([eta, y]) =>
      naturalGradientInvariance(M.bernoulliMean, (e: Tensor) => sigmoid(e), M.scalar(eta), (p: Tensor) => M.bernoulliMean.logProb(p, M.scalar(y)).neg(), { reparameterized: M.bernoulli })),
    { numRuns: 20 });
  });

  it('natural parameters vs (μ, σ) (non-diagonal J)', () => {
    const nll = (eta: Tensor): Tensor => [1.7, -0.4, 0.9].map((y) => M.naturalGaussian.logProb(eta, M.scalar(y))).reduce((a, b) => a.add(b)).neg();
    fc.assert(identityProperty(muSigma, (e) => naturalGradientInvariance(M.naturalGaussian, toNatural, e, nll, { reparameterized: M.gaussian })), { numRuns: 10 });
  });

  it('Monte Carlo: both Fishers from the same draws, or a closed-form F_θ with the F̂_η error in the bound', () => {
    const e = { mu: M.scalar(0.3), logSigma: M.scalar(-0.4) };
    const same = naturalGradientInvariance(M.gaussian, M.toMuSigma, e, gaussianNll, { method: 'monte-carlo' });
    assertIdentity(same);
    const closed = naturalGradientInvariance(M.gaussian, M.toMuSigma, e, gaussianNll, { method: 'monte-carlo', fisher: M.gaussianFisher });
    assertIdentity(closed);
    expect(closed.detail).toContain('F_θ in closed form, F_η estimated');
    expect(closed.comparisons[0]!.resolution).toBeGreaterThan(0);
  });
});
