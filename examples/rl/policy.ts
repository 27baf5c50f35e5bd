// Policies over a small MLP: a categorical policy (logits) for discrete actions and a Gaussian
// policy (mean and a state-independent log σ) for continuous ones. Each pairs a model — one
// state's output — with the curvax likelihood of the action given that output, so the policy
// Fisher E_s E_{a~π(·|s)}[∇log π ∇log πᵀ] is exactly `curvature.fisher({ model, likelihood }, θ, { x: states })`.
import { concat, likelihoods, random, tensor, vmap, type Tensor } from 'curvax';

export type Layer = { w: Tensor; b: Tensor };
export type MlpParams = { l1: Layer; l2: Layer; logStd?: Tensor };

export interface Policy {
  readonly kind: 'categorical' | 'gaussian';
  readonly likelihood: likelihoods.Likelihood;
  /** One state's output: logits `[k]` (categorical) or `[1, 2]` = [[mean, log σ]] (Gaussian). */
  readonly model: (params: MlpParams, state: Tensor) => Tensor;
  /** Initial parameters from a key. */
  init(key: Tensor): MlpParams;
  /** Samples one action per row of `outputs` `[E, ...]`: int32 `[E]` or float `[E, 1]`. */
  sample(key: Tensor, outputs: Tensor): Tensor;
  /** The cart-pole force of an action value. */
  force(action: number): number;
}

const f64 = { dtype: 'float64' } as const;

function dense(key: Tensor, din: number, dout: number, scale: number): Layer {
  return { w: random.normal(key, [din, dout], f64).mul(scale / Math.sqrt(din)), b: tensor(new Float64Array(dout)) };
}

/** tanh MLP body din → hidden → dout (one state). */
export function mlp(p: MlpParams, s: Tensor): Tensor {
  return s.matmul(p.l1.w).add(p.l1.b).tanh().matmul(p.l2.w).add(p.l2.b);
}

/** A categorical policy over `actions` discrete actions; action a ↦ force `forces[a]`. */
export function categoricalPolicy(obsDim: number, hidden: number, forces: readonly number[]): Policy {
  return {
    kind: 'categorical',
    likelihood: likelihoods.categorical(),
    model: mlp,
    init(key) {
      const [k1, k2] = random.splitList(key, 2);
      return { l1: dense(k1!, obsDim, hidden, 1), l2: dense(k2!, hidden, forces.length, 0.01) };
    },
    sample: (key, outputs) => random.categorical(key, outputs),
    force: (a) => forces[a]!,
  };
}

/** A Gaussian policy N(mlp(s), σ²), log σ a learned parameter; force = maxForce·clip(a, −1, 1). */
export function gaussianPolicy(obsDim: number, hidden: number, maxForce: number, initLogStd = -0.5): Policy {
  return {
    kind: 'gaussian',
    likelihood: likelihoods.normalWithScale(),
    model: (p, s) => concat([mlp(p, s), p.logStd!], 0).reshape([1, 2]),
    init(key) {
      const [k1, k2] = random.splitList(key, 2);
      return { l1: dense(k1!, obsDim, hidden, 1), l2: dense(k2!, hidden, 1, 0.01), logStd: tensor([initLogStd], f64) };
    },
    sample(key, outputs) {
      const n = outputs.shape[0]!;
      const o = outputs.reshape([n, 2]);
      const mu = o.slice([0, 0], [n, 1]), ls = o.slice([0, 1], [n, 1]);
      return mu.add(random.normal(key, [n, 1], f64).mul(ls.exp()));
    },
    force: (a) => maxForce * Math.max(-1, Math.min(1, a)),
  };
}

/** The outputs of a batch of states `[M, d]`. */
export const outputsOf = (policy: Policy, params: MlpParams, states: Tensor): Tensor =>
  vmap((s: Tensor) => policy.model(params, s))(states);

/** log π(aₘ | sₘ) for every row. */
export const logProbs = (policy: Policy, params: MlpParams, states: Tensor, actions: Tensor): Tensor =>
  vmap((o: Tensor, a: Tensor) => policy.likelihood.logProb(o, a), { inAxes: [0, 0] })(outputsOf(policy, params, states), actions);

/** The mean over states of KL(π_old(·|s) ‖ π_new(·|s)), from the two policies' outputs. */
export const meanKl = (policy: Policy, oldOutputs: Tensor, newOutputs: Tensor): Tensor =>
  vmap((p: Tensor, q: Tensor) => policy.likelihood.kl!(p, q), { inAxes: [0, 0] })(oldOutputs, newOutputs).mean();
