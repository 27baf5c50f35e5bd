// The reference binary kernel's block-broadcast loops (`[R, C] ∘ [C]`, `[R, C] ∘ [R, 1]`, either
// operand the block) equal the general strided loop bit for bit, for + − × ÷ in every dtype,
// with NaN, ±0 and ±Infinity among the values.
import { describe, expect, it } from 'vitest';
import { jsBackend } from '../../src/backend/js/index.js';
import { binaryStrided, broadcastStrides } from '../../src/backend/js/strided.js';
import { BINARY } from '../../src/backend/js/scalar-ops.js';
import { Aval } from '../../src/tensor/aval.js';
import { allocTyped, type DType, type TypedArray } from '../../src/tensor/dtype.js';

const fill = (dtype: DType, n: number, seed: number): TypedArray => {
  const a = allocTyped(dtype, n);
  let u = seed * 2654435761 % 4294967296;
  for (let i = 0; i < n; i++) { u = (u * 1664525 + 1013904223) % 4294967296; a[i] = dtype === 'int32' ? (u % 21) - 10 : (u / 4294967296 - 0.5) * 4; }
  const special = [NaN, -0, 0, Infinity, -Infinity];
  if (dtype !== 'int32') for (let k = 0; k < special.length && k * 3 < n; k++) a[k * 3] = special[k]!;
  return a;
};
const bits = (a: TypedArray) => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));

describe('binary kernel block broadcasts', () => {
  const pairs: [number[], number[], number[]][] = [
    [[64, 32], [32], [64, 32]], [[64, 32], [1, 32], [64, 32]], [[64, 32], [64, 1], [64, 32]], [[128, 10], [10], [128, 10]],
    [[2, 3, 4], [3, 4], [2, 3, 4]], [[2, 3, 4], [2, 3, 1], [2, 3, 4]], [[2, 3, 4], [2, 1, 1], [2, 3, 4]], [[2, 3, 4], [3, 1], [2, 3, 4]],
    [[1, 5], [5], [1, 5]], [[7], [1], [7]], [[4, 1, 3], [3], [4, 1, 3]],
  ];
  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      if (dtype === 'int32' && op === 'div') continue; // integer division has its own kernel
      it.each(pairs)(`${dtype} ${op}: %j with %j, both orders`, (a, b, o) => {
        for (const [sx, sy] of [[a, b], [b, a]] as const) {
          const ax = new Aval(sx, dtype), ay = new Aval(sy, dtype), out = new Aval(o, dtype);
          const x = fill(dtype, ax.size, 3), y = fill(dtype, ay.size, 4);
          const want = allocTyped(dtype, out.size);
          binaryStrided(want, x, y, o, broadcastStrides(sx, o), broadcastStrides(sy, o), BINARY[op]);
          expect(bits(jsBackend.kernels.binary(op, x, y, ax, ay, out))).toEqual(bits(want));
        }
      });
    }
  }
});
