import { describe, expect, it } from 'vitest';
import { tensor, zeros, type Tensor } from '../../src/index.js';
import { CheckError, checkBatching } from '../../src/testing/index.js';

const f64 = (x: number[] | number[][] | number[][][]) => tensor(x, { dtype: 'float64' });
const xs = f64([[1, 2, 3], [4, 5, 6]]);

describe('checkBatching', () => {
  it('accepts vmap of correct functions, mapped and unmapped arguments', () => {
    checkBatching((a: Tensor) => a.sum(), [xs], 0);
    checkBatching((a: Tensor) => a.exp(), [xs], 1);
    checkBatching((a: Tensor, b: Tensor) => a.mul(b).sum(), [xs, f64([1, 2, 3])], [0, null]);
    checkBatching((a: Tensor, b: Tensor) => a.matmul(b), [xs, f64([[[1], [2], [3]], [[0], [1], [0]]])], [0, 0]);
    checkBatching((a: Tensor) => a.sum(), [xs], -1);
  });
  it('supports pytrees, outAxes and unmapped outputs', () => {
    const p = { w: xs, b: f64([0.5, 1.5]) };
    checkBatching((q: typeof p) => ({ y: q.w.sum(0).add(q.b.sum()) }), [p], [{ b: 0, w: 0 }]);
    checkBatching((a: Tensor) => a.square(), [xs], 0, { outAxes: 1 });
  });
  // Core bug B2 (see the conformance report): null leaves inside a pytree AxisSpec are read as
  // empty tree nodes, so per-leaf `null` in outAxes/inAxes trees is rejected.
  it('supports per-leaf null inside an outAxes tree (regression: B2)', () => {
    checkBatching((a: Tensor, c: Tensor) => [a.sin(), c.exp()], [xs, f64([1, 2])], [0, null], { outAxes: [0, null] });
  });
  it('handles batch size 0 by comparing shapes', () => {
    checkBatching((a: Tensor) => a.sum(), [zeros([0, 3], 'float64')], 0);
    checkBatching((a: Tensor, b: Tensor) => a.add(b), [zeros([3, 0], 'float64'), f64([1, 2, 3])], [1, null], { outAxes: 1 });
  });
  it('needs axisSize when nothing is mapped', () => {
    expect(() => checkBatching((a: Tensor) => a, [xs], null)).toThrow(/axisSize/);
    checkBatching((a: Tensor) => a.exp(), [xs], [null], { axisSize: 2 });
  });
  // Core bug B1: vmap reads `inAxes: null` with `??`, so a single null spec means axis 0.
  it('inAxes: null for all arguments broadcasts them (regression: B1)', () => {
    checkBatching((a: Tensor) => a.exp(), [xs], null, { axisSize: 3 });
  });
  it('fails on a function that is not batch-consistent (an impure counter)', () => {
    let calls = 0;
    const impure = (a: Tensor) => a.add(calls++);
    let err: unknown;
    try {
      checkBatching(impure, [xs], 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckError);
    expect((err as CheckError).check).toBe('batching');
    expect((err as CheckError).message).toMatch(/differs from stacking f over 2 slice\(s\)/);
    expect((err as CheckError).message).toMatch(/worst at \[\d,\d\]: vmap \d, stacked slices \d/);
  });
  it('fails when an unmapped output varies across slices', () => {
    expect(() => checkBatching((a: Tensor) => a.sum(), [xs], 0, { outAxes: null })).toThrow();
  });
});
