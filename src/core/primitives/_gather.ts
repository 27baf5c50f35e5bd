/**
 * Index arithmetic shared by the batching rules of `take` and `scatter_add`.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { scalar } from '../../tensor/creation.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { iota } from './iota.js';
import { broadcastInDim } from './broadcast-in-dim.js';
import { max, min } from './max.js';

/** @internal `clamp(idx, 0, n-1) + b·n` for indices batched on axis 0 (shape [B, …]). */
export function batchedIndexOffsets(idx: Tensor, n: number): Tensor {
  const b = idx.shape[0]!;
  const clamped = min(max(idx, scalar(0, 'int32')), scalar(n - 1, 'int32'));
  const offs = broadcastInDim(mul(iota([b], 0, 'int32'), scalar(n, 'int32')), idx.shape, [0]);
  return add(clamped, offs);
}
