// One conjugate-gradient recurrence: `linalg.cg` (host vectors) and `linalg.cgFixed` (tensor pytrees,
// traceable) run the same iteration, so after every number of steps k their iterates agree to
// float64 rounding (the tensor dot products may sum in another order), damped or not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linalg, tensor, type Tensor } from '../../src/index.js';
import { mm, spdSystem } from './helpers.js';

describe('one CG recurrence behind cg and cgFixed', () => {
  it('equal iterates after each of the first n steps (random SPD systems, with and without damping)', () => {
    fc.assert(
      fc.property(spdSystem(8, 1), fc.constantFrom(0, 0.5), ({ n, a, b }, damping) => {
        const A = tensor(Array.from(a), { dtype: 'float64' }).reshape([n, n]);
        const bt = tensor(Array.from(b), { dtype: 'float64' });
        const scaleOf = Math.max(1, ...Array.from(b, Math.abs));
        for (let k = 1; k <= n; k++) {
          const host = linalg.cg((v: Float64Array) => mm(a, v, n, n, 1), b, linalg.float64Space, { tol: 0, maxIter: k, damping });
          const traced = linalg.cgFixed((v: Tensor) => A.matmul(v), bt, { iterations: k, tol: 0, damping });
          const t = traced.toTypedArray() as Float64Array;
          const d = Math.max(...Array.from(host.x, (v, i) => Math.abs(v - t[i]!)));
          if (host.iterations < k) break; // the host loop stopped (breakdown or exact residual 0): cgFixed froze there too
          expect(d).toBeLessThanOrEqual(1e-9 * scaleOf * (1 + Math.max(...Array.from(host.x, Math.abs))));
        }
      }),
      { seed: 1515, numRuns: 40 },
    );
  });
});
