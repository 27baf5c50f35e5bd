/**
 * Double-exponential quadrature (tanh-sinh, exp-sinh, sinh-sinh) on nested grids, for
 * expectations over a scalar continuous outcome.
 *
 * ```text
 * ∫ g(x) dx = ∫ g(φ(t)) φ'(t) dt ≈ h Σ_k g(φ(kh)) φ'(kh)        (trapezoid rule in t)
 * ```
 * After the substitution the integrand decays double-exponentially in t, so the trapezoid rule
 * converges geometrically in 1/h even for integrable end-point singularities (x^{α−1} of a
 * Gamma density with α < 1) and for infinite intervals. The nodes of step h are every other
 * node of step h/2, so one evaluation gives both sums; |Q_{h/2} − Q_h| bounds the error of
 * Q_h (and, since halving h roughly squares the error, very conservatively that of Q_{h/2}).
 * @module
 */
import { ValueError } from '../../errors.js';
import type { QuadratureDomain } from './types.js';

/** @internal Nodes and weights of one domain: fine weights (step h/2) and coarse ones (step h, zero off its grid). */
export interface Rule {
  readonly x: Float64Array;
  readonly fine: Float64Array;
  readonly coarse: Float64Array;
  /** Indices of the first and last nodes kept (for the truncation estimate). */
  readonly edges: readonly number[];
  readonly kind: string;
}

const HALF_PI = Math.PI / 2;

/**
 * @internal The double-exponential rule for a domain at coarse step h (nodes at step h/2).
 * Nodes that round onto a finite end point are dropped (their weights are below 1e-30).
 */
export function deRule(domain: QuadratureDomain, h: number): Rule {
  const { lower: a, upper: b } = domain;
  const scale = domain.scale ?? 1;
  const center = domain.center ?? 0;
  if (!(h > 0 && h <= 1)) throw new ValueError(`quadrature: the step must be in (0, 1], got ${h}.`, { op: 'quadrature', argument: 'quadratureStep' });
  if (Number.isNaN(a) || Number.isNaN(b) || !(a < b)) throw new ValueError(`quadrature: the domain needs lower < upper, got [${a}, ${b}].`, { op: 'quadrature', argument: 'domain' });
  if (!(scale > 0) || !Number.isFinite(scale) || !Number.isFinite(center)) throw new ValueError(`quadrature: scale must be positive and center finite, got scale ${scale}, center ${center}.`, { op: 'quadrature', argument: 'domain' });
  const hf = h / 2;
  let map: (t: number) => [number, number];
  let tLo: number, tHi: number, kind: string;
  if (Number.isFinite(a) && Number.isFinite(b)) {
    kind = `tanh-sinh on [${a}, ${b}]`;
    tLo = -4; tHi = 4;
    const half = (b - a) / 2;
    map = (t) => {
      const u = HALF_PI * Math.sinh(t);
      const e = Math.exp(-2 * Math.abs(u));
      const dist = (b - a) * e / (1 + e); // distance to the nearer end point, computed without cancellation
      const x = u >= 0 ? b - dist : a + dist;
      const sech = 2 / (Math.exp(u) + Math.exp(-u));
      return [x, half * HALF_PI * Math.cosh(t) * sech * sech];
    };
  } else if (Number.isFinite(a) || Number.isFinite(b)) {
    const end = Number.isFinite(a) ? a : b;
    const sgn = Number.isFinite(a) ? 1 : -1;
    kind = `exp-sinh on ${sgn > 0 ? `[${a}, ∞)` : `(−∞, ${b}]`} (scale ${scale})`;
    tLo = -4.5; tHi = 3.2;
    map = (t) => {
      const e = Math.exp(HALF_PI * Math.sinh(t));
      return [end + sgn * scale * e, scale * HALF_PI * Math.cosh(t) * e];
    };
  } else {
    kind = `sinh-sinh on (−∞, ∞) (center ${center}, scale ${scale})`;
    tLo = -3.2; tHi = 3.2;
    map = (t) => {
      const u = HALF_PI * Math.sinh(t);
      return [center + scale * Math.sinh(u), scale * HALF_PI * Math.cosh(t) * Math.cosh(u)];
    };
  }
  const kLo = Math.ceil(tLo / hf), kHi = Math.floor(tHi / hf);
  const xs: number[] = [], fine: number[] = [], coarse: number[] = [];
  for (let k = kLo; k <= kHi; k++) {
    const [x, dx] = map(k * hf);
    if (!Number.isFinite(x) || !(dx > 0) || !Number.isFinite(dx) || x <= a || x >= b) continue;
    xs.push(x);
    fine.push(hf * dx);
    coarse.push(k % 2 === 0 ? h * dx : 0);
  }
  return { x: Float64Array.from(xs), fine: Float64Array.from(fine), coarse: Float64Array.from(coarse), edges: [0, xs.length - 1], kind };
}
