// Fig. 1: linear least squares on a synthetic 2-parameter problem (slope, intercept). Vector
// fields of the gradient, the natural gradient and the EF-preconditioned gradient, with
// trajectories of GD, NGD and EFGD from the same starting points.
import { random, stack, tensor, type Tensor } from 'curvax';
import { direction, leastSquares, loss, type Method, type Problem } from './problems.js';

export interface Fig1Result {
  readonly data: { x: number; y: number }[];
  readonly optimum: [number, number];
  readonly arrows: { method: Method; t0: number; t1: number; u: number; v: number }[];
  readonly trajectories: { method: Method; start: number; step: number; t0: number; t1: number; loss: number }[];
}

export function fig1Problem(n = 50, seed = 0): Problem {
  const [kx, ke] = random.splitList(random.key(seed));
  const x = random.normal(kx!, [n], { dtype: 'float64' }).mul(1.5).add(1);
  const y = x.mul(2).sub(1).add(random.normal(ke!, [n], { dtype: 'float64' }).mul(0.5)); // y = 2x − 1 + ε
  return leastSquares('synthetic', stack([x, x.mul(0).add(1)], 1), y);
}

const DAMPING = 1e-8;
const STEP: Record<Method, number> = { GD: 0.1, NGD: 0.1, EFGD: 0.1 };

export function runFig1(p: Problem, grid = 11, steps = 40): Fig1Result {
  const X = p.X.toArray() as number[][], Y = p.y.toArray() as number[];
  // least-squares optimum by the normal equations (2×2)
  const a = X.reduce((s, r) => s + r[0]! * r[0]!, 0), b = X.reduce((s, r) => s + r[0]!, 0), c = X.length;
  const u = X.reduce((s, r, i) => s + r[0]! * Y[i]!, 0), w = Y.reduce((s, v) => s + v, 0);
  const det = a * c - b * b;
  const opt: [number, number] = [(c * u - b * w) / det, (a * w - b * u) / det];
  const arrows: Fig1Result['arrows'] = [];
  const span = 4;
  for (const method of ['GD', 'NGD', 'EFGD'] as const) {
    for (let i = 0; i < grid; i++) {
      for (let j = 0; j < grid; j++) {
        const t0 = opt[0] - span + (2 * span * i) / (grid - 1), t1 = opt[1] - span + (2 * span * j) / (grid - 1);
        const d = direction(p, tensor([t0, t1], { dtype: 'float64' }), method, DAMPING).toArray() as number[];
        const nrm = Math.hypot(d[0]!, d[1]!) || 1;
        arrows.push({ method, t0, t1, u: -d[0]! / nrm, v: -d[1]! / nrm });
      }
    }
  }
  const starts: [number, number][] = [[opt[0] - 3, opt[1] + 3], [opt[0] + 3, opt[1] + 3], [opt[0] - 3, opt[1] - 3]];
  const trajectories: Fig1Result['trajectories'] = [];
  for (const method of ['GD', 'NGD', 'EFGD'] as const) {
    starts.forEach((s, k) => {
      let theta: Tensor = tensor(s, { dtype: 'float64' });
      for (let t = 0; t <= steps; t++) {
        const [t0, t1] = theta.toArray() as number[];
        trajectories.push({ method, start: k, step: t, t0: t0!, t1: t1!, loss: loss(p, theta).item() });
        theta = theta.sub(direction(p, theta, method, DAMPING).mul(STEP[method]));
      }
    });
  }
  return { data: X.map((r, i) => ({ x: r[0]!, y: Y[i]! })), optimum: opt, arrows, trajectories };
}

export function fig1Spec(r: Fig1Result): Record<string, unknown> {
  const scale = 0.3;
  const panel = (method: Method) => ({
    title: { GD: 'gradient (GD)', NGD: 'natural gradient (NGD)', EFGD: 'EF-preconditioned (EFGD)' }[method],
    width: 220, height: 220,
    layer: [
      {
        data: { values: r.arrows.filter((a) => a.method === method).map((a) => ({ ...a, e0: a.t0 + scale * a.u, e1: a.t1 + scale * a.v })) },
        mark: { type: 'rule', color: '#999' },
        encoding: { x: { field: 't0', type: 'quantitative', title: 'θ₁ (slope)' }, y: { field: 't1', type: 'quantitative', title: 'θ₂ (intercept)' }, x2: { field: 'e0' }, y2: { field: 'e1' } },
      },
      {
        data: { values: r.arrows.filter((a) => a.method === method).map((a) => ({ e0: a.t0 + scale * a.u, e1: a.t1 + scale * a.v })) },
        mark: { type: 'point', size: 6, filled: true, color: '#999' },
        encoding: { x: { field: 'e0', type: 'quantitative' }, y: { field: 'e1', type: 'quantitative' } },
      },
      {
        data: { values: r.trajectories.filter((t) => t.method === method) },
        mark: { type: 'line', point: { size: 10 } },
        encoding: { x: { field: 't0', type: 'quantitative' }, y: { field: 't1', type: 'quantitative' }, detail: { field: 'start' }, color: { field: 'start', type: 'nominal', legend: null }, order: { field: 'step' } },
      },
      { data: { values: [{ t0: r.optimum[0], t1: r.optimum[1] }] }, mark: { type: 'point', shape: 'cross', size: 120, color: 'black' }, encoding: { x: { field: 't0', type: 'quantitative' }, y: { field: 't1', type: 'quantitative' } } },
    ],
  });
  return {
    hconcat: [
      { title: 'data', width: 220, height: 220, data: { values: r.data }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      panel('GD'), panel('NGD'), panel('EFGD'),
    ],
  };
}
