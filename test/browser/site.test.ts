// The live page (site/) in Chromium: builds it with site/build.ts, loads it without
// cross-origin isolation, and checks that it computes without console errors on wasm, that its
// GD/NGD/EF fields match the same computation in Node (float32, same code) and the paper
// example's float64 directions (examples/paper/problems.ts, Cholesky solve) at grid points, that
// a click adds a point and recomputes (and a click on a point removes it), and that the
// classification task computes too. CURVAX_SITE_SCREENSHOT=docs/img/site.png writes the
// screenshot used by the README. Skips, with the reason logged, where Chromium is absent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { direction } from '../../examples/paper/problems.js';
import { DAMPING, directionsOf, fields, problemOf } from '../../site/fields.js';
import type { SiteState } from '../../site/main.js';
import { buildSite } from '../../site/build.js';
import { serveStatic, type StaticServer } from '../../browser/serve.js';
import { launch, missing } from './chromium.js';

const reason = await missing();
if (reason !== undefined) console.warn(`[browser] site test skipped: ${reason}`);

type Fields = NonNullable<SiteState['fields']>;
const KEYS = ['gd', 'ngd', 'ef'] as const;

/** Worst |page − want| over grid points, relative to each direction's norm. */
function worstRel(got: Fields, want: { gd: ArrayLike<number>; ngd: ArrayLike<number>; ef: ArrayLike<number> }, key: (typeof KEYS)[number], idx?: number[]): number {
  let worst = 0;
  const G = got.grid.length / 2;
  for (const k of idx ?? Array.from({ length: G }, (_, i) => i)) {
    const w0 = want[key][2 * k]!, w1 = want[key][2 * k + 1]!;
    worst = Math.max(worst, Math.hypot(got[key][2 * k]! - w0, got[key][2 * k + 1]! - w1) / Math.max(Math.hypot(w0, w1), 1e-30));
  }
  return worst;
}

/** The page's fields recomputed in Node from the page's own data, by the same code (float32). */
function nodeFields(s: SiteState) {
  return fields(directionsOf(problemOf(s.points, s.task)), Float64Array.from(s.fields!.grid));
}

describe.skipIf(reason !== undefined)('the live page (site/) in Chromium', () => {
  let dir = '';
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const states: Record<string, SiteState> = {};
  let screenshotBytes = 0;

  const read = () => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __site: SiteState }).__site)) as SiteState);
  const waitFor = (n: number) => page.waitForFunction((k) => (window as unknown as { __site?: SiteState }).__site?.computations === k, n, { timeout: 60_000 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curvax-site-'));
    const t0 = performance.now();
    const built = await buildSite(dir);
    server = await serveStatic(dir, { isolated: false });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1140, height: 470 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`); });
    await page.goto(server.url);
    await waitFor(1);
    states['load'] = await read();
    const shot = await page.screenshot({ type: 'png' });
    screenshotBytes = shot.length;
    const out = process.env['CURVAX_SITE_SCREENSHOT'];
    if (out) writeFileSync(out, shot);
    // A click far from every default point (data coordinates about (-2.5, 3)) adds a point.
    const box = (await page.locator('#data').boundingBox())!;
    const at = (x: number, y: number) => ({ x: box.x + ((x + 4) / 8) * box.width, y: box.y + (1 - (y + 4) / 8) * box.height });
    const p = at(-2.5, 3);
    await page.mouse.click(p.x, p.y);
    await waitFor(2);
    states['added'] = await read();
    // A click on that point removes it again.
    await page.mouse.click(p.x, p.y);
    await waitFor(3);
    states['removed'] = await read();
    await page.selectOption('#task', 'classification');
    await waitFor(4);
    states['classification'] = await read();
    console.log(
      `[browser] site: bundle ${(built.bytes / 1024).toFixed(0)} KiB in ${built.ms.toFixed(0)} ms; screenshot ${(screenshotBytes / 1024).toFixed(0)} KiB; ` +
        `per computation (grid, ${states['load']!.ms!.pathSteps} path steps) ms: ` +
        Object.entries(states).map(([k, s]) => `${k} ${s.ms?.grid.toFixed(0)} + ${s.ms?.paths.toFixed(0)}`).join(', ') +
        `; whole test setup ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('loads and computes on wasm without errors or console errors', () => {
    expect(errors).toEqual([]);
    for (const s of Object.values(states)) {
      expect(s.error).toBeUndefined();
      expect(s.backend).toBe('wasm');
      expect(s.fields!.ngd.length).toBe(s.fields!.grid.length);
      expect(s.fields!.grid.length).toBe(242);
    }
  });

  it('matches the same computation in Node (float32)', () => {
    for (const s of Object.values(states)) {
      const want = nodeFields(s);
      for (const key of KEYS) expect(worstRel(s.fields!, want, key), `${s.task} ${key}`).toBeLessThan(1e-4);
    }
  });

  it("matches the paper example's float64 directions (Cholesky) at grid points", () => {
    for (const s of [states['load']!, states['classification']!]) {
      const p64 = problemOf(s.points, s.task, 'float64');
      const idx = [0, 17, 60, 88, 120];
      const want = { gd: new Float64Array(242), ngd: new Float64Array(242), ef: new Float64Array(242) };
      for (const k of idx) {
        const theta = tensor([s.fields!.grid[2 * k]!, s.fields!.grid[2 * k + 1]!], { dtype: 'float64' });
        for (const [m, key] of [['GD', 'gd'], ['NGD', 'ngd'], ['EFGD', 'ef']] as const) {
          const d = direction(p64, theta, m, DAMPING).toArray() as number[];
          want[key][2 * k] = d[0]!;
          want[key][2 * k + 1] = d[1]!;
        }
      }
      for (const key of KEYS) expect(worstRel(s.fields!, want, key, idx), `${s.task} ${key}`).toBeLessThan(1e-4);
    }
  });

  it('a click adds a point where clicked and recomputes; a click on it removes it', () => {
    const [load, added, removed] = [states['load']!, states['added']!, states['removed']!];
    expect(added.points.length).toBe(load.points.length + 1);
    const p = added.points.at(-1)!;
    expect(Math.abs(p.x - -2.5)).toBeLessThan(0.05);
    expect(Math.abs(p.y - 3)).toBeLessThan(0.05);
    expect(worstRel(added.fields!, load.fields!, 'ngd')).toBeGreaterThan(1e-3); // the fields changed
    expect(removed.points).toEqual(load.points);
    expect(worstRel(removed.fields!, load.fields!, 'ngd')).toBeLessThan(1e-6);
  });

  it('draws paths from three starts and marks the least-squares optimum', () => {
    const s = states['load']!;
    const X = s.points.map((q) => [q.x, 1]), Y = s.points.map((q) => q.y);
    const a = X.reduce((t, r) => t + r[0]! * r[0]!, 0), b = X.reduce((t, r) => t + r[0]!, 0), c = X.length;
    const u = X.reduce((t, r, i) => t + r[0]! * Y[i]!, 0), w = Y.reduce((t, v) => t + v, 0);
    const opt = [(c * u - b * w) / (a * c - b * b), (a * w - b * u) / (a * c - b * b)];
    expect(Math.hypot(s.optimum![0] - opt[0]!, s.optimum![1] - opt[1]!)).toBeLessThan(1e-4 * Math.hypot(opt[0]!, opt[1]!) + 1e-5);
    for (const key of KEYS) {
      expect(s.paths![key].length).toBe(3);
      for (const path of s.paths![key]) expect(path.length).toBe(s.ms!.pathSteps + 1);
    }
    // NGD on least squares with step 0.1 contracts toward the optimum by 0.9 per step.
    const end = s.paths!.ngd[0]!.at(-1)!, start = s.paths!.ngd[0]![0]!;
    const ratio = Math.hypot(end[0]! - opt[0]!, end[1]! - opt[1]!) / Math.hypot(start[0]! - opt[0]!, start[1]! - opt[1]!);
    expect(Math.abs(ratio - 0.9 ** s.ms!.pathSteps)).toBeLessThan(1e-3);
  });

  it('takes a small screenshot', () => {
    expect(screenshotBytes).toBeGreaterThan(10_000);
    expect(screenshotBytes).toBeLessThan(200_000);
  });
});
