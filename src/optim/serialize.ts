/**
 * Saving and loading optimizer states (or any pytree of tensors) in the safetensors format.
 *
 * ```text
 * bytes = u64le(n) ‖ header (n bytes of JSON, space-padded to a multiple of 8) ‖ data
 * header = { "<path>": { dtype: F32|F64|I32|BOOL, shape, data_offsets: [begin, end] }, …,
 *            "__metadata__": { "curvax.tree": <skeleton> } }
 * ```
 * Paths join tree keys and array indices with `/` (`~` escaped as `~0`, `/` as `~1`, as in
 * JSON Pointer). The skeleton records the tree shape: leaves become their path, `null` stays
 * `null`, `undefined` becomes `0`. Data is little-endian and copied byte for byte, so the
 * round trip is bit-exact (NaN payloads and −0 included). Files without the skeleton load as
 * a flat `{ path: tensor }` object.
 * @module
 */
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { fromTyped } from '../tensor/creation.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { isPlainObject, type Tree } from '../tree/tree.js';

const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const FROM_CODE: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', BOOL: 'bool' };
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const META = 'curvax.tree';

const esc = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

function bytesOf(data: TypedArray): Uint8Array {
  const b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (LITTLE || data.BYTES_PER_ELEMENT === 1) return b;
  for (let i = 0; i < b.length; i += data.BYTES_PER_ELEMENT) b.subarray(i, i + data.BYTES_PER_ELEMENT).reverse();
  return b;
}

function fail(op: string, msg: string, argument: string): never {
  throw new ValueError(`${op}: ${msg}`, { op, argument });
}

/**
 * Serializes a pytree of tensors (e.g. an optimizer state) to safetensors bytes.
 *
 * ```text
 * loadState(saveState(t)) ≡ t   (structure, shapes, dtypes and bits)
 * ```
 * @param state - a pytree whose leaves are tensors (arrays, plain objects, null, undefined as nodes).
 * @returns the safetensors file contents.
 * @throws {ValueError} when a leaf is not a tensor.
 * @example
 * ```ts
 * const bytes = optim.saveState(state);
 * fs.writeFileSync('opt.safetensors', bytes);
 * ```
 */
export function saveState(state: Tree<Tensor>): Uint8Array {
  const op = 'saveState';
  const entries: [string, Tensor][] = [];
  const skel = (x: unknown, path: string[]): unknown => {
    if (x === null) return null;
    if (x === undefined) return 0;
    if (Array.isArray(x)) return x.map((c, i) => skel(c, [...path, String(i)]));
    if (isPlainObject(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, skel(x[k], [...path, esc(k)])]));
    if (!(x instanceof Tensor)) fail(op, `every leaf must be a Tensor, got ${typeof x} at '${path.join('/')}'.`, 'state');
    const key = path.length === 0 ? '~' : path.join('/');
    entries.push([key, x]);
    return key;
  };
  const skeleton = skel(state, []);
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let off = 0;
  for (const [key, t] of entries) {
    const b = bytesOf(t.concrete(op).readData());
    header[key] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [off, off + b.length] };
    chunks.push(b);
    off += b.length;
  }
  header['__metadata__'] = { [META]: JSON.stringify(skeleton) };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const c of chunks) { out.set(c, p); p += c.length; }
  return out;
}

/**
 * Reads safetensors bytes back into a pytree of tensors.
 *
 * ```text
 * loadState(saveState(t)) ≡ t
 * ```
 * @param bytes - the file contents.
 * @returns the pytree (a flat `{ name: tensor }` object for files not written by {@link saveState}).
 * @throws {ValueError} when the bytes are not a valid safetensors file.
 * @example
 * ```ts
 * const state = optim.loadState(fs.readFileSync('opt.safetensors')) as typeof state0;
 * ```
 */
export function loadState(bytes: Uint8Array): Tree<Tensor> {
  const op = 'loadState';
  if (bytes.length < 8) fail(op, `need at least 8 bytes, got ${bytes.length}.`, 'bytes');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (8 + n > bytes.length) fail(op, `header length ${n} exceeds the file size ${bytes.length}.`, 'bytes');
  let header: Record<string, any>;
  try { header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))); } catch { return fail(op, 'the header is not valid JSON.', 'bytes'); }
  if (!isPlainObject(header)) fail(op, 'the header must be a JSON object.', 'bytes');
  const h = header as Record<string, any>;
  const data = bytes.subarray(8 + n);
  const tensors = new Map<string, Tensor>();
  for (const [key, info] of Object.entries(h)) {
    if (key === '__metadata__') continue;
    const dtype = FROM_CODE[info?.dtype];
    const shape = info?.shape as number[];
    const [b, e] = (info?.data_offsets ?? []) as number[];
    if (dtype === undefined) fail(op, `unsupported dtype ${JSON.stringify(info?.dtype)} for '${key}' (F32, F64, I32, BOOL).`, 'bytes');
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) fail(op, `bad shape for '${key}'.`, 'bytes');
    const size = shape.reduce((a, d) => a * d, 1);
    if (b === undefined || e === undefined || !(b >= 0 && e === b + size * BYTES[dtype] && e <= data.length)) fail(op, `bad data_offsets for '${key}'.`, 'bytes');
    const raw = data.slice(b, e);
    if (!LITTLE && BYTES[dtype] > 1) for (let i = 0; i < raw.length; i += BYTES[dtype]) raw.subarray(i, i + BYTES[dtype]).reverse();
    const arr: TypedArray = dtype === 'float32' ? new Float32Array(raw.buffer) : dtype === 'float64' ? new Float64Array(raw.buffer) : dtype === 'int32' ? new Int32Array(raw.buffer) : raw;
    tensors.set(key, fromTyped(arr, shape, dtype));
  }
  const metaTree: unknown = h['__metadata__']?.[META];
  if (typeof metaTree !== 'string') return Object.fromEntries(tensors);
  const build = (s: unknown): Tree<Tensor> => {
    if (s === null) return null;
    if (s === 0) return undefined;
    if (typeof s === 'string') return tensors.get(s) ?? fail(op, `tensor '${s}' named in the tree metadata is missing.`, 'bytes');
    if (Array.isArray(s)) return s.map(build);
    if (isPlainObject(s)) return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, build(v)]));
    return fail(op, 'malformed tree metadata.', 'bytes');
  };
  let skeleton: unknown;
  try { skeleton = JSON.parse(metaTree); } catch { return fail(op, 'malformed tree metadata.', 'bytes'); }
  return build(skeleton);
}
