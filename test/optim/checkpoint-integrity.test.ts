// loadState integrity: Buffer views, checksums, truncation and inconsistent headers, from real files on disk.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptCheckpointError, ValueError, tensor, type Tensor } from '../../src/index.js';
import * as optim from '../../src/optim/index.js';
import { crc32Hex } from '../../src/optim/crc32.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curvax-ckpt-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes `bytes` to a fresh file and reads it back as a Node Buffer (a view into a pooled ArrayBuffer). */
function throughDisk(name: string, bytes: Uint8Array): Buffer {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return fs.readFileSync(file);
}

const headerOf = (b: Uint8Array) => {
  const n = Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true));
  return { n, json: JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) as Record<string, any> };
};

/** A safetensors file assembled by hand from a header object and a data region. */
function rawFile(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const thrown = (f: () => unknown): unknown => { try { f(); } catch (e) { return e; } throw new Error('expected a throw'); };

// Small tensors: Node pools Buffers under 4 KiB, so readFileSync of a small file is a view at a non-zero offset.
const state = () => ({ w: tensor([[1.5, -2.25], [3, 0.125]], { dtype: 'float64' }), b: [tensor([7, -8, 9], { dtype: 'int32' }), tensor([0.5, 1e-3], { dtype: 'float32' })], m: tensor([true, false]) });

describe('loadState from files on disk', () => {
  it('round-trips a pooled Node Buffer (byteOffset ≠ 0) bit for bit', () => {
    const s = state();
    const buf = throughDisk('rt.safetensors', optim.saveState(s));
    // A pooled small Buffer shares an ArrayBuffer with other data: the regression needs byteOffset > 0 or a larger backing store.
    const pooled = Buffer.from(buf); // Buffer.from(<small buffer>) allocates from the pool.
    expect(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.byteLength).toBe(true);
    for (const bytes of [buf, pooled]) {
      const back = optim.loadState(bytes) as ReturnType<typeof state>;
      expect(back.w.dtype).toBe('float64');
      expect(back.w.toArray()).toEqual([[1.5, -2.25], [3, 0.125]]);
      expect(back.b[0]!.toArray()).toEqual([7, -8, 9]);
      expect(back.b[1]!.dtype).toBe('float32');
      expect(Array.from(back.b[1]!.toTypedArray())).toEqual(Array.from(new Float32Array([0.5, 1e-3])));
      expect(back.m.toArray()).toEqual([true, false]);
    }
  });

  it('accepts any ArrayBufferView over the file bytes (DataView, offset Uint8Array, ArrayBuffer)', () => {
    const bytes = optim.saveState({ x: tensor([1, 2, 3], { dtype: 'float64' }) });
    const big = new Uint8Array(bytes.length + 24);
    big.fill(0xab);
    big.set(bytes, 16);
    const views: (ArrayBufferView | ArrayBuffer)[] = [big.subarray(16, 16 + bytes.length), new DataView(big.buffer, 16, bytes.length), bytes.slice().buffer];
    for (const v of views) expect(((optim.loadState(v) as { x: Tensor }).x).toArray()).toEqual([1, 2, 3]);
    expect(thrown(() => optim.loadState('nope' as unknown as Uint8Array))).toBeInstanceOf(ValueError);
  });

  it('writes a CRC-32 of each tensor into __metadata__', () => {
    expect(crc32Hex(new TextEncoder().encode('123456789'))).toBe('cbf43926'); // the standard check value
    const bytes = optim.saveState({ a: tensor([1, 2], { dtype: 'float32' }) });
    const { n, json } = headerOf(bytes);
    const crcs = JSON.parse(json['__metadata__']['curvax.crc32']);
    expect(crcs).toEqual({ a: crc32Hex(bytes.subarray(8 + n, 8 + n + 8)) });
  });

  it('rejects a flipped bit in the data region, naming the tensor and its bytes', () => {
    const bytes = optim.saveState(state());
    const { n, json } = headerOf(bytes);
    const [b0, e0] = json['b/1'].data_offsets as [number, number];
    for (const at of [b0, e0 - 1]) {
      const bad = bytes.slice();
      bad[8 + n + at]! ^= 0x10;
      const e = thrown(() => optim.loadState(throughDisk(`flip${at}.safetensors`, bad)));
      expect(e).toBeInstanceOf(CorruptCheckpointError);
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toContain("checksum mismatch for tensor 'b/1'");
      expect((e as Error).message).toContain(`[${8 + n + b0}, ${8 + n + e0})`);
    }
  });

  it('rejects truncated files with a typed error at every cut', () => {
    const bytes = optim.saveState(state());
    const file = throughDisk('full.safetensors', bytes);
    for (let cut = 0; cut < bytes.length; cut++) {
      const e = thrown(() => optim.loadState(file.subarray(0, cut)));
      expect(e, `cut at ${cut}`).toBeInstanceOf(CorruptCheckpointError);
      expect((e as Error).message).toMatch(/^loadState: /);
    }
    const { n } = headerOf(bytes);
    expect((thrown(() => optim.loadState(file.subarray(0, 4))) as Error).message).toContain('truncated');
    expect((thrown(() => optim.loadState(file.subarray(0, 8 + n - 1))) as Error).message).toContain(`header length is ${n} bytes`);
    expect((thrown(() => optim.loadState(file.subarray(0, bytes.length - 1))) as Error).message).toMatch(/truncated file: tensor '.+' needs data bytes/);
  });

  it('loads files without a checksum (other writers) and checks their header against the byte length', () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setFloat64(0, -0.75, true);
    new DataView(data.buffer).setInt32(8, 42, true);
    const header = { x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, k: { dtype: 'I32', shape: [], data_offsets: [8, 12] }, __metadata__: { format: 'pt' } };
    const back = optim.loadState(throughDisk('plain.safetensors', rawFile(header, data))) as Record<string, Tensor>;
    expect(back['x']!.toArray()).toEqual([-0.75]);
    expect(back['k']!.item()).toBe(42);
    // the same file, but without its checksum metadata from saveState: still loads
    const ours = optim.saveState({ x: tensor([-0.75], { dtype: 'float64' }) });
    const { n, json } = headerOf(ours);
    delete json['__metadata__']['curvax.crc32'];
    const stripped = rawFile(json, ours.subarray(8 + n));
    stripped[stripped.length - 1]! ^= 1; // a flip goes undetected without a checksum, as documented
    expect(((optim.loadState(throughDisk('nocrc.safetensors', stripped)) as { x: Tensor }).x.dtype)).toBe('float64');
  });

  it('rejects inconsistent headers: bad dtype/shape, offsets that disagree, overlap, holes, trailing bytes', () => {
    const d16 = new Uint8Array(16);
    const cases: [object, Uint8Array, RegExp][] = [
      [{ x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4), /unsupported dtype "F16" for tensor 'x'/],
      [{ x: { dtype: 'F32', shape: [2.5], data_offsets: [0, 10] } }, new Uint8Array(10), /bad shape \[2.5\] for tensor 'x'/],
      [{ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4), /bad shape/],
      [{ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8), /span 8 bytes, but F32\[3\] needs 12/],
      [{ x: { dtype: 'F32', shape: [2], data_offsets: [0, '8'] } }, new Uint8Array(8), /bad data_offsets/],
      [{ x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, y: { dtype: 'F64', shape: [1], data_offsets: [8, 16] } }, d16, /tensor 'y' .* overlaps/],
      [{ x: { dtype: 'F64', shape: [1], data_offsets: [8, 16] } }, d16, /data bytes \[0, 8\) before tensor 'x' belong to no tensor/],
      [{ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, d16, /holds 16 bytes but the tensors cover 8/],
      [{ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, __metadata__: { n: 3 } }, new Uint8Array(8), /__metadata__ must be an object of strings/],
      [{ x: 3 }, new Uint8Array(0), /header entry 'x' must be an object/],
    ];
    for (const [h, data, msg] of cases) {
      const e = thrown(() => optim.loadState(throughDisk('bad.safetensors', rawFile(h, data))));
      expect(e, JSON.stringify(h)).toBeInstanceOf(CorruptCheckpointError);
      expect((e as Error).message).toMatch(msg);
    }
    const huge = rawFile({}, new Uint8Array(0));
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    expect((thrown(() => optim.loadState(huge)) as Error).message).toContain('truncated');
  });

  it('rejects checksum metadata that does not match the header', () => {
    const ours = optim.saveState({ x: tensor([1], { dtype: 'float64' }) });
    const { n, json } = headerOf(ours);
    const data = ours.subarray(8 + n);
    const withCrc = (crc: string) => rawFile({ ...json, __metadata__: { ...json['__metadata__'], 'curvax.crc32': crc } }, data);
    expect((thrown(() => optim.loadState(withCrc('{'))) as Error).message).toMatch(/checksum metadata 'curvax.crc32' is not valid JSON/);
    expect((thrown(() => optim.loadState(withCrc('{}'))) as Error).message).toMatch(/no checksum for tensor 'x'/);
    expect((thrown(() => optim.loadState(withCrc(JSON.stringify({ x: crc32Hex(data), y: '0' })))) as Error).message).toMatch(/names tensor 'y'/);
    expect((optim.loadState(withCrc(JSON.stringify({ x: crc32Hex(data) }))) as { x: Tensor }).x.toArray()).toEqual([1]);
  });
});
