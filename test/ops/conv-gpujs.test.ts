// conv on the gpujs backend (cpu mode), which has no conv kernel: the primitive's documented host
// fallback runs the reference kernel on the buffers' data. Per-example gradients of a small CNN
// (conv, avgPool, maxPool, layerNorm) against the js backend.
import { afterAll, describe, expect, it } from 'vitest';
import { grad, random, reshape, setBackend, sum, tanh, tree, vmap, type Tensor } from '../../src/index.js';
import { disposeGpujs, initGpujs, type GpujsBackendHandle } from '../../src/backend/gpujs/index.js';
import { conv, convTranspose } from '../../src/ops/conv.js';
import { avgPool, maxPool } from '../../src/ops/pool.js';
import { layerNorm } from '../../src/ops/norm.js';

let be: GpujsBackendHandle | undefined;
try {
  be = await initGpujs({ mode: 'cpu' });
} catch (e) {
  console.warn(`[gpujs] conv tests skipped: ${(e as Error).message}`);
}

afterAll(async () => {
  setBackend('js');
  await disposeGpujs();
});

function on(name: 'js' | 'gpujs', f: () => unknown): Float64Array[] {
  setBackend(name);
  try {
    return (tree.leaves(f() as never) as Tensor[]).map((t) => Float64Array.from(t.toTypedArray()));
  } finally {
    setBackend('js');
  }
}

describe.skipIf(be === undefined)('conv on gpujs (host fallback)', () => {
  it('per-example gradients of a small CNN match js (float32)', () => {
    const f = () => {
      const p = { w: random.normal(random.key(1), [3, 3, 2, 4]), d: random.normal(random.key(2), [18, 2]) };
      const xs = random.normal(random.key(3), [3, 6, 6, 2]);
      const net = (q: typeof p, x: Tensor) => {
        const h = layerNorm(tanh(conv(x, q.w, { padding: 'SAME' })));
        const u = convTranspose(avgPool(h, [2, 2]), q.w, { strides: 2, padding: 'SAME', transposeKernel: true });
        return sum(reshape(maxPool(u, [2, 2]), [-1]).matmul(q.d).square());
      };
      return vmap(grad(net), { inAxes: [null, 0] })(p, xs);
    };
    const want = on('js', f), got = on('gpujs', f);
    expect(got.length).toBe(2);
    want.forEach((w, i) => {
      const scale = Math.max(...Array.from(w, Math.abs));
      w.forEach((v, j) => expect(Math.abs(got[i]![j]! - v)).toBeLessThan(1e-4 * scale));
    });
  });
});
