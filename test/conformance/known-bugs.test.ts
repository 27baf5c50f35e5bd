/**
 * Deterministic regression tests for core bugs found by the conformance suite. Each is
 * `it.fails` while the bug exists: when a fix lands the test starts failing, which is the
 * cue to turn it into a plain `it` and drop the matching `knownBugs` entry in op-specs.ts.
 * Ids match the conformance report.
 */
import { describe, expect, it } from 'vitest';
import { grad, ones, pow, softplus, tensor, vmap, type Tensor } from '../../src/index.js';
import { checkGrads } from '../../src/testing/index.js';

const s64 = (v: number) => tensor(v, { dtype: 'float64' });

describe('fixed core bugs (regression tests)', () => {
  // B1: `vmap(f, { inAxes: null })` — `options.inAxes ?? 0` turns a single null spec into 0.
  it('B1: inAxes: null (all arguments unmapped) broadcasts instead of mapping axis 0', () => {
    const y = vmap((x: Tensor) => x.mul(2), { inAxes: null, axisSize: 3 })(ones([2], 'float64'));
    expect([...y.shape]).toEqual([3, 2]);
  });

  // B2: null leaves inside a pytree AxisSpec are read as empty tree nodes, so they never match a tensor leaf.
  it('B2: a pytree inAxes can hold null for an unmapped leaf', () => {
    const f = (p: { w: Tensor; b: Tensor }) => p.w.add(p.b);
    const y = vmap(f, { inAxes: [{ w: null, b: 0 }] })({ w: ones([2], 'float64'), b: ones([3, 2], 'float64') });
    expect([...y.shape]).toEqual([3, 2]);
  });

  // B3: softplus = max(x, 0) + log1p(exp(−|x|)); at x = 0 the AD second derivative of each
  // piece is 0 (abs'(0) = 0, sign'(0) = 0), so softplus''(0) = 0 instead of σ'(0) = 1/4.
  it("B3: softplus''(0) = 1/4", () => {
    const d2 = grad((y: Tensor) => grad((z: Tensor) => softplus(z))(y))(s64(0)).item();
    expect(d2).toBeCloseTo(0.25, 12);
  });
  it('B3: checkGrads order 2 of softplus at 0', () => {
    checkGrads(softplus, [tensor([0, 0], { dtype: 'float64' })], { order: 2 });
  });

  // B4: pow's dx rule is select(y == 0, 0, y·x^(y−1)); its derivative in y at y = 0 is then 0,
  // but ∂²(xʸ)/∂x∂y = x^(y−1)(1 + y log x) = 1/x there.
  it('B4: ∂²(xʸ)/∂x∂y at y = 0 equals 1/x', () => {
    const x = 2;
    const dxy = grad((b: Tensor) => grad((a: Tensor) => pow(a, b))(s64(x)))(s64(0)).item();
    expect(dxy).toBeCloseTo(1 / x, 12);
  });
  it('B4: checkGrads order 2 of pow at y = 0', () => {
    checkGrads(pow, [s64(2), s64(0)], { order: 2 });
  });
});
