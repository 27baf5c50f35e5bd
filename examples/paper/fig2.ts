// Fig. 2: quadratic approximations of a logistic-regression loss at its minimum by the Fisher
// and by the empirical Fisher, for a well-specified and two misspecified data sets (2-D inputs,
// no bias, so θ ∈ ℝ²). Logistic regression is well specified when both classes are Gaussian
// with the same covariance.
import { concat, random, tensor, where, type Tensor } from 'curvax';
import { curvature, direction, logistic, loss, type Problem } from './problems.js';

export interface Fig2Dataset {
  readonly name: string;
  readonly points: { x1: number; x2: number; label: number }[];
  readonly optimum: [number, number];
  readonly accuracy: number;
  /** ‖F̃ − F‖_F / ‖F‖_F at the optimum. */
  readonly relativeDifference: number;
  readonly contours: { curve: 'loss' | 'Fisher' | 'empirical Fisher'; angle: number; t0: number; t1: number }[];
}

function gaussian(key: Tensor, n: number, mean: [number, number], sd: [number, number], rot = 0): Tensor {
  const z = random.normal(key, [n, 2], { dtype: 'float64' }).mul(tensor(sd, { dtype: 'float64' }));
  const c = Math.cos(rot), s = Math.sin(rot);
  return z.matmul(tensor([[c, s], [-s, c]], { dtype: 'float64' })).add(tensor(mean, { dtype: 'float64' }));
}

/** Two classes of n/2 points each. */
export function fig2Problems(n = 1000, seed = 0): Problem[] {
  const ks = random.splitList(random.key(seed), 6);
  const labels = tensor([...new Array<number>(n / 2).fill(1), ...new Array<number>(n / 2).fill(0)], { dtype: 'float64' });
  const make = (name: string, a: Tensor, b: Tensor) => logistic(name, concat([a, b], 0), labels);
  const h = n / 2;
  return [
    make('well-specified (equal covariances)', gaussian(ks[0]!, h, [1, 1], [1, 1]), gaussian(ks[1]!, h, [-1, -1], [1, 1])),
    make('misspecified (different covariances)', gaussian(ks[2]!, h, [1.5, 0.5], [2.5, 0.3], 0.6), gaussian(ks[3]!, h, [-1.5, -0.5], [0.3, 2.5], 0.6)),
    make('misspecified (heavy-tailed class)', gaussian(ks[4]!, h, [1, 1], [1, 1]).mul(whereTail(ks[5]!, h)), gaussian(ks[5]!, h, [-1, -1], [1, 1])),
  ];
}

/** Per-point scale 1 or 6 (20% outliers): a heavy-tailed scale mixture. */
function whereTail(key: Tensor, n: number): Tensor {
  return where(random.bernoulli(key, 0.2, [n, 1]), 6, 1).cast('float64');
}

export function runFig2(p: Problem, level = 0.05, angles = 90): Fig2Dataset {
  let theta: Tensor = tensor([0, 0], { dtype: 'float64' });
  for (let i = 0; i < 30; i++) theta = theta.sub(direction(p, theta, 'NGD', 1e-10)); // Newton = NGD here
  const lStar = loss(p, theta).item();
  const F = curvature(p, theta, 'exact').dense().toArray() as number[][];
  const E = curvature(p, theta, 'empirical').dense().toArray() as number[][];
  const fro = (m: number[][]) => Math.hypot(...m.flat());
  const relativeDifference = fro(F.map((r, i) => r.map((v, j) => v - E[i]![j]!))) / fro(F);
  const [a, b] = theta.toArray() as number[];
  const quad = (M: number[][], d: number[]) => d[0]! * (M[0]![0]! * d[0]! + M[0]![1]! * d[1]!) + d[1]! * (M[1]![0]! * d[0]! + M[1]![1]! * d[1]!);
  const contours: Fig2Dataset['contours'] = [];
  for (let k = 0; k <= angles; k++) {
    const phi = (2 * Math.PI * k) / angles, d = [Math.cos(phi), Math.sin(phi)];
    const rF = Math.sqrt((2 * level) / quad(F, d)), rE = Math.sqrt((2 * level) / quad(E, d));
    const lossAt = (r: number) => loss(p, tensor([a! + r * d[0]!, b! + r * d[1]!], { dtype: 'float64' })).item() - lStar;
    let lo = 0, hi = rF;
    while (lossAt(hi) < level && hi < 1e3) hi *= 2;
    for (let it = 0; it < 40; it++) { const mid = (lo + hi) / 2; if (lossAt(mid) < level) lo = mid; else hi = mid; }
    for (const [curve, r] of [['loss', lo], ['Fisher', rF], ['empirical Fisher', rE]] as const) {
      contours.push({ curve, angle: k, t0: a! + r * d[0]!, t1: b! + r * d[1]! });
    }
  }
  const X = p.X.toArray() as number[][], Y = p.y.toArray() as number[];
  const correct = X.filter((x, i) => ((x[0]! * a! + x[1]! * b! > 0 ? 1 : 0) === Y[i])).length;
  return {
    name: p.name, optimum: [a!, b!], accuracy: correct / X.length, relativeDifference, contours,
    points: X.map((x, i) => ({ x1: x[0]!, x2: x[1]!, label: Y[i]! })),
  };
}

export function fig2Spec(rs: readonly Fig2Dataset[]): Record<string, unknown> {
  return {
    resolve: { scale: { color: 'independent' } },
    hconcat: rs.map((r) => ({
      resolve: { scale: { color: 'independent' } },
      vconcat: [
        { title: r.name, width: 230, height: 180, data: { values: r.points }, mark: { type: 'point', size: 8, opacity: 0.5 }, encoding: { x: { field: 'x1', type: 'quantitative', scale: { domain: [-8, 8], clamp: true } }, y: { field: 'x2', type: 'quantitative', scale: { domain: [-8, 8], clamp: true } }, color: { field: 'label', type: 'nominal', title: 'class', scale: { scheme: 'set1' } } } },
        { title: `‖F̃−F‖/‖F‖ = ${r.relativeDifference.toFixed(2)}, accuracy ${(100 * r.accuracy).toFixed(0)}%`, width: 230, height: 180, data: { values: r.contours }, mark: 'line', encoding: { x: { field: 't0', type: 'quantitative', title: 'θ₁', scale: { zero: false } }, y: { field: 't1', type: 'quantitative', title: 'θ₂', scale: { zero: false } }, color: { field: 'curve', type: 'nominal' }, order: { field: 'angle' } } },
      ],
    })),
  };
}
