// Under `jit`, cholesky and triangular_solve run as lowered steps of the executable (the same
// kernel `impl` runs, without tensor wrappers): results bit-identical to eager, and a matrix that
// is not positive definite or a singular triangle is still the typed error naming the pivot.
import { describe, expect, it } from 'vitest';
import { jit, linalg, tensor, type Tensor } from '../../src/index.js';
import { NotPositiveDefiniteError, ValueError } from '../../src/errors.js';

const spd = (n: number, dtype: 'float32' | 'float64', seed: number): Tensor => {
  const g: number[][] = [];
  for (let i = 0; i < n; i++) {
    g.push([]);
    for (let j = 0; j < n; j++) g[i]!.push(Math.sin(seed + 3 * i + 7 * j * j));
  }
  const a = g.map((row, i) => row.map((_, j) => g.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? 0.5 : 0)));
  return tensor(a, { dtype });
};

describe('jit lowers the linear-algebra primitives', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`cholesky and both triangular solves: jit = eager bit for bit (${dtype}, batched too)`, () => {
      const f = (a: Tensor, b: Tensor): Tensor[] => {
        const l = linalg.choleskyTensor(a);
        const y = linalg.triangularSolve(l, b, { lower: true });
        return [l, y, linalg.triangularSolve(l, y, { lower: true, transposeA: true }), linalg.triangularSolve(l, b, { lower: true, unitDiagonal: true })];
      };
      for (const [a, b] of [[spd(31, dtype, 1), tensor(Array.from({ length: 31 }, (_, i) => [Math.cos(i), i / 7]), { dtype })],
        [linalg.choleskyTensor(spd(5, dtype, 2)).mul(0).add(spd(5, dtype, 2)).reshape([1, 5, 5]), tensor([[[1], [2], [3], [4], [5]]], { dtype })]] as const) {
        const eager = f(a, b).map((t) => Array.from(t.toTypedArray()));
        const jf = jit(f);
        for (let rep = 0; rep < 2; rep++) expect(jf(a, b).map((t) => Array.from(t.toTypedArray()))).toEqual(eager);
      }
    });

    it(`errors under jit name the pivot or the diagonal (${dtype})`, () => {
      const chol = jit((a: Tensor) => linalg.choleskyTensor(a));
      const ok = spd(4, dtype, 3);
      expect(chol(ok).shape).toEqual([4, 4]);
      const bad = tensor([[1, 2, 0, 0], [2, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], { dtype });
      expect(() => chol(bad)).toThrow(NotPositiveDefiniteError);
      expect(() => chol(bad)).toThrow(/pivot 1/);
      const solve = jit((l: Tensor, b: Tensor) => linalg.triangularSolve(l, b, { lower: true }));
      const singular = tensor([[1, 0, 0], [5, 0, 0], [1, 2, 3]], { dtype });
      expect(() => solve(singular, tensor([1, 2, 3], { dtype }))).toThrow(ValueError);
      expect(() => solve(singular, tensor([1, 2, 3], { dtype }))).toThrow(/diagonal 1/);
    });
  }
});
