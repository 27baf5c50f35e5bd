import { defineConfig } from 'vitest/config';

// Two projects: the whole suite on the default backend (wasm), and the backend-sensitive
// suites (conformance, transformation laws, end to end) again on the js reference backend.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'wasm', include: ['test/**/*.test.ts'], setupFiles: ['test/setup.ts'], env: { CURVAX_BACKEND: 'wasm' } },
      },
      {
        extends: true,
        test: {
          name: 'js',
          include: ['test/conformance/**/*.test.ts', 'test/laws/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/core/**/*.test.ts'],
          setupFiles: ['test/setup.ts'],
          env: { CURVAX_BACKEND: 'js' },
        },
      },
    ],
  },
});
