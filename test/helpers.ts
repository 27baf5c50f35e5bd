// Small float64 helpers shared by the core tests.
import { expect } from 'vitest';
import { random, tree, type Tensor } from '../src/index.js';

export const f64 = { dtype: 'float64' } as const;

export function rand(seed: number, shape: number[]): Tensor {
  return random.normal(random.key(seed), shape, f64);
}

export function flat(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as Float64Array);
}

export function expectClose(a: Tensor | number, b: Tensor | number, tol = 1e-9): void {
  const x = typeof a === 'number' ? [a] : flat(a);
  const y = typeof b === 'number' ? [b] : flat(b);
  if (typeof a !== 'number' && typeof b !== 'number') expect(a.shape).toEqual(b.shape);
  expect(x.length).toBe(y.length);
  const scale = Math.max(1, ...y.map(Math.abs));
  x.forEach((v, i) => {
    if (!(Math.abs(v - y[i]!) <= tol * scale)) {
      throw new Error(`mismatch at ${i}: ${v} vs ${y[i]} (tol ${tol * scale})`);
    }
  });
}

export function expectTreeClose(a: unknown, b: unknown, tol = 1e-9): void {
  const la = tree.leaves(a as any) as Tensor[];
  const lb = tree.leaves(b as any) as Tensor[];
  expect(tree.structure(a as any).toString()).toBe(tree.structure(b as any).toString());
  la.forEach((x, i) => expectClose(x, lb[i]!, tol));
}

/** The error `f` throws (fails the test when it does not throw). */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
