// Builds the live page into site/dist (git-ignored): `npm run site`. The page is static (no
// server logic, no cross-origin isolation needed); open site/dist/index.html through any static
// server, e.g. `npx tsx site/build.ts --serve`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles site/main.ts (with curvax from src/ through the `curvax-source` condition) and copies
 * index.html into `outdir`.
 * @param outdir - output directory (default site/dist)
 * @returns the bundle size in bytes and the build time in ms
 */
export async function buildSite(outdir = join(here, 'dist')): Promise<{ outdir: string; bytes: number; ms: number }> {
  const { build } = await import('esbuild');
  const t0 = performance.now();
  mkdirSync(outdir, { recursive: true });
  const r = await build({
    entryPoints: [join(here, 'main.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    conditions: ['curvax-source'], outfile: join(outdir, 'main.js'), minify: true, sourcemap: true,
    logLevel: 'error', metafile: true,
  });
  copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
  const bytes = Object.entries(r.metafile.outputs).filter(([f]) => f.endsWith('.js')).reduce((s, [, o]) => s + o.bytes, 0);
  return { outdir, bytes, ms: performance.now() - t0 };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outdir, bytes, ms } = await buildSite(process.argv.slice(2).find((a) => !a.startsWith('--')));
  console.log(`site: ${outdir}/index.html + main.js (${(bytes / 1024).toFixed(0)} KiB) in ${ms.toFixed(0)} ms`);
  if (process.argv.includes('--serve')) {
    const { serveStatic } = await import('../browser/serve.js');
    const s = await serveStatic(outdir, { isolated: false });
    console.log(`serving at ${s.url} (Ctrl-C to stop)`);
  }
}
