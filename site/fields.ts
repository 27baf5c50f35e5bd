// The computation behind the page: Kunstner, Balles & Hennig (2019), Fig. 1. For a 2-parameter
// model on an editable data set, the update directions of gradient descent, natural gradient and
// empirical-Fisher preconditioning at every point of a grid over θ, computed by curvax in one
// vmapped call (the problems, the model and the loss gradient are examples/paper's; the two
// preconditioners are curvax's optim.scaleByFisher / optim.scaleByEmpiricalFisher, with the
// tensor-only CG solver so that they run under vmap).
import { jit, optim, stack, tensor, vmap, type DType, type Tensor } from 'curvax';
import { leastSquares, linearModel, logistic, lossGrad, type Problem } from '../examples/paper/problems.js';

/** One data point: inputs (x₁, x₂) and a target (regression) or a 0/1 label (classification). */
export interface Point { readonly x: number; readonly y: number; readonly label?: 0 | 1 }

/** `'regression'`: y ≈ θ₁x + θ₂ (Gaussian); `'classification'`: p(label=1) = σ(θ₁x + θ₂y). */
export type Task = 'regression' | 'classification';

/** The directions at each grid point, row-major `[G, 2]`, as plain numbers. */
export interface Fields {
  readonly grid: Float64Array;
  readonly gd: Float64Array;
  readonly ngd: Float64Array;
  readonly ef: Float64Array;
}

/** Damping added to both curvatures (Fig. 1 uses 1e-8 in float64; float32 needs a little more). */
export const DAMPING = 1e-6;

/**
 * The problem for a data set: least squares on (x, 1) → y, or logistic regression on (x, y) → label.
 * @param points - the data (at least one point)
 * @param task - regression or classification
 * @param dtype - float dtype of the tensors
 */
export function problemOf(points: readonly Point[], task: Task, dtype: DType = 'float32'): Problem {
  if (task === 'regression') {
    const X = tensor(points.map((p) => [p.x, 1]), { dtype });
    return leastSquares('editable', X, tensor(points.map((p) => p.y), { dtype }));
  }
  const X = tensor(points.map((p) => [p.x, p.y]), { dtype });
  return logistic('editable', X, tensor(points.map((p) => p.label ?? 0), { dtype }));
}

/**
 * The grid of θ values: `n × n` points of `[lo, hi]²` around `center`, row-major in θ₂ then θ₁.
 * @returns `[n·n, 2]` values
 */
export function gridOf(center: readonly [number, number], span: number, n: number): Float64Array {
  const g = new Float64Array(n * n * 2);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      g[2 * (j * n + i)] = center[0] - span + (2 * span * i) / (n - 1);
      g[2 * (j * n + i) + 1] = center[1] - span + (2 * span * j) / (n - 1);
    }
  }
  return g;
}

/** Directions at a batch of θ: `[G, 2]` in, `[G, 3, 2]` out (GD, NGD, EF). */
export type DirectionsFn = (thetas: Tensor) => Tensor;

/**
 * GD, NGD and EF directions (before the step size, pointing uphill like the gradient) at a batch
 * of θ values, as one vmapped (optionally jitted) function of the problem.
 * @param p - the problem
 * @param useJit - stage the batched function once per batch shape
 */
export function directionsOf(p: Problem, useJit = true): DirectionsFn {
  const solve = { damping: DAMPING, solver: 'cgFixed', maxIter: 2, tol: 1e-30 } as const;
  const ngd = optim.scaleByFisher(solve);
  const ef = optim.scaleByEmpiricalFisher(solve);
  const extra = { model: linearModel, likelihood: p.likelihood, batch: { x: p.X, y: p.y } };
  const at = (theta: Tensor): Tensor => {
    const g = lossGrad(p, theta);
    const [n] = ngd.update(g, ngd.init(theta), theta, extra);
    const [e] = ef.update(g, ef.init(theta), theta, extra);
    return stack([g, n as Tensor, e as Tensor]);
  };
  const batched = vmap(at);
  return useJit ? (jit(batched) as DirectionsFn) : batched;
}

/**
 * The three fields on a grid.
 * @param f - from {@link directionsOf}
 * @param grid - `[G, 2]` θ values (row-major)
 * @param dtype - the problem's float dtype
 */
export function fields(f: DirectionsFn, grid: Float64Array, dtype: DType = 'float32'): Fields {
  const out = f(tensor(grid, { dtype }).reshape([grid.length / 2, 2])).toTypedArray(); // [G, 3, 2]
  const G = grid.length / 2;
  const pick = (m: number) => Float64Array.from({ length: 2 * G }, (_, k) => out[6 * (k >> 1) + 2 * m + (k & 1)]!);
  return { grid, gd: pick(0), ngd: pick(1), ef: pick(2) };
}

/** Paths θ₀, θ₁, … of GD, NGD and EF descent (θ ← θ − lr·direction) from each start. */
export interface Paths { readonly gd: number[][][]; readonly ngd: number[][][]; readonly ef: number[][][] }

/**
 * Descends from every start with all three methods at once (one batched call per step).
 * @param f - from {@link directionsOf}
 * @param starts - starting θ values
 * @param steps - number of steps
 * @param lr - step size
 * @param dtype - the problem's float dtype
 * @returns per method, per start, the list of θ (steps + 1 points; a path stops where it leaves ±1e3)
 */
export function paths(f: DirectionsFn, starts: readonly (readonly [number, number])[], steps: number, lr: number, dtype: DType = 'float32'): Paths {
  const S = starts.length;
  const res: Paths = { gd: starts.map((s) => [[...s]]), ngd: starts.map((s) => [[...s]]), ef: starts.map((s) => [[...s]]) };
  const keys = ['gd', 'ngd', 'ef'] as const;
  const cur = new Float64Array(3 * S * 2); // [method, start, 2]
  keys.forEach((_, m) => starts.forEach((s, k) => { cur[2 * (m * S + k)] = s[0]; cur[2 * (m * S + k) + 1] = s[1]; }));
  for (let t = 0; t < steps; t++) {
    const d = fields(f, cur, dtype);
    keys.forEach((key, m) => {
      const dm = d[key];
      for (let k = 0; k < S; k++) {
        const r = 2 * (m * S + k);
        cur[r] = cur[r]! - lr * dm[r]!;
        cur[r + 1] = cur[r + 1]! - lr * dm[r + 1]!;
        if (Math.abs(cur[r]!) < 1e3 && Math.abs(cur[r + 1]!) < 1e3 && res[key][k]!.length === t + 1) res[key][k]!.push([cur[r]!, cur[r + 1]!]);
      }
    });
  }
  return res;
}
