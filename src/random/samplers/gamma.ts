/**
 * `random.gamma`, `random.beta`, `random.dirichlet`: gamma variates by Marsaglia–Tsang (host,
 * bit-identical on every backend), and beta/dirichlet as normalised gammas.
 * @module
 */
import { ShapeError } from '../../errors.js';
import type { TensorLike } from '../../ops/convert.js';
import type { Tensor } from '../../tensor/tensor.js';
import { portableExp } from '../bits/special.js';
import { splitKey } from '../bits/keys.js';
import { broadcastHost, checkEach, concreteKey, floatOption, hostParam, sampleShape, toTensor } from './common.js';
import { gammaHost, logGammaHost } from './gamma-core.js';
import type { SamplerOptions } from './options.js';

const positive = (v: number): boolean => v > 0 && v < Infinity;

/**
 * Gamma(a, 1) samples (shape `a`, unit scale; multiply by a scale θ for Gamma(a, θ)).
 *
 * Marsaglia–Tsang (2000) rejection with the `U^{1/a}` boost for `a < 1`, run on the host from the
 * key's Threefry stream, so every backend draws the same bits. Each element uses its own counter
 * block `(index, draw)`: a sample depends only on the key, its flat index and its own `a`. Needs a
 * concrete key and `a` (throws `TransformError` under `jit`/`vmap`/`grad`); the samples carry no
 * derivative with respect to `a`.
 * @param k - a key from `random.key`/`random.split`.
 * @param a - shape parameter(s), finite and > 0; broadcast to `shape`.
 * @param shape - output shape (default: the shape of `a`).
 * @param options - `dtype` (float32 or float64; computed in float64 and rounded once).
 * @throws {@link ValueError} for a non-positive or non-finite `a`; {@link ShapeError} when `a` does not broadcast to `shape`.
 * @example
 * ```ts
 * const x = random.gamma(random.key(0), 2.5, [1000], { dtype: 'float64' }); // mean ≈ 2.5, variance ≈ 2.5
 * ```
 */
export function gamma(k: Tensor, a: TensorLike, shape?: readonly number[], options: SamplerOptions = {}): Tensor {
  const op = 'random.gamma';
  const key = concreteKey(op, k);
  const dtype = floatOption(op, options.dtype);
  const pa = hostParam(op, 'a', a);
  checkEach(op, 'a', pa.data, positive, 'finite and > 0');
  const s = sampleShape(op, shape, [['a', pa]]);
  return toTensor(gammaHost(op, key, broadcastHost(pa, s)), s, dtype);
}

/**
 * Beta(a, b) samples in [0, 1].
 *
 * `X/(X + Y)` with `X ~ Gamma(a)` drawn from `split(key)[0]` and `Y ~ Gamma(b)` from `split(key)[1]`
 * (see {@link gamma}), computed from the log-gammas as `1/(1 + exp(log Y − log X))` so tiny shapes
 * do not divide 0 by 0. Host sampler: needs a concrete key and parameters.
 * @param k - a key.
 * @param a - first shape parameter(s), finite and > 0.
 * @param b - second shape parameter(s), finite and > 0.
 * @param shape - output shape (default: the broadcast shape of `a` and `b`).
 * @param options - `dtype`.
 * @throws {@link ValueError} for non-positive parameters; {@link ShapeError} for shapes that do not broadcast.
 * @example
 * ```ts
 * random.beta(random.key(1), 2, 5, [3]).shape; // [3], mean 2/7
 * ```
 */
export function beta(k: Tensor, a: TensorLike, b: TensorLike, shape?: readonly number[], options: SamplerOptions = {}): Tensor {
  const op = 'random.beta';
  const key = concreteKey(op, k);
  const dtype = floatOption(op, options.dtype);
  const pa = hostParam(op, 'a', a), pb = hostParam(op, 'b', b);
  checkEach(op, 'a', pa.data, positive, 'finite and > 0');
  checkEach(op, 'b', pb.data, positive, 'finite and > 0');
  const s = sampleShape(op, shape, [['a', pa], ['b', pb]]);
  const keys = splitKey(key, 2);
  const lx = logGammaHost(op, [keys[0]!, keys[1]!], broadcastHost(pa, s));
  const ly = logGammaHost(op, [keys[2]!, keys[3]!], broadcastHost(pb, s));
  const out = new Float64Array(lx.length);
  for (let i = 0; i < out.length; i++) {
    const x = lx[i]!, y = ly[i]!;
    out[i] = x === y ? 0.5 : 1 / (1 + portableExp(y - x));
  }
  return toTensor(out, s, dtype);
}

/**
 * Dirichlet(α) samples on the simplex: output shape `[...shape, K]` for `alpha` of shape `[..., K]`.
 *
 * Independent `G_c ~ Gamma(α_c)` (see {@link gamma}) normalised along the last axis, in log space
 * (`exp(log G_c − max) / Σ`) so small concentrations stay finite. Host sampler: needs a concrete
 * key and `alpha`.
 * @param k - a key.
 * @param alpha - concentrations `[..., K]`, each finite and > 0, K ≥ 1.
 * @param shape - batch shape; `alpha.shape[:-1]` must broadcast to it (default: `alpha.shape[:-1]`).
 * @param options - `dtype`.
 * @throws {@link ValueError} for non-positive concentrations; {@link ShapeError} when `alpha` is a scalar or does not broadcast.
 * @example
 * ```ts
 * random.dirichlet(random.key(2), tensor([1, 2, 3]), [4]).shape; // [4, 3], rows sum to 1
 * ```
 */
export function dirichlet(k: Tensor, alpha: TensorLike, shape?: readonly number[], options: SamplerOptions = {}): Tensor {
  const op = 'random.dirichlet';
  const key = concreteKey(op, k);
  const dtype = floatOption(op, options.dtype);
  const pa = hostParam(op, 'alpha', alpha);
  if (pa.shape.length === 0 || pa.shape[pa.shape.length - 1] === 0) {
    throw new ShapeError(`${op}: alpha must have a last axis of K ≥ 1 concentrations, got shape [${pa.shape.join(',')}].`, { op, argument: 'alpha', expected: '[..., K], K ≥ 1', received: `[${pa.shape.join(',')}]` });
  }
  checkEach(op, 'alpha', pa.data, positive, 'finite and > 0');
  const kk = pa.shape[pa.shape.length - 1]!;
  const batch = sampleShape(op, shape, [['alpha[..., 0]', { data: pa.data, shape: pa.shape.slice(0, -1) }]]);
  const full = [...batch, kk];
  const lg = logGammaHost(op, key, broadcastHost(pa, full));
  const out = new Float64Array(lg.length);
  for (let r = 0; r < lg.length; r += kk) {
    let m = -Infinity;
    for (let c = 0; c < kk; c++) m = Math.max(m, lg[r + c]!);
    let total = 0;
    for (let c = 0; c < kk; c++) total += (out[r + c] = m === -Infinity ? 1 : portableExp(lg[r + c]! - m));
    for (let c = 0; c < kk; c++) out[r + c] = out[r + c]! / total;
  }
  return toTensor(out, full, dtype);
}
