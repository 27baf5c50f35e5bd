// Operator identities on small random models: GGN = Fisher, symmetry/PSD, dense/diagonal/solve, MC → exact.
import { describe, expect, it } from 'vitest';
import { TreeMismatchError, ValueError, linalg, logSumExp, oneHot, random, tensor, tree, type Tensor } from '../../src/index.js';
import { bernoulli, categorical, exponentialFamily, normal, poisson, type Likelihood } from '../../src/likelihoods/index.js';
import { fisher, ggn, hessianOperator, type CurvatureOperator } from '../../src/curvature/index.js';
import { expectClose, mat } from './helpers.js';
import { inputs, mlp, mlpParams, type Mlp } from './models.js';

const N = 7, DIN = 3, H = 4, K = 3;
const x = inputs(11, N, DIN);
const params = mlpParams(1, DIN, H, K);
const labelsFor = (lik: Likelihood): Tensor => lik.name === 'categorical'
  ? tensor([0, 2, 1, 1, 0, 2, 2], { dtype: 'int32' })
  : lik.sample(random.key(5), tensor(Array.from({ length: N }, () => [0.1, -0.2, 0.3]), { dtype: 'float64' }));
const families: Likelihood[] = [categorical(), bernoulli(), poisson(), normal({ sigma: 0.5 })];

function eigenvalues(op: CurvatureOperator<Mlp>): number[] {
  const d = op.dense();
  return [...linalg.eighSymmetric(Float64Array.from(d.toTypedArray() as Float64Array), d.shape[0]!).values];
}

describe.each(families.map((l) => [l.name, l] as const))('%s model', (_name, lik) => {
  const batch = { x, y: labelsFor(lik) };
  const F = fisher({ model: mlp, likelihood: lik }, params, batch);
  const outer = (z: Tensor, y: Tensor): Tensor => lik.logProb(z, y).neg();

  it('GGN of −log p equals the exact Fisher (natural parameters)', () => {
    expectClose(ggn({ inner: mlp, outer }, params, batch).dense(), F.dense(), 1e-10);
  });

  it('Fisher is symmetric and PSD; dense() columns equal matvec on basis vectors', () => {
    const d = mat(F.dense());
    expectClose(d, d[0]!.map((_, j) => d.map((r) => r[j]!)), 1e-12);
    expect(Math.min(...eigenvalues(F))).toBeGreaterThan(-1e-10);
    const [flat, unravel] = tree.ravel(params);
    for (const i of [0, 5, flat.size - 1]) {
      const e = unravel(tensor(Array.from({ length: flat.size }, (_, j) => (j === i ? 1 : 0)), { dtype: 'float64' }));
      expectClose(tree.ravel(F.matvec(e))[0], d.map((r) => r[i]!), 1e-12);
    }
  });

  it('Fisher, EF, MC and GGN are PSD, and their exact diagonals equal the dense diagonals', () => {
    const ops = [F, fisher({ model: mlp, likelihood: lik }, params, batch, { kind: 'empirical' }),
      fisher({ model: mlp, likelihood: lik }, params, batch, { kind: 'mc', key: random.key(3), samples: 3 }),
      ggn({ inner: mlp, outer }, params, batch)];
    for (const op of ops) {
      expect(Math.min(...eigenvalues(op))).toBeGreaterThan(-1e-10);
      const d = mat(op.dense());
      expectClose(tree.ravel(op.diagonal())[0], d.map((r, i) => r[i]!), 1e-11);
      expect(op.trace()).toBeCloseTo(d.reduce((s, r, i) => s + r[i]!, 0), 9);
    }
  });

  it('solve inverts matvec + damping (CG and Cholesky)', () => {
    const b = tree.map((t: Tensor) => t.mul(0.3).sin(), params) as Mlp;
    for (const method of ['cg', 'cholesky'] as const) {
      const sol = F.solve(b, { damping: 0.1, method });
      expectClose(tree.ravel(tree.add(F.matvec(sol), tree.scale(sol, 0.1)))[0], tree.ravel(b)[0], 1e-8);
    }
  });
});

describe('operator algebra and estimators', () => {
  const lik = categorical();
  const batch = { x, y: labelsFor(lik) };
  const F = fisher({ model: mlp, likelihood: lik }, params, batch);
  const E = fisher({ model: mlp, likelihood: lik }, params, batch, { kind: 'empirical' });

  it('add, scale and the sum reduction', () => {
    expectClose(F.add(E).dense(), F.dense().add(E.dense()), 1e-12);
    expectClose(F.scale(2.5).diagonal().o.w, F.diagonal().o.w.mul(2.5), 1e-12);
    expectClose(fisher({ model: mlp, likelihood: lik }, params, batch, { reduction: 'sum' }).dense(), F.dense().mul(N), 1e-10);
  });

  it('MC Fisher converges to the exact Fisher within a CLT bound (fixed keys)', () => {
    const v = tree.map((t: Tensor) => t.mul(1.7).cos(), params) as Mlp;
    const exact = tree.vdot(v, F.matvec(v)).item();
    const q = random.splitList(random.key(42), 48).map((k) =>
      tree.vdot(v, fisher({ model: mlp, likelihood: lik }, params, batch, { kind: 'mc', key: k }).matvec(v)).item());
    const m = q.reduce((a, b) => a + b, 0) / q.length;
    const sd = Math.sqrt(q.reduce((a, b) => a + (b - m) ** 2, 0) / (q.length - 1));
    expect(Math.abs(m - exact)).toBeLessThan(4 * sd / Math.sqrt(q.length));
    expect(sd).toBeGreaterThan(0);
  });

  it('MC Fisher does not depend on how the batch is chunked (labels keyed by global example index)', () => {
    const key = random.key(17), split = 3;
    const part = (from: number, to: number) => fisher({ model: mlp, likelihood: lik }, params, { x: x.slice([from, 0], [to - from, DIN]) },
      { kind: 'mc', key, samples: 2, reduction: 'sum', exampleOffset: from });
    const whole = fisher({ model: mlp, likelihood: lik }, params, { x }, { kind: 'mc', key, samples: 2, reduction: 'sum' });
    expectClose(part(0, split).add(part(split, N)).dense(), whole.dense(), 1e-12);
    const other = fisher({ model: mlp, likelihood: lik }, params, { x }, { kind: 'mc', key: random.key(18), samples: 2, reduction: 'sum' });
    expect(Math.max(...(other.dense().sub(whole.dense()).abs().toTypedArray() as Float64Array))).toBeGreaterThan(1e-6);
    expect(() => fisher({ model: mlp, likelihood: lik }, params, { x }, { kind: 'mc', key, exampleOffset: -1 })).toThrow(/exampleOffset/);
  });

  it('Hutchinson trace is unbiased within its standard error', () => {
    const d = mat(F.dense());
    const off = d.reduce((s, r, i) => s + r.reduce((t, c, j) => t + (i === j ? 0 : c * c), 0), 0);
    const S = 200;
    expect(Math.abs(F.traceHutchinson(random.key(9), S) - F.trace())).toBeLessThan(4 * Math.sqrt(2 * off / S));
  });

  it('the Hessian differs from the Fisher away from a minimum but is symmetric', () => {
    const Hs = hessianOperator((p: Mlp, xx: Tensor, yy: Tensor) => lik.logProb(mlp(p, xx), yy).neg(), params, batch);
    const h = mat(Hs.dense());
    expectClose(h, h[0]!.map((_, j) => h.map((r) => r[j]!)), 1e-10);
    expect(Math.max(...h.flat().map((c, i) => Math.abs(c - mat(F.dense()).flat()[i]!)))).toBeGreaterThan(1e-4);
  });

  it('a user-defined exponential family works under vmap inside fisher (Fisher and exact diagonal)', () => {
    const cat = exponentialFamily({ sufficientStats: (yy) => oneHot(yy, K, 'float64'), logPartition: (eta) => logSumExp(eta) });
    const Fe = fisher({ model: mlp, likelihood: cat }, params, batch);
    expectClose(Fe.dense(), F.dense(), 1e-11);
    expectClose(tree.ravel(Fe.diagonal())[0], tree.ravel(F.diagonal())[0], 1e-11);
  });

  it('rejects bad input with structured errors', () => {
    expect(() => fisher({ model: mlp, likelihood: lik }, params, { x, y: tensor([0, 1, 2, 3, 0, 1, 2], { dtype: 'int32' }) })).toThrow(/categorical.*label 3/);
    expect(() => fisher({ model: mlp, likelihood: bernoulli() }, params, { x, y: tensor(Array.from({ length: N }, () => [0, 2, 1]), { dtype: 'float64' }) })).toThrow(ValueError);
    expect(() => F.solve(params, { damping: -1 })).toThrow(ValueError);
    expect(() => F.solve(params, { method: 'cholesky' })).toThrow(/singular|positive definite/);
    expect(() => F.solve(params, { method: 'cg', maxIter: 5 })).toThrow(ValueError);
    expect(() => F.matvec({ h: params.h } as unknown as Mlp)).toThrow(TreeMismatchError);
    expect(() => fisher({ model: mlp, likelihood: lik }, params, batch, { kind: 'mc' })).toThrow(/key/);
    expect(() => fisher({ model: mlp, likelihood: lik }, params, { x }, { kind: 'empirical' })).toThrow(/labels/);
    expect(() => fisher({ model: mlp, likelihood: lik }, params, { x, y: batch.y.slice([0], [5]) })).toThrow(/leading batch axis/);
  });
});
