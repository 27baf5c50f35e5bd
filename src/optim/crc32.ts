/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as in zlib and PNG) used to check
 * checkpoint data.
 * @internal
 * @module
 */

let TABLE: Uint32Array | undefined;

function table(): Uint32Array {
  if (TABLE) return TABLE;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return (TABLE = t);
}

/** @internal The CRC-32 of `bytes` as 8 lowercase hex digits (`crc32(ascii '123456789') = 'cbf43926'`). */
export function crc32Hex(bytes: Uint8Array): string {
  const t = table();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
