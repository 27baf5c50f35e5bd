// The live page: an editable data set, and the GD / NGD / EF vector fields and paths of
// Kunstner, Balles & Hennig (2019), Fig. 1, recomputed by curvax on every edit. The state of the
// last computation is exposed as `window.__site` (read by test/browser/site.test.ts).
import { backendName, setBackend } from 'curvax';
import { directionsOf, fields, gridOf, paths, problemOf, type Fields, type Paths, type Point, type Task } from './fields.js';

/** What the page exposes after each computation. */
export interface SiteState {
  ready: boolean;
  /** Completed computations (1 after load, +1 per edit or switch). */
  computations: number;
  backend: string;
  task: Task;
  points: Point[];
  fields?: { grid: number[]; gd: number[]; ngd: number[]; ef: number[] };
  paths?: Paths;
  optimum?: [number, number];
  ms?: { grid: number; paths: number; pathSteps: number };
  error?: string;
}

const VIEW = 4; // both panels show [-4, 4]²
const GRID = gridOf([0, 0], 3.5, 11);
const STARTS: [number, number][] = [[-3, 3], [3, 3], [-3, -3]];
const STEPS = 25, LR = 0.1;
const COLORS = ['#d62728', '#2ca02c', '#9467bd'];

function defaults(task: Task): Point[] {
  if (task === 'regression') {
    return Array.from({ length: 16 }, (_, i) => { const x = -3 + (6 * i) / 15; return { x, y: 0.8 * x - 0.5 + 0.6 * Math.sin(2.7 * i + 1) }; });
  }
  return Array.from({ length: 20 }, (_, i) => {
    const label = (i % 2) as 0 | 1, c = label === 1 ? [1, 0.8] : [-1, -0.6];
    return { x: c[0]! + 1.1 * Math.sin(1.7 * i + 0.3), y: c[1]! + 1.1 * Math.cos(2.3 * i + 0.7), label };
  });
}

const q = new URLSearchParams(location.search);
const state: SiteState = { ready: false, computations: 0, backend: '', task: q.get('task') === 'classification' ? 'classification' : 'regression', points: [] };
state.points = defaults(state.task);
(window as unknown as { __site: SiteState }).__site = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvases = { data: $<HTMLCanvasElement>('data'), gd: $<HTMLCanvasElement>('gd'), ngd: $<HTMLCanvasElement>('ngd'), ef: $<HTMLCanvasElement>('ef') };
const status = $<HTMLParagraphElement>('status');
const taskSel = $<HTMLSelectElement>('task'), backendSel = $<HTMLSelectElement>('backend');
taskSel.value = state.task;
if (q.get('backend') === 'js') backendSel.value = 'js';

const toPx = (c: HTMLCanvasElement, a: number, b: number): [number, number] => [((a + VIEW) / (2 * VIEW)) * c.width, (1 - (b + VIEW) / (2 * VIEW)) * c.height];
const fromPx = (c: HTMLCanvasElement, px: number, py: number): [number, number] => [(px / c.width) * 2 * VIEW - VIEW, (1 - py / c.height) * 2 * VIEW - VIEW];

function frame(c: HTMLCanvasElement): CanvasRenderingContext2D {
  const g = c.getContext('2d')!;
  g.clearRect(0, 0, c.width, c.height);
  g.strokeStyle = '#e4e4e4';
  g.lineWidth = 1;
  const [x0, y0] = toPx(c, 0, 0);
  g.beginPath(); g.moveTo(x0, 0); g.lineTo(x0, c.height); g.moveTo(0, y0); g.lineTo(c.width, y0); g.stroke();
  return g;
}

function drawData(optimum?: [number, number]): void {
  const c = canvases.data, g = frame(c);
  if (state.task === 'regression' && optimum) {
    g.strokeStyle = '#888'; g.lineWidth = 1.5;
    const [a, b] = optimum;
    const p0 = toPx(c, -VIEW, a * -VIEW + b), p1 = toPx(c, VIEW, a * VIEW + b);
    g.beginPath(); g.moveTo(...p0); g.lineTo(...p1); g.stroke();
  }
  for (const p of state.points) {
    const [px, py] = toPx(c, p.x, p.y);
    g.fillStyle = state.task === 'regression' ? '#1f77b4' : p.label === 1 ? '#ff7f0e' : '#1f77b4';
    g.beginPath(); g.arc(px, py, 4, 0, 2 * Math.PI); g.fill();
  }
}

function drawField(c: HTMLCanvasElement, grid: Float64Array, d: Float64Array, ps: number[][][], optimum?: [number, number]): void {
  const g = frame(c);
  const cell = (c.width / (2 * VIEW)) * ((2 * 3.5) / 10);
  g.strokeStyle = '#999'; g.fillStyle = '#999'; g.lineWidth = 1;
  for (let k = 0; k < grid.length / 2; k++) {
    const u = -d[2 * k]!, v = -d[2 * k + 1]!, n = Math.hypot(u, v);
    if (!(n > 0)) continue;
    const [x, y] = toPx(c, grid[2 * k]!, grid[2 * k + 1]!);
    const dx = (0.7 * cell * u) / n, dy = (-0.7 * cell * v) / n;
    g.beginPath(); g.moveTo(x, y); g.lineTo(x + dx, y + dy); g.stroke();
    g.beginPath(); g.arc(x + dx, y + dy, 1.6, 0, 2 * Math.PI); g.fill();
  }
  ps.forEach((path, k) => {
    g.strokeStyle = COLORS[k]!; g.fillStyle = COLORS[k]!; g.lineWidth = 1.5;
    g.beginPath();
    path.forEach(([a, b], i) => { const [x, y] = toPx(c, a!, b!); if (i === 0) g.moveTo(x, y); else g.lineTo(x, y); });
    g.stroke();
    for (const [a, b] of path) { const [x, y] = toPx(c, a!, b!); g.beginPath(); g.arc(x, y, 1.8, 0, 2 * Math.PI); g.fill(); }
  });
  if (optimum) {
    const [x, y] = toPx(c, ...optimum);
    g.strokeStyle = '#000'; g.lineWidth = 2;
    g.beginPath(); g.moveTo(x - 6, y); g.lineTo(x + 6, y); g.moveTo(x, y - 6); g.lineTo(x, y + 6); g.stroke();
  }
}

function compute(): void {
  try {
    setBackend(backendSel.value);
    state.backend = backendName();
    if (state.points.length === 0) throw new Error('the data set is empty: click the data panel to add points');
    const t0 = performance.now();
    const problem = problemOf(state.points, state.task);
    const fn = directionsOf(problem);
    const f: Fields = fields(fn, GRID);
    const t1 = performance.now();
    const ps = paths(fn, STARTS, STEPS, LR);
    const t2 = performance.now();
    // Least squares: one natural-gradient step from 0 lands on the optimum (F is the Hessian).
    let optimum: [number, number] | undefined;
    if (state.task === 'regression') {
      const at0 = fields(fn, new Float64Array(2));
      optimum = [-at0.ngd[0]!, -at0.ngd[1]!];
    }
    state.fields = { grid: Array.from(f.grid), gd: Array.from(f.gd), ngd: Array.from(f.ngd), ef: Array.from(f.ef) };
    state.paths = ps;
    if (optimum) state.optimum = optimum;
    else delete state.optimum;
    state.ms = { grid: t1 - t0, paths: t2 - t1, pathSteps: STEPS };
    delete state.error;
    drawData(optimum);
    drawField(canvases.gd, f.grid, f.gd, ps.gd, optimum);
    drawField(canvases.ngd, f.grid, f.ngd, ps.ngd, optimum);
    drawField(canvases.ef, f.grid, f.ef, ps.ef, optimum);
    status.textContent = `backend ${state.backend} · ${state.points.length} points · ${GRID.length / 2} grid points × 3 directions in ${(t1 - t0).toFixed(1)} ms ` +
      `(first call traces and compiles) · paths: ${(((t2 - t1) / STEPS)).toFixed(2)} ms per step (3 methods × ${STARTS.length} starts) · ${navigator.userAgent.match(/Chrome\/[\d.]+|Firefox\/[\d.]+|Version\/[\d.]+ Safari/)?.[0] ?? ''}`;
  } catch (e) {
    state.error = String((e as Error).message ?? e);
    status.textContent = `error: ${state.error}`;
    drawData();
  }
  state.computations++;
  state.ready = true;
}

function schedule(): void {
  status.textContent = 'computing…';
  setTimeout(compute, 0);
}

canvases.data.addEventListener('click', (ev) => {
  const c = canvases.data, r = c.getBoundingClientRect();
  const px = ((ev.clientX - r.left) * c.width) / r.width, py = ((ev.clientY - r.top) * c.height) / r.height;
  const hit = state.points.findIndex((p) => { const [x, y] = toPx(c, p.x, p.y); return Math.hypot(x - px, y - py) <= 7; });
  if (hit >= 0) state.points.splice(hit, 1);
  else {
    const [x, y] = fromPx(c, px, py);
    state.points.push(state.task === 'regression' ? { x, y } : { x, y, label: ev.shiftKey ? 0 : 1 });
  }
  schedule();
});
taskSel.addEventListener('change', () => { state.task = taskSel.value as Task; state.points = defaults(state.task); schedule(); });
backendSel.addEventListener('change', schedule);
$<HTMLButtonElement>('reset').addEventListener('click', () => { state.points = defaults(state.task); schedule(); });
schedule();
