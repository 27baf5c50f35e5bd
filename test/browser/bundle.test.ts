// The bundler check: curvax's ESM entry bundles for the browser with esbuild (src/index.ts) and
// with rollup + @rollup/plugin-node-resolve (`import 'curvax'` from an installed copy of the
// package: dist/ or an esbuild transpile of src/), with no import left over (no `node:` module, no
// fs/path/os/worker_threads, nothing unresolved); a negative control proves the check catches one.
// Both bundles then run a smoke computation in Chromium (default backend, a wasm-sized product
// and its gradient) that must match the same computation in Node. Bundling needs no browser; the
// Chromium part skips, with the reason logged, where Chromium is absent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as curvax from '../../src/index.js';
import { esbuildBrowser, installLocal, rollupBrowser, type BundleResult } from '../../browser/bundle.js';
import { serveStatic, type StaticServer } from '../../browser/serve.js';
import { launch, missing } from './chromium.js';

const noBundlers = await missing().then((r) => (r?.includes('package') ? r : undefined));
const noChromium = await missing();
if (noBundlers !== undefined) console.warn(`[browser] bundler check skipped: ${noBundlers}`);
else if (noChromium !== undefined) console.warn(`[browser] bundle smoke run in Chromium skipped: ${noChromium}`);

type Api = typeof curvax;
interface Smoke { backend: string; loss: number; grad: number[] }

/**
 * The smoke computation, as source text run the same way in Node and in the page (a function's
 * `toString()` would carry vitest's rewrites): only the public API, through `cx`.
 */
const SMOKE = `(cx) => {
  const a = cx.random.normal(cx.random.key(3), [96, 80]);
  const w = cx.random.normal(cx.random.key(4), [80, 64]).mul(0.1);
  const loss = (v) => cx.matmul(a, v).tanh().square().mean();
  const [l, g] = cx.valueAndGrad(loss)(w);
  return { backend: cx.backendName(), loss: l.item(), grad: Array.from(g.toTypedArray()) };
}`;
const smoke = (cx: Api): Smoke => (new Function(`return ${SMOKE};`)() as (c: Api) => Smoke)(cx);

describe.skipIf(noBundlers !== undefined)('browser bundles of the ESM entry (esbuild, rollup)', () => {
  let dir = '';
  let viaEsbuild: BundleResult;
  let viaRollup: BundleResult;
  let control: { esbuild: string[]; rollup: string[] };
  let used = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curvax-bundle-'));
    viaEsbuild = await esbuildBrowser(join(dir, 'esbuild.js'));
    used = await installLocal(dir);
    viaRollup = await rollupBrowser(dir, join(dir, 'rollup.js'));
    // Negative control: an entry that imports a Node built-in must be flagged by both checks.
    const bad = "import { readFileSync } from 'node:fs';\nimport { join } from 'path';\nexport const f = [readFileSync, join];\n";
    writeFileSync(join(dir, 'bad.js'), bad);
    let esbuildControl: string[];
    try {
      esbuildControl = [...(await esbuildBrowser(join(dir, 'bad-esbuild.js'), join(dir, 'bad.js'))).leftover];
    } catch (e) {
      const errs = (e as { errors?: { text: string }[] }).errors ?? [];
      esbuildControl = errs.length > 0 ? errs.map((x) => `build error: ${x.text}`) : [`build failed: ${String(e)}`];
    }
    control = { esbuild: esbuildControl, rollup: [...(await rollupBrowser(dir, join(dir, 'bad-rollup.js'), bad)).leftover] };
    const fmt = (r: BundleResult) => `${(r.bytes / 1024).toFixed(0)} KiB in ${r.ms.toFixed(0)} ms`;
    console.log(`[browser] esbuild bundle ${fmt(viaEsbuild)}; rollup bundle (from ${used}) ${fmt(viaRollup)}; rollup warnings: ${viaRollup.warnings.length}${viaRollup.warnings.length > 0 ? ` (${[...new Set(viaRollup.warnings.map((w) => w.split(':')[0]))].join(', ')})` : ''}`);
  }, 120_000);

  afterAll(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

  it('esbuild bundles src/index.ts for the browser with no import left over', () => {
    expect(viaEsbuild.leftover).toEqual([]);
    expect(viaEsbuild.bytes).toBeGreaterThan(100_000);
  });

  it('rollup + node-resolve (browser field) bundles `curvax` with nothing unresolved or external', () => {
    expect(viaRollup.leftover).toEqual([]);
    expect(viaRollup.bytes).toBeGreaterThan(100_000);
  });

  it('the checks catch a Node built-in (negative control)', () => {
    expect(control.esbuild.join('\n')).toMatch(/node:fs|path/);
    expect(control.rollup.join('\n')).toMatch(/node:fs/);
    expect(control.rollup.join('\n')).toMatch(/path/);
  });

  describe.skipIf(noChromium !== undefined)('in Chromium', () => {
    let server: StaticServer;
    const results: Record<string, Smoke & { errors: string[] }> = {};

    beforeAll(async () => {
      writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>bundle smoke</title>');
      server = await serveStatic(dir, { isolated: false });
      const browser = await launch();
      try {
        for (const name of ['esbuild', 'rollup']) {
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on('pageerror', (e) => errors.push(e.message));
          page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
          await page.goto(server.url);
          const r = (await page.evaluate(`import('/${name}.js').then(${SMOKE})`)) as Smoke;
          results[name] = { ...r, errors };
          await page.close();
        }
      } finally {
        await browser.close();
      }
    }, 120_000);

    afterAll(async () => { await server?.close(); });

    for (const name of ['esbuild', 'rollup']) {
      it(`the ${name} bundle runs on wasm and matches Node`, () => {
        const got = results[name]!;
        expect(got.errors).toEqual([]);
        expect(got.backend).toBe('wasm');
        curvax.setBackend('wasm');
        const want = smoke(curvax);
        expect(want.backend).toBe('wasm');
        expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-6 * Math.abs(want.loss));
        const scale = Math.max(...want.grad.map(Math.abs));
        expect(got.grad.length).toBe(want.grad.length);
        const worst = Math.max(...got.grad.map((g, i) => Math.abs(g - want.grad[i]!)));
        expect(worst).toBeLessThanOrEqual(1e-5 * scale);
      });
    }
  });
});
