/**
 * The backend interface: a small kernel set every backend implements.
 *
 * A backend owns buffers (`B`) and runs kernels on them. Kernels receive avals already
 * checked by the primitives' shape rules, so a kernel never validates and never throws on
 * user input. The set is deliberately small (elementwise by op code, reductions, movement,
 * `dotGeneral`, `iota`, `randomBits`): every op of the library is built from these.
 * @module
 */
import type { Aval } from '../tensor/aval.js';
import type { DType, TypedArray } from '../tensor/dtype.js';

/** Elementwise unary kernels. */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'log1p' | 'expm1' | 'tanh' | 'logistic' | 'softplus' | 'sqrt' | 'abs' | 'sign' | 'sin' | 'cos' | 'floor' | 'not';
/** Elementwise binary kernels (NumPy broadcasting; comparisons return bool). */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';
/** Reduction kernels over a set of axes. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax';

/**
 * @internal One operation of a {@link FusedProgram}: `value = op(args…)` rounded to `dtype`.
 * `copy` is the identity (`stop_gradient`); `cast` converts to `dtype`; the others are the
 * unary/binary kernels of the same name, with exactly their per-element semantics.
 */
export interface FusedOp {
  /** The operation. */
  readonly op: UnaryOp | BinaryOp | 'select' | 'cast' | 'copy';
  /** Value references of the operands (see {@link FusedProgram}). */
  readonly args: readonly number[];
  /** The result dtype (the unfused kernel's output dtype). */
  readonly dtype: DType;
}

/**
 * @internal An elementwise expression program run by `Kernels.fused` in one pass over the output.
 *
 * Values are referenced by index: `0 … inputs.length − 1` are the input buffers (NumPy-broadcast
 * to the output shape), then one value per literal, then one per op in order. Every op's
 * result has the output shape; `outputs` lists the values written to output buffers.
 */
export interface FusedProgram {
  /** Dtype of each input buffer. */
  readonly inputs: readonly DType[];
  /** Scalar constants inlined into the program (values exactly representable in their dtype). */
  readonly literals: readonly { readonly value: number; readonly dtype: DType }[];
  /** The operations, in dependency order. */
  readonly ops: readonly FusedOp[];
  /** The values written to the output buffers, in order. */
  readonly outputs: readonly number[];
  /** Canonical text of the program (cache key of compiled kernels). */
  readonly key: string;
}

/** Dimension numbers of `dotGeneral`: contracting and batch axes of each operand. */
export interface DotDims {
  /** Contracting axes of the left operand. */
  readonly lhsContract: readonly number[];
  /** Contracting axes of the right operand. */
  readonly rhsContract: readonly number[];
  /** Batch axes of the left operand. */
  readonly lhsBatch: readonly number[];
  /** Batch axes of the right operand. */
  readonly rhsBatch: readonly number[];
}

/**
 * Parameters of `conv` (the `conv_general_dilated` primitive), channels-last: the input is
 * `[N, ...spatial, C]`, the kernel `[...window, C / groups, O]`, the output `[N, ...outSpatial, O]`.
 * The input is dilated by `lhsDilation` (zeros between elements), padded by `padding` (`[lo, hi]`
 * per spatial axis, negative values crop), and the kernel, dilated by `rhsDilation`, slides over it
 * with `strides`. Input channel `g·C/groups + i` meets kernel input `i` of output group `g`.
 */
export interface ConvParams {
  /** Window strides per spatial axis. */
  readonly strides: readonly number[];
  /** `[lo, hi]` padding per spatial axis (may be negative). */
  readonly padding: readonly (readonly [number, number])[];
  /** Input dilation per spatial axis (1 = none; > 1 for transposed convolutions). */
  readonly lhsDilation: readonly number[];
  /** Kernel dilation per spatial axis (1 = none). */
  readonly rhsDilation: readonly number[];
  /** Feature group count: `C` and `O` are split into this many independent groups. */
  readonly groups: number;
}

/**
 * The kernels of a backend. Every backend must implement all of them (a missing one is a compile error).
 * @typeParam B - the backend's buffer handle type.
 */
export interface Kernels<B> {
  /** `out = op(x)`. */
  unary(op: UnaryOp, x: B, ax: Aval, out: Aval): B;
  /** `out = op(x, y)` with NumPy broadcasting to `out.shape`. */
  binary(op: BinaryOp, x: B, y: B, ax: Aval, ay: Aval, out: Aval): B;
  /** `out = pred ? x : y` with broadcasting. */
  select(pred: B, x: B, y: B, ap: Aval, ax: Aval, ay: Aval, out: Aval): B;
  /** Converts to `out.dtype`. */
  cast(x: B, ax: Aval, out: Aval): B;
  /** Reduces the sorted `axes` (removed from the output). `argmax` takes one axis and returns int32. */
  reduce(op: ReduceOp, x: B, ax: Aval, axes: readonly number[], out: Aval): B;
  /** Same data, new shape. */
  reshape(x: B, ax: Aval, out: Aval): B;
  /** Permutes axes: `out.shape[i] = ax.shape[perm[i]]`. */
  transpose(x: B, ax: Aval, perm: readonly number[], out: Aval): B;
  /** Operand axis `i` becomes output axis `dims[i]` (size equal or 1); other output axes are broadcast. */
  broadcastInDim(x: B, ax: Aval, dims: readonly number[], out: Aval): B;
  /** Contiguous window starting at `starts` with shape `out.shape`. */
  slice(x: B, ax: Aval, starts: readonly number[], out: Aval): B;
  /** Zero padding: `lo[i]` zeros before axis `i` (the rest after, to reach `out.shape`). */
  pad(x: B, ax: Aval, lo: readonly number[], out: Aval): B;
  /** Concatenation along `axis`. */
  concat(xs: readonly B[], axs: readonly Aval[], axis: number, out: Aval): B;
  /** `out = x` indexed along `axis` by the int32 `idx` (its shape replaces that axis). */
  take(x: B, idx: B, ax: Aval, aidx: Aval, axis: number, out: Aval): B;
  /** Transpose of `take`: zeros of `out.shape`, then `out[.., idx[j], ..] += upd[.., j, ..]`. */
  scatterAdd(idx: B, upd: B, aidx: Aval, aupd: Aval, axis: number, out: Aval): B;
  /** Generalised batched matrix product; output axes: batch, lhs free, rhs free. */
  dotGeneral(x: B, y: B, ax: Aval, ay: Aval, dims: DotDims, out: Aval): B;
  /** `out[..., i_dim, ...] = i_dim`. */
  iota(dim: number, out: Aval): B;
  /** Threefry stream per key `[...K, 2]` → `out` `[...K, ...shape]`: int32 words, uniform [0,1) or normal floats. */
  randomBits(key: B, akey: Aval, dist: 'bits' | 'uniform' | 'normal', out: Aval): B;
  /**
   * @internal Optional: `dotGeneral` resolved once for fixed avals and dims (used by `jit`'s
   * executables). The returned function must compute exactly what `dotGeneral` computes for
   * those avals, bit for bit; it only moves the shape analysis and kernel choice out of the call.
   */
  planDotGeneral?(ax: Aval, ay: Aval, dims: DotDims, out: Aval): Planned<[x: B, y: B], B>;
  /**
   * @internal Optional linear-algebra kernels over leading batch axes (`cholesky`: lower factor of
   * `[..., n, n]`; `triangularSolve`; `eigh`: ascending eigenvalues and column eigenvectors). A
   * backend without them runs the host kernels of `backend/js/linalg.ts` on its buffers' data.
   */
  cholesky?(a: B, aa: Aval, out: Aval): B;
  /** @internal Optional, see `cholesky`. */
  triangularSolve?(a: B, b: B, aa: Aval, ab: Aval, params: { readonly leftSide: boolean; readonly lower: boolean; readonly transposeA: boolean; readonly unitDiagonal: boolean }, out: Aval): B;
  /** @internal Optional, see `cholesky`. */
  eigh?(a: B, aa: Aval, outW: Aval, outV: Aval): [B, B];
  /**
   * @internal Optional: the convolution of {@link ConvParams} (float dtypes). A backend without it
   * runs the host reference kernel of `backend/js/conv.ts` on its buffers' data.
   */
  conv?(x: B, w: B, ax: Aval, aw: Aval, params: ConvParams, out: Aval): B;
  /**
   * @internal Optional: `reduce` resolved once for fixed avals and axes (used by `jit`'s
   * executables); the returned function computes exactly what `reduce` computes, bit for bit.
   */
  planReduce?(op: ReduceOp, ax: Aval, axes: readonly number[], out: Aval): Planned<[x: B], B>;
  /**
   * @internal Optional: runs a fused elementwise program (from `jit`) in one pass, with no
   * intermediate buffers. `xs[i]` has aval `axs[i]` (broadcastable to the output shape); every
   * `outs[j]` has the output shape. Returns undefined to decline (the primitive then runs the
   * program's kernels one by one); a backend without it always gets the one-by-one path.
   */
  fused?(program: FusedProgram, xs: readonly B[], axs: readonly Aval[], outs: readonly Aval[]): B[] | undefined;
  /**
   * @internal Optional: `fused` resolved once for fixed avals (used by `jit`'s executables).
   * Returns undefined exactly when `fused` would decline these avals; otherwise a function that
   * computes exactly what `fused` computes, bit for bit.
   */
  planFused?(program: FusedProgram, axs: readonly Aval[], outs: readonly Aval[]): Planned<[xs: readonly B[]], B[]> | undefined;
}

/**
 * A kernel resolved ahead of time (`planDotGeneral`, `planFused`). Declared through a method so its
 * parameters are compared bivariantly, like the other kernel methods: a `Kernels<GpuBuf>` stays
 * assignable to `Kernels<unknown>`.
 * @internal
 */
export type Planned<A extends unknown[], R> = { run(...args: A): R }['run'];

/**
 * A backend: buffers plus kernels.
 * @typeParam B - the buffer handle type.
 */
export interface Backend<B = unknown> {
  /** Backend name, e.g. `"js"`. */
  readonly name: string;
  /** Wraps a fresh typed array (the backend may keep it; callers never mutate it afterwards). */
  fromTyped(data: TypedArray, aval: Aval): B;
  /** Reads a buffer back as a typed array of the aval's dtype (callers must not mutate it). */
  read(buf: B, aval: Aval): TypedArray;
  /**
   * Releases a buffer. Called once by each tensor's `dispose`; on backends with {@link Backend.retain}
   * it drops the owner that tensor added (see there), elsewhere it frees the buffer (idempotent).
   */
  dispose(buf: B): void;
  /**
   * Optional owner counting, for backends that recycle buffers (`wasm`). Every holder of a
   * buffer returned by a kernel (each `ConcreteTensor`, and e.g. a compiled executable keeping
   * a kernel result) calls `retain(buf)` once when it starts holding it and
   * {@link Backend.release} once after its last use. Views share one count (`reshape` may return
   * its operand's buffer). A buffer nobody retains is left to the garbage collector.
   */
  retain?(buf: B): void;
  /**
   * Optional: drops one owner added by {@link Backend.retain}; the buffer is recycled when none is
   * left, so the caller must not read it afterwards. Releasing a buffer with no owner is a no-op.
   * Present exactly when `retain` is.
   */
  release?(buf: B): void;
  /** The kernel table. */
  readonly kernels: Kernels<B>;
  /**
   * @internal Optional, on backends whose buffers are the typed arrays their kernels allocate
   * (`js`, `wasm`): until the returned function is called, the small arrays kernels allocate come
   * from `alloc(dtype, size, zero)` (zero-filled when `zero`). `jit`'s executables install
   * their arena (core/arena.ts) this way while they run. Kernels of such a backend return arrays
   * allocated so, or an operand array itself, never another view of one.
   */
  useAllocator?(alloc: (dtype: DType, size: number, zero: boolean) => TypedArray): () => void;
}

const registry = new Map<string, () => Backend>();
let active: Backend | undefined;

/**
 * Registers a backend factory under a name.
 * @example
 * ```ts
 * registerBackend('js', () => jsBackend);
 * ```
 */
export function registerBackend(name: string, factory: () => Backend): void {
  registry.set(name, factory);
}

/**
 * The backend new tensors are created on.
 * @example
 * ```ts
 * getBackend().name; // 'js'
 * ```
 */
export function getBackend(): Backend {
  if (active === undefined) {
    const f = registry.get(defaultBackendName()) ?? registry.get('js');
    if (f === undefined) throw new Error('curvax: no backend registered (import curvax from its index).');
    active = f();
  }
  return active;
}

/**
 * The backend used when none was chosen: `CURVAX_BACKEND` (environment) when set, else `wasm`
 * (WebAssembly SIMD, falling back to the reference kernels where SIMD is missing).
 * @internal
 */
export function defaultBackendName(): string {
  const env = typeof process !== 'undefined' ? process.env?.['CURVAX_BACKEND'] : undefined;
  return env ?? 'wasm';
}

/** @internal Sets the active backend object directly. */
export function setActiveBackend(b: Backend): void {
  active = b;
}

/** @internal Looks up a registered backend factory. */
export function backendFactory(name: string): (() => Backend) | undefined {
  return registry.get(name);
}

/** @internal Names of registered backends. */
export function registeredBackends(): string[] {
  return [...registry.keys()];
}
