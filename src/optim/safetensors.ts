/**
 * Validated reading of a safetensors header: every length, offset, dtype and shape is checked
 * against the byte length before any data is read, so truncated or inconsistent files raise
 * {@link CorruptCheckpointError} instead of loading garbage.
 * @internal
 * @module
 */
import { CorruptCheckpointError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { isPlainObject } from '../tree/tree.js';

/** @internal safetensors dtype codes written and read by curvax. */
export const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
/** @internal Bytes per element. */
export const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const FROM_CODE: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', BOOL: 'bool' };

/** @internal One tensor of the header, offsets relative to the data region. */
export interface HeaderEntry {
  readonly key: string;
  readonly dtype: DType;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** @internal The parsed header: entries sorted by offset, `__metadata__` strings, and where the data starts. */
export interface Header {
  readonly entries: HeaderEntry[];
  readonly metadata: Record<string, string>;
  readonly dataStart: number;
}

/** @internal Throws CorruptCheckpointError `${op}: ${msg}` naming the argument `bytes`. */
export function corrupt(op: string, msg: string, received?: string): never {
  throw new CorruptCheckpointError(`${op}: ${msg}`, { op, argument: 'bytes', received });
}

const isCount = (d: unknown): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0;

function entryOf(op: string, key: string, info: unknown): HeaderEntry {
  if (!isPlainObject(info)) corrupt(op, `header entry '${key}' must be an object, got ${JSON.stringify(info)}.`);
  const dtype = FROM_CODE[String(info['dtype'])];
  if (dtype === undefined) corrupt(op, `unsupported dtype ${JSON.stringify(info['dtype'])} for tensor '${key}' (F32, F64, I32, BOOL).`);
  const shape = info['shape'];
  if (!Array.isArray(shape) || !shape.every(isCount)) corrupt(op, `bad shape ${JSON.stringify(shape)} for tensor '${key}': expected an array of non-negative integers.`);
  const size = shape.reduce((a: number, d: number) => a * d, 1);
  if (!Number.isSafeInteger(size * BYTES[dtype])) corrupt(op, `shape ${JSON.stringify(shape)} of tensor '${key}' is too large.`);
  const offs = info['data_offsets'];
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount)) corrupt(op, `bad data_offsets ${JSON.stringify(offs)} for tensor '${key}': expected [begin, end] non-negative integers.`);
  const [begin, end] = offs as [number, number];
  if (end - begin !== size * BYTES[dtype]) {
    corrupt(op, `data_offsets [${begin}, ${end}] of tensor '${key}' span ${end - begin} bytes, but ${CODES[dtype]}${JSON.stringify(shape)} needs ${size * BYTES[dtype]}.`);
  }
  return { key, dtype, shape: shape as number[], begin, end };
}

/**
 * @internal Parses and validates the header of `bytes`: the header length fits, the JSON is an
 * object, each entry's dtype/shape/offsets agree, and the offsets tile the data region exactly
 * (no overlap, no hole, no missing or trailing bytes).
 */
export function readHeader(op: string, bytes: Uint8Array): Header {
  if (bytes.length < 8) corrupt(op, `truncated file: need at least 8 bytes for the header length, got ${bytes.length}.`, `${bytes.length} bytes`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) corrupt(op, `truncated file: the header length is ${n64} bytes but only ${bytes.length - 8} bytes follow it.`, `${bytes.length} bytes`);
  const n = Number(n64);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    return corrupt(op, `the header (bytes [8, ${8 + n})) is not valid UTF-8 JSON.`);
  }
  if (!isPlainObject(parsed)) corrupt(op, 'the header must be a JSON object.');
  const meta = parsed['__metadata__'] ?? {};
  if (!isPlainObject(meta) || !Object.values(meta).every((v) => typeof v === 'string')) corrupt(op, '__metadata__ must be an object of strings.');
  const entries = Object.entries(parsed).filter(([k]) => k !== '__metadata__').map(([k, v]) => entryOf(op, k, v));
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataLength = bytes.length - 8 - n;
  let at = 0;
  for (const e of entries) {
    if (e.begin !== at) {
      corrupt(op, e.begin < at
        ? `tensor '${e.key}' (data bytes [${e.begin}, ${e.end})) overlaps the previous tensor, which ends at ${at}.`
        : `data bytes [${at}, ${e.begin}) before tensor '${e.key}' belong to no tensor.`);
    }
    if (e.end > dataLength) corrupt(op, `truncated file: tensor '${e.key}' needs data bytes [${e.begin}, ${e.end}) but the data region holds ${dataLength} bytes.`, `${bytes.length} bytes`);
    at = e.end;
  }
  if (at !== dataLength) corrupt(op, `the data region holds ${dataLength} bytes but the tensors cover ${at}; the trailing bytes belong to no tensor.`);
  return { entries, metadata: meta as Record<string, string>, dataStart: 8 + n };
}
