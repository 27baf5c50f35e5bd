/**
 * Building verdicts from comparisons (error bounds, resolution, report) and turning them into
 * assertions and fast-check properties.
 * @module
 */
import fc from 'fast-check';
import { num } from '../_util.js';
import { DEFAULTS } from './engine.js';
import { zValue } from './stats.js';
import type { Comparison, IdentityOptions, IdentityVerdict, Method } from './types.js';

/** @internal A comparison before the bounds are finalized. */
export interface RawComparison {
  readonly label: string;
  readonly kind?: 'equal' | 'atLeast' | undefined;
  readonly estimate: Float64Array;
  readonly reference: Float64Array;
  readonly shape: readonly number[];
  /** Statistical error of estimate − reference: a standard error (Monte Carlo) or an absolute bound. */
  readonly err?: Float64Array | undefined;
  /** Whether `err` is a standard error (multiplied by z). */
  readonly standardError?: boolean | undefined;
  /** Σ|terms| of both sides, for the rounding floor. */
  readonly abs?: Float64Array | undefined;
  /** Extra allowed deviation (e.g. an asymptotic tolerance), not counted in the resolution. */
  readonly slack?: Float64Array | undefined;
  /**
   * A second-order Monte Carlo term, multiplied by z² (e.g. se(m̂ᵢ)·se(m̂ⱼ) for the centring
   * m̂ m̂ᵀ of a sample covariance, whose true mean is 0 under the identity). Not counted in the resolution.
   */
  readonly quadraticErr?: Float64Array | undefined;
  /** The natural scale of each component. */
  readonly scale: Float64Array;
  /** Whether this comparison's resolution is required (default true). */
  readonly requireResolution?: boolean | undefined;
  /** Multiplies the rounding floor (e.g. a condition number). @defaultValue 1 */
  readonly floorFactor?: number | undefined;
}

function fmtIndex(flat: number, shape: readonly number[]): string {
  if (shape.length === 0) return '';
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx.unshift(flat % n);
    flat = Math.floor(flat / n);
  }
  return `[${idx.join(',')}]`;
}

function finalizeOne(raw: RawComparison, z: number, rtol: number): Comparison & { statBound: Float64Array; ratio: Float64Array } {
  const d = raw.estimate.length;
  const kind = raw.kind ?? 'equal';
  const maxScale = raw.scale.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
  const floorFactor = raw.floorFactor ?? 1;
  const statBound = new Float64Array(d), bound = new Float64Array(d), ratio = new Float64Array(d);
  let resolution = 0, holds = true, worst = 0, worstRatio = -1;
  for (let i = 0; i < d; i++) {
    const est = raw.estimate[i]!, ref = raw.reference[i]!;
    const e = raw.err?.[i] ?? 0;
    statBound[i] = raw.standardError ? z * e : e;
    const floor = rtol * floorFactor * ((raw.abs?.[i] ?? 0) + Math.abs(est) + Math.abs(ref) + Math.abs(raw.scale[i]!)) + 1e-300;
    bound[i] = statBound[i]! + floor + (raw.slack?.[i] ?? 0) + z * z * (raw.quadraticErr?.[i] ?? 0);
    const scale = Math.max(Math.abs(raw.scale[i]!), 1e-6 * maxScale);
    if (statBound[i]! > 0) resolution = Math.max(resolution, scale > 0 ? statBound[i]! / scale : Infinity);
    const dev = kind === 'equal' ? Math.abs(est - ref) : ref - est;
    const ok = kind === 'equal' ? dev <= bound[i]! : dev <= bound[i]!;
    ratio[i] = Number.isNaN(dev) ? Infinity : dev / bound[i]!;
    if (!ok || Number.isNaN(est) || Number.isNaN(ref)) holds = false;
    if (ratio[i]! > worstRatio) { worstRatio = ratio[i]!; worst = i; }
  }
  return {
    label: raw.label, kind, estimate: Array.from(raw.estimate), reference: Array.from(raw.reference), errorBound: Array.from(bound),
    shape: [...raw.shape], scale: Array.from(raw.scale), resolution, holds, worst, statBound, ratio,
  };
}

const MAX_ROWS = 8;

function table(c: Comparison & { ratio: Float64Array }): string[] {
  const d = c.estimate.length;
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => c.ratio[b]! - c.ratio[a]!).slice(0, MAX_ROWS);
  const rel = c.kind === 'equal' ? '|diff|' : 'shortfall';
  const rows = [['component', 'estimate', 'reference', rel, 'bound', 'scale']];
  for (const i of order) {
    const e = c.estimate[i]!, r = c.reference[i]!;
    const dev = c.kind === 'equal' ? Math.abs(e - r) : r - e;
    rows.push([fmtIndex(i, c.shape) || '(scalar)', num(e), num(r), num(dev), num(c.errorBound[i]!), num(c.scale[i]!)]);
  }
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const out = rows.map((r) => '      ' + r.map((s, j) => s.padEnd(widths[j]!)).join('  '));
  if (d > MAX_ROWS) out.push(`      … ${d - MAX_ROWS} more components (worst first above)`);
  return out;
}

/** @internal Turns raw comparisons into a verdict: z from the false-alarm rate, bounds, resolution, report. */
export function makeVerdict(identity: string, method: Method, raws: readonly RawComparison[], options: IdentityOptions, context: readonly string[] = []): IdentityVerdict {
  const alpha = options.falseAlarm ?? DEFAULTS.falseAlarm;
  const rho = options.resolution ?? DEFAULTS.resolution;
  const rtol = options.rtol ?? DEFAULTS.rtol;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`${identity}: falseAlarm must be in (0, 1), got ${alpha}.`);
  if (!(rho > 0)) throw new RangeError(`${identity}: resolution must be positive, got ${rho}.`);
  const mcComponents = raws.reduce((acc, r) => acc + (r.standardError ? r.estimate.length : 0), 0);
  const z = zValue(alpha, mcComponents);
  const comps = raws.map((r) => finalizeOne(r, z, rtol));
  const inconclusive = comps.filter((c, i) => raws[i]!.requireResolution !== false && c.resolution > rho);
  const conclusive = inconclusive.length === 0;
  const holds = conclusive && comps.every((c) => c.holds);
  const primary = comps.find((c) => !c.holds) ?? comps[0]!;
  // A deviation beyond its bound is significant at the false-alarm rate whatever the resolution, so
  // a failing comparison makes the verdict FAIL; INCONCLUSIVE is reserved for "nothing failed, but
  // some bound is too wide to call it a pass".
  const failed = comps.some((c) => !c.holds);
  const lines = [
    `${identity}: ${holds ? 'holds' : failed ? 'FAILS' : 'INCONCLUSIVE (error bound too large relative to the quantity)'}`,
    `  method: ${method}${mcComponents ? `; Monte Carlo bounds use z = ${z.toFixed(3)} (false-alarm rate ${alpha}, Bonferroni over ${mcComponents} components)` : ''}`,
    ...context.map((l) => `  ${l}`),
  ];
  for (const c of comps) {
    const res = c.resolution > 0 ? `; resolution ${num(c.resolution)} (max ${rho})` : '';
    lines.push(`  ${c.holds ? '✓' : '✗'} ${c.label}${c.shape.length ? ` [${c.shape.join('×')}]` : ''}${res}`);
    if (!c.holds || c.resolution > rho) lines.push(...table(c));
  }
  if (!conclusive) {
    lines.push(`  ${failed ? 'also ' : ''}inconclusive: ${inconclusive.map((c) => c.label).join('; ')} — bound/scale exceeds ${rho}; use more samples, an exact support or a quadrature domain.`);
  }
  const strip = ({ statBound: _s, ratio: _r, ...c }: Comparison & { statBound: Float64Array; ratio: Float64Array }): Comparison => c;
  return {
    identity, holds, conclusive, method,
    estimate: primary.estimate, reference: primary.reference, errorBound: primary.errorBound, shape: primary.shape,
    detail: lines.join('\n'), comparisons: comps.map(strip),
  };
}

/**
 * Thrown by {@link assertIdentity} when an identity does not hold; the message is the verdict's
 * readable report.
 * @example
 * ```ts
 * try { assertIdentity(firstBartlett(uniform, theta)); } catch (e) { if (e instanceof IdentityError) console.log(e.verdict.estimate); }
 * ```
 */
export class IdentityError extends Error {
  /** The failing verdict. */
  readonly verdict: IdentityVerdict;
  /**
   * @param verdict - the failing verdict (its `detail` becomes the message).
   */
  constructor(verdict: IdentityVerdict) {
    super(verdict.detail);
    this.name = 'IdentityError';
    this.verdict = verdict;
  }
}

/**
 * Throws an {@link IdentityError} with the verdict's report unless it holds; returns `true`
 * otherwise, so it can end a fast-check predicate.
 * @param verdict - a checker's result.
 * @returns `true` when the identity holds.
 * @throws {IdentityError} when it does not (or the check was inconclusive).
 * @example
 * ```ts
 * fc.assert(fc.property(fc.double({ min: -3, max: 3, noNaN: true }), (eta) =>
 *   assertIdentity(firstBartlett(family, tensor(eta, { dtype: 'float64' })))));
 * ```
 */
export function assertIdentity(verdict: IdentityVerdict): true {
  if (!verdict.holds) throw new IdentityError(verdict);
  return true;
}

/**
 * A generated value together with the verdict of its check: the value `identityProperty` hands to
 * fast-check, so that a failing run's `Counterexample:` line prints the value and the failing
 * verdict's report (fast-check's `fc.assert` message would otherwise carry only the value, with the
 * report hidden in the error's `cause`).
 * @typeParam T - the generated value's type.
 * @example
 * ```ts
 * const out = fc.check(identityProperty(arb, check));
 * if (out.failed) console.log(String(out.counterexample![0])); // the value, then the verdict report
 * ```
 */
export class IdentityCase<T> {
  /** The generated value. */
  readonly value: T;
  /** The verdict of the check on {@link IdentityCase.value}, once it ran. */
  verdict: IdentityVerdict | undefined;
  /** @param value - the generated value. */
  constructor(value: T) {
    this.value = value;
  }
  /** The value as fast-check prints it, followed by the report of a failing verdict. */
  toString(): string {
    const v = fc.stringify(this.value);
    return this.verdict && !this.verdict.holds ? `${v}\n${this.verdict.detail}\n` : v;
  }
  /** fast-check's printing hook (`fc.toStringMethod`). */
  [fc.toStringMethod](): string {
    return this.toString();
  }
}

/**
 * A fast-check property asserting an identity for every generated value.
 *
 * ```text
 * identityProperty(arb, v ↦ verdict)  =  fc.property(arb, v ↦ assertIdentity(verdict(v)))
 * ```
 * The values reach fast-check wrapped in an {@link IdentityCase}, so when the property fails the
 * message of `fc.assert` shows the counterexample followed by its verdict report (the summary lines
 * and the failing comparison), not only the value.
 * @param arbitrary - generates the parameters (or anything the check needs).
 * @param check - builds the verdict for one generated value.
 * @returns a property for `fc.assert` / `fc.check`.
 * @example
 * ```ts
 * fc.assert(identityProperty(fc.double({ min: -3, max: 3, noNaN: true }), (eta) => secondBartlett(family, tensor(eta, { dtype: 'float64' }))));
 * ```
 */
export function identityProperty<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => IdentityVerdict): fc.IPropertyWithHooks<[IdentityCase<T>]> {
  return fc.property(arbitrary.map((v) => new IdentityCase(v), (c) => {
    if (c instanceof IdentityCase) return c.value as T;
    throw new Error('identityProperty: not an IdentityCase');
  }), (c: IdentityCase<T>) => {
    c.verdict = check(c.value);
    return assertIdentity(c.verdict);
  });
}
