// The gpujs backend in a real browser: bundles browser/page.ts with esbuild, serves it from
// 127.0.0.1, drives Debian's Chromium (WebGL2 through ANGLE → SwiftShader) with playwright-core,
// and checks the conformance subset (WebGL2 and WebGL1), W2 against js, and that W1/W2
// timings were taken (WebGL2).
// Skips cleanly, with the reason logged, when Chromium, gpu.js, playwright-core or esbuild is
// missing (scripts/ci-browser.sh installs Chromium). CURVAX_CHROMIUM overrides the binary.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CASES } from '../backend-gpujs/cases-movement.js';
import { buildPage } from '../../browser/build.js';
import { serveStatic, type StaticServer } from '../../browser/serve.js';
import { launch, loadReport, missing } from './chromium.js';

const reason = await missing(['gpu.js']);
if (reason !== undefined) console.warn(`[browser] gpujs browser test skipped: ${reason}`);

interface CaseResult { name: string; ok: boolean; maxErr: number; bad: string[]; ms: number; error?: string }
interface Report {
  kernelMode: string; webgl2Renderer: string; cases: CaseResult[]; w2MaxRelErr: number; totalMs: number; error?: string;
  bench: { workload: string; system: string; medianMs: number; gflops?: number }[];
  stats: { liveTextures: number; texturesDeleted: number; compiles: number };
}

describe.skipIf(reason !== undefined)('gpujs in Chromium (WebGL2 and WebGL1)', () => {
  let report: Report;
  let report1: Report;
  let dir = '';
  let server: StaticServer | undefined;
  const subset = ALL_CASES.filter((c) => c.browser === true);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curvax-browser-'));
    const built = await buildPage(dir);
    server = await serveStatic(dir);
    const t0 = performance.now();
    const browser = await launch();
    try {
      const load = (query: string): Promise<Report> => loadReport<Report>(browser, `${server!.url}?${query}`, 200_000);
      report = await load('mode=webgl2&n=128,256');
      report1 = await load('mode=webgl&bench=0');
    } finally {
      await browser.close();
    }
    const rows = report.bench?.map((b) => `  ${b.workload.padEnd(28)} ${b.system.padEnd(14)} ${b.medianMs.toFixed(2).padStart(9)} ms${b.gflops === undefined ? '' : `  ${b.gflops.toFixed(3)} GFLOP/s`}`) ?? [];
    console.log(
      `[browser] bundle ${(built.bytes / 1024).toFixed(0)} KiB in ${built.ms.toFixed(0)} ms; page ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `renderer: ${report.webgl2Renderer}; ${report.stats?.compiles} kernels compiled\n${rows.join('\n')}`,
    );
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('runs on WebGL2 and WebGL1 contexts', () => {
    expect(report.error, report.error).toBeUndefined();
    expect(report1.error, report1.error).toBeUndefined();
    expect(report.kernelMode).toBe('webgl2');
    expect(report1.kernelMode).toBe('webgl');
  });

  for (const c of subset) {
    it(`conformance: ${c.name}`, () => {
      for (const rep of [report, report1]) {
        const r = rep.cases?.find((x) => x.name === c.name);
        expect(r, `case missing from the ${rep.kernelMode} page report`).toBeDefined();
        expect(r!.error, r!.error).toBeUndefined();
        expect(r!.bad, `${rep.kernelMode}: rtol=${c.tol.rtol} atol=${c.tol.atol}`).toEqual([]);
      }
    });
  }

  it('W2 value and gradient match the js backend (float32)', () => {
    expect(report.w2MaxRelErr).toBeLessThan(1e-4);
    expect(report1.w2MaxRelErr).toBeLessThan(1e-4);
  });

  it('times W1 and W2 on js and gpujs', () => {
    const systems = new Set(report.bench.map((b) => b.system));
    expect(systems).toEqual(new Set(['curvax/js', 'curvax/gpujs']));
    expect(report.bench.every((b) => b.medianMs > 0)).toBe(true);
  });

  it('deletes textures of disposed buffers', () => {
    expect(report.stats.texturesDeleted).toBeGreaterThan(0);
  });
});
