/**
 * Scalar constants matching a tensor's dtype, for use inside rules.
 * @module
 */
import { scalar } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';

/** @internal A scalar of `x`'s dtype. */
export function constLike(value: number, x: Tensor): Tensor {
  return scalar(value, x.dtype);
}
