/**
 * Small int32 helpers for index arithmetic.
 * @module
 */
import { scalar } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { add as addP } from '../core/primitives/add.js';
import { lt as ltP } from '../core/primitives/compare.js';

/** @internal `idx + n` for int32 indices. */
export function add(idx: Tensor, n: number): Tensor {
  return addP(idx, scalar(n, idx.dtype));
}
/** @internal `idx < n` for int32 indices. */
export function lt(idx: Tensor, n: number): Tensor {
  return ltP(idx, scalar(n, idx.dtype));
}
