/**
 * Structured errors thrown by curvax.
 *
 * Every error names the operation, the offending argument and what was expected versus
 * what was received, with messages of the form `"<op>: <requirement>, got <detail>. <hint>"`.
 * Shapes and dtypes print as avals, e.g. `f32[3,4]`. Errors are thrown from wrappers and
 * shape rules, never from inside a kernel.
 * @module
 */

/** Structured fields shared by every curvax error. */
export interface CurvaxErrorFields {
  /** The operation or transformation that rejected its input, e.g. `"matmul"`. */
  readonly op: string;
  /** The offending argument, when one can be named. */
  readonly argument?: string | undefined;
  /** A short description of what was expected. */
  readonly expected?: string | undefined;
  /** A short description of what was received. */
  readonly received?: string | undefined;
}

/**
 * Base class of all curvax errors: carries `op`, `argument`, `expected`, `received`.
 * @example
 * ```ts
 * try { matmul(zeros([3, 4]), zeros([5, 2])); } catch (e) { if (e instanceof CurvaxError) console.log(e.op); }
 * ```
 */
export class CurvaxError extends Error {
  /** The operation that failed. */
  readonly op: string;
  /** The offending argument, if known. */
  readonly argument: string | undefined;
  /** What was expected. */
  readonly expected: string | undefined;
  /** What was received. */
  readonly received: string | undefined;
  constructor(message: string, fields: CurvaxErrorFields) {
    super(message);
    this.name = new.target.name;
    this.op = fields.op;
    this.argument = fields.argument;
    this.expected = fields.expected;
    this.received = fields.received;
  }
}

/**
 * Incompatible shapes, e.g. `matmul: inner dimensions must match, got f32[3,4] and f32[5,2] (4 ≠ 5).`
 * @example
 * ```ts
 * expect(() => add(zeros([2]), zeros([3]))).toThrow(ShapeError);
 * ```
 */
export class ShapeError extends CurvaxError {}

/**
 * Incompatible or unsupported dtypes, e.g. `log: expected a floating dtype, got i32[3].`
 * @example
 * ```ts
 * expect(() => log(arange(3))).toThrow(DTypeError);
 * ```
 */
export class DTypeError extends CurvaxError {}

/**
 * An axis index outside `[-rank, rank)`.
 * @example
 * ```ts
 * expect(() => sum(zeros([2, 3]), { axis: 2 })).toThrow(AxisError);
 * ```
 */
export class AxisError extends CurvaxError {}

/**
 * Two pytrees that should have the same structure do not.
 * @example
 * ```ts
 * expect(() => tree.add({ a: x }, { b: x })).toThrow(TreeMismatchError);
 * ```
 */
export class TreeMismatchError extends CurvaxError {}

/**
 * A value was used in a way its transformation does not allow, e.g. a non-scalar output given to `grad`.
 * @example
 * ```ts
 * expect(() => grad((x: Tensor) => x)(ones([3]))).toThrow(TransformError);
 * ```
 */
export class TransformError extends CurvaxError {}

/**
 * A nonlinear primitive appeared where a linear function was required (e.g. in `linearTranspose`).
 * @example
 * ```ts
 * expect(() => linearTranspose((x: Tensor) => exp(x), ones([2]))).toThrow(NonlinearError);
 * ```
 */
export class NonlinearError extends CurvaxError {}

/**
 * A primitive lacks the rule a transformation needs.
 * @example
 * ```ts
 * // thrown by the transpose interpreter when a primitive has no transpose rule
 * ```
 */
export class MissingRuleError extends CurvaxError {}

/**
 * A tracer was used outside the transformation that created it (it "leaked").
 * @example
 * ```ts
 * let leaked: Tensor | undefined;
 * grad((x: Tensor) => { leaked = x; return x.sum(); })(ones([2]));
 * expect(() => leaked!.add(1)).toThrow(EscapedTracerError);
 * ```
 */
export class EscapedTracerError extends CurvaxError {}

/**
 * A tracer's value was read (e.g. `toArray()` inside `grad`), which needs a concrete value.
 * @example
 * ```ts
 * expect(() => grad((x: Tensor) => { x.toArray(); return x.sum(); })(ones([2]))).toThrow(ConcretizationError);
 * ```
 */
export class ConcretizationError extends CurvaxError {}

/**
 * A tensor was used after `dispose()`.
 * @example
 * ```ts
 * const x = ones([2]); x.dispose();
 * expect(() => x.toArray()).toThrow(DisposedTensorError);
 * ```
 */
export class DisposedTensorError extends CurvaxError {}

/**
 * A backend was requested that cannot run here; the message says what is missing and how to install it.
 * @example
 * ```ts
 * try {
 *   setBackend('gpujs', { mode: 'webgl2' });
 * } catch (e) {
 *   if (e instanceof BackendUnavailableError) console.log(e.message); // says to call initGpujs / install gpu.js
 * }
 * ```
 */
export class BackendUnavailableError extends CurvaxError {}

/**
 * An argument had an invalid value (negative damping, a NaN learning rate, a label out of range, ...).
 * @example
 * ```ts
 * expect(() => linspace(0, 1, -1)).toThrow(ValueError);
 * ```
 */
export class ValueError extends CurvaxError {}

/**
 * A checkpoint could not be read: truncated bytes, an inconsistent safetensors header, or a
 * checksum mismatch. The message names the tensor (or header region) that failed.
 * A subclass of {@link ValueError}.
 * @example
 * ```ts
 * const bytes = optim.saveState({ w: ones([4]) });
 * bytes[bytes.length - 1] ^= 1; // flip one bit of the data
 * expect(() => optim.loadState(bytes)).toThrow(CorruptCheckpointError);
 * ```
 */
export class CorruptCheckpointError extends ValueError {}

/**
 * A matrix that must be symmetric positive definite is not (numerically): a Cholesky pivot is
 * not above n·ε·max diag. The message names the failing pivot. A subclass of {@link ValueError}.
 * @example
 * ```ts
 * expect(() => linalg.cholesky(new Float64Array([1, 2, 2, 4]), 2)).toThrow(NotPositiveDefiniteError);
 * ```
 */
export class NotPositiveDefiniteError extends ValueError {}

/**
 * A value that cannot be a pytree: a circular structure, or one nested deeper than the limit.
 * @example
 * ```ts
 * const a: any = { w: ones([2]) }; a.self = a;
 * expect(() => tree.leaves(a)).toThrow(InvalidTreeError);
 * ```
 */
export class InvalidTreeError extends CurvaxError {}
