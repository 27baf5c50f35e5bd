// Failure reports under fast-check: identityProperty's counterexample line carries the verdict,
// assertProperty puts any checker's report in the message, and tensors print dtype, shape and values.
import fc from 'fast-check';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { arange, customJvp, jit, likelihoods, tensor, type Tensor } from '../../src/index.js';
import { assertProperty, checkGrads, identityProperty, IdentityCase, secondBartlett, tensorArb, type Family } from '../../src/testing/index.js';
import { thrown } from '../helpers.js';

const myPoisson: Family = {
  name: 'my Poisson',
  logProb: (eta, y) => y.mul(eta).sub(eta.exp()).sub(likelihoods.logFactorial(y)),
  support: arange(0, 100, 1, 'float64'),
};
const eta = fc.double({ min: -2, max: 3, noNaN: true }).map((v) => tensor(v, { dtype: 'float64' }));

describe('a failing identity inside fc.assert', () => {
  it('the thrown message carries the verdict report and the tensor value', () => {
    // a wrong candidate Fisher (1% too large): the second Bartlett property must fail
    const prop = identityProperty(eta, (t) => secondBartlett(myPoisson, t, { fisher: (e: Tensor) => e.exp().reshape([1, 1]).mul(1.01) }));
    const e = thrown(() => fc.assert(prop, { seed: 3 }));
    expect(e.message).toMatch(/Counterexample: \[Tensor\(f64\[\] -?\d[\d.e-]*\)/);
    expect(e.message).toMatch(/second Bartlett identity: .*: FAILS/);
    expect(e.message).toMatch(/✗ candidate Fisher = −E\[∇² log p\] \[1×1\]/);
    expect(e.message).toMatch(/component +estimate +reference/);
    expect(e.message).toMatch(/✓ normalization/);
    expect(e.message).not.toMatch(/Tensor\(f64\[\]\)/); // never the shape alone
  });
  it('a holding identity passes; the case hands the check the unwrapped value', () => {
    const seen: unknown[] = [];
    fc.assert(identityProperty(eta, (t) => {
      seen.push(t);
      return secondBartlett(myPoisson, t, { fisher: (e: Tensor) => e.exp().reshape([1, 1]) });
    }), { seed: 4, numRuns: 5 });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((t) => (t as Tensor).dtype === 'float64')).toBe(true);
  });
  it('fc.check reports the case, printing the value and then the verdict', () => {
    const out = fc.check(identityProperty(eta, (t) => secondBartlett(myPoisson, t, { fisher: (e: Tensor) => e.exp().reshape([1, 1]).mul(0.9) })), { seed: 5 });
    expect(out.failed).toBe(true);
    const c = out.counterexample![0];
    expect(c).toBeInstanceOf(IdentityCase);
    expect(c.verdict!.holds).toBe(false);
    expect(String(c)).toBe(`${String(c.value)}\n${c.verdict!.detail}\n`);
  });
});

describe('assertProperty', () => {
  // a custom rule with the wrong derivative: d/dx sin x claimed to be 1.1·cos x
  const badSin = customJvp((x: Tensor) => x.sin(), ([x], [t]) => [x!.sin(), t!.mul(x!.cos()).mul(1.1)]);
  it("puts checkGrads' report in the thrown message", () => {
    const prop = fc.property(tensorArb({ shape: [2], dtype: 'float64' }), (x) => checkGrads(badSin, [x], { order: 1 }));
    const e = thrown(() => assertProperty(prop, { seed: 6 }));
    expect(e.message).toMatch(/Counterexample: \[Tensor\(f64\[2\] \[/);
    expect(e.message).toMatch(/Got CheckError: checkGrads/);
  });
  it('passes through a passing property', () => {
    assertProperty(fc.property(tensorArb({ shape: [2], dtype: 'float64' }), (x) => checkGrads((a: Tensor) => a.sin(), [x], { order: 1 })), { seed: 7, numRuns: 3 });
  });
});

describe('Tensor toString / inspect', () => {
  it('small tensors print dtype, shape and every value', () => {
    expect(String(tensor([[1, 2], [3, 0.1]]))).toBe('Tensor(f32[2,2] [[1, 2], [3, 0.1]])');
    expect(String(tensor(0.1, { dtype: 'float64' }))).toBe('Tensor(f64[] 0.1)');
    expect(String(tensor([true, false]))).toBe('Tensor(bool[2] [true, false])');
    expect(String(tensor([-0, NaN, -Infinity], { dtype: 'float64' }))).toBe('Tensor(f64[3] [-0, NaN, -Infinity])');
    expect(String(tensor(new Int32Array([7, -3])))).toBe('Tensor(i32[2] [7, -3])');
    expect(String(tensor(new Float64Array(0), { shape: [0, 3] }))).toBe('Tensor(f64[0,3] [])');
  });
  it('float32 values print as the shortest decimal that reads back as the same float32', () => {
    const v = Float32Array.from([1 / 3, 1e-8, 16777217]);
    const s = String(tensor(v));
    expect(s).toBe('Tensor(f32[3] [0.33333334, 1e-8, 16777216])');
    const back = s.slice(s.indexOf(' [') + 2, -2).split(', ').map(Number);
    expect(Array.from(Float32Array.from(back))).toEqual(Array.from(v));
  });
  it('above 20 elements the first values and a count', () => {
    expect(String(tensor(new Float64Array(20).fill(1)))).toMatch(/^Tensor\(f64\[20\] \[1(, 1){19}\]\)$/);
    expect(String(arange(0, 21, 1, 'float64'))).toBe('Tensor(f64[21] [0, 1, 2, 3, 4, 5, … 15 more])');
  });
  it('tracers and disposed tensors print without values', () => {
    let inside = '';
    jit((x: Tensor) => {
      inside = String(x);
      return x.mul(2);
    })(tensor([1, 2]));
    expect(inside).toBe('Tensor(f32[2] traced)');
    const d = tensor([1, 2]);
    d.dispose();
    expect(String(d)).toBe('Tensor(f32[2] disposed)');
  });
  it('util.inspect and fc.stringify print the same text, also nested in objects', () => {
    const t = tensor([1.5, 2], { dtype: 'float64' });
    expect(inspect(t)).toBe('Tensor(f64[2] [1.5, 2])');
    expect(inspect({ w: t })).toBe('{ w: Tensor(f64[2] [1.5, 2]) }');
    expect(fc.stringify([t])).toBe('[Tensor(f64[2] [1.5, 2])]');
  });
});
