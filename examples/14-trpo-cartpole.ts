// 14 — natural policy gradient (Kakade 2002) and TRPO (Schulman et al. 2015) on cart-pole
// (Barto, Sutton & Anderson 1983). The policy Fisher is curvax's exact Fisher of the categorical
// action distribution (curvature.fisher); CG solves F s = g on its matvecs; TRPO scales s to the
// KL trust region and backtracks until the mean KL(π_old ‖ π_new) ≤ δ. See examples/rl/.
import { categoricalPolicy, train, type Method } from './rl/index.js';

const policy = categoricalPolicy(4, 16, [-10, 10]); // push left / push right
const options = { iterations: 12, episodes: 8, maxSteps: 200, seed: 1, delta: 0.02, damping: 1e-3, cgIters: 10, learningRate: 0.02 };
const runs = (['REINFORCE', 'NPG', 'TRPO'] as Method[]).map((m) => ({ m, ...train(policy, m, options) }));

console.log('iteration', ...runs.map((r) => `${r.m} (env steps, return)`.padStart(28)));
for (let i = 0; i < options.iterations; i++) {
  console.log(String(i + 1).padStart(9), ...runs.map((r) => `${String(r.steps[i]).padStart(8)}  ${r.returns[i]!.toFixed(1).padStart(6)}`.padStart(28)));
}
