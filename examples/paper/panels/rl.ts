// Natural policy gradient (Kakade 2002) and TRPO (Schulman et al. 2015) vs REINFORCE on
// cart-pole (Barto, Sutton & Anderson 1983), with the exact policy Fisher from curvature.fisher
// (examples/rl). Mean episode return vs environment steps, same seeds for every method.
import { categoricalPolicy, train, type Method } from '../../rl/index.js';
import type { Panel } from './types.js';

const METHODS: readonly Method[] = ['REINFORCE', 'NPG', 'TRPO'];
const SEEDS = [1, 2];

export const rlPanel: Panel = {
  id: 'rl',
  stage: 'Beyond: REINFORCE / NPG / TRPO on cart-pole',
  units: () => METHODS.length * SEEDS.length,
  run(quick, tick) {
    const iterations = quick ? 5 : 15, episodes = 8, maxSteps = 200, delta = 0.02;
    const policy = categoricalPolicy(4, 16, [-10, 10]);
    const runs = METHODS.flatMap((method) => SEEDS.map((seed) => {
      const r = train(policy, method, { iterations, episodes, maxSteps, seed, delta, damping: 1e-3, cgIters: 10, learningRate: 0.02 });
      tick();
      return { method, seed, steps: r.steps, returns: r.returns };
    }));
    const rows = runs.flatMap((r) => r.steps.map((s, i) => ({ method: r.method, seed: r.seed, series: `${r.method} seed ${r.seed}`, steps: s, return: r.returns[i]! })));
    const lastK = (m: Method) => {
      const rs = runs.filter((r) => r.method === m).map((r) => r.returns.slice(-3).reduce((a, b) => a + b, 0) / 3);
      return rs.reduce((a, b) => a + b, 0) / rs.length;
    };
    const fmt = (v: number) => v.toFixed(1);
    return {
      figures: [{
        id: 'rl',
        title: 'Beyond the paper — REINFORCE vs natural policy gradient vs TRPO on cart-pole',
        caption: `Categorical policy, MLP 4→16 (tanh)→2, ${episodes} episodes per iteration (capped at ${maxSteps} steps), ${iterations} iterations, seeds ${SEEDS.join(', ')}. REINFORCE: Adam (lr 0.02) on the surrogate; NPG: s = (F + 10⁻³I)⁻¹g by 10 CG iterations on the exact policy Fisher (curvature.fisher), step √(2δ/gᵀs)·s; TRPO: the same direction scaled to ½sᵀFs = δ, halved until the mean KL(π_old‖π_new) ≤ δ = ${delta} and the surrogate improves. Mean return of the last 3 iterations: ${METHODS.map((m) => `${m} ${fmt(lastK(m))}`).join(', ')}.`,
        spec: { width: 560, height: 260, data: { values: rows }, mark: 'line', encoding: { x: { field: 'steps', type: 'quantitative', title: 'environment steps' }, y: { field: 'return', type: 'quantitative', title: 'mean episode return' }, color: { field: 'method', type: 'nominal' }, detail: { field: 'series' }, strokeDash: { field: 'seed', type: 'nominal' } } },
      }],
      claims: [
        { claim: `Cart-pole: TRPO ends with a higher mean return than REINFORCE and than NPG without a line search after ${iterations} iterations (mean of the last 3 iterations over seeds: TRPO ${fmt(lastK('TRPO'))}, NPG ${fmt(lastK('NPG'))}, REINFORCE ${fmt(lastK('REINFORCE'))})`, holds: lastK('TRPO') > Math.max(lastK('NPG'), lastK('REINFORCE')) },
      ],
      results: { iterations, episodes, maxSteps, delta, runs },
    };
  },
};
