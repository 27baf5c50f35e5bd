import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import {
  bitsToNormal, erf, erfc, erfinv, keyFromSeed, portableExp, portableLog, randomBits, uniformToNormal,
} from '../../src/random/bits/index.js';

// High-precision references (mpmath, 50 digits), rounded to float64.
const ERFINV_REF: ReadonlyArray<readonly [number, number]> = [
  [1e-300, 8.86226925452758e-301], [1e-10, 8.862269254527581e-11], [0.1, 0.08885599049425769],
  [0.3, 0.2724627147267543], [0.5, 0.4769362762044699], [0.7, 0.7328690779592167],
  [0.9, 1.1630871536766743], [0.99, 1.8213863677184494], [0.999, 2.3267537655135246],
  [0.999999, 3.458910737275499], [0.9999999999, 4.572824958544925], [1 - 2 ** -40, 5.05125408524939],
  [1 - 2 ** -52, 5.805018683193453], [1 - 2 ** -53, 5.8635847487551676], [-0.25, -0.2253120550121781],
  [-0.95, -1.3859038243496777], [-0.999999999999, -5.042031898572696],
];
const ERF_REF: ReadonlyArray<readonly [number, number, number]> = [
  [1e-20, 1.1283791670955125e-20, 1.0], [0.05, 0.05637197779701663, 0.9436280222029834],
  [0.5, 0.5204998778130465, 0.4795001221869535], [0.99, 0.8385080695553698, 0.1614919304446302],
  [1.0, 0.8427007929497149, 0.15729920705028513], [1.49, 0.9648978648432042, 0.03510213515679579],
  [1.5, 0.9661051464753108, 0.033894853524689274], [2, 0.9953222650189527, 0.004677734981047266],
  [3, 0.9999779095030014, 2.209049699858544e-5], [4.5, 0.9999999998033839, 1.9661604415428876e-10],
  [6, 1.0, 2.1519736712498913e-17], [10, 1.0, 2.088487583762545e-45], [26, 1.0, 5.663192408856143e-296],
];

/**
 * Independent test reference: erfc(x) = 2/sqrt(pi) e^{-x^2} * integral_0^L e^{-2xs - s^2} ds for x >= 0,
 * by composite Boole's rule (error O(h^6)) with L chosen so that the integrand is below e^{-45}.
 */
function erfcRef(x: number): number {
  const L = -x + Math.sqrt(x * x + 45);
  const n = 8000;
  const h = L / n;
  const g = (s: number): number => Math.exp(-2 * x * s - s * s);
  const w = [7, 32, 12, 32];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (w[i % 4] as number) * (i % 4 === 0 && i > 0 ? 2 : 1) * g(i * h);
  sum += 7 * g(L);
  return ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum * 2 * h) / 45;
}

const rel = (a: number, b: number): number => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));

describe('portable exp and log', () => {
  it('agree with Math.exp / Math.log to 2 ulp and handle special values', () => {
    fc.assert(fc.property(fc.double({ min: -745, max: 709.7, noNaN: true }), (x) => {
      const r = Math.exp(x);
      if (r > 1e-300) expect(rel(portableExp(x), r)).toBeLessThan(4.5e-16);
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.double({ min: 1e-320, max: 1e308, noNaN: true }), (x) => {
      const r = Math.log(x);
      expect(Math.abs(portableLog(x) - r)).toBeLessThanOrEqual(4.5e-16 * Math.max(Math.abs(r), 1e-300));
    }), { numRuns: 2000 });
    expect(portableExp(0)).toBe(1);
    expect(portableExp(800)).toBe(Infinity);
    expect(portableExp(-800)).toBe(0);
    expect(portableLog(1)).toBe(0);
    expect(portableLog(0)).toBe(-Infinity);
    expect(portableLog(-1)).toBeNaN();
    expect(portableLog(1 - 2 ** -53)).toBe(-(2 ** -53));
  });
});

describe('erf and erfc', () => {
  it('match high-precision values', () => {
    for (const [x, e, c] of ERF_REF) {
      expect(rel(erf(x), e)).toBeLessThan(1e-15);
      expect(rel(erfc(x), c)).toBeLessThan(1e-14);
      expect(erf(-x)).toBe(-erf(x));
      expect(rel(erfc(-x), 2 - c)).toBeLessThan(1e-15);
    }
  });
  it('match the independent integral reference on a sweep', () => {
    for (let x = 0; x <= 8; x += 0.0625) {
      const ref = erfcRef(x);
      // The quadrature reference itself carries ~1e-14 relative rounding error.
      expect(rel(erfc(x), ref)).toBeLessThan(5e-14);
      expect(Math.abs(erf(x) - (1 - ref))).toBeLessThan(5e-14);
    }
  });
});

describe('erfinv', () => {
  it('matches high-precision values', () => {
    for (const [x, y] of ERFINV_REF) {
      expect(rel(erfinv(x), y)).toBeLessThan(1e-14);
      expect(erfinv(-x)).toBe(-erfinv(x));
    }
    expect(erfinv(1)).toBe(Infinity);
    expect(erfinv(-1)).toBe(-Infinity);
    expect(erfinv(0)).toBe(0);
    expect(erfinv(1.5)).toBeNaN();
    expect(erfinv(NaN)).toBeNaN();
  });
  it('has |error| <= 1e-9 on (-1, 1) against a Newton-refined reference', () => {
    const xs: number[] = [];
    for (let i = 1; i < 1000; i++) xs.push(i / 1000);
    for (let e = 1; e <= 53; e += 0.25) xs.push(1 - 2 ** -e);
    let worst = 0;
    for (const x of xs) {
      const y = erfinv(x);
      // One Newton step on erfc(y) = 1 - x with the independent reference (quadratic: error after ~ 1e-20).
      const residual = 1 - x - erfcRef(y);
      const yRef = y - residual / ((2 / Math.sqrt(Math.PI)) * Math.exp(-y * y));
      worst = Math.max(worst, Math.abs(y - yRef));
      expect(erfinv(-x)).toBe(-y);
    }
    expect(worst).toBeLessThan(1e-9);
  });
});

describe('normal samples', () => {
  const n = 100_000;
  const phi = (z: number): number => 0.5 * erfc(-z / Math.SQRT2);
  const ksStatistic = (z: ArrayLike<number>): number => {
    const s = Float64Array.from(z).sort();
    let d = 0;
    s.forEach((v, i) => { d = Math.max(d, (i + 1) / s.length - phi(v), phi(v) - i / s.length); });
    return d;
  };
  const ksCritical = 1.9495 / Math.sqrt(n); // sqrt(ln(2/alpha)/2) / sqrt(n), alpha = 1e-3
  it.each(['float32', 'float64'] as const)('%s: moments within 6 sigma and KS below the 1e-3 critical value', (dtype) => {
    const words = dtype === 'float32' ? n : 2 * n;
    const z = bitsToNormal(randomBits(keyFromSeed(2024), words), dtype);
    expect(z).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
    expect(z.length).toBe(n);
    let m = 0;
    for (const v of z) m += v;
    m /= n;
    let v2 = 0, v3 = 0, v4 = 0;
    for (const v of z) { v2 += (v - m) ** 2; v3 += (v - m) ** 3; v4 += (v - m) ** 4; }
    expect(Math.abs(m)).toBeLessThan(6 / Math.sqrt(n));
    expect(Math.abs(v2 / n - 1)).toBeLessThan(6 * Math.sqrt(2 / n));
    expect(Math.abs(v3 / n)).toBeLessThan(6 * Math.sqrt(15 / n));
    expect(Math.abs(v4 / n - 3)).toBeLessThan(6 * Math.sqrt(96 / n));
    expect(ksStatistic(z)).toBeLessThan(ksCritical);
  });
  it('uniformToNormal is the inverse CDF and validates its input', () => {
    const z = uniformToNormal([0.5, 0.975, 0.025, 0]);
    expect(z[0]).toBe(0);
    expect(z[1]).toBeCloseTo(1.959963984540054, 13);
    expect(z[2]).toBeCloseTo(-1.959963984540054, 13);
    expect(z[3]).toBeCloseTo(-8.29, 2);
    expect(uniformToNormal(new Float32Array([0.5]))).toBeInstanceOf(Float32Array);
    expect(() => uniformToNormal([1])).toThrow(ValueError);
    expect(() => uniformToNormal([NaN])).toThrow(ValueError);
  });
});
