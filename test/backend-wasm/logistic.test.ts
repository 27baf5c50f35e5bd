/**
 * Logistic on `wasm` runs in SIMD from 128 elements, unfused and fused alike (adapter
 * LOGISTIC_MIN_SIZE), while exp/log/tanh keep their 2 Ki threshold. A jitted program must still
 * equal eager evaluation bit for bit on either side of both thresholds, including programs that mix
 * logistic with exp (fused below 2 Ki they are declined and run kernel by kernel), and results stay
 * within 2 ulp of the float64 formula of the `js` kernel.
 */
import { describe, expect, it } from 'vitest';
import { jit, random, sigmoid, type Tensor } from '../../src/index.js';
import { UNARY } from '../../src/backend/js/scalar-ops.js';

const bits = (t: Tensor): number[] => Array.from(new Int32Array(Float32Array.from(t.toTypedArray()).buffer));

describe('wasm logistic', () => {
  for (const n of [17, 127, 128, 569, 2047, 2048, 5000]) {
    it(`jit = eager bit for bit at ${n} elements (logistic chain, and logistic with exp)`, () => {
      const x = random.normal(random.key(n), [n]).mul(6), y = random.normal(random.key(n + 1), [n]), z = random.normal(random.key(n + 2), [n]);
      const chain = (a: Tensor, b: Tensor, c: Tensor): Tensor[] => { const s = sigmoid(a); return [s, s.mul(b).add(c)]; };
      const mixed = (a: Tensor, b: Tensor): Tensor => sigmoid(a).add(b.mul(0.1).exp());
      for (const f of [chain, mixed] as const) {
        const eager = ([] as Tensor[]).concat(f(x, y, z)).map(bits);
        const jf = jit(f);
        for (let rep = 0; rep < 2; rep++) expect(([] as Tensor[]).concat(jf(x, y, z)).map(bits)).toEqual(eager);
      }
      // within 2 ulp of the js kernel's float64 formula, rounded
      const got = sigmoid(x).toTypedArray(), xs = x.toTypedArray();
      const i32 = new Int32Array(1), f32 = new Float32Array(i32.buffer);
      const ord = (v: number): number => { f32[0] = v; return i32[0]!; };
      for (let i = 0; i < n; i++) expect(Math.abs(ord(got[i]!) - ord(Math.fround(UNARY.logistic(xs[i]!))))).toBeLessThanOrEqual(2);
    });
  }
});
