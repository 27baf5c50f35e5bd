// End to end through the public API with setBackend('gpujs'): the W2 MLP value and gradient,
// per-example gradients (vmap of grad), random streams and float64, all against the js backend.
import { afterAll, describe, expect, it } from 'vitest';
import { grad, matmul, random, setBackend, tensor, tree, valueAndGrad, vmap, type Tensor } from '../../src/index.js';
import { disposeGpujs, initGpujs, type GpujsBackendHandle } from '../../src/backend/gpujs/index.js';
import { mlpBatch, mlpLoss, mlpParams } from '../../bench/workloads.js';

let be: GpujsBackendHandle | undefined;
try {
  be = await initGpujs({ mode: 'cpu' });
} catch (e) {
  console.warn(`[gpujs] end-to-end tests skipped: ${(e as Error).message}`);
}

afterAll(async () => {
  setBackend('js');
  await disposeGpujs();
});

function on<T>(name: 'js' | 'gpujs', f: () => T): Float64Array[] {
  setBackend(name);
  try {
    return (tree.leaves(f() as never) as Tensor[]).map((t) => Float64Array.from(t.toTypedArray()));
  } finally {
    setBackend('js');
  }
}

function maxRelErr(got: Float64Array[], want: Float64Array[]): number {
  let worst = 0;
  want.forEach((w, i) => {
    const scale = Math.max(1e-12, ...Array.from(w, Math.abs));
    w.forEach((v, j) => { worst = Math.max(worst, Math.abs(got[i]![j]! - v) / scale); });
  });
  return worst;
}

describe.skipIf(be === undefined)('gpujs (cpu mode) end to end', () => {
  it('W2: MLP loss and gradients match js to float32 accuracy', () => {
    const w2 = () => { const b = mlpBatch(); return valueAndGrad(mlpLoss)(mlpParams(), b.x, b.y); };
    const want = on('js', w2), got = on('gpujs', w2);
    expect(got.length).toBe(5);
    expect(maxRelErr(got, want)).toBeLessThan(1e-5);
  });

  it('W3-style per-example gradients (vmap of grad) match js', () => {
    const f = () => {
      const w = random.normal(random.key(3), [6, 4]);
      const x = random.normal(random.key(4), [5, 6]);
      const loss = (w: Tensor, x: Tensor) => matmul(x, w).tanh().square().sum();
      return vmap(grad(loss), { inAxes: [null, 0] })(w, x);
    };
    expect(maxRelErr(on('gpujs', f), on('js', f))).toBeLessThan(1e-5);
  });

  it('random streams are bit-identical to js (split keys, uniform, normal, categorical)', () => {
    const f = () => {
      const [k1, k2] = random.splitList(random.key(42));
      return [random.split(k1!, 3), random.uniform(k1!, [11]), random.normal(k2!, [2, 5]), random.categorical(k2!, random.normal(k1!, [6, 4]))];
    };
    const want = on('js', f), got = on('gpujs', f);
    got.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(want[i]!)));
  });

  it('float64 computations are exact (host fallback), not float32', () => {
    const f = () => tensor([1, 1e-10, 3], { dtype: 'float64' }).add(1).sub(1).exp().log();
    const got = on('gpujs', f)[0]!, want = on('js', f)[0]!;
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(got[1]).not.toBe(0);
  });
});
