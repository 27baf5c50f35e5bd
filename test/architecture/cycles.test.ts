// Import structure: no runtime import cycle in src/, and only the package entries import src/index.ts.
// madge (TypeScript detective, the repository tsconfig) builds the graph; type-only imports are
// skipped because they are erased at run time. The fixture folder checks that madge really sees
// cycles and entry imports, so an empty result cannot come from an empty or broken graph.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const graphOf = (dir: string) => madge(path.join(root, dir), {
  fileExtensions: ['ts'],
  tsConfig: path.join(root, 'tsconfig.json'),
  detectiveOptions: { ts: { skipTypeImports: true } },
});

/** The src/ files that package.json exports name as entries (through the source condition). */
function packageEntries(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const out: string[] = [];
  for (const target of Object.values(pkg.exports)) {
    const src = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)['curvax-source'] : undefined;
    if (typeof src === 'string') out.push(path.posix.relative('src', path.posix.normalize(src)));
  }
  return out.sort();
}

describe('import structure', () => {
  it('madge detects a runtime cycle and an entry import in the fixture (and ignores a type-only back edge)', async () => {
    const g = await graphOf('test/architecture/fixtures/cycle');
    expect(Object.keys(g.obj()).sort()).toEqual(['a.ts', 'b.ts', 'c.ts', 'd.ts', 'index.ts']);
    expect(g.circular()).toEqual([['a.ts', 'b.ts']]);
    expect(g.depends('index.ts')).toEqual(['d.ts']);
    expect(g.warnings().skipped).toEqual([]);
  }, 60_000);

  it('src/ has no runtime import cycle, and only package entries import src/index.ts', async () => {
    const g = await graphOf('src');
    const files = Object.keys(g.obj());
    // the graph covers src/: every primitive, interpreter, transformation and entry
    expect(files.length).toBeGreaterThan(150);
    for (const f of ['index.ts', 'core/interpreter.ts', 'core/primitives/index.ts', 'curvature/kfac.ts', 'likelihoods/types.ts', 'optim/serialize.ts']) expect(files).toContain(f);
    expect(g.obj()['curvature/kfac.ts']!.length).toBeGreaterThan(3);
    expect(g.warnings().skipped).toEqual([]);
    expect(g.circular()).toEqual([]);
    const entries = packageEntries();
    expect(entries).toContain('index.ts');
    expect(g.depends('index.ts').filter((f) => !entries.includes(f))).toEqual([]);
  }, 120_000);
});
