// Fig. 3: GD vs NGD vs EFGD (with damping), full batch, on BreastCancer (logistic), Boston
// (least squares; raw features as in the authors' setup, and standardised) and the binary
// stand-in for a1a (heart_scale). Step size and damping by grid search; then the cosine between
// the EFGD step and the NGD step along the EFGD path.
import { zeros, type Tensor } from 'curvax';
import { loadCsv, standardize, toTensor, vec, withBias } from './data.js';
import { cosine, direction, leastSquares, logistic, lossGrad, optimize, type Method, type Problem, type Run } from './problems.js';

export interface Fig3Config {
  readonly steps: number;
  /** log10 step sizes searched. */
  readonly logStepSizes: readonly number[];
  /** Dampings searched for NGD and EFGD. */
  readonly dampings: readonly number[];
  /** Limit rows per data set (for quick tests); all rows when absent. */
  readonly maxRows?: number;
}

export const FULL_GRID: Fig3Config = {
  steps: 100,
  logStepSizes: Array.from({ length: 11 }, (_, i) => -8 + i), // 1e-8 … 1e2
  dampings: [1e-8, 1e-5, 1e-2, 1],
};

export function fig3Problems(maxRows?: number): Problem[] {
  const take = <T>(a: T[]) => (maxRows ? a.slice(0, maxRows) : a);
  const bc = loadCsv('breast_cancer.csv');
  const boston = loadCsv('boston_housing.csv');
  const heart = loadCsv('heart_scale.csv');
  return [
    logistic('BreastCancer (logistic, standardised)', toTensor(take(withBias(standardize(bc.X)))), vec(take(bc.y))),
    leastSquares('Boston (least squares, raw features)', toTensor(take(withBias(boston.X))), vec(take(boston.y))),
    leastSquares('Boston (least squares, standardised)', toTensor(take(withBias(standardize(boston.X)))), vec(take(boston.y))),
    logistic('heart_scale (logistic; a1a stand-in)', toTensor(take(withBias(heart.X))), vec(take(heart.y.map((v) => (v + 1) / 2)))),
  ];
}

export interface Fig3Result {
  readonly problem: string;
  readonly best: Record<Method, { stepSize: number; damping: number; losses: number[] }>;
  /** cos(EFGD step, NGD step) at each iterate of the best EFGD run. */
  readonly cosines: number[];
  readonly runs: number;
}

/** Final loss of a run, +∞ for a diverged one. */
function score(r: Run): number {
  const f = r.losses.at(-1)!;
  return r.diverged || !Number.isFinite(f) ? Infinity : f;
}

function better(a: Run | undefined, b: Run): boolean {
  return a === undefined || score(b) < score(a);
}

export function runFig3(p: Problem, cfg: Fig3Config, tick: () => void = () => {}): Fig3Result {
  const theta0 = zeros([p.X.shape[1]!], 'float64');
  const best: Partial<Record<Method, Run>> = {};
  let runs = 0;
  for (const method of ['GD', 'NGD', 'EFGD'] as const) {
    for (const damping of method === 'GD' ? [0] : cfg.dampings) {
      for (const ls of cfg.logStepSizes) {
        const r = optimize(p, theta0, method, 10 ** ls, damping, cfg.steps);
        runs++;
        tick();
        if (better(best[method], r)) best[method] = r;
      }
    }
  }
  const ef = best.EFGD!;
  const path = optimize(p, theta0, 'EFGD', ef.stepSize, ef.damping, cfg.steps, true).thetas;
  const cosines = path.map((theta: Tensor) => {
    const g = lossGrad(p, theta);
    return cosine(direction(p, theta, 'EFGD', ef.damping, g), direction(p, theta, 'NGD', ef.damping, g));
  });
  const pick = (r: Run) => ({ stepSize: r.stepSize, damping: r.damping, losses: r.losses });
  return { problem: p.name, best: { GD: pick(best.GD!), NGD: pick(best.NGD!), EFGD: pick(ef) }, cosines, runs };
}

export function fig3Spec(results: readonly Fig3Result[]): Record<string, unknown> {
  const lossRows = results.flatMap((r) =>
    (['GD', 'NGD', 'EFGD'] as const).flatMap((m) => r.best[m].losses.map((l, t) => ({ problem: r.problem, method: m, iteration: t, loss: l }))),
  );
  const cosRows = results.flatMap((r) => r.cosines.map((c, t) => ({ problem: r.problem, iteration: t, cosine: c })));
  return {
    vconcat: [
      {
        data: { values: lossRows },
        facet: { column: { field: 'problem', type: 'nominal', title: null } },
        spec: {
          width: 220, height: 170, mark: 'line',
          encoding: {
            x: { field: 'iteration', type: 'quantitative' },
            y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'training loss (mean NLL)' },
            color: { field: 'method', type: 'nominal' },
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
      {
        data: { values: cosRows },
        facet: { column: { field: 'problem', type: 'nominal', title: null } },
        spec: {
          width: 220, height: 120,
          layer: [
            { mark: 'line', encoding: { x: { field: 'iteration', type: 'quantitative' }, y: { field: 'cosine', type: 'quantitative', scale: { domain: [-1, 1] }, title: 'cos(EF step, NGD step)' } } },
            { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { y: { datum: 0 } } },
          ],
        },
      },
    ],
  };
}
