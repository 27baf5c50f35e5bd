/**
 * The reference random kernel: Threefry-2x32 words per key (see `random/bits/`), converted
 * to uniform floats (mantissa bits) or normals (inverse error function). Every backend
 * produces the same bits because they all share this host code.
 * @module
 */
import type { Aval } from '../../tensor/aval.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { randomBits } from '../../random/bits/keys.js';
import { bitsToNormal, bitsToUniform } from '../../random/bits/convert.js';

/** @internal Samples for keys `[…K, 2]` → `[…K, …shape]`. */
export function randomBitsKernel(key: Int32Array, akey: Aval, dist: 'bits' | 'uniform' | 'normal', out: Aval): TypedArray {
  const nKeys = akey.size / 2;
  const per = nKeys === 0 ? 0 : out.size / nKeys;
  const f64 = out.dtype === 'float64';
  const words = dist === 'bits' || !f64 ? per : 2 * per;
  const res: TypedArray = dist === 'bits' ? new Int32Array(out.size) : f64 ? new Float64Array(out.size) : new Float32Array(out.size);
  for (let k = 0; k < nKeys; k++) {
    const bits = randomBits([key[2 * k]!, key[2 * k + 1]!], words);
    const dt = f64 ? 'float64' : 'float32';
    const vals = dist === 'bits' ? new Int32Array(bits.buffer, bits.byteOffset, bits.length) : dist === 'uniform' ? bitsToUniform(bits, dt) : bitsToNormal(bits, dt);
    res.set(vals, k * per);
  }
  return res;
}
