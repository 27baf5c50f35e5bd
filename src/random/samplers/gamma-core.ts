/**
 * Marsaglia–Tsang gamma variates on the host, in log space so that tiny shapes (whose variates
 * underflow) still give usable ratios for beta and dirichlet.
 * @module
 */
import { portableExp, portableLog } from '../bits/special.js';
import { normalFromUniform, rejectionRounds } from './common.js';

/**
 * @internal One Marsaglia–Tsang attempt for Gamma(a', 1) with a' ≥ 1, returning `d·v` or `undefined`.
 *
 * ```text
 * d = a' − 1/3,  c = 1/√(9d)
 * x = N(0,1) from u(0),  t = 1 + c·x  (reject t ≤ 0),  v = t³,  w = u(1)
 * accept if w < 1 − 0.0331·x⁴  or  log w < x²/2 + d·(1 − v + log v);  X = d·v
 * ```
 * Acceptance probability is above 0.95 for every shape.
 */
function mtAttempt(a1: number, u: (j: number) => number): number | undefined {
  const d = a1 - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  const x = normalFromUniform(u(0));
  const t = 1 + c * x;
  if (t <= 0) return undefined;
  const v = t * t * t;
  const w = u(1);
  const x2 = x * x;
  if (!(w < 1 - 0.0331 * x2 * x2) && !(portableLog(w) < 0.5 * x2 + d * (1 - v + portableLog(v)))) return undefined;
  return d * v;
}

/** @internal Uniforms per Marsaglia–Tsang round (normal, acceptance, boost). */
export const GAMMA_UNIFORMS = 3;

/**
 * @internal `log X` for X ~ Gamma(a_i, 1). For a < 1 the boost `X = X'·U^{1/a}`, X' ~ Gamma(a + 1),
 * U = u(2) of the accepted round, is applied in log space: `log X' + log(U)/a`.
 */
export function logGammaHost(op: string, key: readonly [number, number], shapes: Float64Array): Float64Array {
  return rejectionRounds(op, key, shapes.length, GAMMA_UNIFORMS, (i, u) => {
    const a = shapes[i]!;
    const y = mtAttempt(a < 1 ? a + 1 : a, u);
    if (y === undefined) return undefined;
    return a < 1 ? portableLog(y) + portableLog(u(2)) / a : portableLog(y);
  });
}

/** @internal X ~ Gamma(a_i, 1): `d·v` for a ≥ 1, `exp(log X' + log(U)/a)` for a < 1 (same draws as {@link logGammaHost}). */
export function gammaHost(op: string, key: readonly [number, number], shapes: Float64Array): Float64Array {
  return rejectionRounds(op, key, shapes.length, GAMMA_UNIFORMS, (i, u) => {
    const a = shapes[i]!;
    const y = mtAttempt(a < 1 ? a + 1 : a, u);
    if (y === undefined) return undefined;
    return a < 1 ? portableExp(portableLog(y) + portableLog(u(2)) / a) : y;
  });
}
