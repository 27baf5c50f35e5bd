// Global test setup: fixed fast-check seed so property tests never flake.
import fc from 'fast-check';

const seed = Number(process.env['FC_SEED'] ?? 20261125);
fc.configureGlobal({ seed, numRuns: Number(process.env['FC_RUNS'] ?? 25) });

// curvax/testing matchers: expect(x).toBeAllClose(y), expect(t).toBeTreeAllClose(u).
import { expect } from 'vitest';
import { registerMatchers, type CurvaxMatchers } from '../src/testing/assertions.js';

registerMatchers(expect);

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CurvaxMatchers<T> {}
}
