// Small random models shared by the operator and K-FAC tests (float64, fixed keys).
import { random, type Tensor } from '../../src/index.js';
import { applyDense, type DenseFn, type KfacParams } from '../../src/curvature/index.js';

export type Mlp = { h: { w: Tensor; b: Tensor }; o: { w: Tensor; b: Tensor } };

const normal = (k: Tensor, shape: number[], s = 0.7): Tensor => random.normal(k, shape, { dtype: 'float64' }).mul(s);

/** A 2-layer tanh MLP din → hidden → dout with random float64 weights. */
export function mlpParams(seed: number, din: number, hidden: number, dout: number): Mlp {
  const [a, b, c, d] = random.splitList(random.key(seed), 4);
  return { h: { w: normal(a!, [din, hidden]), b: normal(b!, [hidden], 0.3) }, o: { w: normal(c!, [hidden, dout]), b: normal(d!, [dout], 0.3) } };
}

/** The MLP in K-FAC style: layers applied through `dense`. */
export const mlpKfac = (_p: KfacParams, x: Tensor, dense: DenseFn): Tensor => dense('o', dense('h', x).tanh());

/** The MLP as a plain model (params, x) ↦ output. */
export const mlp = (p: Mlp, x: Tensor): Tensor => applyDense(mlpKfac, p, x);

/** Random float64 inputs [n, d]. */
export const inputs = (seed: number, n: number, d: number): Tensor => normal(random.key(seed), [n, d], 1);
