// Cart-pole from its published equations of motion (Barto, Sutton & Anderson 1983, with the
// friction coefficients μc = μp = 0), integrated with Euler steps of τ = 0.02 s. State
// (x, ẋ, θ, θ̇); an episode fails when |θ| > 12° or |x| > 2.4 m; reward 1 per step survived.
//
//   θ̈ = (g sin θ + cos θ · (−F − mp l θ̇² sin θ)/(mc + mp)) / (l (4/3 − mp cos²θ/(mc + mp)))
//   ẍ = (F + mp l (θ̇² sin θ − θ̈ cos θ)) / (mc + mp)
//   x ← x + τẋ,  ẋ ← ẋ + τẍ,  θ ← θ + τθ̇,  θ̇ ← θ̇ + τθ̈

export const CARTPOLE = {
  gravity: 9.8, massCart: 1.0, massPole: 0.1, halfLength: 0.5, forceMag: 10, tau: 0.02,
  thetaLimit: (12 * 2 * Math.PI) / 360, xLimit: 2.4,
} as const;

export type CartPoleState = readonly [x: number, xDot: number, theta: number, thetaDot: number];

/** One Euler step under force F (newtons); returns the next state. */
export function cartPoleStep(s: CartPoleState, force: number): CartPoleState {
  const { gravity: g, massCart: mc, massPole: mp, halfLength: l, tau } = CARTPOLE;
  const [x, xd, th, thd] = s;
  const sin = Math.sin(th), cos = Math.cos(th), m = mc + mp;
  const temp = (force + mp * l * thd * thd * sin) / m;
  const thAcc = (g * sin - cos * temp) / (l * (4 / 3 - (mp * cos * cos) / m));
  const xAcc = temp - (mp * l * thAcc * cos) / m;
  return [x + tau * xd, xd + tau * xAcc, th + tau * thd, thd + tau * thAcc];
}

/** Whether the state has failed (pole past 12° or cart past 2.4 m). */
export function cartPoleDone(s: CartPoleState): boolean {
  return Math.abs(s[2]) > CARTPOLE.thetaLimit || Math.abs(s[0]) > CARTPOLE.xLimit;
}

/** A start state with every component uniform in [−0.05, 0.05] (u: a uniform [0, 1) source). */
export function cartPoleReset(u: () => number): CartPoleState {
  return [0, 0, 0, 0].map(() => 0.1 * u() - 0.05) as unknown as CartPoleState;
}
