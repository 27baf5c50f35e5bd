/**
 * SIMD `exp`, `tanh` and `logistic` for float32 and float64, emitted inline into generated kernels.
 *
 * exp: clamp x to [lo, hi] (beyond which the result is 0 or +∞ anyway; NaN passes through),
 * `n = nearest(x·log2 e)` (by adding and subtracting 1.5·2^23 or 1.5·2^52), Cody–Waite
 * reduction `r = (x − n·ln2_hi) − n·ln2_lo` (|r| ≤ ½ ln 2), Taylor polynomial of degree 7 (f32)
 * or 13 (f64) for `e^r` (truncation below 10^-8 and 10^-17 relative), and scaling by `2^n` as
 * `2^⌊n/2⌋ · 2^(n−⌊n/2⌋)` so that both factors are normal numbers and overflow/gradual underflow
 * round only once. tanh: from `expm1(−2|x|)` with the same reduction, see {@link emitTanh}.
 *
 * Measured accuracy over dense sweeps (2·10^6 points, subnormal results included), against
 * `Math.exp`/`Math.tanh` (float32: rounded to float32): exp at most 1 ulp (about 9 % of f32 and
 * 6 % of f64 results are 1 ulp off), tanh at most 2 ulp (f32) and 3 ulp (f64); exact `0`, `±1`,
 * `±∞`, `NaN`, `exp(0) = 1`, `tanh(±0) = ±0`. The polynomial steps use separate mul and add (no
 * FMA), so results are the same on every machine.
 * @module
 */
import type { Code, SimdOpName, ValType } from './encoder.js';
import { V128 } from './opcodes.js';
import type { Dtype } from './gemm.js';

const factorialInv = (k: number): number => { let f = 1; for (let i = 2; i <= k; i++) f *= i; return 1 / f; };

/**
 * Declares and initialises the loop-invariant constants of {@link emitExp} and {@link emitTanh}
 * (call once, before the loop).
 * @param c - the function body
 * @param local - the function's local allocator
 * @param dtype - `'f32'` or `'f64'`
 * @returns an opaque handle to pass to {@link emitExp}
 * @example
 * ```ts
 * mb.func([I32, I32, I32], [], (c, local) => { const k = expConstants(c, local, 'f32'); ... emitExp(c, k, x); });
 * ```
 */
export function expConstants(c: Code, local: (t: ValType) => number, dtype: Dtype): ExpConstants {
  const f32 = dtype === 'f32';
  const splat = (v: number): number => {
    const l = local(V128);
    if (f32) c.f32(v).simd('f32x4_splat'); else c.f64(v).simd('f64x2_splat');
    c.set(l);
    return l;
  };
  const degree = f32 ? 7 : 13;
  const consts: ExpConstants = {
    dtype,
    hi: splat(f32 ? 89 : 710),
    lo: splat(f32 ? -104 : -746),
    log2e: splat(Math.LOG2E),
    ln2hi: splat(f32 ? 0.693359375 : 6.93147180369123816490e-1),
    ln2lo: splat(f32 ? -2.12194440e-4 : 1.90821492927058770002e-10),
    coef: Array.from({ length: degree + 1 }, (_, k) => splat(factorialInv(k))),
    magic: splat(f32 ? 1.5 * 2 ** 23 : 1.5 * 2 ** 52),
    half: splat(0.5),
    tanhLo: splat(f32 ? -20 : -40),
    two: splat(2),
    negTwo: splat(-2),
    signMask: splat(-0),
    orig: local(V128),
    bias: local(V128),
    tmp: local(V128),
    n: local(V128),
  };
  if (f32) c.i32(127).simd('i32x4_splat').set(consts.bias);
  else c.raw(0x42, 0xff, 0x07).simd('i64x2_splat').set(consts.bias); // i64.const 1023
  return consts;
}

/**
 * Locals holding the constants (and scratch vectors) of {@link emitExp} and {@link emitTanh}.
 * @example
 * ```ts
 * const k: ExpConstants = expConstants(c, local, 'f64');
 * ```
 */
export interface ExpConstants {
  /** Element type. */ readonly dtype: Dtype;
  /** Upper clamp. */ readonly hi: number;
  /** Lower clamp. */ readonly lo: number;
  /** log2(e). */ readonly log2e: number;
  /** High part of ln 2. */ readonly ln2hi: number;
  /** Low part of ln 2. */ readonly ln2lo: number;
  /** Polynomial coefficients 1/k!, k = 0…degree. */ readonly coef: readonly number[];
  /** 1.5·2^23 (f32) or 1.5·2^52 (f64), for rounding to an integer. */ readonly magic: number;
  /** 0.5. */ readonly half: number;
  /** Lower clamp of −2|x| in tanh (expm1 is −1 in this precision below it). */ readonly tanhLo: number;
  /** 2. */ readonly two: number;
  /** −2. */ readonly negTwo: number;
  /** Sign-bit mask (−0). */ readonly signMask: number;
  /** Scratch vector local (the original argument). */ readonly orig: number;
  /** Exponent bias, splatted as i32 (f32) or i64 (f64). */ readonly bias: number;
  /** Scratch vector local. */ readonly tmp: number;
  /** Scratch vector local (n). */ readonly n: number;
}

/**
 * Emits code that pushes `exp(v)` for the v128 in local `x` (the local is clobbered).
 * @param c - the function body
 * @param k - constants from {@link expConstants}
 * @param x - a v128 local holding the argument
 * @example
 * ```ts
 * c.get(a).vmem('v128_load').set(x); emitExp(c, k, x); c.set(y);
 * ```
 */
export function emitExp(c: Code, k: ExpConstants, x: number): void {
  const f32 = k.dtype === 'f32';
  const v = (op: string): SimdOpName => `${f32 ? 'f32x4' : 'f64x2'}_${op}` as SimdOpName;
  // clamp: pmin(x, hi) = hi < x ? hi : x and pmax(x, lo) = x < lo ? lo : x keep a NaN x.
  c.get(x).get(k.hi).simd(v('pmin')).get(k.lo).simd(v('pmax')).set(x);
  // n = round-to-nearest(x·log2 e) via the 1.5·2^p "magic" addition (exact for |n| < 2^22)
  c.get(x).get(k.log2e).simd(v('mul')).get(k.magic).simd(v('add')).get(k.magic).simd(v('sub')).set(k.n);
  // r = (x − n·ln2hi) − n·ln2lo
  c.get(x).get(k.n).get(k.ln2hi).simd(v('mul'), v('sub')).get(k.n).get(k.ln2lo).simd(v('mul'), v('sub')).set(x);
  // p = Horner(r)
  const coef = k.coef;
  c.get(coef[coef.length - 1] as number);
  for (let i = coef.length - 2; i >= 0; i--) c.get(x).simd(v('mul')).get(coef[i] as number).simd(v('add'));
  c.set(k.tmp);
  // 2^n = 2^n1 · 2^n2 with n1 = floor(n/2), n2 = n − n1. bits(m + magic) = bits(magic) + m, and
  // bits(magic) has zeros in the low bits, so ((bits(m + magic) + bias) << mantissaBits) is 2^m.
  c.get(k.n).get(k.half).simd(v('mul'), v('floor')).set(x); // x := n1 (r is no longer needed)
  c.get(k.tmp).get(x);
  pow2(c, k);
  c.simd(v('mul'));
  c.get(k.n).get(x).simd(v('sub'));
  pow2(c, k);
  c.simd(v('mul'));
}

/** Pushes 2^n for the integral float vector on the stack (|n| small enough for a normal result). */
function pow2(c: Code, k: ExpConstants): void {
  const f32 = k.dtype === 'f32';
  c.get(k.magic).simd(f32 ? 'f32x4_add' : 'f64x2_add').get(k.bias);
  if (f32) c.simd('i32x4_add').i32(23).simd('i32x4_shl');
  else c.simd('i64x2_add').i32(52).simd('i64x2_shl');
}

/**
 * Emits code that pushes `tanh(v)` for the v128 in local `x` (the local is clobbered).
 *
 * `tanh|x| = −m / (m + 2)` with `m = expm1(−2|x|) ∈ (−1, 0]`, and `expm1(y) = 2^n·q + (2^n − 1)`
 * where `q = e^r − 1` is a polynomial without its constant term (so small arguments keep full
 * relative accuracy: `tanh x ≈ x`); the sign of x is copied back at the end (`tanh(−0) = −0`).
 * Measured: at most 2 ulp (f32, against `Math.tanh` rounded) and 3 ulp (f64) from `Math.tanh`.
 * @param c - the function body
 * @param k - constants from {@link expConstants}
 * @param x - a v128 local holding the argument
 * @example
 * ```ts
 * c.get(a).vmem('v128_load').set(x); emitTanh(c, k, x); c.set(y);
 * ```
 */
export function emitTanh(c: Code, k: ExpConstants, x: number): void {
  const f32 = k.dtype === 'f32';
  const v = (op: string): SimdOpName => `${f32 ? 'f32x4' : 'f64x2'}_${op}` as SimdOpName;
  c.get(x).set(k.orig);
  // y = max(−2|x|, lo): pmax keeps a NaN
  c.get(x).simd(v('abs')).get(k.negTwo).simd(v('mul')).get(k.tanhLo).simd(v('pmax')).set(x);
  c.get(x).get(k.log2e).simd(v('mul')).get(k.magic).simd(v('add')).get(k.magic).simd(v('sub')).set(k.n);
  c.get(x).get(k.n).get(k.ln2hi).simd(v('mul'), v('sub')).get(k.n).get(k.ln2lo).simd(v('mul'), v('sub')).set(x);
  // q = r·(1 + r/2 + r²/6 + …)
  const coef = k.coef;
  c.get(coef[coef.length - 1] as number);
  for (let i = coef.length - 2; i >= 1; i--) c.get(x).simd(v('mul')).get(coef[i] as number).simd(v('add'));
  c.get(x).simd(v('mul')).set(k.tmp);
  // m = s·q + (s − 1), s = 2^n
  c.get(k.n);
  pow2(c, k);
  c.set(x);
  c.get(x).get(k.tmp).simd(v('mul')).get(x).get(coef[0] as number).simd(v('sub')).simd(v('add')).set(k.tmp);
  // |tanh| = |m / (m + 2)|, then the sign of the argument
  c.get(k.tmp).get(k.tmp).get(k.two).simd(v('add')).simd(v('div')).simd(v('abs'));
  c.get(k.orig).get(k.signMask).simd('v128_and').simd('v128_or');
}

/**
 * Emits code that pushes `logistic(v) = 1/(1 + e^(−v))` for the v128 in local `x` (the local is
 * clobbered), by the reference kernel's formula with {@link emitExp} for the exponential:
 * `e = exp(−|v|)`, then `1/(1 + e)` where v ≥ 0 and `e/(1 + e)` elsewhere (no overflow, and
 * small results keep their relative accuracy). NaN stays NaN, `logistic(±0) = 0.5`,
 * `logistic(+∞) = 1`, `logistic(−∞) = 0`. Measured: at most 2 ulp from the `js` kernel
 * (`Math.exp` in float64, rounded; test/backend-wasm/transcendental.test.ts).
 * @param c - the function body
 * @param k - constants from {@link expConstants}
 * @param x - a v128 local holding the argument
 * @example
 * ```ts
 * c.get(a).vmem('v128_load').set(x); emitLogistic(c, k, x); c.set(y);
 * ```
 */
export function emitLogistic(c: Code, k: ExpConstants, x: number): void {
  const f32 = k.dtype === 'f32';
  const v = (op: string): SimdOpName => `${f32 ? 'f32x4' : 'f64x2'}_${op}` as SimdOpName;
  const one = k.coef[0] as number;
  c.get(x).set(k.orig);
  c.get(x).simd(v('abs'), v('neg')).set(x);
  emitExp(c, k, x);
  c.set(x); // e = exp(−|v|) ∈ [0, 1]
  c.get(one).get(one).get(x).simd(v('add'), v('div')); // 1/(1 + e)
  c.get(x).get(one).get(x).simd(v('add'), v('div')); // e/(1 + e)
  c.get(k.orig).v128i32([0, 0, 0, 0]).simd(v('ge')); // v ≥ 0 (true for −0, false for NaN)
  c.simd('v128_bitselect');
}

/**
 * Locals holding the constants (and scratch vectors) of {@link emitLog}.
 * @example
 * ```ts
 * const k: LogConstants = logConstants(c, local, 'f32');
 * ```
 */
export interface LogConstants {
  /** Element type. */ readonly dtype: Dtype;
  /** Named constant locals (see {@link logConstants}). */ readonly k: Readonly<Record<string, number>>;
  /** Series coefficients 2/(2j+1), j = 0…. */ readonly coef: readonly number[];
  /** Scratch vector locals. */ readonly t: readonly [number, number, number, number];
}

/**
 * Declares and initialises the loop-invariant constants of {@link emitLog} (call once, before the loop).
 * @param c - the function body
 * @param local - the function's local allocator
 * @param dtype - `'f32'` or `'f64'`
 * @returns an opaque handle to pass to {@link emitLog}
 * @example
 * ```ts
 * const k = logConstants(c, local, 'f64'); // … then emitLog(c, k, x) inside the loop
 * ```
 */
export function logConstants(c: Code, local: (t: ValType) => number, dtype: Dtype): LogConstants {
  const f32 = dtype === 'f32';
  const splat = (v: number): number => {
    const l = local(V128);
    if (f32) c.f32(v).simd('f32x4_splat'); else c.f64(v).simd('f64x2_splat');
    c.set(l);
    return l;
  };
  const bits = (lanes: [number, number, number, number]): number => { const l = local(V128); c.v128i32(lanes).set(l); return l; };
  const mb = f32 ? 23 : 52;
  const k = {
    minNormal: splat(f32 ? 2 ** -126 : 2 ** -1022), scaleUp: splat(f32 ? 2 ** 24 : 2 ** 54), scaleExp: splat(f32 ? 24 : 54),
    mantMask: f32 ? bits([0x7fffff, 0x7fffff, 0x7fffff, 0x7fffff]) : bits([-1, 0xfffff, -1, 0xfffff]),
    one: splat(1), two: splat(2), half: splat(0.5), sqrt2: splat(Math.SQRT2), expMagic: splat(2 ** mb), expOffset: splat(2 ** mb + (f32 ? 127 : 1023)),
    ln2hi: splat(f32 ? 0.693359375 : 6.93147180369123816490e-1), ln2lo: splat(f32 ? -2.12194440e-4 : 1.90821492927058770002e-10),
    nan: splat(NaN), inf: splat(Infinity), negInf: splat(-Infinity), zero: splat(0),
  };
  const terms = f32 ? 5 : 11;
  return { dtype, k, coef: Array.from({ length: terms }, (_, j) => splat(2 / (2 * j + 1))), t: [local(V128), local(V128), local(V128), local(V128)] };
}

/**
 * Emits code that pushes `log(v)` for the v128 in local `x` (the local is clobbered).
 *
 * Subnormals are scaled up first; then `x = m·2^e` with `m ∈ [√½, √2)` (exponent and mantissa
 * taken from the bits; the exponent converted with the 2^52 / 2^23 "magic" trick),
 * `log m = 2 atanh s = f − s·(f − R)` with `f = m − 1` (exact), `s = f/(2 + f)`, |s| ≤ 0.172,
 * `R = Σ_{j≥1} 2 s^(2j)/(2j+1)` (the correction term carries most rounding errors, scaled by s),
 * and `log x = e·ln2_hi + (f − (s·(f − R) − e·ln2_lo))`. `log(±0) = −∞`, `log(x < 0) = NaN`, `log(+∞) = +∞`.
 * Measured: at most 1 ulp (f32) and 2 ulp (f64) from `Math.log`.
 * @param c - the function body
 * @param L - constants from {@link logConstants}
 * @param x - a v128 local holding the argument
 * @example
 * ```ts
 * c.get(a).vmem('v128_load').set(x); emitLog(c, L, x); c.set(y);
 * ```
 */
export function emitLog(c: Code, L: LogConstants, x: number): void {
  const f32 = L.dtype === 'f32';
  const v = (op: string): SimdOpName => `${f32 ? 'f32x4' : 'f64x2'}_${op}` as SimdOpName;
  const { k } = L;
  const K = (name: string): number => k[name] as number;
  const [orig, e, mask, s] = L.t;
  c.get(x).set(orig);
  // subnormals (and anything below the smallest normal): scale by 2^24 / 2^54, remember the shift
  c.get(x).get(K('minNormal')).simd(v('lt')).set(mask);
  c.get(x).get(K('scaleUp')).simd(v('mul')).get(x).get(mask).simd('v128_bitselect').set(x);
  // e = float(biased exponent) − bias − shift, via bits(2^mb) | (bits >> mb) = 2^mb + biased exponent
  c.get(x).i32(f32 ? 23 : 52).simd(f32 ? 'i32x4_shr_u' : 'i64x2_shr_u').get(K('expMagic')).simd('v128_or');
  c.get(K('expOffset')).simd(v('sub')).get(mask).get(K('scaleExp')).simd('v128_and').simd(v('sub')).set(e);
  // m ∈ [1, 2) from the mantissa bits, folded to [√½, √2)
  c.get(x).get(K('mantMask')).simd('v128_and').get(K('one')).simd('v128_or').set(x);
  c.get(x).get(K('sqrt2')).simd(v('gt')).set(mask);
  c.get(x).get(K('half')).simd(v('mul')).get(x).get(mask).simd('v128_bitselect').set(x);
  c.get(e).get(mask).get(K('one')).simd('v128_and').simd(v('add')).set(e);
  // f = m − 1 (exact), s = f/(2 + f), log m = 2 atanh s = f − s·(f − R), R = Σ_{j≥1} 2 s^(2j)/(2j+1)
  c.get(x).get(K('one')).simd(v('sub')).set(x); // x := f
  c.get(x).get(x).get(K('two')).simd(v('add')).simd(v('div')).set(s);
  c.get(s).get(s).simd(v('mul')).set(mask); // mask := z = s²
  const coef = L.coef;
  c.get(coef[coef.length - 1] as number);
  for (let i = coef.length - 2; i >= 1; i--) c.get(mask).simd(v('mul')).get(coef[i] as number).simd(v('add'));
  c.get(mask).simd(v('mul')).set(mask); // mask := R
  // e·ln2hi + (f − (s·(f − R) − e·ln2lo))
  c.get(e).get(K('ln2hi')).simd(v('mul'));
  c.get(x).get(s).get(x).get(mask).simd(v('sub'), v('mul')).get(e).get(K('ln2lo')).simd(v('mul'), v('sub'), v('sub'));
  c.simd(v('add')).set(x);
  // special values: x < 0 → NaN, ±0 → −∞, +∞ → +∞, NaN → NaN
  const fix = (value: number, cmp: string, against: number): void => {
    c.get(value).get(x).get(orig).get(against).simd(v(cmp)).simd('v128_bitselect').set(x);
  };
  fix(K('nan'), 'lt', K('zero'));
  fix(K('negInf'), 'eq', K('zero'));
  fix(K('inf'), 'eq', K('inf'));
  fix(orig, 'ne', orig);
  c.get(x);
}
