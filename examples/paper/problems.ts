// The paper's problems as (model, likelihood, data) triples, and the three preconditioned
// gradient methods, all on curvax's public curvature API.
import { curvature as C, grad, likelihoods, matmul, tree, valueAndGrad, vmap, type Tensor } from 'curvax';

type Likelihood = likelihoods.Likelihood;
const { bernoulli, normal } = likelihoods;

export interface Problem {
  readonly name: string;
  readonly X: Tensor; // [N, D] (bias column included where the experiment uses one)
  readonly y: Tensor; // [N]
  readonly likelihood: Likelihood;
}

/** A generalised linear model: one example's output is xᵀθ (a scalar). */
export const linearModel = (theta: Tensor, x: Tensor): Tensor => x.dot(theta);

export function logistic(name: string, X: Tensor, y: Tensor): Problem {
  return { name, X, y, likelihood: bernoulli() };
}

export function leastSquares(name: string, X: Tensor, y: Tensor): Problem {
  return { name, X, y, likelihood: normal({ sigma: 1 }) };
}

/** Mean negative log-likelihood. */
export function loss(p: Problem, theta: Tensor): Tensor {
  return vmap((x: Tensor, y: Tensor) => p.likelihood.logProb(linearModel(theta, x), y), { inAxes: [0, 0] })(p.X, p.y).mean().neg();
}

export const lossGrad = (p: Problem, theta: Tensor): Tensor => grad((t: Tensor) => loss(p, t))(theta);

export type Method = 'GD' | 'NGD' | 'EFGD';

/** The Fisher (kind 'exact') or empirical Fisher (kind 'empirical') of the mean NLL at θ. */
export function curvature(p: Problem, theta: Tensor, kind: 'exact' | 'empirical') {
  return C.fisher({ model: linearModel, likelihood: p.likelihood }, theta, { x: p.X, y: p.y }, { kind });
}

/** The update direction of each method (before the step size): g, (F + λI)⁻¹g or (F̃ + λI)⁻¹g. */
export function direction(p: Problem, theta: Tensor, method: Method, damping: number, g = lossGrad(p, theta)): Tensor {
  if (method === 'GD') return g;
  return curvature(p, theta, method === 'NGD' ? 'exact' : 'empirical').solve(g, { damping, method: 'cholesky' });
}

export interface Run {
  readonly method: Method;
  readonly stepSize: number;
  readonly damping: number;
  readonly losses: number[];
  readonly thetas: Tensor[];
  readonly diverged: boolean;
}

/** `steps` iterations of θ ← θ − γ·direction from θ₀; stops early if the loss is not finite or explodes. */
export function optimize(p: Problem, theta0: Tensor, method: Method, stepSize: number, damping: number, steps: number, keepThetas = false): Run {
  const vg = valueAndGrad((t: Tensor) => loss(p, t));
  let theta = theta0;
  let [l, g] = vg(theta) as [Tensor, Tensor];
  const l0 = l.item();
  const losses = [l0];
  const thetas = keepThetas ? [theta] : [];
  for (let t = 0; t < steps; t++) {
    theta = theta.sub(direction(p, theta, method, damping, g).mul(stepSize));
    [l, g] = vg(theta) as [Tensor, Tensor];
    const li = l.item();
    losses.push(li);
    if (keepThetas) thetas.push(theta);
    if (!Number.isFinite(li) || li > 1e6 * Math.max(1, l0)) return { method, stepSize, damping, losses, thetas, diverged: true };
  }
  return { method, stepSize, damping, losses, thetas, diverged: false };
}

export function cosine(a: Tensor, b: Tensor): number {
  return tree.vdot(a, b).item() / Math.sqrt(tree.vdot(a, a).item() * tree.vdot(b, b).item());
}

export { matmul };
