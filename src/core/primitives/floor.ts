/**
 * `floor` primitive: elementwise floor.
 *
 * ```text
 * derivative 0 almost everywhere
 * ```
 * A primitive because it maps to a single kernel.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import { unaryPrimitive } from './_unary.js';

/** @internal */
export const [floorP, floorRaw] = unaryPrimitive('floor', {  });
/** @internal Elementwise floor without dtype promotion. */
export const floor = (x: Tensor): Tensor => floorRaw(x);
