/**
 * `scope(fn)`: tidy-style lifetime for intermediates.
 *
 * While a scope is active, every concrete tensor created by eager evaluation is recorded (a
 * hook in the `ConcreteTensor` constructor that is `null`, one check, when no scope is
 * active). When `fn` returns, the recorded tensors that are not reachable from its result
 * are disposed; the returned ones move to the enclosing scope, if any. On the `gpujs`
 * backend disposing frees the device buffer (GL texture) at once instead of at garbage
 * collection; on `wasm` it returns the buffer to the backend's pool, so the next results of a
 * similar size reuse memory already faulted in; on `js` it only marks the tensor disposed (the
 * GC reclaims the memory).
 * @module
 */
import { ValueError } from '../errors.js';
import { ConcreteTensor, swapCreationHook } from '../tensor/tensor.js';
import { currentInterpreter, evalInterpreter, type Interpreter } from './interpreter.js';
import { StageInterpreter } from './interpreters/stage.js';

/** Tensors recorded by each active scope, innermost last. */
const frames: ConcreteTensor[][] = [];
/** Tensors exempted from every scope by {@link keep}. */
const kept = new WeakSet<ConcreteTensor>();

/**
 * True while a trace whose program can outlive the call is recording (`jit`, `makeJaxpr`):
 * tensors user code creates then (`x.mul(2)` makes the scalar 2) may become constants of a
 * cached program, so they are not recorded. `linearize` (inside `grad`, `vjp`, ...) consumes
 * its program before returning, so its constants are recorded.
 */
function retainingTrace(): boolean {
  for (let i: Interpreter | null = currentInterpreter(); i !== null; i = i.parent) {
    if (i instanceof StageInterpreter && i.kind !== 'linearize') return true;
  }
  return false;
}

function record(t: ConcreteTensor): void {
  if (!retainingTrace()) frames[frames.length - 1]!.push(t);
}

function collect(x: unknown, out: Set<ConcreteTensor>, seen: Set<object>): void {
  if (typeof x !== 'object' || x === null) return;
  if (x instanceof ConcreteTensor) {
    out.add(x);
    return;
  }
  if (seen.has(x)) return;
  seen.add(x);
  if (Array.isArray(x)) {
    for (const v of x) collect(v, out, seen);
  } else if (x instanceof Map) {
    for (const [k, v] of x) {
      collect(k, out, seen);
      collect(v, out, seen);
    }
  } else if (x instanceof Set) {
    for (const v of x) collect(v, out, seen);
  } else {
    const p = Object.getPrototypeOf(x);
    if (p === Object.prototype || p === null) for (const k of Object.keys(x)) collect((x as Record<string, unknown>)[k], out, seen);
  }
}

function isThenable(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` and then disposes every tensor created inside it that is not part of its result
 * (like TensorFlow.js's `tidy`). Tensors reachable from the result through arrays, plain
 * objects, `Map`s and `Set`s survive and belong to the enclosing scope, if any. If `fn`
 * throws, everything it created is disposed and the error is rethrown. Tensors created before
 * the scope (arguments, parameters) are never touched.
 *
 * Use it around a training step or any loop body on the `gpujs` backend, where an undisposed
 * intermediate holds a GL texture until garbage collection. Disposing is idempotent and reading
 * a disposed tensor throws `DisposedTensorError`.
 *
 * Caveats: only returned tensors survive, so do not return closures that capture intermediates
 * (the pullback of `vjp`, a `linearize` result, a curvature operator): build those outside the
 * scope, or {@link keep} what they capture. A `jit` first called inside a scope may capture
 * constants it computed while tracing (an op on closed-over tensors only); call the jitted
 * function once outside the scope, or `keep` those tensors. Inside a transformation (`grad`,
 * `vmap`, `jit` tracing) `scope` just runs `fn`: the values are tracers, and the enclosing
 * eager scope, if any, cleans up.
 * @param fn - the function to run, synchronously (returning a promise is an error).
 * @returns what `fn` returned.
 * @throws {ValueError} when `fn` returns a promise (tensors created after an `await` cannot be tracked).
 * @example
 * ```ts
 * import { scope, grad, tensor } from 'curvax';
 * const loss = (w: Tensor) => w.mul(w).sum();
 * let w = tensor([1, 2, 3]);
 * for (let step = 0; step < 100; step++) {
 *   const next = scope(() => w.sub(grad(loss)(w).mul(0.1))); // intermediates freed here
 *   w.dispose();
 *   w = next;
 * }
 * ```
 */
export function scope<T>(fn: () => T): T {
  if (currentInterpreter() !== evalInterpreter) return fn();
  const frame: ConcreteTensor[] = [];
  frames.push(frame);
  if (frames.length === 1) swapCreationHook(record);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    exit();
    for (const t of frame) if (!kept.has(t)) t.dispose();
    throw e;
  }
  exit();
  if (isThenable(result)) {
    throw new ValueError('scope: fn returned a promise; scope is synchronous (tensors created after an await cannot be tracked). Dispose tensors explicitly in async code.', {
      op: 'scope', argument: 'fn', expected: 'a synchronous function', received: 'a promise',
    });
  }
  const returned = new Set<ConcreteTensor>();
  collect(result, returned, new Set());
  const parent = frames[frames.length - 1];
  for (const t of frame) {
    if (kept.has(t)) continue;
    if (returned.has(t)) parent?.push(t);
    else t.dispose();
  }
  return result;
}

function exit(): void {
  frames.pop();
  if (frames.length === 0) swapCreationHook(null);
}

/**
 * @internal Whether a {@link scope} is active: tensors created now are disposed when it ends.
 * @returns true inside `scope(fn)`.
 * @example
 * ```ts
 * scope(() => scopeActive()); // true
 * ```
 */
export function scopeActive(): boolean {
  return frames.length > 0;
}

/**
 * Exempts tensors from every active and enclosing {@link scope}: they are not disposed when
 * the scope ends (dispose them yourself when done). Accepts a tensor or a pytree of them
 * (arrays, plain objects, `Map`s, `Set`s); other values are ignored.
 * @param x - a tensor or a tree of tensors.
 * @returns `x`, unchanged.
 * @example
 * ```ts
 * let cache: Tensor | undefined;
 * const y = scope(() => {
 *   cache = keep(tensor([1, 2, 3]).exp()); // survives the scope without being returned
 *   return cache.sum();
 * });
 * ```
 */
export function keep<T>(x: T): T {
  const ts = new Set<ConcreteTensor>();
  collect(x, ts, new Set());
  for (const t of ts) kept.add(t);
  return x;
}
