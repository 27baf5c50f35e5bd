/**
 * Portable float64 special functions used by the random samplers: `exp`, `log`, `erf`, `erfc`, `erfinv`.
 *
 * `Math.exp`/`Math.log` are "implementation-approximated" in ECMAScript, so their last bits may differ
 * between engines. These versions use only IEEE-754 basic operations (`+ - * /`, which are correctly
 * rounded everywhere), exact power-of-two scaling and `Math.sqrt`/`Math.round`, so they return the same
 * bits on every platform. All are accurate to a few ulp (erfinv: see its doc).
 * @module
 */

const LN2_HI = 0.6931471803691238; // ln 2 truncated to 32 significant bits: k * LN2_HI is exact
const LN2_LO = 1.9082149292705877e-10; // ln 2 - LN2_HI
const INV_LN2 = 1.4426950408889634;
const SQRT2 = 1.4142135623730951;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;
const SQRT_PI_OVER_2 = 0.886226925452758;
const MIN_NORMAL = 2.2250738585072014e-308;
// Maclaurin coefficients of erfinv(x) / (sqrt(pi)/2 * x) in powers of x^2.
const E1 = Math.PI / 12;
const E2 = (7 * Math.PI * Math.PI) / 480;
const E3 = (127 * Math.PI * Math.PI * Math.PI) / 40320;
const WINITZKI_A = 0.147;
const WINITZKI_B = 2 / (Math.PI * WINITZKI_A);

/** Private 8-byte scratch buffer for bit-level float manipulation (explicit big-endian, no observable state). */
const scratch = new DataView(new ArrayBuffer(8));

/** 2^k for an integer k in [-1022, 1023], built from its IEEE-754 bit pattern. */
function pow2(k: number): number {
  scratch.setUint32(0, (k + 1023) << 20);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

/** p * 2^k for an integer k in [-1100, 2046], with a single rounding in the subnormal range. */
function scaleByPow2(p: number, k: number): number {
  if (k > 1023) return p * pow2(1023) * pow2(k - 1023);
  if (k < -1022) return p * pow2(k + 600) * pow2(-600);
  return p * pow2(k);
}

/**
 * Computes e^x with only correctly rounded operations, so the result is identical on every platform.
 *
 * Algorithm: `k = round(x / ln 2)`, `r = x - k*ln2` (Cody–Waite with a two-part ln 2, |r| <= 0.347),
 * `e^r` by the degree-13 Taylor polynomial in Horner form, then exact scaling by 2^k from its bit pattern.
 * Relative error is a few ulp.
 *
 * @param x - any float64.
 * @returns e^x (`Infinity` above ~709.78, `0` below ~-745.13, `NaN` for `NaN`).
 * @example
 * ```ts
 * portableExp(1); // 2.7182818284590455 (e to within 1 ulp; the same on every engine)
 * ```
 */
export function portableExp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = 1;
  for (let n = 13; n >= 1; n--) p = 1 + (r / n) * p;
  return scaleByPow2(p, k);
}

/**
 * Computes the natural logarithm with only correctly rounded operations (identical on every platform).
 *
 * Algorithm: `x = m * 2^e` with `m` in [sqrt(1/2), sqrt(2)] read from the bit pattern (subnormals are
 * pre-scaled by 2^54); with `f = m - 1` and `s = f / (2 + f)`, `log m = f - s (f - 2 z q(z))`, `z = s^2`,
 * `q(z) = 1/3 + z/5 + ... + z^10/23` (the atanh series); then `log x = e*ln2 + log m` with a two-part ln 2.
 * Relative error is a few ulp, and `log(1 - d)` stays accurate for tiny `d`.
 *
 * @param x - any float64.
 * @returns ln(x) (`-Infinity` at 0, `NaN` for negative or `NaN` input).
 * @example
 * ```ts
 * portableLog(Math.E); // 1
 * ```
 */
export function portableLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  let v = x;
  if (v < MIN_NORMAL) {
    v *= 18014398509481984; // 2^54
    e = -54;
  }
  scratch.setFloat64(0, v);
  const hi = scratch.getUint32(0);
  e += ((hi >>> 20) & 0x7ff) - 1023;
  scratch.setUint32(0, (hi & 0x000fffff) | 0x3ff00000);
  let m = scratch.getFloat64(0);
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const f = m - 1;
  const s = f / (2 + f);
  const z = s * s;
  let q = 1 / 23;
  for (let n = 21; n >= 3; n -= 2) q = 1 / n + z * q;
  const logm = f - s * (f - 2 * z * q);
  return e === 0 ? logm : e * LN2_HI + (e * LN2_LO + logm);
}

/** e^(-x^2) with x^2 split exactly into hi + lo (Dekker), so large x lose no accuracy. */
function expNegSquare(x: number): number {
  const c = 134217729 * x;
  const xh = c - (c - x);
  const xl = x - xh;
  const hi = x * x;
  const lo = xh * xh - hi + 2 * xh * xl + xl * xl;
  return portableExp(-hi) * (1 - lo);
}

/** erf(x) for 0 <= x < 1.5 by the positive series 2/sqrt(pi) x e^{-x^2} sum (2x^2)^n / (2n+1)!!. */
function erfSeries(x: number): number {
  const z2 = 2 * x * x;
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 200; n++) {
    term *= z2 / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * x * expNegSquare(x) * sum;
}

/** erfc(x) for x >= 1 by the even contraction of Laplace's continued fraction, evaluated backwards. */
function erfcFraction(x: number): number {
  if (x > 27.3) return 0;
  const z = x * x;
  const terms = x < 1.5 ? 128 : x < 2 ? 64 : x < 3 ? 36 : x < 5 ? 18 : 10;
  let t = 0;
  for (let n = terms; n >= 1; n--) t = ((2 * n - 1) * n) / 2 / (z + 2 * n + 0.5 - t);
  return (x * expNegSquare(x) * ONE_OVER_SQRT_PI) / (z + 0.5 - t);
}

/**
 * The error function erf(x) = 2/sqrt(pi) * integral_0^x e^{-t^2} dt, portable and accurate to a few ulp.
 *
 * Algorithm: for |x| < 1.5 the everywhere-positive series `2/sqrt(pi) x e^{-x^2} sum_n (2x^2)^n/(2n+1)!!`;
 * otherwise `1 - erfc(|x|)` from the continued fraction (see {@link erfc}); odd symmetry for x < 0.
 *
 * @param x - any float64.
 * @returns erf(x) in [-1, 1].
 * @example
 * ```ts
 * erf(0.5); // 0.5204998778130466
 * ```
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  const r = ax < 1.5 ? erfSeries(ax) : 1 - erfcFraction(ax);
  return x < 0 ? -r : r;
}

/**
 * The complementary error function erfc(x) = 1 - erf(x), with full relative accuracy in the right tail.
 *
 * Algorithm: for x >= 1 the even contraction of Laplace's continued fraction
 * `erfc x = x e^{-x^2}/sqrt(pi) / (x^2 + 1/2 - 1*2/4 / (x^2 + 5/2 - 3*4/4 / (x^2 + 9/2 - ...)))`
 * evaluated backwards with a fixed depth (128 terms at x = 1 down to 10 for x >= 5); for
 * 0 <= x < 1, `1 - erf(x)`; for x < 0, `1 + erf(-x)`.
 *
 * @param x - any float64.
 * @returns erfc(x) in [0, 2].
 * @example
 * ```ts
 * erfc(5); // 1.537459794428035e-12
 * ```
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -x < 1.5 ? 1 + erfSeries(-x) : 2 - erfcFraction(-x);
  return x < 1 ? 1 - erfSeries(x) : erfcFraction(x);
}

/**
 * The inverse error function: the y with erf(y) = x, accurate to ~1 ulp (|error| <= 1e-9 guaranteed by tests).
 *
 * Algorithm: initial guess from the Maclaurin series `sqrt(pi)/2 (x + pi/12 x^3 + 7pi^2/480 x^5 +
 * 127pi^3/40320 x^7)` for |x| <= 1/2, else Winitzki's closed form (a = 0.147); then Halley iterations
 * `y -= u / (1 + y u)`, `u = (erf(y) - x) / (2/sqrt(pi) e^{-y^2})` until the step is below 1e-7 |y|
 * (cubic convergence makes the result accurate to rounding). For |x| >= 1/2 the residual is formed
 * as `(1 - |x|) - erfc(y)` (with `1 - |x|` exact), so the tails near +-1 keep full accuracy.
 *
 * @param x - a float64 in [-1, 1].
 * @returns erfinv(x); `+-Infinity` at `+-1`, `NaN` outside [-1, 1].
 * @example
 * ```ts
 * erfinv(0.5);          // 0.4769362762044699
 * Math.SQRT2 * erfinv(2 * 0.975 - 1); // 1.9599639845400538 (the 97.5% normal quantile)
 * ```
 */
export function erfinv(x: number): number {
  if (Number.isNaN(x) || x < -1 || x > 1) return NaN;
  if (x === 1) return Infinity;
  if (x === -1) return -Infinity;
  if (x === 0) return x;
  const ax = Math.abs(x);
  const tail = ax >= 0.5;
  const oneMinus = 1 - ax; // exact for ax >= 1/2
  let y: number;
  if (!tail) {
    const q = ax * ax;
    y = SQRT_PI_OVER_2 * ax * (1 + q * (E1 + q * (E2 + q * E3)));
  } else {
    const l = portableLog(oneMinus * (1 + ax));
    const t = WINITZKI_B + l / 2;
    y = Math.sqrt(Math.sqrt(t * t - l / WINITZKI_A) - t);
  }
  for (let i = 0; i < 10; i++) {
    const residual = tail ? oneMinus - erfc(y) : erfSeries(y) - ax;
    const u = residual / (TWO_OVER_SQRT_PI * expNegSquare(y));
    const step = u / (1 + y * u);
    y -= step;
    if (!(Math.abs(step) > 1e-7 * y)) break;
  }
  return x < 0 ? -y : y;
}
