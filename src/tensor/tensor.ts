/**
 * The immutable tensor type.
 *
 * `Tensor` is abstract: `ConcreteTensor` holds a backend buffer, and the tracers of each
 * transformation (JVP, batching, staging) extend `Tensor` too, so user code cannot tell them
 * apart. No API mutates a tensor. Method sugar (`x.add(y)`, `x.sum()`) is attached in
 * `ops/methods.ts`; free functions are canonical.
 * @module
 */
import { ConcretizationError, DisposedTensorError } from '../errors.js';
import type { Backend } from '../backend/backend.js';
import { Aval } from './aval.js';
import { disposeKey } from './dispose-key.js';
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';
import { stridesOf } from './shape.js';
import { formatTensor } from './format.js';

/**
 * @internal Called with every `ConcreteTensor` created while a `scope` is active; `null`
 * otherwise, so creating a tensor outside scopes costs one null check.
 */
let onCreate: ((t: ConcreteTensor) => void) | null = null;

/** @internal Installs the tensor-creation hook of `scope` (null removes it); returns the previous one. */
export function swapCreationHook(hook: ((t: ConcreteTensor) => void) | null): ((t: ConcreteTensor) => void) | null {
  const prev = onCreate;
  onCreate = hook;
  return prev;
}

/** Nested JS arrays as returned by {@link Tensor.toArray}. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An immutable n-dimensional array (or a tracer standing in for one inside a transformation).
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * x.shape;        // [2, 2]
 * x.sum().item(); // 10
 * ```
 */
export abstract class Tensor {
  /** Shape and dtype. */
  abstract readonly aval: Aval;
  /** The shape, outermost axis first. */
  get shape(): Shape {
    return this.aval.shape;
  }
  /** The element type. */
  get dtype(): DType {
    return this.aval.dtype;
  }
  /** Number of axes. */
  get ndim(): number {
    return this.aval.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return this.aval.size;
  }
  /** @internal The concrete tensor behind this value, or a ConcretizationError for tracers. */
  abstract concrete(op: string): ConcreteTensor;
  /** A copy of the data as a typed array (`Float32Array`, `Float64Array`, `Int32Array` or `Uint8Array` for bool). */
  toTypedArray(): TypedArray {
    return this.concrete('toTypedArray').readData('toTypedArray').slice();
  }
  /** The data as nested JS arrays (numbers; booleans for bool tensors). */
  toArray(): NestedArray {
    const c = this.concrete('toArray');
    return nest(c.readData('toArray'), c.shape, c.dtype === 'bool');
  }
  /** The single element of a size-1 tensor as a JS number. */
  item(): number {
    const c = this.concrete('item');
    if (c.size !== 1) {
      throw new ConcretizationError(`item: tensor must have exactly one element, got ${c.aval.toString()}.`, { op: 'item', received: c.aval.toString() });
    }
    return Number(c.readData('item')[0]);
  }
  /** Releases the tensor's buffer; later reads throw `DisposedTensorError`. Idempotent. */
  dispose(): void {}
  /** `using x = ...` support. */
  [disposeKey](): void {
    this.dispose();
  }
  /**
   * A readable description: dtype, shape and (for concrete tensors of at most 20 elements) the
   * values, e.g. `Tensor(f32[2,2] [[1, 2], [3, 4]])`; larger ones show their first values and a
   * count, tracers `Tensor(f32[2,2] traced)`. Node's `util.inspect`/`console.log` and fast-check's
   * counterexample reports print the same text.
   */
  toString(): string {
    let c: ConcreteTensor;
    try {
      c = this.concrete('toString');
    } catch {
      return formatTensor(this.aval.toString(), this.shape, this.dtype, undefined, 'traced');
    }
    if (c.isDisposed) return formatTensor(this.aval.toString(), this.shape, this.dtype, undefined, 'disposed');
    return formatTensor(this.aval.toString(), this.shape, this.dtype, c.readData());
  }
  /** Node's `util.inspect` (and `console.log`): the same text as {@link Tensor.toString}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  /** fast-check's hook for printing counterexamples (`fc.toStringMethod`): the same text as {@link Tensor.toString}. */
  [Symbol.for('fast-check/toStringMethod')](): string {
    return this.toString();
  }
}

/**
 * A tensor with data in a backend buffer.
 * @example
 * ```ts
 * const x = tensor([1, 2, 3]); // a ConcreteTensor
 * x instanceof ConcreteTensor; // true
 * ```
 */
export class ConcreteTensor extends Tensor {
  /** Shape and dtype. */
  readonly aval: Aval;
  /** The backend owning the buffer. */
  readonly backend: Backend;
  #buf: unknown;
  #disposed = false;
  /**
   * @param aval - shape and dtype
   * @param backend - the backend owning `buf`
   * @param buf - the buffer (the tensor becomes one of its owners: `backend.retain`)
   * @param untracked - internal: true when `buf` is a fresh array whose owners no backend pool or
   *   heap counts (`jit`'s copied-out small outputs), so `retain` is skipped
   */
  constructor(aval: Aval, backend: Backend, buf: unknown, untracked = false) {
    super();
    this.aval = aval;
    this.backend = backend;
    this.#buf = buf;
    if (!untracked && backend.retain !== undefined) backend.retain(buf);
    if (onCreate !== null) onCreate(this);
  }
  /** @internal */
  concrete(): ConcreteTensor {
    return this;
  }
  /** @internal The backend buffer; throws after dispose. */
  buffer(op = 'use'): unknown {
    if (this.#disposed) {
      throw new DisposedTensorError(`${op}: tensor ${this.aval.toString()} was used after dispose(). Keep a tensor alive while it is used, or recompute it.`, { op, received: this.aval.toString() });
    }
    return this.#buf;
  }
  /** @internal Reads the data (no copy; do not mutate); `op` names the reader in the disposed-tensor error. */
  readData(op = 'read'): TypedArray {
    return this.backend.read(this.buffer(op), this.aval);
  }
  /** True once {@link dispose} was called. */
  get isDisposed(): boolean {
    return this.#disposed;
  }
  override dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.backend.dispose(this.#buf);
    this.#buf = undefined;
  }
}

function nest(data: TypedArray, shape: Shape, bool: boolean): NestedArray {
  const conv = (v: number): number | boolean => (bool ? v !== 0 : v);
  if (shape.length === 0) return conv(data[0]!);
  const strides = stridesOf(shape);
  const build = (dim: number, offset: number): NestedArray[] => {
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[dim]!; i++) {
      const o = offset + i * strides[dim]!;
      out.push(dim === shape.length - 1 ? conv(data[o]!) : build(dim + 1, o));
    }
    return out;
  };
  return build(0, 0);
}
