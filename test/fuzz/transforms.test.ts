/**
 * Fuzz suite over the transformations: pytree arguments with bad leaves at random paths,
 * circular and very deep trees, mismatched tangent/cotangent trees and disposed tensors. Each
 * call either throws a CurvaxError naming the transformation or returns what JAX returns for
 * f(t) = Σ_leaves Σ leaf² (gradient 2·leaf, directional derivative 2·f(t), ...).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as cx from '../../src/index.js';
import { tree, type Tensor } from '../../src/index.js';
import { newTally, runCase, type Tally } from './harness.js';
import { treeArg, type TreeArg } from './trees.js';
import type { Arg } from './values.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 1313);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 100);

const leavesOf = (t: unknown): Tensor[] => tree.leaves(t as never) as Tensor[];
/** Σ_leaves Σ leaf², accumulated in the leaves' dtypes by the library itself. */
const sumSquares = (t: unknown): Tensor => leavesOf(t).map((l) => l.square().sum().cast('float64')).reduce((a, b) => a.add(b), cx.zeros([], 'float64'));
const twice = (t: unknown): unknown => tree.map((l: Tensor) => l.mul(2), t as never);

function same(op: string, got: unknown, want: unknown, tol = 0): void {
  const [g, gd] = tree.flatten(got as never), [w, wd] = tree.flatten(want as never);
  if (!gd.equals(wd)) throw new Error(`${op}: silent wrong result: structure ${gd.toString()} instead of ${wd.toString()}`);
  (g as Tensor[]).forEach((x, i) => {
    const y = (w as Tensor[])[i]!;
    if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) throw new Error(`${op}: silent wrong result: leaf ${i} is ${x.aval.toString()} instead of ${y.aval.toString()}`);
    const a = x.toTypedArray(), b = y.toTypedArray();
    a.forEach((v, j) => {
      const u = b[j]!;
      const ok = Number.isNaN(v) ? Number.isNaN(u) : v === u || Math.abs(v - u) <= tol * Math.max(1, Math.abs(u));
      if (!ok) throw new Error(`${op}: silent wrong result: leaf ${i}[${j}] = ${v} instead of ${u}`);
    });
  });
}

const arg = (t: TreeArg, differentiated: boolean): Arg => ({
  value: t.value, label: t.label,
  valid: t.valid || (!differentiated && t.label.startsWith('tree with int tensor')),
});

interface Row {
  /** Whether integer leaves are bad (the transformation differentiates). */
  readonly diff: boolean;
  readonly run: (t: unknown, u: unknown) => () => unknown;
  /** Checks a successful result against JAX semantics. */
  readonly check?: (out: unknown, t: unknown, u: unknown) => void;
  /** Whether the second tree `u` is used (as tangents/cotangents): then it must match `t`. */
  readonly pair?: boolean;
  /** Any leaf is fine (only circular or too-deep trees, and structure mismatches, are errors). */
  readonly anyLeaves?: boolean;
  /** Only valid trees (the row checks results, not argument validation). */
  readonly validOnly?: boolean;
}

const f64 = (v: number): Tensor => cx.tensor(v, { dtype: 'float64' });
const TOL = 1e-6;

const ROWS: Record<string, Row> = {
  grad: { diff: true, run: (t) => () => cx.grad(sumSquares)(t), check: (g, t) => same('grad', g, twice(t)) },
  valueAndGrad: { diff: true, run: (t) => () => cx.valueAndGrad(sumSquares)(t), check: (r, t) => { const [v, g] = r as [Tensor, unknown]; same('valueAndGrad', v, sumSquares(t), TOL); same('valueAndGrad', g, twice(t)); } },
  vjp: { diff: true, run: (t) => () => { const [y, back] = cx.vjp(sumSquares, t); return [y, back(f64(1))[0]]; }, check: (r, t) => same('vjp', (r as unknown[])[1], twice(t)) },
  jvp: { diff: true, pair: true, run: (t, u) => () => cx.jvp(sumSquares, [t], [u]), check: (r, t, u) => same('jvp', (r as Tensor[])[1], leavesOf(t).map((l, i) => l.mul(leavesOf(u)[i]!).sum().cast('float64').mul(2)).reduce((a, b) => a.add(b), f64(0)), TOL) },
  linearize: { diff: true, pair: true, run: (t, u) => () => cx.linearize(sumSquares, t)[1](u) },
  linearTranspose: { diff: false, run: (t) => () => cx.linearTranspose((x: unknown) => twice(x), t)(twice(t))[0], check: (r, t) => same('linearTranspose', r, tree.map((l: Tensor) => l.mul(4), t as never)) },
  vmap: { diff: false, run: (t) => () => cx.vmap(twice)(t), check: (r, t) => same('vmap', r, twice(t)) },
  // forward mode sums 2·x·v over every leaf, so a NaN anywhere reaches every column (as in JAX): compare finite trees only
  jacfwd: { diff: true, run: (t) => () => cx.jacfwd(sumSquares)(t), check: (r, t) => { if (allFinite(t)) same('jacfwd', r, tree.map((l: Tensor) => l.mul(2).cast('float64'), t as never), TOL); } },
  // as in JAX: jacfwd's blocks take the output's dtype (float64 here), jacrev's the input's
  jacrev: { diff: true, run: (t) => () => cx.jacrev(sumSquares)(t), check: (r, t) => same('jacrev', r, tree.map((l: Tensor) => l.mul(2), t as never), TOL) },
  // functions with custom rules take tensors (not pytrees): a tree is a typed error naming the rule's function
  customJvp: { diff: false, run: (t) => () => cx.customJvp((x: Tensor) => x.mul(2), ([x], [v]) => [x.mul(2), v.mul(2)])(t as Tensor), check: (r, t) => same('customJvp', r, twice(t)) },
  customVjp: { diff: false, run: (t) => () => cx.customVjp((x: Tensor) => x.mul(2), (x: Tensor) => [x.mul(2), []], (_r, ct: Tensor) => [ct.mul(2)])(t as Tensor), check: (r, t) => same('customVjp', r, twice(t)) },
  hessian: { diff: true, run: (t) => () => cx.hessian(sumSquares)(t) },
  makeJaxpr: { diff: false, run: (t) => () => cx.evalJaxpr(cx.makeJaxpr(twice)(t), t), check: (r, t) => same('makeJaxpr', r, twice(t)) },
  // jit's handling of non-tensor leaves (static values in the cache key) belongs to jit's own tests: valid trees only here
  jit: { diff: false, validOnly: true, run: (t) => () => cx.jit(twice)(t), check: (r, t) => same('jit', r, twice(t)) },
  // tree.map takes any leaves: only the structures must agree (and trees must be finite)
  'tree.map': { diff: false, pair: true, anyLeaves: true, run: (t, u) => () => tree.map((a: unknown, b: unknown) => [a, b], t as never, u as never) },
  'tree.add': { diff: false, pair: true, run: (t, u) => () => tree.add(t as never, u as never) },
  'tree.vdot': { diff: false, pair: true, run: (t, u) => () => tree.vdot(t as never, u as never) },
  'tree.ravel': { diff: false, run: (t) => () => { const [v, un] = tree.ravel(t as never); return un(v); }, check: (r, t) => same('tree.ravel', r, t) },
};

describe('fuzz: transformations and tree utilities', () => {
  for (const [name, row] of Object.entries(ROWS)) {
    it(`${name}: a typed error naming it, or JAX semantics`, () => {
      const tally: Tally = newTally();
      const second = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: treeArg });
      fc.assert(
        fc.property(row.validOnly ? treeArg.filter((t) => t.valid) : treeArg, second, (t, u0) => {
          // the second tree: the same values (valid), or another random tree (must match t's structure and avals)
          const u = u0 ?? t;
          const finite = (x: TreeArg) => !x.label.startsWith('circular') && !x.label.includes('deep');
          const args = [row.anyLeaves ? { ...arg(t, false), valid: finite(t) } : arg(t, row.diff)];
          if (row.pair) {
            const matches = u === t || (row.anyLeaves ? finite(t) && finite(u) && tree.structure(t.value as never).equals(tree.structure(u.value as never)) : t.valid && u.valid && sameAvals(t.value, u.value));
            args.push({ value: u.value, valid: u0 === null || matches, label: u0 === null ? 'same tree' : `other ${u.label}` });
          }
          const r = runCase(name, args, row.run(t.value, u.value), tally, undefined, [name]);
          if (r.ok && row.check) row.check(r.out, t.value, u.value);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      if (!row.validOnly) expect(tally.typed).toBeGreaterThan(0);
      expect(tally.ok).toBeGreaterThan(0);
    });
  }
});

function allFinite(t: unknown): boolean {
  return leavesOf(t).every((l) => l.toTypedArray().every((v) => Number.isFinite(v)));
}

function sameAvals(a: unknown, b: unknown): boolean {
  const [la, da] = tree.flatten(a as never), [lb, db] = tree.flatten(b as never);
  return da.equals(db) && (la as Tensor[]).every((x, i) => x.aval.equals((lb as Tensor[])[i]!.aval));
}
