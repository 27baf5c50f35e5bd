/**
 * Saving and loading optimizer states (or any pytree of tensors) in the safetensors format.
 *
 * ```text
 * bytes = u64le(n) ‖ header (n bytes of JSON, space-padded to a multiple of 8) ‖ data
 * header = { "<path>": { dtype: F32|F64|I32|BOOL, shape, data_offsets: [begin, end] }, …,
 *            "__metadata__": { "curvax.tree": <skeleton>, "curvax.crc32": { "<path>": <crc32 hex> } } }
 * ```
 * Paths join tree keys and array indices with `/` (`~` escaped as `~0`, `/` as `~1`, as in
 * JSON Pointer). The skeleton records the tree shape: leaves become their path, `null` stays
 * `null`, `undefined` becomes `0`. Data is little-endian and copied byte for byte, so the
 * round trip is bit-exact (NaN payloads and −0 included). Files without the skeleton load as
 * a flat `{ path: tensor }` object. Every tensor's bytes carry a CRC-32 (the zlib/PNG polynomial),
 * checked on load; files without checksums (other writers) load with the check skipped.
 * @module
 */
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { fromTyped } from '../tensor/creation.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { isPlainObject, type Tree } from '../tree/tree.js';
import { crc32Hex } from './crc32.js';
import { BYTES, CODES, corrupt, readHeader } from './safetensors.js';

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const META = 'curvax.tree';
const CRC = 'curvax.crc32';

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

/** A plain Uint8Array over exactly the bytes of `v` (a Node Buffer is a view into a larger pool). */
function viewOf(op: string, v: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return fail(op, `bytes must be an ArrayBufferView (Uint8Array, Buffer, …) or an ArrayBuffer, got ${v === null ? 'null' : typeof v}.`, 'bytes');
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
  const crcs: Record<string, string> = {};
  let off = 0;
  for (const [key, t] of entries) {
    const b = bytesOf(t.concrete(op).readData());
    header[key] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [off, off + b.length] };
    crcs[key] = crc32Hex(b);
    chunks.push(b);
    off += b.length;
  }
  header['__metadata__'] = { [META]: JSON.stringify(skeleton), [CRC]: JSON.stringify(crcs) };
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

/** The per-tensor CRC-32s stored by {@link saveState}, or undefined for files without them. */
function storedCrcs(op: string, metadata: Record<string, string>): Record<string, string> | undefined {
  const raw = metadata[CRC];
  if (raw === undefined) return undefined;
  let m: unknown;
  try { m = JSON.parse(raw); } catch { return corrupt(op, `the checksum metadata '${CRC}' is not valid JSON.`); }
  if (!isPlainObject(m) || !Object.values(m).every((v) => typeof v === 'string')) corrupt(op, `the checksum metadata '${CRC}' must map tensor names to hex strings.`);
  return m as Record<string, string>;
}

/**
 * Reads safetensors bytes back into a pytree of tensors.
 *
 * ```text
 * loadState(saveState(t)) ≡ t
 * ```
 * Any `ArrayBufferView` works, including a Node `Buffer` (a view into a larger pooled buffer).
 * Before any data is read, the header length, dtypes, shapes and `data_offsets` are checked
 * against the byte length (the offsets must tile the data region, as the safetensors format
 * requires). Files written by {@link saveState} carry a CRC-32 of every tensor's bytes in the
 * metadata (`curvax.crc32`), verified here; files without it (other writers) load unchecked.
 * @param bytes - the file contents.
 * @returns the pytree (a flat `{ name: tensor }` object for files not written by {@link saveState}).
 * @throws {CorruptCheckpointError} when the bytes are truncated, the header is inconsistent, or a
 *   tensor's checksum does not match (the message names the tensor and its byte range).
 * @throws {ValueError} when `bytes` is not an `ArrayBufferView`/`ArrayBuffer`.
 * @example
 * ```ts
 * const state = optim.loadState(fs.readFileSync('opt.safetensors')) as typeof state0;
 * ```
 */
export function loadState(bytes: ArrayBufferView | ArrayBuffer): Tree<Tensor> {
  const op = 'loadState';
  const all = viewOf(op, bytes);
  const { entries, metadata, dataStart } = readHeader(op, all);
  const crcs = storedCrcs(op, metadata);
  if (crcs) {
    const extra = Object.keys(crcs).filter((k) => !entries.some((e) => e.key === k));
    if (extra.length > 0) corrupt(op, `the checksum metadata names tensor '${extra[0]}', which the header does not list.`);
  }
  const tensors = new Map<string, Tensor>();
  for (const { key, dtype, shape, begin, end } of entries) {
    const raw = all.slice(dataStart + begin, dataStart + end);
    if (crcs) {
      const want = crcs[key];
      if (want === undefined) corrupt(op, `no checksum for tensor '${key}' in the checksum metadata.`);
      const got = crc32Hex(raw);
      if (got !== want.toLowerCase()) {
        corrupt(op, `checksum mismatch for tensor '${key}' (file bytes [${dataStart + begin}, ${dataStart + end})): stored crc32 ${want}, computed ${got}. The file is corrupt.`, `crc32 ${got}`);
      }
    }
    tensors.set(key, fromTyped(decode(raw, dtype), shape, dtype));
  }
  const metaTree: unknown = metadata[META];
  if (typeof metaTree !== 'string') return Object.fromEntries(tensors);
  const build = (s: unknown): Tree<Tensor> => {
    if (s === null) return null;
    if (s === 0) return undefined;
    if (typeof s === 'string') return tensors.get(s) ?? corrupt(op, `tensor '${s}' named in the tree metadata is missing.`);
    if (Array.isArray(s)) return s.map(build);
    if (isPlainObject(s)) return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, build(v)]));
    return corrupt(op, 'malformed tree metadata.');
  };
  let skeleton: unknown;
  try { skeleton = JSON.parse(metaTree); } catch { return corrupt(op, 'malformed tree metadata.'); }
  return build(skeleton);
}

/** Typed array of `dtype` over `raw` (a fresh copy it owns), byte-swapped on big-endian hosts. */
function decode(raw: Uint8Array, dtype: DType): TypedArray {
  const w = BYTES[dtype];
  if (!LITTLE && w > 1) for (let i = 0; i < raw.length; i += w) raw.subarray(i, i + w).reverse();
  return dtype === 'float32' ? new Float32Array(raw.buffer) : dtype === 'float64' ? new Float64Array(raw.buffer) : dtype === 'int32' ? new Int32Array(raw.buffer) : raw;
}
