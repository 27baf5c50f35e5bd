/**
 * Abstract values: the shape and dtype of a tensor without its data.
 * @module
 */
import { shortDType, type DType } from './dtype.js';
import type { Shape } from './shape.js';
import { shapesEqual, sizeOf } from './shape.js';

/**
 * The abstract value of a tensor: its `shape` and `dtype`. Prints as `f32[3,4]`.
 * @example
 * ```ts
 * new Aval([3, 4], 'float32').toString(); // 'f32[3,4]'
 * ```
 */
export class Aval {
  /** The shape (frozen). */
  readonly shape: Shape;
  /** The dtype. */
  readonly dtype: DType;
  /** Number of elements (computed once: kernels and executables read it on every call). */
  readonly size: number;
  constructor(shape: Shape, dtype: DType) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(this.shape);
  }
  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }
  /** True when shape and dtype agree. */
  equals(other: Aval): boolean {
    return this.dtype === other.dtype && shapesEqual(this.shape, other.shape);
  }
  /** `f32[3,4]` style description. */
  toString(): string {
    return `${shortDType(this.dtype)}[${this.shape.join(',')}]`;
  }
}
