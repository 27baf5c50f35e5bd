import { describe, expect, it } from 'vitest';
import { CurvaxError, ShapeError, ValueError } from '../../src/errors.js';
import {
  cholesky,
  choleskySolve,
  eighSymmetric,
  identity,
  inverseSpd,
  logDetSpd,
  matmulDense,
  solveSpd,
  solveTriangular,
  transposeDense,
} from '../../src/linalg/index.js';

function caught(fn: () => unknown): CurvaxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CurvaxError) return e;
    throw e;
  }
  throw new Error('expected a throw');
}

describe('linalg errors', () => {
  it('cholesky names the failing pivot of a non-positive-definite matrix', () => {
    const a = identity(4);
    a[15] = -1.2e-4;
    const e = caught(() => cholesky(a, 4));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe('cholesky: matrix is not positive definite, got pivot 3 = -1.2e-4. Add damping.');
    expect(e.op).toBe('cholesky');
    expect(e.argument).toBe('a');
    expect(e.received).toBe('pivot 3 = -1.2e-4');
    // Indefinite: pivot 1 = 1 − 2² = −3.
    expect(() => cholesky(new Float64Array([1, 2, 2, 1]), 2)).toThrow(
      'cholesky: matrix is not positive definite, got pivot 1 = -3. Add damping.',
    );
    // Singular PSD: zero pivot.
    expect(() => cholesky(new Float64Array([1, 1, 1, 1]), 2)).toThrow(/got pivot 1 = 0\. Add damping\./);
    expect(() => cholesky(new Float32Array([-2]), 1)).toThrow(ValueError);
  });

  it('rejects non-symmetric and non-finite matrices', () => {
    expect(() => cholesky(new Float64Array([2, 1, 0, 2]), 2)).toThrow(
      'cholesky: matrix must be symmetric, got a[1,0] = 0 but a[0,1] = 1.',
    );
    expect(() => eighSymmetric(new Float64Array([1, 2, 3, 4]), 2)).toThrow(/^eighSymmetric: matrix must be symmetric/);
    expect(() => cholesky(new Float64Array([1, NaN, NaN, 1]), 2)).toThrow(/cholesky: matrix entries must be finite, got a\[0,1\] = NaN/);
    expect(() => eighSymmetric(new Float64Array([Infinity]), 1)).toThrow(ValueError);
    // Round-off asymmetry is tolerated (and averaged away).
    expect(() => cholesky(new Float64Array([2, 1, 1 + 1e-15, 2]), 2)).not.toThrow();
  });

  it('solveSpd validates damping and reports not-PD under its own name', () => {
    const a = new Float64Array([1, 0, 0, -0.5]);
    const b = new Float64Array([1, 1]);
    for (const damping of [-1e-3, NaN, Infinity, -Infinity]) {
      const e = caught(() => solveSpd(a, b, 2, { damping }));
      expect(e).toBeInstanceOf(ValueError);
      expect(e.op).toBe('solveSpd');
      expect(e.argument).toBe('damping');
      expect(e.message).toMatch(/^solveSpd: damping must be finite and >= 0, got /);
    }
    expect(() => solveSpd(a, b, 2)).toThrow('solveSpd: matrix is not positive definite, got pivot 1 = -0.5. Add damping.');
    const x = solveSpd(a, b, 2, { damping: 1 });
    expect(x[0]).toBeCloseTo(0.5, 15);
    expect(x[1]).toBeCloseTo(2, 15);
    expect(() => inverseSpd(a, 2)).toThrow(/^inverseSpd: matrix is not positive definite/);
    expect(() => logDetSpd(a, 2)).toThrow(/^logDetSpd: matrix is not positive definite/);
  });

  it('length mismatches throw ShapeError with the expected size', () => {
    const l = identity(4);
    const e = caught(() => choleskySolve(l, new Float64Array(10), 4, 3));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('choleskySolve: b must have n*nrhs = 12 entries, got 10.');
    expect(e.op).toBe('choleskySolve');
    expect(e.argument).toBe('b');
    expect(() => cholesky(new Float64Array(5), 2)).toThrow('cholesky: a must have n*n = 4 entries, got 5.');
    expect(() => choleskySolve(new Float64Array(3), new Float64Array(2), 2)).toThrow(ShapeError);
    expect(() => solveTriangular(l, new Float64Array(3), 4)).toThrow(/^solveTriangular: b must have n\*nrhs = 4/);
    expect(() => solveSpd(l, new Float64Array(4), 4, { nrhs: 2 })).toThrow(/^solveSpd: b must have n\*nrhs = 8/);
    expect(() => eighSymmetric(new Float64Array(3), 2)).toThrow(ShapeError);
    expect(() => matmulDense(new Float64Array(6), new Float64Array(5), 2, 3, 2)).toThrow('matmulDense: b must have k*n = 6 entries, got 5.');
    expect(() => transposeDense(new Float64Array(5), 2, 3)).toThrow(ShapeError);
  });

  it('invalid dimensions throw ValueError', () => {
    expect(() => identity(-1)).toThrow('identity: n must be a non-negative integer, got -1.');
    expect(() => cholesky(new Float64Array(4), 1.5)).toThrow(ValueError);
    expect(() => choleskySolve(identity(2), new Float64Array(2), 2, 0.5)).toThrow(/choleskySolve: nrhs must be/);
  });

  it('solveTriangular rejects a singular triangular matrix', () => {
    const e = caught(() => solveTriangular(new Float64Array([1, 0, 3, 0]), new Float64Array([1, 1]), 2));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe('solveTriangular: triangular matrix is singular, got diagonal 1 = 0.');
  });
});
