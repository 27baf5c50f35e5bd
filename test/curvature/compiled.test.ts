// The compiled curvature programs: jitted matvecs return the eager bits; the all-columns exact
// diagonal agrees with the per-column one (float64: to rounding; float32: as close to a float64
// reference as the per-column result) and forms one product per dense layer whatever the
// number of columns.
import { afterEach, describe, expect, it } from 'vitest';
import { curvature, dotGeneral, grad, jvp, likelihoods, random, scope, stack, tree, vjp, vmap, type Tensor } from '../../src/index.js';
import {
  acceptBatchedDiagonal, allColumnsDiagonalProgram, curvatureCompilation, largestValue, outputFactorDiagonalProgram,
} from '../../src/curvature/compiled.js';
import { inputs, mlp, mlpParams, type Mlp } from './models.js';

const cast = <T>(t: T, dtype: 'float32' | 'float64'): T => tree.map((l: Tensor) => l.cast(dtype), t as never) as T;
const bits = (t: unknown): number[] => tree.leaves(t as never).flatMap((l) => Array.from((l as Tensor).toTypedArray() as ArrayLike<number>));
const withCompilation = <T>(on: boolean, f: () => T): T => {
  const was = curvatureCompilation.enabled;
  curvatureCompilation.enabled = on;
  try { return f(); } finally { curvatureCompilation.enabled = was; }
};
afterEach(() => { curvatureCompilation.enabled = true; });

const lik = likelihoods.categorical();
const n = 24, din = 7, hidden = 6, dout = 4;
const nll = (z: Tensor, y: Tensor) => lik.logProb(z, y).neg();
const exampleLoss = (p: Mlp, x: Tensor, y: Tensor) => nll(mlp(p, x), y);

describe('compiled matvecs', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    const params = cast(mlpParams(3, din, hidden, dout), dtype);
    const x = cast(inputs(4, n, din), dtype);
    const y = random.categorical(random.key(5), random.normal(random.key(6), [n, dout]).mul(0));
    const batch = { x, y };
    const v = cast(mlpParams(7, din, hidden, dout), dtype);
    const w = cast(mlpParams(8, din, hidden, dout), dtype);
    const builders: [string, () => curvature.CurvatureOperator<Mlp>][] = [
      ['ggn (output matrices)', () => curvature.ggn({ inner: mlp, outer: nll }, params, batch)],
      ['empirical Fisher (output factors)', () => curvature.fisher({ model: mlp, likelihood: lik }, params, batch, { kind: 'empirical' })],
      ['MC Fisher', () => curvature.fisher({ model: mlp, likelihood: lik }, params, batch, { kind: 'mc', key: random.key(9), samples: 3 })],
      ['hessianOperator', () => curvature.hessianOperator(exampleLoss, params, batch, { reduction: 'sum' })],
    ];
    for (const [name, build] of builders) {
      it(`${name}, ${dtype}: every call (eager first, jitted after) returns the eager matvec's bits`, () => {
        const eager = withCompilation(false, () => { const op = build(); return [op.matvec(v), op.matvec(w), op.matvec(v)]; });
        const before = curvatureCompilation.compiledCalls;
        const op = build();
        const got = [op.matvec(v), op.matvec(w), op.matvec(v)];
        expect(curvatureCompilation.compiledCalls - before).toBe(2); // calls 2 and 3 ran the jitted program
        got.forEach((g, i) => expect(bits(g)).toEqual(bits(eager[i])));
        expect(bits(got[0])).not.toEqual(bits(got[1]));
      });
    }
  }
});

describe('matvec scale placement', () => {
  // The operator applies s = 1/N to the [N, k] output-space cotangent, Jᵀ(s·M J v), where it used
  // to scale the result, s·Jᵀ(M J v): the same bits when s is a power of two, else within rounding.
  const scaledAfter = (p: Mlp, xs: Tensor, v: Mlp): Mlp => {
    const batched = (q: Mlp) => vmap(mlp, { inAxes: [null, 0] })(q, xs);
    const [z, jv] = jvp(batched, [p], [v]);
    const m = vmap((f: Tensor) => lik.outputFisher(f))(z);
    const mu = dotGeneral(m, jv.reshape([jv.shape[0]!, dout]), { contract: [[2], [1]], batch: [[0], [0]] }); // Mₙ uₙ, as the operator forms it
    return tree.scale(vjp(batched, p)[1](mu)[0] as Mlp, 1 / xs.shape[0]!) as Mlp;
  };
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: N = 16 gives the bits of scaling the result; N = 24 agrees to rounding`, () => {
      const p = cast(mlpParams(41, din, hidden, dout), dtype), v = cast(mlpParams(42, din, hidden, dout), dtype);
      const x16 = cast(inputs(43, 16, din), dtype), x24 = cast(inputs(44, 24, din), dtype);
      const F = (xs: Tensor) => curvature.fisher({ model: mlp, likelihood: lik }, p, { x: xs });
      expect(bits(F(x16).matvec(v))).toEqual(bits(scaledAfter(p, x16, v)));
      const a = bits(F(x24).matvec(v)), b = bits(scaledAfter(p, x24, v));
      const tol = dtype === 'float32' ? 1e-5 : 1e-13;
      const big = Math.max(...b.map(Math.abs));
      a.forEach((q, i) => expect(Math.abs(q - b[i]!)).toBeLessThanOrEqual(tol * big));
    });
  }
});

describe('compiled matvecs inside scope()', () => {
  it('stay eager, so the scope frees the linearization it created (a jitted program would keep it)', () => {
    const params = mlpParams(17, din, hidden, dout);
    const x = inputs(18, n, din);
    const v = mlpParams(19, din, hidden, dout);
    const before = curvatureCompilation.compiledCalls;
    const inside = scope(() => {
      const op = curvature.fisher({ model: mlp, likelihood: lik }, params, { x });
      return [op.matvec(v), op.matvec(v), op.matvec(v)].map(bits);
    });
    expect(curvatureCompilation.compiledCalls).toBe(before);
    const op = curvature.fisher({ model: mlp, likelihood: lik }, params, { x });
    const outside = [op.matvec(v), op.matvec(v), op.matvec(v)].map(bits);
    expect(curvatureCompilation.compiledCalls - before).toBe(2);
    expect(outside).toEqual(inside);
  });
});

describe('all-columns exact diagonal', () => {
  const params = mlpParams(11, din, hidden, dout);
  const x = inputs(12, n, din);
  const batch = { x };
  const diag = (ps: Mlp, xs: Tensor, on: boolean) => withCompilation(on, () => curvature.fisher({ model: mlp, likelihood: lik }, ps, { x: xs }).diagonal());

  const y = random.categorical(random.key(13), random.normal(random.key(14), [n, dout]).mul(0));
  const operators: [string, () => curvature.CurvatureOperator<Mlp>][] = [
    ['exact Fisher (factor from each output, one program from θ and x)', () => curvature.fisher({ model: mlp, likelihood: lik }, params, batch)],
    ['GGN (factors given, one program over their columns)', () => curvature.ggn({ inner: mlp, outer: nll }, params, { x, y })],
    ['MC Fisher, 3 samples (factors given)', () => curvature.fisher({ model: mlp, likelihood: lik }, params, batch, { kind: 'mc', key: random.key(15), samples: 3 })],
  ];
  for (const [name, build] of operators) {
    it(`${name}, float64: equals the per-column diagonal up to the rounding of the reassociated sums, and the dense diagonal`, () => {
      const before = curvatureCompilation.batchedDiagonals;
      const on = withCompilation(true, () => build().diagonal());
      expect(curvatureCompilation.batchedDiagonals - before).toBe(1);
      const off = withCompilation(false, () => build().diagonal());
      const [a] = tree.ravel(on), [b] = tree.ravel(off);
      const dense = withCompilation(false, () => build().dense());
      const dd = (dense.toArray() as number[][]).map((r, i) => r[i]!);
      const worst = (u: number[], ref: number[]) => Math.max(...u.map((q, i) => Math.abs(q - ref[i]!) / (1e-300 + Math.abs(ref[i]!))));
      expect(worst(Array.from(a.toTypedArray() as Float64Array), Array.from(b.toTypedArray() as Float64Array))).toBeLessThan(1e-12);
      expect(worst(Array.from(a.toTypedArray() as Float64Array), dd)).toBeLessThan(1e-11);
    });
  }

  it('float32: as close to a float64 reference as the per-column float32 diagonal (the sums over columns and examples are reassociated, so bits may differ)', () => {
    const p32 = cast(params, 'float32'), x32 = cast(x, 'float32');
    const on = Array.from(tree.ravel(diag(p32, x32, true))[0].toTypedArray() as Float32Array);
    const off = Array.from(tree.ravel(diag(p32, x32, false))[0].toTypedArray() as Float32Array);
    const ref = Array.from(tree.ravel(diag(cast(p32, 'float64'), cast(x32, 'float64'), false))[0].toTypedArray() as Float64Array);
    const err = (u: number[]) => Math.max(...u.map((q, i) => Math.abs(q - ref[i]!) / (1e-30 + Math.abs(ref[i]!))));
    expect(err(on)).toBeLessThan(1e-5);
    expect(err(on)).toBeLessThan(4 * err(off) + 1e-6);
  });

  it('the exact Fisher diagonal program runs the forward pass once and forms no per-example gradients', () => {
    const opt = outputFactorDiagonalProgram(mlp, (z: Tensor) => lik.outputFisherSqrt(z)).lower(params, x).optimized;
    expect(largestValue(opt)).toBeLessThanOrEqual(Math.max(dout * n * Math.max(hidden, dout), n * din));
    expect(opt.eqns.filter((e) => e.prim.name === 'dot_general').length).toBe(5); // two forward, one back, one per weight
  });

  it('forms one product per dense layer and no per-example gradients, whatever the number of columns', () => {
    const prog = allColumnsDiagonalProgram(mlp);
    const dots = (c: number) => {
      const us = random.normal(random.key(c), [n, dout, c], { dtype: 'float64' });
      const opt = prog.lower(params, x, us).optimized;
      // only activations, back-propagated signals [c, N, width] and inputs: the [c, N, din, hidden]
      // per-example, per-column gradients are never formed
      expect(largestValue(opt)).toBeLessThanOrEqual(Math.max(c * n * Math.max(hidden, dout), n * din));
      return opt.eqns.filter((e) => e.prim.name === 'dot_general').length;
    };
    const one = dots(1);
    expect(dots(4)).toBe(one);
    expect(dots(9)).toBe(one);
    expect(one).toBe(4); // forward through the first layer, back through the second, one per weight
  });

  it('the batched program is refused when it would hold more than the per-column one allows', () => {
    const never = () => { throw new Error('not asked'); };
    expect(acceptBatchedDiagonal(1 << 22, never)).toBe(true);
    expect(acceptBatchedDiagonal((1 << 22) + 1, () => [(1 << 22) + 1, 10])).toBe(true); // no larger than one column
    expect(acceptBatchedDiagonal(1 << 24, () => [1 << 21, 10])).toBe(true); // ≤ c × one column, ≤ 2²⁴
    expect(acceptBatchedDiagonal((1 << 24) + 1, () => [1 << 23, 10])).toBe(false); // c × one column, beyond 2²⁴
    expect(acceptBatchedDiagonal(1 << 23, () => [1 << 19, 10])).toBe(false); // more than c × one column
  });

  it('composes: grad through the diagonal and vmap over parameter sets equal the per-column results to rounding', () => {
    const total = (p: Mlp) => (tree.leaves(curvature.fisher({ model: mlp, likelihood: lik }, p, batch).diagonal() as never) as Tensor[]).reduce((s: Tensor, l) => s.add(l.sum()), params.o.b.sum().mul(0));
    const flat = (t: unknown) => tree.leaves(t as never).flatMap((l) => Array.from((l as Tensor).toTypedArray() as Float64Array));
    const close = (a: number[], b: number[]) => a.forEach((q, i) => expect(Math.abs(q - b[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b[i]!))));
    close(flat(grad(total)(params)), flat(withCompilation(false, () => grad(total)(params))));
    const stacked = tree.map((a: Tensor, b: Tensor) => stack([a, b]), params as never, mlpParams(16, din, hidden, dout) as never) as Mlp;
    const diag = (p: Mlp) => curvature.fisher({ model: mlp, likelihood: lik }, p, batch).diagonal();
    close(flat(vmap(diag)(stacked)), flat(withCompilation(false, () => vmap(diag)(stacked))));
  });
});
