// REINFORCE, natural policy gradient (Kakade 2002) and TRPO (Schulman et al. 2015) on cart-pole,
// with the exact policy Fisher from `curvature.fisher` and conjugate gradients on its matvecs.
//
//   surrogate  L(θ) = mean_t [π_θ(a_t|s_t)/π_old(a_t|s_t) · A_t],   g = ∇L(θ_old) = mean_t ∇log π · A_t
//   REINFORCE  θ ← θ + Adam(g)
//   NPG        s = (F + λI)⁻¹g (CG),  θ ← θ + √(2δ / gᵀs) · s
//   TRPO       the same s; θ ← θ + 2⁻ʲ√(2δ / sᵀFs) · s for the first j = 0, 1, … with
//              mean KL(π_old ‖ π_θ) ≤ δ and L(θ) > L(θ_old) (otherwise θ stays)
import { curvature, grad, jit, optim, random, tensor, tree, type Tensor } from 'curvax';
import { cartPoleDone, cartPoleReset, cartPoleStep, type CartPoleState } from './cartpole.js';
import { logProbs, meanKl, outputsOf, type MlpParams, type Policy } from './policy.js';

/** A batch of transitions from E episodes. */
export interface Rollout {
  readonly states: Tensor; // [M, 4]
  readonly actions: Tensor; // [M] int32 or [M, 1]
  readonly returns: number[]; // discounted return-to-go per transition
  readonly episodeReturns: number[]; // undiscounted return (= length) per episode
  readonly steps: number; // M, the environment steps taken
}

/** Mulberry32: a deterministic uniform [0, 1) source for the start states. */
export function uniformSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const actors = new WeakMap<Policy, (p: MlpParams, s: Tensor, k: Tensor) => Tensor>();
/** The jitted map (θ, states, key) ↦ sampled actions of a policy. */
function actor(policy: Policy): (p: MlpParams, s: Tensor, k: Tensor) => Tensor {
  let f = actors.get(policy);
  if (!f) actors.set(policy, (f = jit((p: MlpParams, s: Tensor, k: Tensor) => policy.sample(k, outputsOf(policy, p, s)))));
  return f;
}

/** Runs `episodes` episodes in lock-step (one batched policy evaluation per time step), capped at `maxSteps`. */
export function rollout(policy: Policy, params: MlpParams, key: Tensor, episodes: number, maxSteps: number, u: () => number, gamma = 0.99): Rollout {
  let env: CartPoleState[] = Array.from({ length: episodes }, () => cartPoleReset(u));
  let alive = env.map(() => true);
  const traj: { s: number[][]; a: number[][] }[] = env.map(() => ({ s: [], a: [] }));
  let k = key;
  // One compiled program per number of live episodes (at most `episodes` of them).
  const act = actor(policy);
  for (let t = 0; t < maxSteps && alive.some(Boolean); t++) {
    const idx = alive.flatMap((al, i) => (al ? [i] : []));
    const S = tensor(idx.map((i) => [...env[i]!]), { dtype: 'float64' });
    const [next, sk] = random.splitList(k, 2);
    k = next!;
    const acts = act(params, S, sk!).toTypedArray();
    const per = acts.length / idx.length;
    idx.forEach((i, j) => {
      const a = Array.from(acts.slice(j * per, (j + 1) * per), Number);
      traj[i]!.s.push([...env[i]!]);
      traj[i]!.a.push(a);
      env[i] = cartPoleStep(env[i]!, policy.force(a[0]!));
      if (cartPoleDone(env[i]!)) alive[i] = false;
    });
    env = [...env];
    alive = [...alive];
  }
  const returns: number[] = [];
  for (const tr of traj) {
    const g = new Array<number>(tr.s.length);
    let acc = 0;
    for (let t = tr.s.length - 1; t >= 0; t--) g[t] = acc = 1 + gamma * acc;
    returns.push(...g);
  }
  const states = tensor(traj.flatMap((tr) => tr.s), { dtype: 'float64' });
  const flatA = traj.flatMap((tr) => tr.a);
  const actions = policy.kind === 'categorical' ? tensor(flatA.map((a) => a[0]!), { dtype: 'int32' }) : tensor(flatA, { dtype: 'float64' });
  return { states, actions, returns, episodeReturns: traj.map((tr) => tr.s.length), steps: returns.length };
}

/** Advantages: returns-to-go standardised over the batch (a constant baseline and scale). */
export function advantages(returns: readonly number[]): Tensor {
  const n = returns.length;
  const m = returns.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(returns.reduce((a, b) => a + (b - m) ** 2, 0) / n) || 1;
  return tensor(returns.map((r) => (r - m) / sd), { dtype: 'float64' });
}

/** The importance-weighted surrogate L(θ) and its pieces at θ_old. */
export function surrogate(policy: Policy, batch: Rollout, adv: Tensor, oldParams: MlpParams) {
  const oldLogp = logProbs(policy, oldParams, batch.states, batch.actions);
  const L = (p: MlpParams): Tensor => logProbs(policy, p, batch.states, batch.actions).sub(oldLogp).exp().mul(adv).mean();
  return { L, g: grad(L)(oldParams) as MlpParams };
}

/** The policy Fisher F(θ) = mean over states of the exact output Fisher sandwich. */
export const policyFisher = (policy: Policy, params: MlpParams, states: Tensor) =>
  curvature.fisher({ model: policy.model, likelihood: policy.likelihood }, params, { x: states });

export interface NaturalStepOptions {
  /** KL radius δ. */
  readonly delta: number;
  /** Damping λ of F + λI. */
  readonly damping: number;
  /** CG iterations. */
  readonly cgIters: number;
}

/** s = (F + λI)⁻¹g by truncated CG on Fisher-vector products; returns s, F and sᵀFs. */
export function naturalDirection(policy: Policy, params: MlpParams, states: Tensor, g: MlpParams, o: NaturalStepOptions) {
  const F = policyFisher(policy, params, states);
  const s = F.solve(g, { damping: o.damping, method: 'cg', maxIter: o.cgIters, truncate: true }) as MlpParams;
  const sFs = tree.vdot(s, F.matvec(s)).item() + o.damping * tree.vdot(s, s).item();
  return { s, F, sFs, gs: tree.vdot(g, s).item() };
}

/** Natural policy gradient: θ + √(2δ/gᵀs)·s. */
export function npgStep(policy: Policy, params: MlpParams, batch: Rollout, o: NaturalStepOptions): MlpParams {
  const { g } = surrogate(policy, batch, advantages(batch.returns), params);
  const { s, gs } = naturalDirection(policy, params, batch.states, g, o);
  return tree.add(params, tree.scale(s, Math.sqrt((2 * o.delta) / Math.max(gs, 1e-12)))) as MlpParams;
}

export interface TrpoStepInfo {
  readonly params: MlpParams;
  /** Mean KL(π_old ‖ π_new) of the accepted step (0 when rejected). */
  readonly kl: number;
  /** Backtracking steps taken, −1 when every candidate was rejected. */
  readonly backtracks: number;
}

/** TRPO: the natural direction scaled to the KL boundary, then a backtracking line search on KL ≤ δ and improvement. */
export function trpoStep(policy: Policy, params: MlpParams, batch: Rollout, o: NaturalStepOptions & { readonly maxBacktracks?: number }): TrpoStepInfo {
  const { L, g } = surrogate(policy, batch, advantages(batch.returns), params);
  const { s, sFs } = naturalDirection(policy, params, batch.states, g, o);
  const full = Math.sqrt((2 * o.delta) / Math.max(sFs, 1e-12));
  const oldOut = outputsOf(policy, params, batch.states);
  const L0 = L(params).item();
  for (let j = 0; j <= (o.maxBacktracks ?? 10); j++) {
    const cand = tree.add(params, tree.scale(s, full * 0.5 ** j)) as MlpParams;
    const kl = meanKl(policy, oldOut, outputsOf(policy, cand, batch.states)).item();
    if (kl <= o.delta && L(cand).item() > L0) return { params: cand, kl, backtracks: j };
  }
  return { params, kl: 0, backtracks: -1 };
}

export type Method = 'REINFORCE' | 'NPG' | 'TRPO';

export interface TrainOptions {
  readonly iterations: number;
  readonly episodes: number;
  readonly maxSteps: number;
  readonly seed: number;
  readonly delta?: number;
  readonly damping?: number;
  readonly cgIters?: number;
  readonly learningRate?: number;
}

/** Trains one method; returns (cumulative environment steps, mean episode return) per iteration. */
export function train(policy: Policy, method: Method, o: TrainOptions): { steps: number[]; returns: number[]; params: MlpParams } {
  const [kInit, kRoll] = random.splitList(random.key(o.seed), 2);
  let params = policy.init(kInit!);
  const u = uniformSource(o.seed);
  const nat = { delta: o.delta ?? 0.01, damping: o.damping ?? 1e-3, cgIters: o.cgIters ?? 10 };
  const adam = optim.adam({ learningRate: o.learningRate ?? 0.01 });
  let st = adam.init(params);
  let k = kRoll!;
  let total = 0;
  const steps: number[] = [], returns: number[] = [];
  for (let it = 0; it < o.iterations; it++) {
    const [next, kr] = random.splitList(k, 2);
    k = next!;
    const batch = rollout(policy, params, kr!, o.episodes, o.maxSteps, u);
    total += batch.steps;
    steps.push(total);
    returns.push(batch.episodeReturns.reduce((a, b) => a + b, 0) / batch.episodeReturns.length);
    if (method === 'REINFORCE') {
      const { g } = surrogate(policy, batch, advantages(batch.returns), params);
      const [upd, s2] = adam.update(tree.scale(g, -1), st, params); // ascent: descend on −L
      st = s2;
      params = optim.applyUpdates(params, upd) as MlpParams;
    } else if (method === 'NPG') {
      params = npgStep(policy, params, batch, nat);
    } else {
      params = trpoStep(policy, params, batch, nat).params;
    }
  }
  return { steps, returns, params };
}
