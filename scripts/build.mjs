// Builds dist/ (ES modules, .d.ts and declaration maps into src/) from src/ with tsconfig.build.json.
//
//   node scripts/build.mjs               clean build; fails on any type error (`npm run build`)
//   node scripts/build.mjs --if-changed  the same, skipped when dist/ was built from exactly the
//                                        current sources (`prepack`, so `npm pack` after a build
//                                        does not build again)
//   node scripts/build.mjs --prepare     `prepare` (after `npm ci`/`npm install` in a clone): as
//                                        --if-changed, but type errors are reported without failing
//                                        the install (dist/ is still emitted)
//
// "The current sources" is a hash of every file under src/, the tsconfig files and the
// TypeScript version, recorded next to the build when it succeeds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(root, 'node_modules', '.cache', 'curvax-build-hash');
const prepare = process.argv.includes('--prepare');
const ifChanged = prepare || process.argv.includes('--if-changed');
const require = createRequire(import.meta.url);

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.error('curvax build: the `typescript` dev dependency is missing; run `npm ci` (without --omit=dev) first.');
  process.exit(1);
}

/** Every file under `dir`, sorted. */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

function sourceHash() {
  const h = createHash('sha256');
  h.update(`typescript ${require('typescript/package.json').version}\n`);
  for (const f of [join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json'), ...files(join(root, 'src'))]) {
    h.update(`${relative(root, f)}\n`).update(readFileSync(f)).update('\n');
  }
  return h.digest('hex');
}

const hash = sourceHash();
if (ifChanged && existsSync(join(dist, 'index.js')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
  console.log('curvax: dist/ is up to date with src/');
  process.exit(0);
}

rmSync(dist, { recursive: true, force: true });
rmSync(stamp, { force: true });
const t0 = Date.now();
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (r.status === 0) {
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${hash}\n`); // the sources as read before the build started
  console.log(`curvax: built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(0);
}
if (prepare && existsSync(join(dist, 'index.js'))) {
  console.warn('curvax: dist/ was emitted with the type errors above; `npm run build` fails on them.');
  process.exit(0);
}
console.error('curvax build failed');
process.exit(1);
