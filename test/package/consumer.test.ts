// The package as a user gets it: `npm pack` (prepack builds dist/ unless it is current), a fresh
// consumer project installs the tarball (fast-check arrives as a peer, no manual step), plain Node
// ESM imports `curvax` and every subpath and runs the README quickstart (numbers identical to
// this checkout's), a `curvax/testing` property test passes and rejects a wrong Fisher, and the
// consumer type-checks under `tsc --strict` (nodenext without DOM lib, bundler with `using`) with
// TypeScript 5.9 (this repository's), 6 and 7.
//
// Needs npm and the registry (or npm's cache) for fast-check, fp-ts and TypeScript 6/7; those
// TypeScript installs are cached under the OS temp folder (curvax-ts-cache/<major>).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
/** execFile, with the command's stdout and stderr in the error message when it fails. */
async function run(cmd: string, args: string[], opts: Parameters<typeof exec>[2] & { cwd: string }): Promise<{ stdout: string; stderr: string }> {
  try {
    const r = await exec(cmd, args, { maxBuffer: 64 << 20, ...opts, encoding: 'utf8' });
    return { stdout: String(r.stdout), stderr: String(r.stderr) };
  } catch (e) {
    const x = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) failed:\n${String(x.stdout ?? '').slice(-4000)}\n${String(x.stderr ?? '').slice(-4000)}`);
  }
}
const root = join(import.meta.dirname, '..', '..');
const fixture = join(import.meta.dirname, 'consumer');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quiet = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const env = { ...process.env, CURVAX_BACKEND: 'wasm', npm_config_update_notifier: 'false' };
const DEV_ONLY = ['gpu.js', 'webgpu', 'gl', '@tensorflow', '@jax-js', 'playwright-core', 'vega', 'vega-lite', 'vitest', 'typescript', 'tsx', 'typedoc', 'esbuild', 'rollup'];

/** The ```ts block under the README's "## Quickstart" heading. */
function readmeQuickstart(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /^## Quickstart\n[\s\S]*?```ts\n([\s\S]*?)```/m.exec(readme);
  if (!m) throw new Error('README.md has no ```ts block under "## Quickstart"');
  // Appended: the results as JSON (tensors as nested arrays), to compare consumer and checkout.
  return `${m[1]}\nexport const result = JSON.stringify({ perExample, hvp }, (_k, v: unknown) => (v !== null && typeof v === 'object' && 'toArray' in v && typeof v.toArray === 'function' ? v.toArray() : v));\n`;
}

/** Bytes under `dir` (files' sizes, links not followed). */
function bytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? bytes(p) : e.isFile() ? statSync(p).size : 0;
  }
  return n;
}
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Installs typescript@<major> into the shared cache (once) and returns its tsc script. */
async function typescriptBin(major: 6 | 7): Promise<string> {
  const dir = join(tmpdir(), 'curvax-ts-cache', String(major));
  const pkg = join(dir, 'node_modules', 'typescript', 'package.json');
  if (!existsSync(pkg) || !String(JSON.parse(readFileSync(pkg, 'utf8')).version).startsWith(`${major}.`)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    await run(npm, ['install', `typescript@${major}`, ...quiet], { cwd: dir, env });
  }
  return join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
}

describe('the packed package in a fresh consumer project', () => {
  let tmp = '';
  let app = '';
  let tarball = '';
  const tsc = new Map<string, Promise<string>>();
  const timings: string[] = [];

  beforeAll(async () => {
    const t0 = performance.now();
    tmp = mkdtempSync(join(tmpdir(), 'curvax-consumer-'));
    // TypeScript 6 and 7 install while the tarball is packed.
    tsc.set('5.9', Promise.resolve(createRequire(import.meta.url).resolve('typescript/bin/tsc')));
    tsc.set('6', typescriptBin(6));
    tsc.set('7', typescriptBin(7));
    for (const p of tsc.values()) p.catch(() => {}); // awaited in the type-check tests
    // The build prepack runs (a no-op when dist/ is current, as after CI's build step), run
    // first so that type errors show in the failure message.
    await run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-changed'], { cwd: root, env });
    await run(npm, ['pack', '--pack-destination', tmp, '--loglevel=error'], { cwd: root, env });
    const packed = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = join(tmp, packed[0]!);
    timings.push(`pack ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    app = join(tmp, 'app');
    cpSync(fixture, app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'curvax-consumer', private: true, type: 'module' }, null, 2));
    writeFileSync(join(app, 'src', 'quickstart.ts'), readmeQuickstart());
    const t1 = performance.now();
    await run(npm, ['install', tarball, ...quiet], { cwd: app, env });
    timings.push(`install ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }, 300_000);

  afterAll(() => {
    console.log(`package test: ${timings.join(', ')}`);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('installs curvax and its runtime peers only; no dev-only or GPU packages', () => {
    const tgz = statSync(tarball).size;
    const nm = join(app, 'node_modules');
    const top = readdirSync(nm).filter((f) => !f.startsWith('.'));
    console.log(`tarball ${(tgz / 1024).toFixed(0)} KiB; consumer node_modules ${mb(bytes(nm))} (${top.join(', ')})`);
    expect(top).toContain('curvax');
    expect(top).toContain('fast-check'); // a peer dependency, installed without a manual step
    expect(top.filter((p) => DEV_ONLY.includes(p))).toEqual([]);
    expect(Object.keys(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).dependencies)).toEqual(['curvax']);
    const shipped = readdirSync(join(nm, 'curvax')).sort();
    expect(shipped).toEqual(['LICENSE', 'README.md', 'dist', 'package.json', 'src']);
    expect(existsSync(join(nm, 'curvax', 'dist', 'index.d.ts'))).toBe(true);
  });

  // Two consumer configurations per TypeScript version: nodenext with lib es2022 only (no DOM, no
  // Symbol.dispose: the published types must not need either), and bundler with lib esnext + DOM,
  // where `using` works on tensors. TypeScript 5.9 also emits the JS that plain Node runs below.
  const configs = ['tsconfig.json', 'tsconfig.bundler.json'];
  for (const version of ['5.9', '6', '7']) {
    it(`type-checks under tsc --strict with TypeScript ${version} (nodenext and bundler)`, async () => {
      const bin = await tsc.get(version)!;
      const { stdout: v } = await run(process.execPath, [bin, '--version'], { cwd: app });
      expect(v).toMatch(new RegExp(`Version ${version.replace('.', '\\.')}`));
      const failures: string[] = [];
      await Promise.all(configs.map(async (c) => {
        try {
          await run(process.execPath, [bin, '-p', c, ...(version === '5.9' ? [] : ['--noEmit'])], { cwd: app, env });
        } catch (e) {
          failures.push(`${c}: ${(e as Error).message}`);
        }
      }));
      expect(failures.join('\n')).toBe('');
    }, 180_000);
  }

  it('plain Node ESM runs the README quickstart, every subpath and a curvax/testing property test', async () => {
    if (!existsSync(join(app, 'build', 'api.js'))) await run(process.execPath, [await tsc.get('5.9')!, '-p', 'tsconfig.json'], { cwd: app, env });
    const t0 = performance.now();
    const { stdout } = await run(process.execPath, ['run.mjs'], { cwd: app, env });
    timings.push(`consumer run ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out.backend).toBe('wasm');
    expect(out.sum).toBe(6);
    // gpu.js is opt-in: without it, the gpujs backend says how to install it.
    expect(out.gpujsError).toMatch(/^BackendUnavailableError: .*gpu\.js.*npm install gpu\.js/);
    expect(out.api).toEqual({ taken: [30, 10], lossDecreased: true, raveled: [1, 2, 3], inverse: '0.25,0,0,0.0625', close: true, entries: ['function', 'function'] });
    expect(out.identity.wrongFisherReport).toMatch(/second Bartlett identity.*FAILS/);

    // The same quickstart in this checkout (src/, through the `curvax-source` condition) gives
    // bit-identical numbers.
    const local = join(root, 'out', 'package-test');
    mkdirSync(local, { recursive: true });
    writeFileSync(join(local, 'quickstart.ts'), readmeQuickstart());
    const mine = (await import(pathToFileURL(join(local, 'quickstart.ts')).href)) as { result: string };
    const q = JSON.parse(out.quickstart) as { perExample: { w: number[][][]; b: number[][] }; hvp: { w: number[][]; b: number[] } };
    expect(q.perExample.w).toHaveLength(8);
    expect(q.hvp.w.flat().every(Number.isFinite)).toBe(true);
    expect(out.quickstart).toBe(mine.result);
  }, 180_000);
});
