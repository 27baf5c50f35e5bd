// The wasm backend in Chromium: bundles browser/wasm-page.ts with esbuild and loads it twice,
// from a server WITHOUT cross-origin isolation (no SharedArrayBuffer: the single-thread,
// non-shared-memory fallback; asking for 2 threads must answer false) and from one sending
// COOP/COEP (the runtime's default: threads start by themselves on the first large product, and
// the workers must have computed part of the GEMMs). Each page runs the
// conformance subset plus cases sized for the wasm kernels against js, and W1/W2 on wasm against
// js in the same page. Skips, with the reason logged, where Chromium is absent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CASES } from '../backend-gpujs/cases-movement.js';
import { WASM_CASES } from '../../browser/wasm-cases.js';
import type { WasmPageReport } from '../../browser/wasm-page.js';
import { buildPage } from '../../browser/build.js';
import { serveStatic, type StaticServer } from '../../browser/serve.js';
import { launch, loadReport, missing } from './chromium.js';

const reason = await missing();
if (reason !== undefined) console.warn(`[browser] wasm browser test skipped: ${reason}`);

describe.skipIf(reason !== undefined)('wasm in Chromium, single-threaded and threaded', () => {
  let single: WasmPageReport;
  let threaded: WasmPageReport;
  let dir = '';
  const servers: StaticServer[] = [];
  const subset = [...ALL_CASES.filter((c) => c.browser === true), ...WASM_CASES];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'curvax-wasm-browser-'));
    const built = await buildPage(dir);
    const plain = await serveStatic(dir, { isolated: false });
    const isolated = await serveStatic(dir, { isolated: true });
    servers.push(plain, isolated);
    const t0 = performance.now();
    const browser = await launch();
    try {
      single = await loadReport<WasmPageReport>(browser, `${plain.url}wasm.html?threads=2`);
      const t1 = performance.now();
      threaded = await loadReport<WasmPageReport>(browser, `${isolated.url}wasm.html?threads=auto`);
      const t2 = performance.now();
      const rows = (r: WasmPageReport, tag: string) => (r.bench ?? []).map((b) =>
        `  ${tag.padEnd(9)} ${b.workload.padEnd(28)} ${b.system.padEnd(12)} ${b.medianMs.toFixed(2).padStart(8)} ms${b.gflops === undefined ? '' : `  ${b.gflops.toFixed(2)} GFLOP/s`}`);
      console.log(
        `[browser] wasm: bundles ${(built.bytes / 1024).toFixed(0)} KiB in ${built.ms.toFixed(0)} ms; single-threaded page ${((t1 - t0) / 1000).toFixed(1)} s, ` +
          `threaded page ${((t2 - t1) / 1000).toFixed(1)} s; W2 max rel err ${single.w2MaxRelErr?.toExponential(1)} / ${threaded.w2MaxRelErr?.toExponential(1)}; ` +
          `automatic pool ready after ${threaded.autoStartMs?.toFixed(0)} ms, worker items ${threaded.workerItems}\n${[...rows(single, '1 thread'), ...rows(threaded, 'threaded')].join('\n')}`,
      );
    } finally {
      await browser.close();
    }
  }, 240_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('runs without errors, on wasm by default, with SIMD', () => {
    for (const r of [single, threaded]) {
      expect(r.error, r.error).toBeUndefined();
      expect(r.defaultBackend).toBe('wasm');
      expect(r.simd).toBe(true);
    }
  });

  it('without COOP/COEP: not isolated, no SharedArrayBuffer, threads refused, one thread', () => {
    expect(single.crossOriginIsolated).toBe(false);
    expect(single.sharedArrayBuffer).toBe(false);
    expect(single.threadsStarted).toBe(false);
    expect(single.threads).toBe(1);
    expect(single.workerItems).toBe(0);
  });

  it('with COOP/COEP: isolated, threads started by themselves, and the worker computed part of the products', () => {
    expect(threaded.crossOriginIsolated).toBe(true);
    expect(threaded.sharedArrayBuffer).toBe(true);
    expect(threaded.hardwareConcurrency, 'the automatic pool needs ≥ 2 cores').toBeGreaterThanOrEqual(2);
    expect(threaded.autoThreads).toBe(threaded.hardwareConcurrency);
    expect(threaded.threadsStarted).toBe(true);
    expect(threaded.threads).toBe(threaded.hardwareConcurrency);
    expect(threaded.workerItems).toBeGreaterThan(0);
  });

  for (const c of subset) {
    it(`conformance: ${c.name}`, () => {
      for (const [tag, rep] of [['single-threaded', single], ['threaded', threaded]] as const) {
        const r = rep.cases?.find((x) => x.name === c.name);
        expect(r, `case missing from the ${tag} page report`).toBeDefined();
        expect(r!.error, r!.error).toBeUndefined();
        expect(r!.bad, `${tag}: rtol=${c.tol.rtol} atol=${c.tol.atol}`).toEqual([]);
      }
    });
  }

  it('W1 products match js within (n + 2)·2⁻²⁴·Σ|a||b|', () => {
    for (const rep of [single, threaded]) {
      expect(rep.w1.map((w) => w.n)).toEqual([128, 256]);
      for (const w of rep.w1) expect(w.ratio).toBeLessThanOrEqual(1);
    }
  });

  it('W2 value and gradient match js (float32, 1e-4 of each leaf scale)', () => {
    expect(single.w2MaxRelErr).toBeLessThan(1e-4);
    expect(threaded.w2MaxRelErr).toBeLessThan(1e-4);
  });

  it('times W1 and W2 on js and wasm in both pages', () => {
    for (const rep of [single, threaded]) {
      expect(new Set(rep.bench.map((b) => b.system))).toEqual(new Set(['curvax/js', 'curvax/wasm']));
      expect(rep.bench.every((b) => b.medianMs >= 0 && Number.isFinite(b.medianMs))).toBe(true);
    }
  });
});
