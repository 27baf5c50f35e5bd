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

/** A symbolic zero tangent or cotangent of a known aval: rules skip it at no cost. */
export class Zero {
  /** @internal */
  constructor(
    /** Shape and dtype of the zero it stands for. */
    readonly aval: Aval,
  ) {}
}

/** A tangent or cotangent: a tensor or a symbolic zero. */
export type Tangent = Tensor | Zero;

/** Marks a linear (unknown) input of a primitive in the transpose pass. */
export class UndefPrimal {
  /** @internal */
  constructor(
    /** Shape and dtype of the linear input. */
    readonly aval: Aval,
  ) {}
}

/** @internal True for symbolic zeros. */
export function isZero(t: unknown): t is Zero {
  return t instanceof Zero;
}
