// Every example runs to completion (they are also type-checked by tsc).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const dir = join(import.meta.dirname, '..', 'examples');
const files = readdirSync(dir).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort();

describe('examples', () => {
  it('there are examples', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    it(`${f} runs`, async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        await import(pathToFileURL(join(dir, f)).href);
        expect(log).toHaveBeenCalled();
      } finally {
        log.mockRestore();
      }
    });
  }
});
