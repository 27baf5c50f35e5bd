// 02 — per-example gradients with vmap(grad): the building block of Fisher matrices.
import { grad, matmul, random, tree, vmap, type Tensor } from 'curvax';

type Params = { w: Tensor; b: Tensor };
const f64 = { dtype: 'float64' } as const;

// Squared error of one example for a linear model.
const loss = (p: Params, x: Tensor, y: Tensor) => matmul(x, p.w).add(p.b).sub(y).square().sum();

const [kw, kx, ky] = random.splitList(random.key(0), 3);
const params: Params = { w: random.normal(kw!, [3, 1], f64), b: random.normal(kw!, [1], f64) };
const X = random.normal(kx!, [8, 3], f64);
const Y = random.normal(ky!, [8, 1], f64);

// One gradient per example: leading axis 8 on every leaf.
const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, X, Y) as Params;
console.log('per-example w grads:', perExample.w.shape); // [8, 3, 1]

// Their sum equals the gradient of the summed loss.
const total = grad((p: Params) => vmap((x: Tensor, y: Tensor) => loss(p, x, y))(X, Y).sum())(params) as Params;
const diff = tree.norm(tree.sub(tree.map((t: Tensor) => t.sum(0), perExample) as Params, total));
console.log('|Σ per-example − batch| =', diff.item().toExponential(2));

// Empirical Fisher (uncentered second moment of per-example scores), 4×4 in ravel order.
const G = vmap((p: Params) => tree.ravel(p)[0])(perExample);
console.log('empirical Fisher shape:', matmul(G.T, G).div(8).shape); // [4, 4]
