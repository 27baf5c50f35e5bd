// The bundler check: bundles curvax's ESM entry for the browser with esbuild (from src/) and with
// rollup + @rollup/plugin-node-resolve (as a consumer would: `import 'curvax'` resolved through the
// package's `exports`, `browser` and `sideEffects` fields, from dist/ or an esbuild transpile of
// src/), and lists every import that survives in the output (external or unresolved). A browser
// bundle must have none: no `node:` module, no fs/path/os/worker_threads.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What a bundler produced: the file, its size, the time, and the imports left in it. */
export interface BundleResult {
  readonly file: string;
  readonly bytes: number;
  readonly ms: number;
  /** Imports still in the bundle (external, unresolved, or to a Node built-in), with their kind. */
  readonly leftover: readonly string[];
  /** Bundler warnings (for the log). */
  readonly warnings: readonly string[];
}

/**
 * Bundles `entry` with esbuild for the browser (ESM, es2022) into `outfile`.
 * @param entry - the entry module (default: src/index.ts)
 * @param outfile - where the bundle goes
 */
export async function esbuildBrowser(outfile: string, entry = join(root, 'src/index.ts')): Promise<BundleResult> {
  const { build } = await import('esbuild');
  const t0 = performance.now();
  const r = await build({
    entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile,
    metafile: true, logLevel: 'silent', write: true,
  });
  const leftover: string[] = [];
  for (const o of Object.values(r.metafile.outputs)) for (const i of o.imports) if (i.external === true) leftover.push(`${i.kind} ${i.path}`);
  return { file: outfile, bytes: statSync(outfile).size, ms: performance.now() - t0, leftover, warnings: r.warnings.map((w) => w.text) };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? tsFiles(p) : d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * Lays out `dir/node_modules/curvax` as an installed copy of this package: its package.json and
 * `dist/` (a copy of the repository's dist/ when it is built and newer than every src/ file, else
 * src/ transpiled by esbuild).
 * @returns which dist/ was used
 */
export async function installLocal(dir: string): Promise<'dist' | 'esbuild transpile of src'> {
  const pkg = join(dir, 'node_modules', 'curvax');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  const distIndex = join(root, 'dist', 'index.js');
  const newestSrc = Math.max(...tsFiles(join(root, 'src')).map((f) => statSync(f).mtimeMs));
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= newestSrc) {
    try {
      // A copy, not a link: a rebuild of dist/ elsewhere must not pull the files from under rollup.
      cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
      if (existsSync(join(pkg, 'dist', 'index.js'))) return 'dist';
    } catch {
      // dist/ changed while it was copied: transpile src/ instead.
    }
    rmSync(join(pkg, 'dist'), { recursive: true, force: true });
  }
  const { build } = await import('esbuild');
  await build({
    entryPoints: tsFiles(join(root, 'src')), outdir: join(pkg, 'dist'), outbase: join(root, 'src'),
    bundle: false, format: 'esm', platform: 'neutral', target: 'es2022', logLevel: 'silent',
  });
  return 'esbuild transpile of src';
}

/**
 * Bundles `import * from 'curvax'` with rollup and @rollup/plugin-node-resolve (browser field,
 * no preference for Node built-ins) from a consumer directory laid out by {@link installLocal}.
 * @param dir - the consumer directory
 * @param outfile - where the bundle goes
 * @param source - the entry module's text (default: re-export all of curvax)
 */
export async function rollupBrowser(dir: string, outfile: string, source = "export * from 'curvax';\n"): Promise<BundleResult> {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const entry = join(dir, `${outfile.replace(/^.*[\\/]/, '').replace(/\.js$/, '')}-entry.js`);
  writeFileSync(entry, source);
  const t0 = performance.now();
  const warnings: string[] = [];
  const leftover: string[] = [];
  const bundle = await rollup({
    input: entry,
    plugins: [nodeResolve({ browser: true, preferBuiltins: false, rootDir: dir })],
    onwarn: (w) => {
      if (w.code === 'UNRESOLVED_IMPORT') leftover.push(`unresolved ${w.exporter ?? w.message}`);
      else warnings.push(`${w.code}: ${w.message}`);
    },
  });
  const { output } = await bundle.write({ file: outfile, format: 'es', inlineDynamicImports: true });
  await bundle.close();
  for (const chunk of output) if (chunk.type === 'chunk') leftover.push(...chunk.imports.map((i) => `import ${i}`), ...chunk.dynamicImports.map((i) => `dynamic-import ${i}`));
  return { file: outfile, bytes: statSync(outfile).size, ms: performance.now() - t0, leftover, warnings };
}
