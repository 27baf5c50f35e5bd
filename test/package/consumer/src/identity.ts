// The first example of docs/testing-identities.md, as a consumer runs it: fast-check (installed
// with curvax as its peer dependency) drives curvax/testing's identity checkers and checkGrads;
// a wrong candidate Fisher must be rejected.
import fc from 'fast-check';
import { arange, likelihoods, tensor, type Tensor } from 'curvax';
import { checkGrads, firstBartlett, IdentityError, identityProperty, secondBartlett, tensorArb, type Family } from 'curvax/testing';

const myPoisson: Family = {
  name: 'my Poisson',
  logProb: (eta, y) => y.mul(eta).sub(eta.exp()).sub(likelihoods.logFactorial(y)),
  support: arange(0, 100, 1, 'float64'),
};
const eta = fc.double({ min: -2, max: 3, noNaN: true }).map((v) => tensor(v, { dtype: 'float64' }));
const runs = { seed: 7, numRuns: 10 };
fc.assert(identityProperty(eta, (t) => firstBartlett(myPoisson, t)), runs);
fc.assert(identityProperty(eta, (t) => secondBartlett(myPoisson, t, { fisher: (e: Tensor) => e.exp().reshape([1, 1]) })), runs);
fc.assert(fc.property(tensorArb({ domain: 'positive', dtype: 'float64' }), (x) => checkGrads((v: Tensor) => v.log().mul(v), [x], { order: 2 })), runs);

let wrongFisherReport = '';
try {
  fc.assert(identityProperty(eta, (t) => secondBartlett(myPoisson, t, { fisher: (e: Tensor) => e.exp().mul(1.01).reshape([1, 1]) })), runs);
} catch (e) {
  const err = e as Error & { cause?: unknown };
  wrongFisherReport = err.cause instanceof IdentityError ? err.cause.message : err.message;
}

export const result = { wrongFisherReport };
