/**
 * `random.multivariateNormal`: `mean + L·z` with `L` the Cholesky factor of the covariance and
 * `z` standard normals; host sampler, bit-identical on every backend.
 * @module
 */
import { ShapeError, ValueError } from '../../errors.js';
import type { TensorLike } from '../../ops/convert.js';
import { shapeString, sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { cholesky } from '../../linalg/dense.js';
import { randomBits } from '../bits/keys.js';
import { bitsToNormal } from '../bits/convert.js';
import { broadcastHost, checkEach, concreteKey, floatOption, hostParam, sampleShape, toTensor } from './common.js';
import type { SamplerOptions } from './options.js';

/** Relative asymmetry `|C_ij − C_ji| / max|C|` above which a covariance is rejected. */
const SYMMETRY_TOL = 1e-10;

function factor(op: string, c: Float64Array, n: number, batch: number): Float64Array {
  let scale = 0;
  for (const v of c) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const d = Math.abs(c[i * n + j]! - c[j * n + i]!);
      if (d > SYMMETRY_TOL * scale) {
        throw new ValueError(`${op}: cov must be symmetric, got cov[${i},${j}] = ${c[i * n + j]} ≠ cov[${j},${i}] = ${c[j * n + i]}${batch >= 0 ? ` in batch element ${batch}` : ''}.`, { op, argument: 'cov', expected: 'a symmetric positive definite matrix', received: `asymmetry ${d}` });
      }
    }
  }
  try {
    return cholesky(c, n);
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new ValueError(`${op}: cov must be symmetric positive definite (a Cholesky pivot was ≤ 0${batch >= 0 ? ` in batch element ${batch}` : ''}); ${e.message} Add a small multiple of the identity for a semi-definite covariance.`, { op, argument: 'cov', expected: 'a symmetric positive definite matrix', received: 'a matrix with a non-positive Cholesky pivot' });
  }
}

/**
 * Multivariate normal samples `N(mean, cov)`: output shape `[...shape, n]`.
 *
 * `x = mean + L·z` with `L = cholesky(cov)` (host float64) and `z = random.normal(key, [...shape, n],
 * { dtype: 'float64' })` (the same words), computed in float64 and rounded once to `dtype`. The
 * batch axes of `mean` (`[..., n]`) and `cov` (`[..., n, n]`) broadcast against `shape`; a
 * covariance without batch axes is factored once. Host sampler: needs concrete key, mean and cov.
 * @param k - a key.
 * @param mean - mean vector(s) `[..., n]`.
 * @param cov - symmetric positive definite covariance(s) `[..., n, n]`.
 * @param shape - batch shape (default: the broadcast of the batch axes of `mean` and `cov`).
 * @param options - `dtype`.
 * @throws {@link ShapeError} for mismatched `n` or batch axes; {@link ValueError} for a non-symmetric, non-positive-definite or non-finite covariance.
 * @example
 * ```ts
 * const cov = tensor([[2, 0.5], [0.5, 1]]);
 * random.multivariateNormal(random.key(0), tensor([0, 1]), cov, [100]).shape; // [100, 2]
 * ```
 */
export function multivariateNormal(k: Tensor, mean: TensorLike, cov: TensorLike, shape?: readonly number[], options: SamplerOptions = {}): Tensor {
  const op = 'random.multivariateNormal';
  const key = concreteKey(op, k);
  const dtype = floatOption(op, options.dtype);
  const pm = hostParam(op, 'mean', mean), pc = hostParam(op, 'cov', cov);
  const cs = pc.shape, ms = pm.shape;
  if (ms.length < 1 || cs.length < 2 || cs[cs.length - 1] !== cs[cs.length - 2] || cs[cs.length - 1] !== ms[ms.length - 1]) {
    throw new ShapeError(`${op}: need mean [..., n] and cov [..., n, n], got mean ${shapeString(ms)} and cov ${shapeString(cs)}.`, { op, argument: 'cov', expected: '[..., n] and [..., n, n]', received: `${shapeString(ms)} and ${shapeString(cs)}` });
  }
  checkEach(op, 'mean', pm.data, Number.isFinite, 'finite');
  checkEach(op, 'cov', pc.data, Number.isFinite, 'finite');
  const n = ms[ms.length - 1]!;
  const batch = sampleShape(op, shape, [['mean[..., 0]', { data: pm.data, shape: ms.slice(0, -1) }], ['cov[..., 0, 0]', { data: pc.data, shape: cs.slice(0, -2) }]]);
  const nb = sizeOf(batch);
  const mu = broadcastHost(pm, [...batch, n]);
  const shared = cs.length === 2;
  const covs = shared ? pc.data : broadcastHost(pc, [...batch, n, n]);
  const z = bitsToNormal(randomBits(key, 2 * nb * n), 'float64');
  const out = new Float64Array(nb * n);
  let l = shared ? factor(op, covs, n, -1) : new Float64Array(0);
  for (let b = 0; b < nb; b++) {
    if (!shared) l = factor(op, covs.subarray(b * n * n, (b + 1) * n * n), n, b);
    for (let i = 0; i < n; i++) {
      let acc = mu[b * n + i]!;
      for (let j = 0; j <= i; j++) acc += l[i * n + j]! * z[b * n + j]!;
      out[b * n + i] = acc;
    }
  }
  return toTensor(out, [...batch, n], dtype);
}
