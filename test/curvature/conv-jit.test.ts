// jit of a conv net's per-example gradients equals eager bit for bit (the conv-kernel gradient is a
// grouped convolution over the examples). Found failing on wasm: from N = 32 (values of ≥ 16 KiB,
// the buffer pool's range) the jitted executable returns zeros for the kernel gradient, while eager
// and jit(f, { compile: false }) are right and configureWasmBuffers({ reuse: false }) fixes it: the
// executable's liveness disposes (core/executable.ts, release after the last reader) buffers that a
// live value still uses, and the pool hands them to later kernels.
import { describe, expect, it } from 'vitest';
import { conv, grad, jit, likelihoods, random, tensor, vmap, type Tensor } from '../../src/index.js';

describe('jit(vmap(grad)) of a conv net', () => {
  it('equals eager at N = 32, 8×8×1 images, 16 channels', () => {
    const lik = likelihoods.categorical();
    const [k0, k1, k2] = random.splitList(random.key(0), 3);
    const p = { w: random.normal(k0!, [3, 3, 1, 16]), o: random.normal(k1!, [1024, 10]).mul(0.05) };
    const x = random.normal(k2!, [32, 8, 8, 1]);
    const y = tensor(Array.from({ length: 32 }, (_, i) => i % 10), { dtype: 'int32' });
    const loss = (q: typeof p, xn: Tensor, yn: Tensor): Tensor => lik.logProb(conv(xn, q.w, { padding: 'SAME' }).tanh().reshape([1024]).matmul(q.o), yn).neg();
    const pe = vmap(grad(loss), { inAxes: [null, 0, 0] });
    const eager = pe(p, x, y), jitted = jit(pe)(p, x, y);
    expect(eager.w.abs().max().item()).toBeGreaterThan(0.1);
    expect(Array.from(jitted.w.toTypedArray())).toEqual(Array.from(eager.w.toTypedArray()));
    expect(Array.from(jitted.o.toTypedArray())).toEqual(Array.from(eager.o.toTypedArray()));
  });
});
