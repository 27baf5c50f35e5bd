/**
 * Host plumbing shared by the rejection and transformation samplers (gamma, beta, dirichlet,
 * poisson, truncated normal, multivariate normal): concrete keys and parameters, broadcasting,
 * per-element Threefry uniforms, and the round-based rejection loop.
 *
 * Every sample is computed on the host in float64 from Threefry words with the portable `exp`/`log`
 * of `random/bits/special.ts` and correctly rounded `+ − × ÷ √`, so every backend gets the same bits.
 * @module
 */
import { ConcretizationError, ShapeError, TransformError, ValueError } from '../../errors.js';
import { tensor } from '../../tensor/creation.js';
import { getDefaultFloat, isFloat, type DType } from '../../tensor/dtype.js';
import { broadcastShapes, checkShape, shapeString, sizeOf, stridesOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { TensorLike } from '../../ops/convert.js';
import { threefry2x32 } from '../bits/threefry.js';
import { erfinv } from '../bits/special.js';

const TWO_20 = 1048576;
const TWO_M52 = 2.220446049250313e-16;
const SQRT2 = 1.4142135623730951;

/** @internal Most rejection rounds before giving up (each round accepts with probability > 0.5). */
export const MAX_ROUNDS = 2000;

function notConcrete(op: string, what: string): TransformError {
  return new TransformError(
    `${op}: needs a concrete ${what}, got a tracer. This sampler runs on the host (so every backend draws the same bits) and cannot be traced by jit, vmap or grad; draw the samples outside the transformation and pass them in as an argument (for a batch of keys, loop over random.splitList).`,
    { op, argument: what, expected: 'a concrete tensor', received: 'a tracer' },
  );
}

/** @internal The two uint32 words of a concrete key of shape `[2]`. */
export function concreteKey(op: string, k: Tensor): [number, number] {
  if (!(k instanceof Tensor) || k.dtype !== 'int32' || k.ndim !== 1 || k.shape[0] !== 2) {
    const got = k instanceof Tensor ? k.aval.toString() : typeof k;
    throw new ValueError(`${op}: key must be an int32 tensor of shape [2] (from random.key), got ${got}.`, { op, argument: 'key', expected: 'i32[2]', received: got });
  }
  let w: Int32Array;
  try {
    w = k.toTypedArray() as Int32Array;
  } catch (e) {
    if (e instanceof ConcretizationError) throw notConcrete(op, 'key');
    throw e;
  }
  return [w[0]! >>> 0, w[1]! >>> 0];
}

/** @internal A concrete float parameter with its shape (data as float64). */
export interface HostParam {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

/** @internal Reads a number or concrete tensor parameter as float64 on the host. */
export function hostParam(op: string, name: string, x: TensorLike): HostParam {
  if (typeof x === 'number') return { data: new Float64Array([x]), shape: [] };
  if (!(x instanceof Tensor)) {
    throw new ValueError(`${op}: ${name} must be a number or a Tensor, got ${Array.isArray(x) ? 'an array (wrap it with tensor(...))' : typeof x}.`, { op, argument: name, received: typeof x });
  }
  if (x.dtype === 'bool') throw new ValueError(`${op}: ${name} must be numeric, got ${x.aval.toString()}.`, { op, argument: name, received: x.aval.toString() });
  let d;
  try {
    d = x.toTypedArray();
  } catch (e) {
    if (e instanceof ConcretizationError) throw notConcrete(op, name);
    throw e;
  }
  return { data: Float64Array.from(d), shape: x.shape };
}

/**
 * @internal The sample shape: `shape` if given (every parameter must broadcast to it), else the
 * broadcast of the parameter shapes.
 */
export function sampleShape(op: string, shape: readonly number[] | undefined, params: readonly (readonly [string, HostParam])[]): number[] {
  const describe = (): string => params.map(([n, p]) => `${n}: ${shapeString(p.shape)}`).join(', ');
  const joint = broadcastShapes(op, params.map(([, p]) => p.shape), describe);
  if (shape === undefined) return joint;
  const s = checkShape(op, shape);
  const full = broadcastShapes(op, [s, joint], () => `shape ${shapeString(s)} and ${describe()}`);
  if (full.length !== s.length || full.some((d, i) => d !== s[i])) {
    throw new ShapeError(`${op}: parameters must broadcast to shape ${shapeString(s)}, got ${describe()}.`, { op, argument: 'shape', expected: shapeString(s), received: describe() });
  }
  return s;
}

/** @internal Broadcasts a host parameter to `shape` (NumPy rules; shapes already checked). */
export function broadcastHost(p: HostParam, shape: readonly number[]): Float64Array {
  const n = sizeOf(shape);
  if (p.data.length === 1) return new Float64Array(n).fill(p.data[0]!);
  if (p.shape.length === shape.length && p.shape.every((d, i) => d === shape[i])) return p.data;
  const src = stridesOf(p.shape);
  const off = shape.length - p.shape.length;
  const strides = shape.map((_, i) => (i < off || p.shape[i - off] === 1 ? 0 : src[i - off]!));
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let a = 0; a < shape.length; a++) o += idx[a]! * strides[a]!;
    out[i] = p.data[o]!;
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** @internal A float dtype option (default: the default float). */
export function floatOption(op: string, d: DType | undefined): 'float32' | 'float64' {
  const dt = d ?? getDefaultFloat();
  if (!isFloat(dt)) throw new ValueError(`${op}: dtype must be float32 or float64, got ${dt}.`, { op, argument: 'dtype', expected: 'float32 | float64', received: dt });
  return dt as 'float32' | 'float64';
}

/** @internal Throws a ValueError naming the first element of `data` failing `ok`. */
export function checkEach(op: string, name: string, data: Float64Array, ok: (v: number) => boolean, requirement: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!ok(v)) {
      throw new ValueError(`${op}: ${name} must be ${requirement}, got ${String(v)}${data.length > 1 ? ` at flat index ${i}` : ''}.`, { op, argument: name, expected: requirement, received: String(v) });
    }
  }
}

/** @internal Wraps float64 host samples as a tensor of `dtype` (float32 rounds once). */
export function toTensor(data: Float64Array, shape: readonly number[], dtype: DType): Tensor {
  if (dtype === 'float64') return tensor(data, { shape, dtype });
  if (dtype === 'float32') return tensor(Float32Array.from(data), { shape, dtype });
  return tensor(Int32Array.from(data), { shape, dtype });
}

/** @internal Open-interval uniform in (0, 1) from the two words of one Threefry block: `(m + ½)·2⁻⁵²`. */
export function openUniform(w0: number, w1: number): number {
  return (w0 * TWO_20 + (w1 >>> 12) + 0.5) * TWO_M52;
}

/** @internal A standard normal from an open uniform, `√2·erfinv(2u − 1)` (portable, monotone). */
export function normalFromUniform(u: number): number {
  return SQRT2 * erfinv(2 * u - 1);
}

/**
 * @internal One rejection attempt for element `i`: `u(j)` is the j-th open uniform of this attempt;
 * returns the accepted value or `undefined` to reject.
 */
export type Attempt = (i: number, u: (j: number) => number) => number | undefined;

/**
 * @internal Runs a rejection sampler on the host for `n` elements, all rounds vectorised over the
 * still-rejected subset. Uniform `j` of round `r` of element `i` is `openUniform` of the Threefry
 * block of counter `(i, r·perRound + j)`, so each sample depends only on the key, its index and its
 * parameters (never on other elements), and the result is exact (no cap on proposals short of
 * {@link MAX_ROUNDS}, reached only by invalid parameters or with probability below 2^-2000).
 */
export function rejectionRounds(op: string, key: readonly [number, number], n: number, perRound: number, attempt: Attempt): Float64Array {
  const out = new Float64Array(n);
  let active = new Uint32Array(n);
  for (let i = 0; i < n; i++) active[i] = i;
  for (let round = 0; active.length > 0; round++) {
    if (round >= MAX_ROUNDS) {
      throw new ValueError(`${op}: no proposal accepted after ${MAX_ROUNDS} rounds for ${active.length} element(s) (first at flat index ${active[0]}); the parameters there are outside the sampler's range.`, { op, received: `flat index ${active[0]}` });
    }
    const m = active.length * perRound;
    const c0 = new Uint32Array(m);
    const c1 = new Uint32Array(m);
    for (let a = 0; a < active.length; a++) {
      for (let j = 0; j < perRound; j++) {
        c0[a * perRound + j] = active[a]!;
        c1[a * perRound + j] = round * perRound + j;
      }
    }
    const [y0, y1] = threefry2x32(key[0], key[1], c0, c1);
    const next: number[] = [];
    for (let a = 0; a < active.length; a++) {
      const i = active[a]!;
      const base = a * perRound;
      const v = attempt(i, (j) => openUniform(y0[base + j]!, y1[base + j]!));
      if (v === undefined) next.push(i);
      else out[i] = v;
    }
    active = Uint32Array.from(next);
  }
  return out;
}
