// Fixtures for the tensor-level linear algebra tests: random well-conditioned SPD batches from
// fast-check, finite differences and inner products in float64.
import fc from 'fast-check';
import { expect } from 'vitest';
import { tensor, type Tensor } from '../../src/index.js';
import { entries, spdFrom } from './helpers.js';

export const F64 = { dtype: 'float64' } as const;

/** A = BᵀB/n + I: eigenvalues in [1, 1 + n], so cond(A) ≤ n + 1. */
export function wellConditioned(bm: Float64Array, n: number): Float64Array {
  const a = spdFrom(bm, n, 0);
  for (let i = 0; i < a.length; i++) a[i] = a[i]! / n;
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + 1;
  return a;
}

/** A batch [batch, n, n] of well-conditioned SPD matrices plus two free n×n directions. */
export function spdCase(maxN = 5, batch = 1): fc.Arbitrary<{ n: number; a: Tensor; d: Tensor; e: Tensor }> {
  return fc.integer({ min: 1, max: maxN }).chain((n) =>
    fc.tuple(fc.array(entries(n * n), { minLength: batch, maxLength: batch }), entries(batch * n * n), entries(batch * n * n)).map(([bs, d, e]) => {
      const data = new Float64Array(batch * n * n);
      bs.forEach((bm, i) => data.set(wellConditioned(bm, n), i * n * n));
      const shape = batch === 1 ? [n, n] : [batch, n, n];
      return { n, a: tensor(data, F64).reshape(shape), d: tensor(d, F64).reshape(shape), e: tensor(e, F64).reshape(shape) };
    }),
  );
}

/** Central finite difference of `f` at `x` along `d` (float64). */
export function fd(f: (x: Tensor) => Tensor, x: Tensor, d: Tensor, h = 1e-6): Tensor {
  return f(x.add(d.mul(h))).sub(f(x.sub(d.mul(h)))).div(2 * h);
}

export const inner = (a: Tensor, b: Tensor): number => a.mul(b).sum().item();

/** max |a − b| ≤ tol·max(1, max |b|). */
export function close(a: Tensor, b: Tensor, tol: number): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.toTypedArray(), y = b.toTypedArray();
  let scale = 1, err = 0;
  for (let i = 0; i < y.length; i++) { scale = Math.max(scale, Math.abs(y[i]!)); err = Math.max(err, Math.abs(x[i]! - y[i]!)); }
  expect(err).toBeLessThanOrEqual(tol * scale);
}

/** A tensor from rows (float64). */
export const m64 = (rows: number[][]): Tensor => tensor(rows, F64);

/** Matrix `i` of a batch `[B, n, n]`. */
export const at = (x: Tensor, i: number): Tensor => x.slice([i], [1]).reshape(x.shape.slice(1));

/** The constant n×n float64 matrix f(i, j). */
export function matrix(n: number, f: (i: number, j: number) => number): Tensor {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = f(i, j);
  return tensor(d, F64).reshape([n, n]);
}
