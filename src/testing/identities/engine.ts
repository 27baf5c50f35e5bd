/**
 * The expectation engine of the identity checkers: points and weights for a distribution
 * (exact support, double-exponential quadrature or Monte Carlo), per-outcome log-densities,
 * scores and Hessians of a family, and weighted averages with their error terms.
 * @module
 * @internal
 */
import { ValueError } from '../../errors.js';
import { grad } from '../../transforms/grad.js';
import { hessian } from '../../transforms/jacobian.js';
import { isFloat } from '../../tensor/dtype.js';
import { tensor } from '../../tensor/creation.js';
import { vmap } from '../../transforms/vmap.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as random from '../../random/index.js';
import * as tree from '../../tree/index.js';
import { deRule } from './quadrature.js';
import type { Distribution, Family, IdentityOptions, Method, Theta } from './types.js';

/** @internal Outcomes and their weights. */
export interface Points {
  readonly method: Method;
  /** Outcomes stacked along axis 0. */
  readonly ys: Tensor;
  readonly m: number;
  /** exact: p(y); quadrature: fine weight × p(y); Monte Carlo: 1/m. */
  readonly weights: Float64Array;
  /** Quadrature only: coarse weight × p(y). */
  readonly coarse?: Float64Array | undefined;
  /** Quadrature only: the outermost nodes. */
  readonly edges?: readonly number[] | undefined;
  /** e.g. "exact sum over 2 outcomes". */
  readonly description: string;
}

/** @internal Averages of per-outcome rows: value, error term and Σ|terms|. */
export interface Average {
  readonly value: Float64Array;
  /** exact: 0; quadrature: |Q_{h/2} − Q_h| + edge terms; Monte Carlo: standard error. */
  readonly err: Float64Array;
  /** Σ |w g| (or mean |g|): the magnitude of the terms, for the rounding floor. */
  readonly abs: Float64Array;
}

/** @internal Default option values. */
export const DEFAULTS = { samples: 20000, falseAlarm: 1e-6, resolution: 0.2, rtol: 1e-9, quadratureStep: 1 / 16 } as const;

/** @internal Resolves a key option. */
export function keyOf(k: Tensor | number | undefined, salt = 0): Tensor {
  const base = k === undefined ? random.key(0) : typeof k === 'number' ? random.key(k) : k;
  return salt === 0 ? base : random.foldIn(base, salt);
}

/** @internal θ with every leaf promoted to float64 (non-float leaves are rejected). */
export function toFloat64<P extends Theta>(theta: P, op: string): P {
  return tree.map((t: Tensor) => {
    if (!isFloat(t.dtype)) throw new ValueError(`${op}: every leaf of θ must be a float tensor, got ${t.aval.toString()}.`, { op, argument: 'theta', received: t.aval.toString() });
    return t.dtype === 'float64' ? t : t.cast('float64');
  }, theta) as P;
}

/** @internal The flat view of θ: w (float64 vector), unravel and the flat log-density. */
export interface Flat<P extends Theta> {
  readonly w: Tensor;
  readonly p: number;
  readonly unravel: (w: Tensor) => P;
}

/** @internal Ravels θ (float64). */
export function flatten<P extends Theta>(theta: P): Flat<P> {
  const [w, unravel] = tree.ravel(theta);
  return { w, p: w.size, unravel };
}

/** @internal Which expectation method a distribution supports (respecting a forced one). */
export function chooseMethod(op: string, has: { support: boolean; quadrature: boolean; sample: boolean }, forced: Method | undefined): Method {
  if (forced) {
    const ok = forced === 'exact' ? has.support : forced === 'quadrature' ? has.quadrature : has.sample;
    if (!ok) throw new ValueError(`${op}: method '${forced}' needs ${forced === 'exact' ? 'a support' : forced === 'quadrature' ? 'a quadrature domain' : 'a sampler'}.`, { op, argument: 'method', received: forced });
    return forced;
  }
  if (has.support) return 'exact';
  if (has.quadrature) return 'quadrature';
  if (has.sample) return 'monte-carlo';
  throw new ValueError(`${op}: the family needs a support, a quadrature domain or a sampler to take expectations.`, { op, argument: 'family' });
}

/** @internal A family at θ as a fixed distribution. */
export function at<P extends Theta>(family: Family<P>, theta: P): Distribution {
  const support = typeof family.support === 'function' ? family.support(theta) : family.support;
  const sample = family.sample;
  return {
    name: family.name,
    logProb: (y) => family.logProb(theta, y),
    support,
    quadrature: family.quadrature?.(theta),
    sample: sample ? (key, n) => sample(key, theta, n) : undefined,
  };
}

const CHUNK = 4096;

/** @internal Applies a vmapped function over axis 0 of ys in chunks, returning the concatenated float64 data. */
function chunked(ys: Tensor, f: (chunk: Tensor) => Tensor): Float64Array {
  const m = ys.shape[0]!;
  if (m <= CHUNK) return Float64Array.from(f(ys).toTypedArray() as ArrayLike<number>);
  const parts: Float64Array[] = [];
  for (let s = 0; s < m; s += CHUNK) {
    const size = Math.min(CHUNK, m - s);
    const chunk = ys.slice([s, ...ys.shape.slice(1).map(() => 0)], [size, ...ys.shape.slice(1)]);
    parts.push(Float64Array.from(f(chunk).toTypedArray() as ArrayLike<number>));
  }
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

/** @internal log q(y) at every outcome. */
export function logProbs(op: string, logProb: (y: Tensor) => Tensor, ys: Tensor): Float64Array {
  const lp = chunked(ys, (c) => vmap((y: Tensor) => logProb(y).reshape([]))(c));
  for (let i = 0; i < lp.length; i++) {
    if (Number.isNaN(lp[i]!)) throw new ValueError(`${op}: logProb returned NaN at outcome ${i}.`, { op, argument: 'logProb' });
  }
  return lp;
}

/** @internal Points and weights of a distribution. */
export function points(op: string, dist: Distribution, options: IdentityOptions, salt = 0): Points {
  const method = chooseMethod(op, { support: !!dist.support && !!dist.logProb, quadrature: !!dist.quadrature && !!dist.logProb, sample: !!dist.sample }, options.method);
  if (method === 'exact') {
    const ys = dist.support!;
    const lp = logProbs(op, dist.logProb!, ys);
    return { method, ys, m: lp.length, weights: lp.map(Math.exp), description: `exact sum over ${lp.length} outcomes` };
  }
  if (method === 'quadrature') {
    const rule = deRule(dist.quadrature!, options.quadratureStep ?? DEFAULTS.quadratureStep);
    const ys = tensor(rule.x, { dtype: 'float64' });
    const lp = logProbs(op, dist.logProb!, ys);
    const p = lp.map(Math.exp);
    return {
      method, ys, m: lp.length, weights: rule.fine.map((w, i) => w * p[i]!), coarse: rule.coarse.map((w, i) => w * p[i]!), edges: rule.edges,
      description: `${rule.kind}, ${lp.length} nodes`,
    };
  }
  const n = options.samples ?? DEFAULTS.samples;
  if (!Number.isInteger(n) || n < 200) throw new ValueError(`${op}: Monte Carlo needs an integer number of samples ≥ 200, got ${n}.`, { op, argument: 'samples', received: String(n) });
  const ys = dist.sample!(keyOf(options.key, salt), n);
  if (ys.shape[0] !== n) throw new ValueError(`${op}: the sampler returned ${ys.aval.toString()}, expected ${n} draws along axis 0.`, { op, argument: 'sample', received: ys.aval.toString() });
  return { method, ys, m: n, weights: new Float64Array(n).fill(1 / n), description: `Monte Carlo, ${n} draws` };
}

/** @internal Per-outcome score and (optionally) Hessian rows of a family at θ. */
export interface Evaluated {
  readonly m: number;
  readonly p: number;
  /** m×P */
  readonly score: Float64Array;
  /** m×P×P (when requested) */
  readonly hess?: Float64Array | undefined;
  /** log p(y | θ) at each outcome. */
  readonly logp: Float64Array;
}

/** @internal Evaluates log p, ∇θ log p and (optionally) ∇²θ log p at every outcome. */
export function evaluate<P extends Theta>(op: string, family: Family<P>, flat: Flat<P>, ys: Tensor, withHessian: boolean): Evaluated {
  const f = (w: Tensor, y: Tensor): Tensor => family.logProb(flat.unravel(w), y).reshape([]);
  const m = ys.shape[0]!;
  const logp = logProbs(op, (y) => f(flat.w, y), ys);
  const score = chunked(ys, (c) => vmap(grad(f), { inAxes: [null, 0] })(flat.w, c) as Tensor);
  const hess = withHessian ? chunked(ys, (c) => vmap(hessian(f), { inAxes: [null, 0] })(flat.w, c) as Tensor) : undefined;
  return { m, p: flat.p, score, hess, logp };
}

/** @internal Weighted average of m rows of width d, with its error term. */
export function average(pts: Points, rows: Float64Array, d: number): Average {
  const { m, weights } = pts;
  const value = new Float64Array(d), err = new Float64Array(d), abs = new Float64Array(d);
  if (pts.method === 'monte-carlo') {
    for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) { const g = rows[i * d + j]!; value[j]! += g; abs[j]! += Math.abs(g); }
    for (let j = 0; j < d; j++) { value[j]! /= m; abs[j]! /= m; }
    for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) { const r = rows[i * d + j]! - value[j]!; err[j]! += r * r; }
    for (let j = 0; j < d; j++) err[j] = Math.sqrt(err[j]! / (m - 1) / m);
    return { value, err, abs };
  }
  const coarse = new Float64Array(d);
  for (let i = 0; i < m; i++) {
    const w = weights[i]!, wc = pts.coarse?.[i] ?? 0;
    if (w === 0 && wc === 0) continue; // p(y) underflowed: the row may be non-finite there
    for (let j = 0; j < d; j++) {
      const g = rows[i * d + j]!;
      value[j]! += w * g;
      abs[j]! += Math.abs(w * g);
      if (wc !== 0) coarse[j]! += wc * g;
    }
  }
  if (pts.method === 'quadrature') {
    for (let j = 0; j < d; j++) {
      let edge = 0;
      for (const e of pts.edges ?? []) edge += Math.abs(weights[e]! * rows[e * d + j]!);
      err[j] = Math.abs(value[j]! - coarse[j]!) + edge;
    }
  }
  return { value, err, abs };
}

/** @internal Rows of outer products s sᵀ (m×P×P) from score rows (m×P). */
export function outerRows(score: Float64Array, m: number, p: number): Float64Array {
  const out = new Float64Array(m * p * p);
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < p; a++) {
      const sa = score[i * p + a]!;
      for (let b = 0; b < p; b++) out[i * p * p + a * p + b] = sa * score[i * p + b]!;
    }
  }
  return out;
}

/** @internal Elementwise combination of equally sized row arrays. */
export function combine(a: Float64Array, b: Float64Array, ca = 1, cb = 1): Float64Array {
  return Float64Array.from(a, (v, i) => ca * v + cb * b[i]!);
}

/** @internal The total probability Σ w (exact / quadrature) as an average, for the normalization check. */
export function mass(pts: Points): Average {
  return average(pts, new Float64Array(pts.m).fill(1), 1);
}

/** @internal The Fisher information E[s sᵀ] and −E[∇²] of a family at θ, with the points used. */
export interface Moments {
  readonly pts: Points;
  readonly ev: Evaluated;
  readonly outer: Float64Array;
  /** E[s sᵀ] */
  readonly fisher: Average;
  /** E[s] */
  readonly mean: Average;
}

/** @internal Score moments of a family at θ. */
export function moments<P extends Theta>(op: string, family: Family<P>, theta: P, options: IdentityOptions, withHessian: boolean, salt = 0): Moments & { flat: Flat<P> } {
  const flat = flatten(theta);
  const pts = points(op, at(family, theta), options, salt);
  const ev = evaluate(op, family, flat, pts.ys, withHessian);
  const outer = outerRows(ev.score, ev.m, ev.p);
  return { pts, ev, outer, fisher: average(pts, outer, ev.p * ev.p), mean: average(pts, ev.score, ev.p), flat };
}

/** @internal The least exact of several methods. */
export function leastExact(...ms: Method[]): Method {
  if (ms.includes('monte-carlo')) return 'monte-carlo';
  return ms.includes('quadrature') ? 'quadrature' : 'exact';
}
