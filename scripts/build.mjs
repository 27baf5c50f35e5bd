// Builds dist/ (ES modules + .d.ts) from src/ with tsconfig.build.json.
//
//   node scripts/build.mjs              clean build; fails on any type error (`npm run build`, `prepack`)
//   node scripts/build.mjs --prepare    `prepare` (after `npm ci`/`npm install` in a clone): skips the
//                                       build when dist/ is newer than every source, and reports type
//                                       errors without failing the install (dist/ is still emitted)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(root, 'node_modules', '.cache', 'curvax-build-stamp');
const prepare = process.argv.includes('--prepare');

/** Latest modification time (ms) of the files under `dir`. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (prepare && existsSync(stamp) && existsSync(join(dist, 'index.js'))) {
  const sources = Math.max(newest(join(root, 'src')), ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs));
  if (statSync(stamp).mtimeMs >= sources) {
    console.log('curvax: dist/ is up to date');
    process.exit(0);
  }
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('curvax build: the `typescript` dev dependency is missing; run `npm ci` (without --omit=dev) first.');
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
const t0 = Date.now();
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
const ok = r.status === 0;
if (ok) {
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${new Date(t0).toISOString()}\n`);
  utimesSync(stamp, t0 / 1000, t0 / 1000); // the sources as of the start of the build
  console.log(`curvax: built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(0);
}
if (prepare && existsSync(join(dist, 'index.js'))) {
  console.warn('curvax: dist/ was emitted with the type errors above; `npm run build` fails on them.');
  process.exit(0);
}
console.error('curvax build failed');
process.exit(1);
