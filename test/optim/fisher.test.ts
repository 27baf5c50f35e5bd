// The seed's claims made computable: simplified Adam = diagonal NGD with forgetting (seed 000/001),
// and exact-Fisher NGD beats GD on logistic regression (Kunstner et al. 2019, BreastCancer).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grad, softplus, tensor, tree, vmap, type Tensor } from '../../src/index.js';
import { solveSpd } from '../../src/linalg/index.js';
import * as optim from '../../src/optim/index.js';
import { maxDiff } from './helpers.js';

/** BreastCancer, features standardized, a bias column appended; labels in {0, 1}. */
function breastCancer(): { X: Tensor; y: Tensor; n: number; d: number; Xa: Float64Array } {
  const rows = readFileSync(new URL('../../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const n = rows.length, f = rows[0]!.length - 1, d = f + 1;
  const Xa = new Float64Array(n * d), ya = new Float64Array(n);
  for (let j = 0; j < f; j++) {
    const col = rows.map((r) => r[j]!);
    const mu = col.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(col.reduce((a, b) => a + (b - mu) ** 2, 0) / n);
    rows.forEach((r, i) => { Xa[i * d + j] = (r[j]! - mu) / sd; });
  }
  rows.forEach((r, i) => { Xa[i * d + f] = 1; ya[i] = r[f]!; });
  return { X: tensor(Xa, { shape: [n, d] }), y: tensor(ya), n, d, Xa };
}

/** Mean logistic negative log-likelihood: ℓᵢ = softplus(zᵢ) − yᵢzᵢ, z = Xw. */
const nll = (w: Tensor, X: Tensor, y: Tensor): Tensor => {
  const z = X.matmul(w);
  return softplus(z).sub(y.mul(z)).mean();
};
const exampleNll = (w: Tensor, x: Tensor, y: Tensor): Tensor => {
  const z = x.dot(w);
  return softplus(z).sub(y.mul(z));
};

describe("seed claim: Adam's four simplifications turn it into diagonal natural-gradient descent", () => {
  // A small slice keeps the per-example gradients cheap; the claim is algebraic, not statistical.
  const data = breastCancer();
  const X = data.X.slice([0, 0], [64, data.d]), y = data.y.slice([0], [64]);
  const perExample = vmap(grad(exampleNll), { inAxes: [null, 0, 0] });
  /** Diagonal of the per-example empirical Fisher (1/N)Σᵢ ∇ℓᵢ⊙∇ℓᵢ. */
  const efDiag = (w: Tensor): Tensor => (perExample(w, X, y) as Tensor).square().mean(0);
  const steps = 30, lr = 0.05, b2 = 0.9;

  function run(opt: optim.GradientTransformation<any>, extraFor: (w: Tensor, t: number) => optim.UpdateExtra): Float64Array[] {
    let w: Tensor = tensor(new Float64Array(data.d));
    let s = opt.init(w);
    const out: Float64Array[] = [];
    for (let t = 0; t < steps; t++) {
      const [u, s2] = opt.update(grad(nll)(w, X, y) as Tensor, s, w, extraFor(w, t));
      s = s2;
      w = optim.applyUpdates(w, u);
      out.push(Float64Array.from(w.toTypedArray()));
    }
    return out;
  }

  /** Diagonal NGD with exponential forgetting β₂, written independently: F̄ₜ = β₂F̄ₜ₋₁ + (1−β₂)diag F̃(θₜ), θ ← θ − η F̄ₜ⁻¹ g. */
  function diagonalNgd(): Float64Array[] {
    let fbar: Tensor = tensor(new Float64Array(data.d));
    return run(optim.ngd({ learningRate: lr }), (w) => {
      fbar = efDiag(w).mul(1 - b2).add(fbar.mul(b2));
      return { curvature: optim.diagonalPreconditioner(fbar) };
    });
  }
  const simplified = { b1: 0, b2, eps: 0, biasCorrection: false, power: 1, secondMoment: 'fisherDiagonal' } as const;
  const withEf = (w: Tensor) => ({ fisherDiagonal: efDiag(w) });
  const gap = (a: Float64Array[], b: Float64Array[]) => Math.max(...a.map((x, i) => maxDiff(x, b[i]!)));

  it('with all four simplifications (and β₁ = 0) the trajectories are identical', () => {
    const ngd = diagonalNgd();
    expect(gap(run(optim.adam({ learningRate: lr, ...simplified }), withEf), ngd)).toBeLessThanOrEqual(1e-12);
  });

  it('dropping any one simplification breaks the equality', () => {
    const ngd = diagonalNgd();
    const variants: [string, optim.AdamOptions, (w: Tensor) => optim.UpdateExtra][] = [
      ['square root kept', { learningRate: lr, ...simplified, power: 0.5 }, withEf],
      ['bias correction kept', { learningRate: lr, ...simplified, biasCorrection: true }, withEf],
      ['ε kept', { learningRate: lr, ...simplified, eps: 1e-3 }, withEf],
      ['mini-batch g⊙g instead of the per-example EF', { learningRate: lr, ...simplified, secondMoment: 'squaredGradient' }, () => ({})],
      ['momentum β₁ = 0.9 (the seed leaves this condition implicit)', { learningRate: lr, ...simplified, b1: 0.9 }, withEf],
    ];
    for (const [name, o, ex] of variants) expect(gap(run(optim.adam(o), ex), ngd), name).toBeGreaterThan(1e-6);
  });
});

describe('NGD with the exact Fisher beats GD on logistic regression (BreastCancer)', () => {
  const { X, y, n, d, Xa } = breastCancer();
  /** Exact Fisher of the logistic model, (1/N) Xᵀ diag(p(1−p)) X, solved densely. */
  const fisher = (w: Tensor): optim.Preconditioner => {
    const p = X.matmul(w).sigmoid().toTypedArray();
    const F = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const c = (p[i]! * (1 - p[i]!)) / n;
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) F[a * d + b]! += c * Xa[i * d + a]! * Xa[i * d + b]!;
    }
    return { solve: (b, { damping }) => tensor(solveSpd(F, Float64Array.from((b as Tensor).toTypedArray()), d, { damping })) };
  };
  const steps = 15;
  function finalLoss(opt: optim.GradientTransformation<any>, useFisher: boolean): number {
    let w: Tensor = tensor(new Float64Array(d));
    let s = opt.init(w);
    for (let t = 0; t < steps; t++) {
      const [u, s2] = opt.update(grad(nll)(w, X, y) as Tensor, s, w, useFisher ? { curvature: fisher(w) } : undefined);
      s = s2;
      w = optim.applyUpdates(w, u);
    }
    const l = nll(w, X, y).item();
    return Number.isFinite(l) ? l : Infinity;
  }

  it('at the best step size of each from a small grid', () => {
    const gd = Math.min(...[0.1, 0.3, 1, 3, 10].map((lr) => finalLoss(optim.sgd({ learningRate: lr }), false)));
    const ng = Math.min(...[0.1, 0.3, 1].map((lr) => finalLoss(optim.ngd({ learningRate: lr, damping: 1e-4 }), true)));
    expect(ng).toBeLessThan(gd);
    expect(ng).toBeLessThan(0.5 * gd); // not a photo finish
  });
});

describe('scaleByPreconditioner', () => {
  it('needs extra.curvature, named in a TransformError', async () => {
    const { TransformError } = await import('../../src/errors.js');
    const w = tensor([1, 2]);
    const pre = optim.scaleByPreconditioner();
    expect(() => pre.update(w, pre.init(w), w)).toThrow(/scaleByPreconditioner: update needs extra\.curvature/);
    // ngd now builds the Fisher when no operator is given: the error names the missing piece and the alternative.
    const opt = optim.ngd({ learningRate: 1 });
    expect(() => opt.update(w, opt.init(w), w)).toThrow(TransformError);
    expect(() => opt.update(w, opt.init(w), w)).toThrow(/scaleByFisher: update needs extra\.model .*extra\.curvature/);
    expect(() => opt.update(w, opt.init(w), w, { curvature: { matvec: () => w } })).toThrow(TransformError);
  });
  it('accepts any object with solve (e.g. a curvature operator with extra methods)', () => {
    const w = { a: tensor([2, 4], { dtype: 'float64' }) };
    const op = { matvec: (v: unknown) => v, diagonal: () => w, solve: (b: tree.Tree<Tensor>, o: { damping: number }) => tree.scale(b as typeof w, 1 / (2 + o.damping)) };
    const [u] = optim.scaleByPreconditioner({ damping: 2 }).update(w, {}, w, { curvature: op });
    expect((u as typeof w).a.toArray()).toEqual([0.5, 1]);
  });
});
