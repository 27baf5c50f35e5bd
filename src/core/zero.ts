/**
 * Symbolic zeros and undefined primals.
 *
 * A tangent or cotangent is `Tensor | Zero`: rules skip `Zero` inputs, so not
 * differentiating an argument costs nothing. `UndefPrimal` marks the linear inputs of a
 * primitive during transposition.
 * @module
 */
import type { Aval } from '../tensor/aval.js';
import type { Tensor } from '../tensor/tensor.js';

/** @internal A symbolic zero of a known aval. */
export class Zero {
  constructor(readonly aval: Aval) {}
}

/** @internal A tangent or cotangent: a tensor or a symbolic zero. */
export type Tangent = Tensor | Zero;

/** @internal Marks a linear (unknown) input of a primitive in the transpose pass. */
export class UndefPrimal {
  constructor(readonly aval: Aval) {}
}

/** @internal True for symbolic zeros. */
export function isZero(t: unknown): t is Zero {
  return t instanceof Zero;
}
