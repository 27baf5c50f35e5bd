// Runs every numbered example in order (the README's main-job command until the paper
// reproduction lands).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(dir).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort();
for (const f of files) {
  console.log(`\n=== examples/${f}`);
  await import(pathToFileURL(join(dir, f)).href);
}
