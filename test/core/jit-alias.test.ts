import { describe, expect, it } from 'vitest';
import { jit, random, type Tensor } from '../../src/index.js';

/**
 * Kernels may return an operand itself (`reshape` does on js and wasm). A jit executable that
 * released such a result at its last use handed the *caller's* input buffer back to the wasm
 * buffer pool while the caller still held it; the next allocation of that size class then wrote
 * over the input (float64 results wrong from the first call, inputs corrupted).
 */
describe('jit executables: results that alias an input', () => {
  const bits = (t: Tensor) => Float64Array.from(t.toTypedArray() as Float64Array);
  const differing = (a: Float64Array, b: Float64Array) => a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0);

  it('never recycles an input buffer returned by reshape (inputs stay intact, results equal eager)', () => {
    // 784 KiB and made by a kernel, so the wasm pool tracks its buffer
    const x = random.normal(random.key(1), [128, 784], { dtype: 'float64' }).mul(1);
    const before = bits(x);
    const f = (a: Tensor) => a.reshape([128, 1, 784]).mul(2).reshape([128, 784]).add(a.reshape([128, 784]));
    const eager = bits(f(x));
    const g = jit(f);
    for (let call = 0; call < 4; call++) {
      expect(differing(bits(g(x)), eager)).toBe(0);
      expect(differing(bits(x), before)).toBe(0);
    }
  });
});
