// 05 — a Bartlett property for your own model. A logistic regression written from scratch as a
// `Family` (log-density + the 2⁴ label vectors of 4 examples, so expectations are exact sums);
// fast-check then asserts, for random θ, E[score] = 0 and Cov[score] = −E[∇² log p] = Xᵀ diag(p(1−p)) X.
// The same check rejects a wrong Fisher (the squared batch gradient) and reports why.
import fc from 'fast-check';
import { concat, grad, ones, outer, random, sigmoid, softplus, tensor, tree, type Tensor } from 'curvax';
import { firstBartlett, identityProperty, productSupport, secondBartlett, type Family } from 'curvax/testing';

const f64 = { dtype: 'float64' } as const;
type Params = { w: Tensor; b: Tensor };
const X = tensor([[0.5, -1.2], [1.5, 0.3], [-0.7, 0.8], [0.2, 2.0]], f64); // 4 examples, 2 features
const logits = ({ w, b }: Params): Tensor => X.matmul(w).add(b);

// log p(y | θ) = Σₙ yₙ ηₙ − softplus(ηₙ), ηₙ = xₙ·w + b
const logistic: Family<Params> = {
  name: 'my logistic regression',
  logProb: (theta, y) => { const eta = logits(theta); return y.mul(eta).sub(softplus(eta)).sum(); },
  support: productSupport(tensor([0, 1], f64), 4), // all 16 label vectors → exact expectations
  sample: (key, theta, n) => random.uniform(key, [n, 4], f64).less(sigmoid(logits(theta))).cast('float64'), // for Monte Carlo
};

// The Fisher by hand, in tree.ravel order (b, w0, w1): Jᵀ diag(p(1 − p)) J with J = [1 | X].
const fisherByHand = (theta: Params): Tensor => {
  const p = sigmoid(logits(theta));
  const J = concat([ones([4, 1], 'float64'), X], 1);
  return J.T.matmul(J.mul(p.mul(p.neg().add(1)).reshape([4, 1])));
};

// The property: ~10 lines for any model with a log-density.
const params = fc.tuple(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }))
  .map(([a, c, b]): Params => ({ w: tensor([a, c], f64), b: tensor(b, f64) }));
fc.assert(identityProperty(params, (theta) => firstBartlett(logistic, theta)), { numRuns: 20, seed: 1 });
fc.assert(identityProperty(params, (theta) => secondBartlett(logistic, theta, { fisher: fisherByHand })), { numRuns: 20, seed: 1 });
console.log('first and second Bartlett identities hold exactly for 20 random θ (exact sums over 16 label vectors)');

// One verdict in full: estimate, reference, error bound and how they were computed.
const theta: Params = { w: tensor([0.8, -0.5], f64), b: tensor(0.3, f64) };
console.log(secondBartlett(logistic, theta, { fisher: fisherByHand }).detail);

// Without the support the same family is checked by Monte Carlo (fixed key, CLT bound).
const { support: _support, ...sampled } = logistic;
const mc = secondBartlett(sampled, theta, { key: 7 });
console.log(`Monte Carlo: ${mc.method}, holds = ${mc.holds}, conclusive = ${mc.conclusive}`);

// A wrong Fisher — the squared gradient of one observed batch — is caught by the same property.
const yObserved = tensor([1, 0, 0, 1], f64);
const squaredGradient = (t: Params): Tensor => {
  const [w, unravel] = tree.ravel(t);
  const g = grad((v: Tensor) => logistic.logProb(unravel(v), yObserved))(w);
  return outer(g, g);
};
const result = fc.check(identityProperty(params, (t) => secondBartlett(logistic, t, { fisher: squaredGradient })), { numRuns: 20, seed: 1 });
console.log(`squared batch gradient as the Fisher: property ${result.failed ? 'FAILS' : 'passes'} after ${result.numRuns} run(s); report:`);
console.log(String(result.errorInstance instanceof Error ? result.errorInstance.message : result.errorInstance).split('\n').slice(0, 8).join('\n'));
