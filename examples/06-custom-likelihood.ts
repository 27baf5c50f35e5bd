// 06 — a user-defined likelihood: Student-t location model (ν = 3, scale σ) for robust regression.
// Implementing the `Likelihood` interface (tensor ops only, so it runs under vmap) is all that
// `curvature.fisher` and `optim.ngd` need. Its output-space Fisher is (ν+1)/((ν+3)σ²).
import { curvature, eye, grad, likelihoods, optim, random, tensor, vmap, type Tensor } from 'curvax';

const nu = 3, sigma = 0.5;
const f64 = { dtype: 'float64' } as const;
// log p(y | μ) = log Γ(2) − log Γ(3/2) − ½ log(νπσ²) − (ν+1)/2 · log(1 + (y−μ)²/(νσ²))
const logNorm = -Math.log(Math.sqrt(Math.PI) / 2) - 0.5 * Math.log(nu * Math.PI * sigma * sigma);
const fisherOut = (nu + 1) / ((nu + 3) * sigma * sigma);

const studentT: likelihoods.Likelihood = {
  name: 'studentT',
  logProb: (mu, y) => y.sub(mu).square().div(nu * sigma * sigma).log1p().mul(-(nu + 1) / 2).add(logNorm).sum(),
  sample: (key, mu) => {
    // y = μ + σ z / √(χ²_ν / ν), z ~ N(0, 1), χ²_ν = sum of ν squared normals.
    const [kz, kc] = random.splitList(key);
    const z = random.normal(kz!, mu.shape, { dtype: mu.dtype });
    const chi2 = random.normal(kc!, [...mu.shape, nu], { dtype: mu.dtype }).square().sum(-1);
    return mu.add(z.mul(sigma).div(chi2.div(nu).sqrt()));
  },
  mean: (mu) => mu,
  outputFisher: (mu) => eye(mu.size, mu.size, mu.dtype).mul(fisherOut),
  outputFisherSqrt: (mu) => eye(mu.size, mu.size, mu.dtype).mul(Math.sqrt(fisherOut)),
};

// 1. The closed form agrees with E[score²] estimated from samples (score by autodiff of logProb).
const mu0 = tensor(0.3, f64);
const ys = studentT.sample(random.key(0), tensor(new Float64Array(20000).fill(0.3), f64));
const scores = vmap((yi: Tensor) => grad((m: Tensor) => studentT.logProb(m, yi))(mu0))(ys);
console.log(`output Fisher: closed form ${fisherOut.toFixed(4)}, Monte Carlo ${scores.square().mean().item().toFixed(4)}`);

// 2. Robust linear regression data: y = x·w* + t-noise, with 5% gross outliers.
const N = 200, wTrue = tensor([1, -2, 0.5], f64);
const X = random.normal(random.key(1), [N, 3], f64);
const outliers = random.bernoulli(random.key(2), 0.05, [N]).cast('float64').mul(20);
const Y = studentT.sample(random.key(3), X.matmul(wTrue)).add(outliers);
const model = (w: Tensor, x: Tensor) => x.dot(w);
const batch = { x: X, y: Y };

// 3. Exact Fisher = XᵀX · F_out / N; the empirical Fisher (training labels) differs from it.
const w = tensor([0, 0, 0], f64);
const F = curvature.fisher({ model, likelihood: studentT }, w, batch);
const EF = curvature.fisher({ model, likelihood: studentT }, w, batch, { kind: 'empirical' });
const MC = curvature.fisher({ model, likelihood: studentT }, w, batch, { kind: 'mc', key: random.key(4), samples: 64 });
const byHand = X.T.matmul(X).mul(fisherOut / N);
const rel = (A: Tensor) => (A.sub(byHand).abs().max().item() / byHand.abs().max().item()).toExponential(1);
console.log(`relative error vs XᵀX·F_out/N: exact ${rel(F.dense())}, MC(64) ${rel(MC.dense())}, empirical ${rel(EF.dense())}`);

// 4. Natural-gradient descent with the custom likelihood vs least squares.
const nll = (v: Tensor) => vmap((x: Tensor, y: Tensor) => studentT.logProb(model(v, x), y), { inAxes: [0, 0] })(X, Y).mean().neg();
const opt = optim.ngd({ learningRate: 1, damping: 1e-6, solver: 'cholesky' });
let p: Tensor = w, state = opt.init(p);
for (let t = 0; t < 20; t++) {
  const [u, s] = opt.update(grad(nll)(p), state, p, { model, likelihood: studentT, batch });
  state = s;
  p = optim.applyUpdates(p, u);
}
const wLs = curvature.linearOperator({ params: w, matvec: (v: Tensor) => X.T.matmul(X.matmul(v)) }).solve(X.T.matmul(Y), { method: 'cholesky' }); // (XᵀX)⁻¹XᵀY
const err = (v: Tensor) => v.sub(wTrue).square().sum().sqrt().item().toFixed(3);
console.log(`‖w − w*‖: Student-t NGD ${err(p)}, least squares ${err(wLs)}  (w = [${Array.from(p.toTypedArray(), (v) => Number(v).toFixed(3)).join(', ')}])`);
