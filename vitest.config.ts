import { defineConfig } from 'vitest/config';

// Two projects: the whole suite on the default backend (wasm), and the backend-sensitive
// suites (conformance, transformation laws, end to end) again on the js reference backend.
export default defineConfig({
  // Inside this repository `import … from 'curvax'` (examples, tests) resolves to src/ through the
  // package's `curvax-source` export condition (tsconfig.json and the npm scripts set it too);
  // consumers get dist/. The rest are Vite's default server conditions.
  ssr: { resolve: { conditions: ['curvax-source', 'module', 'node', 'development|production'] } },
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
