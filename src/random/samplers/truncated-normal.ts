/**
 * `random.truncatedNormal`: the standard normal restricted to `[lower, upper]`, by the inverse
 * CDF on the truncated uniform range; host sampler, bit-identical on every backend.
 * @module
 */
import type { TensorLike } from '../../ops/convert.js';
import type { Tensor } from '../../tensor/tensor.js';
import { erfc } from '../bits/special.js';
import { ValueError } from '../../errors.js';
import { broadcastHost, checkEach, concreteKey, floatOption, hostParam, normalFromUniform, rejectionRounds, sampleShape, toTensor } from './common.js';
import type { SamplerOptions } from './options.js';

const INV_SQRT2 = 0.7071067811865476;

/** Φ(x) = erfc(−x/√2)/2, accurate in relative terms in the lower tail. */
function phi(x: number): number {
  return 0.5 * erfc(-x * INV_SQRT2);
}

/**
 * Standard normal samples truncated to `[lower, upper]`.
 *
 * Inverse CDF: `x = Φ⁻¹(Φ(lo) + u·(Φ(hi) − Φ(lo)))` with one uniform `u` per element, clamped into
 * `[lower, upper]`. The interval is reflected to the side of the mean where it lies mostly below 0
 * (`lower + upper > 0` samples `−x` on `[−upper, −lower]`), where Φ is small and represented with
 * full relative precision. Accurate while the interval reaches within about 8 standard deviations of
 * the mean; beyond that Φ⁻¹ (via `erfinv`) loses precision and samples pile up at the near bound
 * (they always stay inside the interval). For a location μ and scale σ, use `μ + σ·truncatedNormal(
 * k, (lo − μ)/σ, (hi − μ)/σ)`. Host sampler: needs a concrete key and bounds.
 * @param k - a key.
 * @param lower - lower bound(s) (may be `-Infinity`).
 * @param upper - upper bound(s) (may be `Infinity`), each > the matching lower bound.
 * @param shape - output shape (default: the broadcast shape of the bounds).
 * @param options - `dtype`.
 * @throws {@link ValueError} for NaN bounds or `lower ≥ upper`; {@link ShapeError} when the bounds do not broadcast.
 * @example
 * ```ts
 * random.truncatedNormal(random.key(0), -1, 2, [5]).shape; // [5], every value in [-1, 2]
 * ```
 */
export function truncatedNormal(k: Tensor, lower: TensorLike, upper: TensorLike, shape?: readonly number[], options: SamplerOptions = {}): Tensor {
  const op = 'random.truncatedNormal';
  const key = concreteKey(op, k);
  const dtype = floatOption(op, options.dtype);
  const pl = hostParam(op, 'lower', lower), pu = hostParam(op, 'upper', upper);
  checkEach(op, 'lower', pl.data, (v) => !Number.isNaN(v), 'a number (not NaN)');
  checkEach(op, 'upper', pu.data, (v) => !Number.isNaN(v), 'a number (not NaN)');
  const s = sampleShape(op, shape, [['lower', pl], ['upper', pu]]);
  const lo = broadcastHost(pl, s), hi = broadcastHost(pu, s);
  for (let i = 0; i < lo.length; i++) {
    if (!(lo[i]! < hi[i]!)) {
      throw new ValueError(`${op}: need lower < upper, got lower=${lo[i]}, upper=${hi[i]} at flat index ${i}.`, { op, argument: 'upper', expected: 'upper > lower', received: `lower=${lo[i]}, upper=${hi[i]}` });
    }
  }
  const out = rejectionRounds(op, key, lo.length, 1, (i, u) => {
    const flip = lo[i]! + hi[i]! > 0;
    const a = flip ? -hi[i]! : lo[i]!, b = flip ? -lo[i]! : hi[i]!;
    const pa = phi(a), pb = phi(b);
    const p = pa + u(0) * (pb - pa);
    let x = p <= 0 ? a : p >= 1 ? b : normalFromUniform(p);
    x = x < a ? a : x > b ? b : x;
    return flip ? -x : x;
  });
  return toTensor(out, s, dtype);
}
