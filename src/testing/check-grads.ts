/**
 * `checkGrads`: numerical verification of forward- and reverse-mode derivatives, like JAX's
 * `check_grads`.
 *
 * ```text
 * fwd:  J v            ≈  (f(x + εv) − f(x − εv)) / 2ε              (central differences)
 * rev:  ⟨Jᵀu, v⟩       ≈  ⟨u, (f(x + εv) − f(x − εv)) / 2ε⟩          (adjointness)
 * order k > 1: the same checks, recursively, on  (x, v) ↦ jvp(f, x, v)  and  (x, u) ↦ vjp(f, x)(u)
 * ```
 * Directions v and cotangents u are standard normal, drawn from a seeded generator.
 * Floating-point arguments are promoted to float64 first, so the finite differences are
 * accurate; integer, bool and JS-number leaves are held fixed (not differentiated), and
 * non-floating outputs are ignored.
 *
 * Tolerances default to `tolerance('float64', 'grad')`, i.e. rtol = atol = 1e-5 with step
 * ε = 1e-5: central differences then carry truncation and rounding errors of about 1e-10
 * for well-scaled functions, so this is loose enough to avoid false alarms and tight enough
 * to catch any wrong rule. When a checked function returns float32 values (or, at higher
 * orders, takes float32 cotangents) the float32 tolerance and ε = 1e-3 are used instead.
 * The adjointness check compares the two inner products with
 * `atol + rtol · Σ|terms|`, the sum of the absolute values of the products summed.
 * @module
 */
import { jvp } from '../transforms/jvp.js';
import { tensor } from '../tensor/creation.js';
import { vjp } from '../transforms/grad.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { compareFlat } from './assertions.js';
import { CheckError } from './errors.js';
import { flattenTree, isTensor, normals, num, prng, unflattenLike, type FlatValue } from './_util.js';
import { tolerance } from './tolerance.js';

/**
 * A differentiation mode checked by {@link checkGrads}.
 * @example
 * ```ts
 * checkGrads(f, [x], { modes: ['rev'] }); // reverse mode only (e.g. for customVjp functions)
 * ```
 */
export type GradMode = 'fwd' | 'rev';

/**
 * Options of {@link checkGrads}.
 * @example
 * ```ts
 * checkGrads(f, [x, y], { order: 2, modes: ['fwd', 'rev'], eps: 1e-6, rtol: 1e-6, seed: 1 });
 * ```
 */
export interface CheckGradsOptions {
  /** Highest derivative order checked (1 = first derivatives). @defaultValue 1 */
  readonly order?: number | undefined;
  /** Modes checked at every order. @defaultValue ['fwd', 'rev'] */
  readonly modes?: readonly GradMode[] | undefined;
  /** Finite-difference step. @defaultValue 1e-5, or 1e-3 when `f` returns float32 values (or, at higher orders, takes float32 cotangents) */
  readonly eps?: number | undefined;
  /** Relative tolerance. @defaultValue `tolerance(dtype, 'grad').rtol` (1e-5 for float64) */
  readonly rtol?: number | undefined;
  /** Absolute tolerance. @defaultValue `tolerance(dtype, 'grad').atol` (1e-5 for float64) */
  readonly atol?: number | undefined;
  /** Seed of the random directions. @defaultValue 0 */
  readonly seed?: number | undefined;
}

type FlatFn = (xs: Tensor[]) => Tensor[];

interface Ctx {
  readonly modes: readonly GradMode[];
  readonly eps: number | undefined;
  readonly rtol: number | undefined;
  readonly atol: number | undefined;
  readonly rand: () => number;
}

const read = (t: Tensor): FlatValue => ({ shape: [...t.shape], dtype: t.dtype, data: Float64Array.from(t.toTypedArray()), scalarLiteral: false });
const avals = (ts: readonly Tensor[]): string => (ts.length ? ts.map((t) => t.aval.toString()).join(', ') : '(none)');

function randomLike(ts: readonly Tensor[], rand: () => number): Tensor[] {
  return ts.map((t) => tensor(normals(rand, t.size), { shape: t.shape, dtype: t.dtype }));
}

/** Step and tolerance: float32 ones when any differentiated input or output is float32 (its rounding limits the differences). */
function settings(xs: readonly Tensor[], outs: readonly Tensor[], ctx: Ctx): { eps: number; rtol: number; atol: number } {
  const f32 = outs.some((o) => o.dtype === 'float32') || xs.some((x) => x.dtype === 'float32');
  const tol = tolerance(f32 ? 'float32' : 'float64', 'grad');
  return { eps: ctx.eps ?? (f32 ? 1e-3 : 1e-5), rtol: ctx.rtol ?? tol.rtol, atol: ctx.atol ?? tol.atol };
}

/** Central finite difference of `f` at `xs` along `vs`, per output. */
function numericalJvp(f: FlatFn, xs: readonly Tensor[], vs: readonly Tensor[], eps: number): Float64Array[] {
  const shifted = (sgn: number) =>
    xs.map((x, i) => {
      const a = x.toTypedArray(), v = vs[i]!.toTypedArray();
      return tensor(Float64Array.from(a, (xi, j) => xi + sgn * eps * v[j]!), { shape: x.shape, dtype: x.dtype });
    });
  const yp = f(shifted(1)).map((t) => t.toTypedArray());
  const ym = f(shifted(-1)).map((t) => t.toTypedArray());
  return yp.map((p, i) => Float64Array.from(p, (pj, j) => (pj - ym[i]![j]!) / (2 * eps)));
}

function fail(path: string, order: number, total: number, what: string, xs: readonly Tensor[], detail: string): never {
  const lines = [`checkGrads: ${what}`, `  function: ${path}  (derivative order ${order} of ${total})`, `  inputs: ${avals(xs)}`, ...detail.split('\n').map((l) => `  ${l}`)];
  throw new CheckError(lines.join('\n'), 'grads');
}

function checkJvp(f: FlatFn, xs: Tensor[], outs: readonly Tensor[], ctx: Ctx, path: string, level: [number, number]): void {
  const { eps, rtol, atol } = settings(xs, outs, ctx);
  const vs = randomLike(xs, ctx.rand);
  const [, touts] = jvp((ls: Tensor[]) => f(ls), [xs], [vs]) as [Tensor[], Tensor[]];
  const fd = numericalJvp(f, xs, vs, eps);
  touts.forEach((t, i) => {
    const expected: FlatValue = { shape: [...t.shape], dtype: 'float64', data: fd[i]!, scalarLiteral: false };
    const r = compareFlat(read(t), expected, { rtol, atol }, ['jvp', 'finite difference']);
    if (!r.pass) fail(path, level[0], level[1], `the JVP does not match central finite differences (eps=${eps}).`, xs, `output ${i} ${t.aval.toString()}: ${r.detail}`);
  });
}

function checkVjp(f: FlatFn, xs: Tensor[], outs: readonly Tensor[], ctx: Ctx, path: string, level: [number, number]): void {
  const { eps, rtol, atol } = settings(xs, outs, ctx);
  const [, back] = vjp((ls: Tensor[]) => f(ls), xs);
  const us = randomLike(outs, ctx.rand);
  const cts = (back(us) as [Tensor[]])[0];
  const vs = randomLike(xs, ctx.rand);
  const fd = numericalJvp(f, xs, vs, eps);
  let ipRev = 0, ipFd = 0, scale = 0, scaleFd = 0;
  cts.forEach((c, i) => {
    const a = c.toTypedArray(), v = vs[i]!.toTypedArray();
    for (let j = 0; j < a.length; j++) {
      ipRev += a[j]! * v[j]!;
      scale += Math.abs(a[j]! * v[j]!);
    }
  });
  us.forEach((u, i) => {
    const a = u.toTypedArray(), d = fd[i]!;
    for (let j = 0; j < a.length; j++) {
      ipFd += a[j]! * d[j]!;
      scaleFd += Math.abs(a[j]! * d[j]!);
    }
  });
  const allowed = atol + rtol * Math.max(scale, scaleFd);
  const diff = Math.abs(ipRev - ipFd);
  if (!(diff <= allowed) && !(Number.isNaN(ipRev) && Number.isNaN(ipFd))) {
    const detail = [
      `⟨Jᵀu, v⟩ (vjp)                = ${num(ipRev)}`,
      `⟨u, J v⟩ (finite differences) = ${num(ipFd)}`,
      `|diff| ${num(diff)} > allowed ${num(allowed)} = atol ${atol} + rtol ${rtol} · Σ|terms| ${num(Math.max(scale, scaleFd))}`,
      `cotangent shapes: ${avals(us)}; vjp result shapes: ${avals(cts)}`,
    ].join('\n');
    fail(path, level[0], level[1], `the VJP is not the adjoint of the JVP: ⟨Jᵀu, v⟩ ≠ ⟨u, J v⟩ (eps=${eps}).`, xs, detail);
  }
}

function checkAt(f: FlatFn, xs: Tensor[], order: number, total: number, ctx: Ctx, path: string): void {
  const outs = f(xs);
  if (xs.length === 0 || outs.length === 0) return;
  const level: [number, number] = [total - order + 1, total];
  if (ctx.modes.includes('fwd')) checkJvp(f, xs, outs, ctx, path, level);
  if (ctx.modes.includes('rev')) checkVjp(f, xs, outs, ctx, path, level);
  if (order <= 1) return;
  const n = xs.length;
  if (ctx.modes.includes('fwd')) {
    const fJvp: FlatFn = (zs) => {
      const [y, t] = jvp((ls: Tensor[]) => f(ls), [zs.slice(0, n)], [zs.slice(n)]) as [Tensor[], Tensor[]];
      return [...y, ...t];
    };
    checkAt(fJvp, [...xs, ...randomLike(xs, ctx.rand)], order - 1, total, ctx, `jvp(${path})`);
  }
  if (ctx.modes.includes('rev')) {
    const fVjp: FlatFn = (zs) => {
      const [, back] = vjp((ls: Tensor[]) => f(ls), zs.slice(0, n));
      return (back(zs.slice(n)) as [Tensor[]])[0];
    };
    checkAt(fVjp, [...xs, ...randomLike(outs, ctx.rand)], order - 1, total, ctx, `vjp(${path})`);
  }
}

const isFloatTensor = (x: unknown): x is Tensor => isTensor(x) && isFloat(x.dtype);

/**
 * Checks the derivatives of `f` at `args` against central finite differences, in forward
 * mode (JVP) and reverse mode (VJP, by adjointness), recursively up to `order`.
 * ```text
 * fwd:  jvp(f, x, v) ≈ (f(x + εv) − f(x − εv)) / 2ε
 * rev:  ⟨vjp(f, x)(u), v⟩ ≈ ⟨u, (f(x + εv) − f(x − εv)) / 2ε⟩
 * ```
 * @param f - a function of pytrees of tensors returning a pytree of tensors.
 * @param args - the point (positional arguments); floating leaves are differentiated.
 * @param options - `order`, `modes`, `eps`, `rtol`, `atol`, `seed`.
 * @returns nothing; it throws when a check fails.
 * @throws {CheckError} with a report naming the failing function (e.g. `jvp(f)` at order 2),
 *   the output, the worst element and the tolerance.
 * @example
 * ```ts
 * checkGrads((x: Tensor) => x.sin().mul(x), [tensor([0.5, 1.5], { dtype: 'float64' })], { order: 2 });
 * ```
 */
export function checkGrads(f: (...args: any[]) => unknown, args: readonly unknown[], options: CheckGradsOptions = {}): void {
  const [leaves] = flattenTree(args);
  const diff: number[] = [];
  const xs: Tensor[] = [];
  leaves.forEach((l, i) => {
    if (!isFloatTensor(l)) return;
    diff.push(i);
    xs.push(l.dtype === 'float64' ? l : tensor(l, { dtype: 'float64' }));
  });
  const flatF: FlatFn = (ls) => {
    const all = [...leaves];
    diff.forEach((j, k) => { all[j] = ls[k]; });
    const out = f(...(unflattenLike(args, all) as unknown[]));
    return flattenTree(out)[0].filter(isFloatTensor);
  };
  const order = options.order ?? 1;
  if (!Number.isInteger(order) || order < 1) throw new RangeError(`checkGrads: order must be a positive integer, got ${order}`);
  const ctx: Ctx = { modes: options.modes ?? ['fwd', 'rev'], eps: options.eps, rtol: options.rtol, atol: options.atol, rand: prng(options.seed ?? 0) };
  checkAt(flatF, xs, order, order, ctx, f.name || 'f');
}
