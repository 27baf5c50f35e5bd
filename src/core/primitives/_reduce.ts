/**
 * Shared pieces of the reduction primitives.
 * @module
 */
import { Aval } from '../../tensor/aval.js';
import type { BDim } from '../primitive.js';

/** @internal Params of reductions: sorted, normalised axes. */
export interface ReduceParams {
  readonly axes: readonly number[];
}

/** @internal Output aval of a reduction. */
export function reduceAval(a: Aval, axes: readonly number[], dtype = a.dtype): Aval {
  return new Aval(a.shape.filter((_, i) => !axes.includes(i)), dtype);
}

/** @internal Shifts reduction axes past the batch dim; returns new axes and output batch dim. */
export function shiftAxes(axes: readonly number[], d: BDim): [number[], BDim] {
  if (d === null) return [[...axes], null];
  const shifted = axes.map((a) => (a >= d ? a + 1 : a));
  const outDim = d - axes.filter((a) => a < d).length;
  return [shifted.sort((a, b) => a - b), outDim];
}

/** @internal The output axes kept by a reduction (their positions in the input). */
export function keptDims(rank: number, axes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < rank; i++) if (!axes.includes(i)) out.push(i);
  return out;
}
