/**
 * The fuzz property: a call either throws a CurvaxError whose message names the op, or returns
 * a well-formed result equal to the reference (when one applies). Anything else — a TypeError
 * or RangeError from inside the library, a typed error that does not name the op, a result with
 * a malformed shape, a result for an argument a NumPy user would expect to be rejected, or a
 * result that differs from the reference — is a failure, reported with the arguments' labels.
 */
import { CurvaxError, Tensor } from '../../src/index.js';
import type { Arg } from './values.js';

/** What the reference says about a successful call: its shape, dtype and values (float64). */
export interface Expected {
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Expected values, row-major; omitted when only the shape and dtype are checked. */
  readonly data?: ArrayLike<number>;
  /** Relative tolerance on values. @defaultValue 0 (bit-exact, NaNs equal) */
  readonly tol?: number;
}

/** Counts of outcomes, to show the suite exercised both paths. */
export interface Tally {
  typed: number;
  ok: number;
  /** Successful calls whose values were compared with the reference. */
  checked: number;
}

export const newTally = (): Tally => ({ typed: 0, ok: 0, checked: 0 });

function describe(args: readonly Arg[]): string {
  return args.map((a) => `${a.label}${a.valid ? '' : ' (bad)'}`).join(', ');
}

function wellFormed(op: string, t: Tensor, ctx: string): void {
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${op}(${ctx}): result has a malformed shape ${t.aval.toString()}`);
  const data = t.toTypedArray();
  if (data.length !== t.size) throw new Error(`${op}(${ctx}): result holds ${data.length} values for ${t.aval.toString()}`);
}

function close(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

/** Compares a tensor result with the reference. */
export function matches(op: string, out: Tensor, exp: Expected, ctx: string): void {
  const got = `${out.aval.toString()}`;
  if (out.dtype !== exp.dtype || out.shape.length !== exp.shape.length || out.shape.some((d, i) => d !== exp.shape[i])) {
    throw new Error(`${op}(${ctx}): silent wrong result: got ${got}, NumPy semantics give ${exp.dtype}[${exp.shape.join(',')}]`);
  }
  if (!exp.data) return;
  const data = out.toTypedArray();
  for (let i = 0; i < data.length; i++) {
    const v = out.dtype === 'bool' ? (data[i] ? 1 : 0) : data[i]!;
    if (!close(v, exp.data[i]!, exp.tol ?? 0)) {
      throw new Error(`${op}(${ctx}): silent wrong result at ${i}: got ${v}, NumPy semantics give ${exp.data[i]} (${got})`);
    }
  }
}

/**
 * Runs one fuzz case. `names` are the op names an error may carry (the public name first; empty: any typed error).
 * `expect` computes the reference from the argument values (or `undefined` when none applies).
 */
export function runCase(op: string, args: readonly Arg[], call: () => unknown, tally: Tally, expect?: () => Expected | undefined, names: readonly string[] = [op]): { ok: true; out: unknown } | { ok: false } {
  const ctx = describe(args);
  let out: unknown;
  try {
    out = call();
  } catch (e) {
    if (!(e instanceof CurvaxError)) {
      throw new Error(`${op}(${ctx}): generic ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
    if (names.length > 0 && !names.some((n) => e.message.includes(n))) {
      throw new Error(`${op}(${ctx}): ${e.constructor.name} does not name the op: ${e.message}`);
    }
    tally.typed++;
    return { ok: false };
  }
  tally.ok++;
  if (out instanceof Tensor) wellFormed(op, out, ctx);
  if (args.some((a) => !a.valid)) {
    throw new Error(`${op}(${ctx}): accepted a bad argument and returned ${out instanceof Tensor ? out.aval.toString() : typeof out}`);
  }
  const exp = expect?.();
  if (exp && out instanceof Tensor) {
    matches(op, out, exp, ctx);
    if (exp.data) tally.checked++;
  }
  return { ok: true, out };
}
