/**
 * Primitives: the small set of operations the interpreters understand.
 *
 * A primitive bundles all of its rules in one object: the shape/dtype rule
 * (`abstractEval`, which also validates input and throws structured errors), the kernel
 * call (`impl`), the JVP rule, the transpose rule when it is linear in some argument, and
 * the batching rule. One primitive lives in one file under `core/primitives/`.
 * @module
 */
import type { Aval } from '../tensor/aval.js';
import type { ConcreteTensor, Tensor } from '../tensor/tensor.js';
import type { Tangent, UndefPrimal } from './zero.js';

/** Batch dimension of a batched value, or null when not mapped. */
export type BDim = number | null;

/**
 * All rules of one primitive (see `docs/architecture.md`).
 * @typeParam P - the primitive's parameter type.
 */
export interface Primitive<P> {
  /** The primitive's name, e.g. `"dot_general"`. */
  readonly name: string;
  /** Output avals; throws ShapeError/DTypeError on bad input. */
  abstractEval(avals: readonly Aval[], params: P): Aval[];
  /** Runs the backend kernel. */
  impl(args: readonly ConcreteTensor[], params: P, outs: readonly Aval[]): ConcreteTensor[];
  /** Forward-mode rule; tangents may be symbolic zeros. */
  jvp(primals: readonly Tensor[], tangents: readonly Tangent[], params: P): [Tensor[], Tangent[]];
  /** Transpose rule for the arguments that are `UndefPrimal` (linear ones); null for the rest. */
  transpose?: (cts: readonly Tangent[], args: readonly (Tensor | UndefPrimal)[], params: P) => (Tangent | null)[];
  /** Batching rule: the batch dim of each argument (null = unmapped) → outputs and their dims. */
  batch(axisSize: number, args: readonly Tensor[], dims: readonly BDim[], params: P): [Tensor[], BDim[]];
  /** Parameter printer for jaxprs. */
  pretty?(params: P): string;
}

/** @internal Identity helper that fixes the params type. */
export function definePrimitive<P>(rules: Primitive<P>): Primitive<P> {
  return Object.freeze(rules);
}
