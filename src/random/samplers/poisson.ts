/**
 * `random.poisson`: inversion for small rates, Hörmann's PTRS (transformed rejection with squeeze)
 * for large ones; host sampler, bit-identical on every backend.
 * @module
 */
import { ValueError } from '../../errors.js';
import type { TensorLike } from '../../ops/convert.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { portableExp, portableLog } from '../bits/special.js';
import { broadcastHost, checkEach, concreteKey, hostParam, rejectionRounds, sampleShape, toTensor } from './common.js';

/** Rates below this use inversion (expected ≤ 11 steps), from it PTRS. */
const PTRS_FROM = 10;
/** Largest rate accepted (samples must fit int32 with room for the tail). */
const MAX_RATE = 1e9;
const HALF_LOG_2PI = 0.9189385332046728;

const FACTORIALS: number[] = [1];
for (let i = 1; i < 16; i++) FACTORIALS.push(FACTORIALS[i - 1]! * i); // exact up to 15!

/** log k! : exact table below 16, Stirling's series (error < 1e-14) above. */
function logFactorial(k: number): number {
  if (k < 16) return portableLog(FACTORIALS[k]!);
  const x = k + 1;
  const r = 1 / x, r2 = r * r;
  return (x - 0.5) * portableLog(x) - x + HALF_LOG_2PI + r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
}

/** Inversion by sequential search: smallest x with u ≤ P(X ≤ x). */
function inversion(lam: number, u: number): number {
  let x = 0;
  let p = portableExp(-lam);
  let s = p;
  while (u > s && p > 0) {
    x++;
    p = (p * lam) / x;
    s += p;
  }
  return x;
}

/** PTRS constants of one rate (Hörmann 1993, "The transformed rejection method for generating Poisson random variables"). */
function ptrsAttempt(lam: number, u: (j: number) => number): number | undefined {
  const slam = Math.sqrt(lam);
  const logLam = portableLog(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  const U = u(0) - 0.5;
  const V = u(1);
  const us = 0.5 - Math.abs(U);
  const k = Math.floor(((2 * a) / us + b) * U + lam + 0.43);
  if (us >= 0.07 && V <= vr) return k;
  if (k < 0 || (us < 0.013 && V > us)) return undefined;
  const lhs = portableLog(V) + portableLog(invAlpha) - portableLog(a / (us * us) + b);
  return lhs <= -lam + k * logLam - logFactorial(k) ? k : undefined;
}

/** Options of {@link poisson}. */
export interface PoissonOptions {
  /** Dtype of the counts: int32, or float32/float64. @defaultValue `'int32'` */
  readonly dtype?: DType;
}

/**
 * Poisson(λ) counts.
 *
 * λ < 10: inversion by sequential search on one uniform. λ ≥ 10: Hörmann's PTRS (transformed
 * rejection with squeeze, acceptance > 0.9 per round). Runs on the host from the key's Threefry
 * stream (per-element counters, so a sample depends only on the key, its flat index and its λ),
 * giving the same bits on every backend. Needs a concrete key and `lam` (throws `TransformError`
 * inside `jit`/`vmap`/`grad`).
 * @param k - a key.
 * @param lam - rate(s), finite, ≥ 0 and ≤ 1e9; broadcast to `shape`.
 * @param shape - output shape (default: the shape of `lam`).
 * @param options - `dtype` (default int32).
 * @throws {@link ValueError} for a negative, non-finite or too large rate, or a bool dtype.
 * @example
 * ```ts
 * random.poisson(random.key(0), 3.5, [1000]); // int32 counts, mean ≈ variance ≈ 3.5
 * ```
 */
export function poisson(k: Tensor, lam: TensorLike, shape?: readonly number[], options: PoissonOptions = {}): Tensor {
  const op = 'random.poisson';
  const key = concreteKey(op, k);
  const dtype = options.dtype ?? 'int32';
  if (dtype === 'bool') throw new ValueError(`${op}: dtype must be int32, float32 or float64, got bool.`, { op, argument: 'dtype', received: dtype });
  const pl = hostParam(op, 'lam', lam);
  checkEach(op, 'lam', pl.data, (v) => v >= 0 && v <= MAX_RATE, `finite, ≥ 0 and ≤ ${MAX_RATE}`);
  const s = sampleShape(op, shape, [['lam', pl]]);
  const rates = broadcastHost(pl, s);
  const out = rejectionRounds(op, key, rates.length, 2, (i, u) => {
    const l = rates[i]!;
    if (l === 0) return 0;
    return l < PTRS_FROM ? inversion(l, u(0)) : ptrsAttempt(l, u);
  });
  return toTensor(out, s, dtype);
}
