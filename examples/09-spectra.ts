// 09 — curvature spectra and estimates with error bars, on a small MLP classifier (4 → 12 → 3,
// categorical likelihood, 150 synthetic points). Everything below uses only matrix-vector products
// with the GGN; the dense matrix (P = 99) is formed once at the end, to check.
import { curvature, likelihoods, linalg, random, tensor, tree, vmap, type Tensor } from 'curvax';

type Mlp = { l1: { w: Tensor; b: Tensor }; l2: { w: Tensor; b: Tensor } };
const f64 = { dtype: 'float64' } as const;
const [k1, k2, k3] = random.splitList(random.key(0), 3);
const params: Mlp = {
  l1: { w: random.normal(k1!, [4, 12], f64).mul(0.6), b: tensor(new Float64Array(12)) },
  l2: { w: random.normal(k2!, [12, 3], f64).mul(0.5), b: tensor(new Float64Array(3)) },
};
const x = random.normal(k3!, [150, 4], f64);
const y = tensor(vmap((xi: Tensor) => xi.slice([0], [3]).argmax())(x).toArray() as number[], { dtype: 'int32' }); // label = argmax of 3 features
const lik = likelihoods.categorical();
const model = (p: Mlp, xi: Tensor) => xi.reshape([1, 4]).matmul(p.l1.w).add(p.l1.b).tanh().matmul(p.l2.w).add(p.l2.b).reshape([3]);
const G = curvature.ggn({ inner: model, outer: (z: Tensor, yi: Tensor) => lik.logProb(z, yi).neg() }, params, { x, y });
const key = random.key(42);
const pm = (e: { estimate: number; standardError: number }) => `${e.estimate.toFixed(4)} ± ${(2 * e.standardError).toFixed(4)}`;

// Trace: Hutchinson (100 matvecs) and Hutch++ (same budget) with ±2 standard errors, vs exact.
console.log(`P = ${G.size}, exact tr(G) = ${G.trace().toFixed(4)}`);
console.log(`Hutchinson, 100 probes:         ${pm(curvature.traceHutchinson(G, { key, samples: 100 }))}`);
console.log(`Hutch++, sketch 20 + 60 probes: ${pm(curvature.traceHutchPlusPlus(G, { key, sketch: 20, samples: 60 }))}`);

// Diagonal: Hutchinson's estimate of one entry, with its error bar, vs the exact diagonal.
const dh = curvature.diagonalHutchinson(G, { key, samples: 100 });
const exactDiag = tree.ravel(G.diagonal())[0].toArray() as number[];
const est = tree.ravel(dh.estimate)[0].toArray() as number[];
const se = tree.ravel(dh.standardError)[0].toArray() as number[];
console.log(`diag entry 0: ${est[0]!.toFixed(4)} ± ${(2 * se[0]!).toFixed(4)} (exact ${exactDiag[0]!.toFixed(4)})`);

// Extreme eigenpairs by Lanczos (40 matvecs) and λmax by power iteration.
const top = curvature.lanczos(G, { k: 5, key, steps: 40 });
console.log('Lanczos top 5:  ', top.values.map((v) => v.toFixed(6)).join(', '), ` (max residual ${Math.max(...top.residuals).toExponential(1)})`);
const pi = curvature.powerIteration(G, { key, tol: 1e-8 });
console.log(`power iteration: λmax = ${pi.value.toFixed(6)} after ${pi.iterations} matvecs`);

// The spectral density by stochastic Lanczos quadrature (10 probes × 30 steps).
const slq = curvature.spectralDensity(G, { key, probes: 10, steps: 30, grid: 400 });
console.log(`SLQ: tr(G) ≈ ${pm(slq.traceOf((l) => l))}, tr(G²) ≈ ${pm(slq.traceOf((l) => l * l))}`);
// The fraction of eigenvalues below t is tr 1[C ≤ t]/P: a step function under the same quadrature.
const below = (t: number) => slq.traceOf((l) => (l <= t ? 1 : 0));
const peak = slq.grid[slq.density.indexOf(Math.max(...slq.density))]!;
console.log(`SLQ density peaks at λ ≈ ${peak.toFixed(3)} (σ = ${slq.sigma.toFixed(3)}); ∫φ = ${slq.density.reduce((a, v, i) => a + (i ? 0.5 * (v + slq.density[i - 1]!) * (slq.grid[i]! - slq.grid[i - 1]!) : 0), 0).toFixed(6)}`);

// Check against the dense matrix.
const d = G.dense();
const exact = [...linalg.eighSymmetric(Float64Array.from(d.toTypedArray() as Float64Array), G.size).values].reverse();
console.log('dense eigh top 5:', exact.slice(0, 5).map((v) => v.toFixed(6)).join(', '));
console.log(`max |Lanczos − eigh| over the top 5 = ${Math.max(...top.values.map((v, i) => Math.abs(v - exact[i]!))).toExponential(2)}`);
console.log(`exact tr(G²) = ${exact.reduce((a, v) => a + v * v, 0).toFixed(4)}`);
for (const t of [1e-4, 1e-2, 1e-1]) {
  const e = below(t * exact[0]!);
  console.log(`fraction of eigenvalues ≤ ${t}·λmax: SLQ ${(e.estimate / G.size).toFixed(3)} ± ${((2 * e.standardError) / G.size).toFixed(3)}, exact ${(exact.filter((v) => v <= t * exact[0]!).length / G.size).toFixed(3)}`);
}
