// Every curvature builder on a small conv net, unchanged, against float64 references built without
// vmap over examples: per-example Jacobians by a loop of jacfwd (checked against central
// differences), per-example gradients by a loop of grad, the Hessian by differences of gradients.
import { describe, expect, it } from 'vitest';
import { avgPool, conv, grad, jacfwd, random, tensor, tree, type Tensor } from '../../src/index.js';
import { outputFactorDiagonalProgram } from '../../src/curvature/compiled.js';
import { categorical } from '../../src/likelihoods/index.js';
import { fisher, ggn, hessianOperator, perExampleGrads } from '../../src/curvature/index.js';
import { expectClose, mat } from './helpers.js';

type P = { c: { w: Tensor; b: Tensor }; o: { w: Tensor; b: Tensor } };
const rnd = (seed: number, shape: number[], s = 0.6): Tensor => random.normal(random.key(seed), shape, { dtype: 'float64' }).mul(s);

/** conv 3×3×1×3 SAME (stride 1) → tanh → 2×2 average pool → dense 12 → 3, on one 4×4×1 image. */
const model = (p: P, x: Tensor): Tensor => {
  const h = conv(x, p.c.w, { padding: 'SAME' }).add(p.c.b).tanh(); // [4, 4, 3]
  const pooled = h.reshape([2, 2, 2, 2, 3]).mean([1, 3]); // [2, 2, 3]
  return pooled.reshape([12]).matmul(p.o.w).add(p.o.b);
};
const params: P = { c: { w: rnd(1, [3, 3, 1, 3]), b: rnd(2, [3], 0.2) }, o: { w: rnd(3, [12, 3]), b: rnd(4, [3], 0.2) } };
const N = 5;
const X = rnd(5, [N, 4, 4, 1], 1);
const Y = tensor([0, 2, 1, 1, 0], { dtype: 'int32' });
const lik = categorical();
const loss = (p: P, x: Tensor, y: Tensor): Tensor => lik.logProb(model(p, x), y).neg();
const ex = (n: number): Tensor => X.slice([n, 0, 0, 0], [1, 4, 4, 1]).reshape([4, 4, 1]);
const lab = (n: number): Tensor => Y.slice([n], [1]).reshape([]);
const [theta, unravel] = tree.ravel(params);
const PN = theta.size;

/** Jₙ = ∂f(xₙ)/∂θ as a [3, P] array, by jacfwd on one example (no vmap over examples). */
const jac = (n: number): number[][] => mat(jacfwd((t: Tensor) => model(unravel(t), ex(n)))(theta));
const outF = (n: number): number[][] => mat(lik.outputFisher(model(params, ex(n))));
const sandwich = (mats: number[][][], js: number[][][]): number[][] =>
  Array.from({ length: PN }, (_, i) => Array.from({ length: PN }, (_, j) => js.reduce((s, J, n) => {
    let acc = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) acc += J[a]![i]! * mats[n]![a]![b]! * J[b]![j]!;
    return s + acc / N;
  }, 0)));

describe('curvature builders on a conv net (float64)', () => {
  const Js = Array.from({ length: N }, (_, n) => jac(n));

  it('the loop-of-jacfwd Jacobian agrees with central differences', () => {
    const h = 1e-6;
    const th = Array.from(theta.toTypedArray());
    const f = (t: number[]): number[] => model(unravel(tensor(t, { dtype: 'float64' })), ex(1)).toArray() as number[];
    for (let i = 0; i < PN; i += 7) {
      const up = [...th], dn = [...th];
      up[i]! += h; dn[i]! -= h;
      const fdn = f(dn);
      const fd = f(up).map((v, a) => (v - fdn[a]!) / (2 * h));
      expectClose(fd, Js[1]!.map((r) => r[i]!), 1e-7);
    }
  });

  it('perExampleGrads (vmap of grad) equals a loop of grad', () => {
    const G = perExampleGrads(loss)(params, { x: X, y: Y });
    for (let n = 0; n < N; n++) {
      const gn = tree.ravel(grad(loss)(params, ex(n), lab(n)))[0];
      const got = tree.map((t: Tensor) => t.slice([n], [1]).reshape(t.shape.slice(1)), G) as P;
      expectClose(tree.ravel(got)[0], gn, 1e-13);
    }
  });

  it('exact Fisher and GGN: dense, matvec and diagonal equal Σ Jₙᵀ F(fₙ) Jₙ / N', () => {
    const ref = sandwich(Array.from({ length: N }, (_, n) => outF(n)), Js);
    const F = fisher({ model, likelihood: lik }, params, { x: X, y: Y });
    expectClose(F.dense(), ref, 1e-12);
    const G = ggn({ inner: model, outer: (z: Tensor, y: Tensor) => lik.logProb(z, y).neg() }, params, { x: X, y: Y });
    expectClose(G.dense(), ref, 1e-12);
    const refDiag = ref.map((r, i) => r[i]!);
    expectClose(tree.ravel(F.diagonal())[0], refDiag, 1e-12);
    expectClose(tree.ravel(G.diagonal())[0], refDiag, 1e-12);
    const v = unravel(rnd(6, [PN], 1));
    const vf = Array.from(tree.ravel(v)[0].toTypedArray());
    const mv = ref.map((r) => r.reduce((s, x, j) => s + x * vf[j]!, 0));
    const first = F.matvec(v), second = F.matvec(v); // the second call runs the jitted program
    expectClose(tree.ravel(first)[0], mv, 1e-12);
    expect(Array.from(tree.ravel(second)[0].toTypedArray())).toEqual(Array.from(tree.ravel(first)[0].toTypedArray()));
  });

  it('empirical Fisher = Σ gₙgₙᵀ / N and the MC Fisher = Σ (1/S) Σₛ gₙₛgₙₛᵀ / N from loops of grad', () => {
    const gs = Array.from({ length: N }, (_, n) => Array.from(tree.ravel(grad(loss)(params, ex(n), lab(n)))[0].toTypedArray()));
    const ref = Array.from({ length: PN }, (_, i) => Array.from({ length: PN }, (_, j) => gs.reduce((s, g) => s + g[i]! * g[j]! / N, 0)));
    const EF = fisher({ model, likelihood: lik }, params, { x: X, y: Y }, { kind: 'empirical' });
    expectClose(EF.dense(), ref, 1e-12);
    expectClose(tree.ravel(EF.diagonal())[0], ref.map((r, i) => r[i]!), 1e-12);
    const MC = fisher({ model, likelihood: lik }, params, { x: X, y: Y }, { kind: 'mc', key: random.key(3), samples: 4 });
    const d = mat(MC.dense());
    expectClose(tree.ravel(MC.diagonal())[0], d.map((r, i) => r[i]!), 1e-12);
    // the documented sampling: ŷₙₛ ~ p(·|fₙ) with key foldIn(split(key, S)[s], n); F̂ = Σₙ (1/S) Σₛ gₙₛgₙₛᵀ / N
    const keys = random.splitList(random.key(3), 4);
    const mcRef = Array.from({ length: PN }, () => new Array<number>(PN).fill(0));
    for (let n = 0; n < N; n++) {
      for (const ks of keys) {
        const yh = lik.sample(random.foldIn(ks, n), model(params, ex(n)));
        const g = Array.from(tree.ravel(grad(loss)(params, ex(n), yh))[0].toTypedArray());
        for (let i = 0; i < PN; i++) for (let j = 0; j < PN; j++) mcRef[i]![j]! += (g[i]! * g[j]!) / (4 * N);
      }
    }
    expectClose(d, mcRef, 1e-12);
  });

  it('hessianOperator equals differences of the loop-of-grad gradient', () => {
    const H = mat(hessianOperator(loss, params, { x: X, y: Y }).dense());
    const gradAt = (t: Tensor): number[] => {
      let acc = new Array<number>(PN).fill(0);
      for (let n = 0; n < N; n++) {
        const g = Array.from(tree.ravel(grad(loss)(unravel(t), ex(n), lab(n)))[0].toTypedArray());
        acc = acc.map((v, i) => v + g[i]! / N);
      }
      return acc;
    };
    const h = 1e-5;
    for (let i = 0; i < PN; i += 11) {
      const e = tensor(Array.from({ length: PN }, (_, j) => (j === i ? h : 0)), { dtype: 'float64' });
      const dn = gradAt(theta.sub(e));
      const fd = gradAt(theta.add(e)).map((v, j) => (v - dn[j]!) / (2 * h));
      expectClose(H.map((r) => r[i]!), fd, 1e-7);
    }
    // symmetric
    let asym = 0;
    H.forEach((r, i) => r.forEach((v, j) => { asym = Math.max(asym, Math.abs(v - H[j]![i]!)); }));
    expect(asym).toBeLessThan(1e-12);
  });
});

describe('the exact diagonal program of a conv net', () => {
  it('forms no per-example gradient of the dense head (its [N·C, 64, 10] is rewritten) and equals the dense diagonal', () => {
    type Q = { c: { w: Tensor; b: Tensor }; o: { w: Tensor; b: Tensor } };
    const net = (p: Q, x: Tensor): Tensor => avgPool(conv(x, p.c.w, { padding: 'SAME' }).add(p.c.b).tanh(), [2, 2]).reshape([64]).matmul(p.o.w).add(p.o.b);
    const q: Q = { c: { w: rnd(20, [3, 3, 1, 4]), b: rnd(21, [4], 0.2) }, o: { w: rnd(22, [64, 10], 0.2), b: rnd(23, [10], 0.2) } };
    const xs = rnd(24, [16, 8, 8, 1], 1);
    const program = outputFactorDiagonalProgram(net, (z: Tensor) => lik.outputFisherSqrt(z));
    const low = program.lower(q, xs);
    const headShaped = (j: typeof low.jaxpr) => j.eqns.flatMap((e) => e.outputs.map((v) => v.aval.shape)).filter((s) => s.length > 2 && s[s.length - 2] === 64 && s[s.length - 1] === 10);
    expect(headShaped(low.jaxpr).length).toBeGreaterThan(0); // traced: the per-example, per-column head gradients
    expect(headShaped(low.optimized)).toEqual([]);
    const F = fisher({ model: net, likelihood: lik }, q, { x: xs, y: tensor(Array.from({ length: 16 }, (_, i) => i % 10), { dtype: 'int32' }) }, { reduction: 'sum' });
    const d = mat(F.dense());
    expectClose(tree.ravel(program(q, xs))[0], d.map((r, i) => r[i]!), 1e-11);
  });
});
