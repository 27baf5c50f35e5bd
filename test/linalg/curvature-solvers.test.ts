// Every curvature-aware optimizer with every solver under jit (= eager) and vmap (= loop): the
// CurvatureOperator solves are built from the linear-algebra primitives.
import { describe, expect, it } from 'vitest';
import { curvature, grad, jit, likelihoods, random, stack, tensor, tree, vmap, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';

type P = { w: Tensor; b: Tensor };
const f64 = { dtype: 'float64' } as const;
const x = random.normal(random.key(3), [10, 3], f64);
const y = tensor([0, 1, 1, 0, 1, 0, 0, 1, 1, 0], { dtype: 'int32' });
const yr = random.normal(random.key(4), [10, 2], f64);
const model = (p: P, xi: Tensor) => xi.matmul(p.w).add(p.b);
const likelihood = likelihoods.categorical();
const nll = (p: P) => vmap((xi: Tensor, yi: Tensor) => likelihood.logProb(model(p, xi), yi))(x, y).mean().neg();
const p0: P = { w: tensor([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]], f64), b: tensor([0.1, -0.1], f64) };
const split = { inner: (p: P, xi: Tensor) => model(p, xi), outer: (z: Tensor, t: Tensor) => z.sub(t).square().sum().mul(0.5) };
const leaves = (t: unknown): number[] => (tree.leaves(t as tree.Tree<Tensor>) as Tensor[]).flatMap((l) => Array.from(l.toTypedArray() as Float64Array));
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

const cases: [string, (solver: 'cg' | 'cholesky') => optim.GradientTransformation<any>, optim.UpdateExtra][] = [
  ['scaleByFisher', (solver) => optim.scaleByFisher({ damping: 1e-2, solver }), { model, likelihood, batch: { x, y } }],
  ['ngd', (solver) => optim.ngd({ learningRate: 0.5, damping: 1e-2, solver }), { model, likelihood, batch: { x, y } }],
  ['efgd', (solver) => optim.efgd({ learningRate: 0.5, damping: 1e-2, solver }), { model, likelihood, batch: { x, y } }],
  ['scaleByGgn', (solver) => optim.scaleByGgn({ damping: 1e-2, solver }), { split, batch: { x, y: yr } }],
];

describe('curvature-aware optimizers with every solver', () => {
  for (const [name, make, extra] of cases) {
    for (const solver of ['cg', 'cholesky'] as const) {
      it(`${name} with '${solver}': jit(update) = update, vmap(update) = loop`, () => {
        const opt = make(solver);
        const s0 = opt.init(p0);
        const g = grad(nll)(p0) as P;
        const [ue] = opt.update(g, s0, p0, extra);
        const [uj] = jit((gg: P, s: unknown, p: P) => opt.update(gg, s as never, p, extra))(g, s0, p0);
        expect(maxDiff(leaves(uj), leaves(ue))).toBeLessThanOrEqual(1e-10);
        const gs = [1, 2, 3].map((k) => ({ w: g.w.mul(k).add(0.01 * k), b: g.b.mul(-k) }));
        const batched = vmap((w: Tensor, b: Tensor) => opt.update({ w, b }, s0, p0, extra)[0] as P)(stack(gs.map((q) => q.w)), stack(gs.map((q) => q.b)));
        const looped = gs.map((q) => opt.update(q, s0, p0, extra)[0] as P);
        expect(maxDiff(leaves(batched.w), looped.flatMap((u) => leaves(u.w)))).toBeLessThanOrEqual(1e-9);
      });
    }
  }

  it("'cg' and 'cholesky' agree, and the solve is differentiable in the damping-free sense", () => {
    const F = curvature.fisher({ model, likelihood }, p0, { x, y });
    const g = grad(nll)(p0) as P;
    const a = F.solve(g, { damping: 1e-2, method: 'cholesky' }), b = F.solve(g, { damping: 1e-2, method: 'cg' });
    expect(maxDiff(leaves(a), leaves(b))).toBeLessThanOrEqual(1e-9);
    // d/dθ of ‖(F(θ) + λI)⁻¹ g‖² exists through the primitives (finite differences in one coordinate)
    const f = (w: Tensor) => tree.vdot(curvature.fisher({ model, likelihood }, { w, b: p0.b }, { x, y }).solve(g, { damping: 1e-2, method: 'cholesky' }), a);
    const d = grad(f)(p0.w);
    const h = 1e-6, e = tensor([[1, 0], [0, 0], [0, 0]], f64);
    const fdv = (f(p0.w.add(e.mul(h))).item() - f(p0.w.sub(e.mul(h))).item()) / (2 * h);
    expect(Math.abs(d.toTypedArray()[0]! - fdv)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fdv)));
  });
});
