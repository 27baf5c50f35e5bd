import { describe, expect, it } from 'vitest';
import { cos, customJvp, customVjp, exp, mul, sin, stopGradient, take, tensor, type Tensor } from '../../src/index.js';
import { CheckError, checkGrads } from '../../src/testing/index.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
const x = f64([0.3, 1.2, -0.7]);

/** Runs `fn` and returns the CheckError it throws (fails the test when it does not throw one). */
function caught(fn: () => void): CheckError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CheckError) return e;
    throw e;
  }
  throw new Error('expected checkGrads to throw a CheckError, but it passed');
}

describe('checkGrads accepts correct derivatives', () => {
  it('smooth functions up to order 3', () => {
    checkGrads((a: Tensor) => a.sin().mul(a), [x], { order: 3 });
    checkGrads((a: Tensor, b: Tensor) => a.matmul(b).tanh(), [f64([[0.1, 0.2], [0.3, -0.4]]), f64([[1, 2], [-0.5, 0.25]])], { order: 2 });
  });
  it('pytree arguments and outputs; integer leaves are held fixed', () => {
    const params = { w: f64([0.5, -1]), b: [f64([0.1])] };
    const idx = tensor([1, 0, 1], { dtype: 'int32' });
    checkGrads((p: typeof params, i: Tensor) => ({ y: take(p.w, i).mul(p.b[0]!).exp(), z: [p.w.square()] }), [params, idx], { order: 2 });
  });
  it('float32 arguments are promoted to float64', () => {
    checkGrads((a: Tensor) => a.exp().sum(), [tensor([0.1, 0.2], { dtype: 'float32' })], { order: 2 });
  });
  it('a function returning float32 values gets a float32 step and tolerance', () => {
    checkGrads((a: Tensor) => a.sin().cast('float32'), [x]);
  });
  it('non-float outputs and empty tensors are ignored', () => {
    checkGrads((a: Tensor) => [a.argmax(), a.square()], [x]);
    checkGrads((a: Tensor) => a.exp(), [tensor(new Float64Array(0), { shape: [0, 2] })], { order: 2 });
  });
  it('a correct custom JVP passes', () => {
    const mySin = customJvp((a: Tensor) => sin(a), ([a], [t]) => [sin(a), mul(t, cos(a))]);
    checkGrads(mySin, [x], { order: 2 });
  });
});

describe('checkGrads catches wrong rules', () => {
  it('a wrong JVP rule (built with customJvp) fails in forward mode, naming the function and output', () => {
    const badSin = customJvp((a: Tensor) => sin(a), ([a], [t]) => [sin(a), mul(t, cos(a).mul(1.01))]);
    const e = caught(() => checkGrads(badSin, [x], { modes: ['fwd'] }));
    expect(e.check).toBe('grads');
    expect(e.message).toMatch(/JVP does not match central finite differences/);
    expect(e.message).toMatch(/derivative order 1 of 1/);
    expect(e.message).toMatch(/output 0 f64\[3\]/);
    expect(e.message).toMatch(/worst at \[\d\]: jvp .*, finite difference /);
  });
  it('the same wrong rule fails the adjointness check in reverse mode', () => {
    const badSin = customJvp((a: Tensor) => sin(a), ([a], [t]) => [sin(a), mul(t, cos(a).mul(1.01))]);
    const e = caught(() => checkGrads(badSin, [x], { modes: ['rev'] }));
    expect(e.message).toMatch(/VJP is not the adjoint/);
  });
  it('a rule with the wrong sign fails', () => {
    const badExp = customJvp((a: Tensor) => exp(a), ([a], [t]) => [exp(a), mul(t, exp(a)).neg()]);
    expect(() => checkGrads(badExp, [x])).toThrow(CheckError);
  });
  it('a rule that is right to first order but has a wrong second derivative passes order 1 and fails order 2', () => {
    // d sin = cos·t, but stopGradient hides cos from the second derivative.
    const sin1 = customJvp((a: Tensor) => sin(a), ([a], [t]) => [sin(a), mul(t, stopGradient(cos(a)))]);
    checkGrads(sin1, [x], { order: 1 });
    const e = caught(() => checkGrads(sin1, [x], { order: 2, modes: ['fwd'] }));
    expect(e.message).toMatch(/function: jvp\(f\)\s+\(derivative order 2 of 2\)/);
    expect(() => checkGrads(sin1, [x], { order: 2, modes: ['rev'] })).toThrow(/vjp\(f\).*order 2 of 2/s);
  });
  it('a wrong custom VJP fails the reverse-mode check', () => {
    const badSquare = customVjp(
      (a: Tensor) => a.square(),
      (a: Tensor) => [a.square(), [a]],
      (res: Tensor[], ct: Tensor) => [ct.mul(res[0]!).mul(3)],
    );
    expect(() => checkGrads(badSquare, [x], { modes: ['rev'] })).toThrow(/adjoint/);
  });
  it('a deliberately wrong derivative in one leaf of a pytree output is reported', () => {
    const badExp = customJvp((a: Tensor) => exp(a), ([a], [t]) => [exp(a), mul(t, exp(a)).mul(1.001)]);
    const f = (p: { u: Tensor; v: Tensor }) => ({ good: p.u.sin(), bad: badExp(p.v) });
    expect(() => checkGrads(f, [{ u: x, v: x }], { modes: ['fwd'] })).toThrow(/output 0 f64\[3\]/);
  });
  it('validates the order', () => {
    expect(() => checkGrads((a: Tensor) => a, [x], { order: 0 })).toThrow(RangeError);
  });
});
