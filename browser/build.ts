// Bundles the browser test pages with esbuild: the gpujs page (curvax + gpu.js's
// dist/gpu-browser.js + the conformance cases + the W1/W2 workloads; index.html, page.js) and the
// wasm page (wasm.html, wasm-page.js). CLI: `npx tsx browser/build.ts [outdir]`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Writes `index.html` + `page.js` (gpujs) and `wasm.html` + `wasm-page.js` (wasm) to `outdir`.
 * @param outdir - output directory (created if missing).
 * @returns the bundle size in bytes and the build time in ms.
 */
export async function buildPage(outdir: string): Promise<{ bytes: number; ms: number }> {
  const { build } = await import('esbuild');
  const t0 = performance.now();
  mkdirSync(outdir, { recursive: true });
  const r = await build({
    entryPoints: { page: join(here, 'page.ts'), 'wasm-page': join(here, 'wasm-page.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir,
    logLevel: 'error',
    metafile: true,
  });
  for (const f of ['index.html', 'wasm.html']) copyFileSync(join(here, f), join(outdir, f));
  const bytes = Object.values(r.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  return { bytes, ms: performance.now() - t0 };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(here, 'dist'));
  const { bytes, ms } = await buildPage(out);
  console.log(`browser pages: ${out}/page.js, wasm-page.js, ${(bytes / 1024).toFixed(0)} KiB in ${ms.toFixed(0)} ms`);
}
