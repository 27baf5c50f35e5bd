// 04 — generalized Gauss–Newton products and conjugate gradients on a small MLP (1 → 8 → 1,
// squared error on y = sin x + noise). G = (1/N) Σₙ Jₙᵀ ∇²outer Jₙ is never formed: each product
// G v is one JVP and one VJP, and CG solves (G + λI) x = g with those products only.
import { curvature, grad, optim, random, tree, vmap, type Tensor } from 'curvax';

type Mlp = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const f64 = { dtype: 'float64' } as const;
const [k1, k2, k3, k4] = random.splitList(random.key(0), 4);
let params: Mlp = { w1: random.normal(k1!, [1, 8], f64), b1: random.normal(k2!, [8], f64), w2: random.normal(k3!, [8, 1], f64).mul(0.3), b2: random.normal(k4!, [1], f64).mul(0) };
const x = random.uniform(random.key(1), [64, 1], { ...f64, minval: -3, maxval: 3 });
const y = x.sin().add(random.normal(random.key(2), [64, 1], f64).mul(0.1));

// The split L(θ) = (1/N) Σₙ outer(inner(θ, xₙ), yₙ): inner is the network, outer the squared error.
const inner = (p: Mlp, xi: Tensor) => xi.reshape([1, 1]).matmul(p.w1).add(p.b1).tanh().matmul(p.w2).add(p.b2).reshape([1]);
const outer = (z: Tensor, yi: Tensor) => z.sub(yi).square().sum().mul(0.5);
const split = { inner, outer };
const batch = { x, y };
const loss = (p: Mlp) => vmap((xi: Tensor, yi: Tensor) => outer(inner(p, xi), yi), { inAxes: [0, 0] })(x, y).mean();

const G = curvature.ggn(split, params, batch);
console.log(`P = ${G.size} parameters, tr(G) = ${G.trace().toFixed(4)}`);

// A GGN-vector product agrees with the dense matrix (built here only to check).
const v = tree.map((t: Tensor) => t.mul(0).add(1), params) as Mlp;
const Gv = tree.ravel(G.matvec(v))[0];
const dense = G.dense().matmul(tree.ravel(v)[0]);
console.log('max |Gv − G_dense v| =', Gv.sub(dense).abs().max().item().toExponential(2));

// CG on (G + λI) x = g, checked by its residual and against a dense Cholesky solve.
const g = grad(loss)(params) as Mlp;
const damping = 1e-3;
const xCg = G.solve(g, { damping, method: 'cg' });
const residual = tree.norm(tree.sub(tree.add(G.matvec(xCg), tree.scale(xCg, damping)), g)).item() / tree.norm(g).item();
const xChol = G.solve(g, { damping, method: 'cholesky' });
console.log('CG relative residual  =', residual.toExponential(2));
console.log('|x_cg − x_cholesky|   =', tree.norm(tree.sub(xCg, xChol)).item().toExponential(2));

// A few damped Gauss–Newton steps: the GGN is rebuilt at each step from `extra.split`.
const opt = optim.chain(optim.scaleByGgn({ damping: 1e-2 }), optim.clipByGlobalNorm(2), optim.scaleByLearningRate(1));
let state = opt.init(params);
const l0 = loss(params).item();
for (let t = 0; t < 8; t++) {
  const [u, s] = opt.update(grad(loss)(params), state, params, { split, batch });
  state = s;
  params = optim.applyUpdates(params, u) as Mlp;
}
console.log(`Gauss–Newton: loss ${l0.toFixed(4)} → ${loss(params).item().toFixed(4)} in 8 steps (noise floor ≈ ${(0.5 * 0.01).toFixed(4)})`);
