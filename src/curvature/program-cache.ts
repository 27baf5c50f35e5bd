/**
 * Reuse of compiled diagonal programs across operators built from the same model function.
 *
 * ```text
 * signature(model, factor, θ, x) = (printed jaxpr of x ↦ (z, U), bytes of its constants)
 * same model function ∧ same signature  ⇒  same program (traced, optimized and compiled once)
 * ```
 * A builder such as `fisher` traces the batched forward pass and the output factor once to learn
 * the outputs' shape (nothing is computed). That trace also identifies what a diagonal program
 * would compute: the printed program fixes every primitive, shape and parameter, and the
 * constants' bytes fix every value the model or the factor captured (a tensor or a number from
 * an enclosing scope). A later operator of the same model function with an identical signature
 * reuses the program, so repeated `fisher(...).diagonal()` calls (a preconditioner or EWC
 * refreshed every step) skip tracing, optimization and compilation. Any change — another shape,
 * a captured value that changed, a different branch taken — changes the signature and gives a
 * new program, and so does a disposed captured tensor. Constants above 2²⁰ elements in all opt
 * out (no signature, no reuse). The GGN's output Hessians use the same scheme per outer function.
 * @module
 */
import { makeJaxpr } from '../transforms/make-jaxpr.js';
import { vmap } from '../transforms/vmap.js';
import { ConcreteTensor, type Tensor } from '../tensor/tensor.js';
import type { Jaxpr } from '../core/jaxpr.js';
import type { Params } from './operator.js';

/** What a traced forward pass and factor compute: the printed program and its constants' bytes. */
export interface ProgramSignature {
  /** The printed jaxpr. */
  readonly text: string;
  /** A copy of each constant's bytes, in order. */
  readonly consts: readonly Uint8Array[];
  /** The constants themselves: a program made with them is not reused once one is disposed. */
  readonly tensors: readonly Tensor[];
}

/** The outputs of a model over a batch, traced: their shape and, when it has one, the signature. */
export interface TracedOutputs {
  /** `[N, ...zShape]`. */
  readonly shape: readonly number[];
  /** Present unless the constants are too large to compare. */
  readonly signature?: ProgramSignature;
}

/** Constants (in elements, all together) beyond which a trace has no signature. */
const MAX_CONST_ELEMENTS = 1 << 20;
/** Programs kept per model function (the least recently used one is dropped beyond this). */
const MAX_PROGRAMS = 4;

/**
 * Traces z = vmap(model)(θ, x) and U = vmap(factorOf)(z) without computing them.
 * @param model - (params, x) ↦ one example's output.
 * @param factorOf - zₙ ↦ Uₙ.
 * @param params - θ.
 * @param x - batched inputs.
 * @returns the outputs' shape and signature, or undefined when the functions do not trace (the
 *   caller then computes the outputs eagerly, which reports any error of the model).
 * @example
 * ```ts
 * const t = traceOutputs(model, (z) => lik.outputFisherSqrt(z), params, x); // t.shape = [N, k]
 * ```
 */
export function traceOutputs<P extends Params>(model: (p: P, x: any) => Tensor, factorOf: (z: Tensor) => Tensor, params: P, x: unknown): TracedOutputs | undefined {
  let staged;
  try {
    staged = makeJaxpr((p: P, xs: any) => {
      const z = vmap(model, { inAxes: [null, 0] })(p, xs);
      return [z, vmap(factorOf)(z)];
    })(params, x as never);
  } catch {
    return undefined;
  }
  const signature = signatureOf(staged.jaxpr);
  return { shape: staged.jaxpr.outAvals[0]!.shape, ...(signature ? { signature } : {}) };
}

/**
 * The signature of a traced program: its printed form and a copy of its constants' bytes.
 * @param j - a jaxpr (from `makeJaxpr`).
 * @returns the signature, or undefined when the constants exceed 2²⁰ elements or are not concrete.
 * @example
 * ```ts
 * const sig = signatureOf(makeJaxpr((z: Tensor, y: Tensor) => vmap(outer)(z, y))(z, y).jaxpr);
 * ```
 */
export function signatureOf(j: Jaxpr): ProgramSignature | undefined {
  let total = 0;
  const consts: Uint8Array[] = [];
  for (const c of j.consts) {
    total += c.size;
    if (!(c instanceof ConcreteTensor) || c.isDisposed || total > MAX_CONST_ELEMENTS) return undefined;
    const data = c.toTypedArray() as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
    consts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }
  return { text: j.toString(), consts, tensors: j.consts };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

const sameSignature = (a: ProgramSignature, b: ProgramSignature): boolean =>
  a.text === b.text && a.consts.length === b.consts.length && a.consts.every((c, i) => sameBytes(c, b.consts[i]!));

const programs = new WeakMap<object, { kind: string; signature: ProgramSignature; value: unknown }[]>();

/**
 * How often {@link reuseProgram} found a program (`hits`) or made one (`misses`); for tests.
 * @example
 * ```ts
 * const before = programReuse.hits;
 * ```
 */
export const programReuse = { hits: 0, misses: 0 };

/**
 * The value of this kind made for `model` and an identical signature before, else `make()`
 * (remembered). Without a signature, always `make()`.
 * @param kind - what the value is (values of different kinds never match).
 * @param model - the model function (programs are kept per function object).
 * @param signature - from {@link traceOutputs}.
 * @param make - builds the program (and whatever is decided with it).
 * @returns the remembered or new value.
 * @example
 * ```ts
 * const prog = reuseProgram('diagonal', model, traced.signature, () => outputFactorDiagonalProgram(model, factorOf));
 * ```
 */
export function reuseProgram<T>(kind: string, model: object, signature: ProgramSignature | undefined, make: () => T): T {
  if (signature === undefined) return make();
  let list = programs.get(model);
  if (list === undefined) programs.set(model, (list = []));
  const at = list.findIndex((e) => e.kind === kind && sameSignature(e.signature, signature));
  if (at >= 0) {
    const [hit] = list.splice(at, 1);
    // A program captured the tensors of its own trace: one the caller has disposed since (an
    // equal new tensor matched the bytes) would fail it, so it is made again.
    if (!hit!.signature.tensors.some((t) => t instanceof ConcreteTensor && t.isDisposed)) {
      list.push(hit!);
      programReuse.hits++;
      return hit!.value as T;
    }
  }
  const value = make();
  programReuse.misses++;
  list.push({ kind, signature, value });
  if (list.length > MAX_PROGRAMS) list.shift();
  return value;
}
