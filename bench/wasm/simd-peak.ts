// The arithmetic ceiling of 128-bit wasm SIMD on this core: a loop of 12 independent float32
// multiply-add chains (f32x4.mul + f32x4.add, or relaxed_madd where available), no memory
// traffic. Reported next to GEMM throughput so that GFLOP/s read as a fraction of what the
// machine can do. The fastest of many short calls is taken: on a shared machine, that is the
// speed when the thread is not preempted.
import { I32, ModuleBuilder, V128 } from '../../src/backend/wasm/encoder.js';

const CHAINS = 12;

function build(fma: boolean): (iters: number) => void {
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: undefined, shared: false });
  const f = mb.func([I32], [], (c, local) => {
    const acc = Array.from({ length: CHAINS }, () => local(V128));
    const x = local(V128), y = local(V128), i = local(I32);
    c.i32(0).vmem('v128_load', 0).set(x).i32(0).vmem('v128_load', 16).set(y);
    c.get(0).set(i);
    c.loop(() => {
      for (const a of acc) {
        if (fma) c.get(x).get(y).get(a).simd('f32x4_relaxed_madd').set(a);
        else c.get(a).get(x).get(y).simd('f32x4_mul').simd('f32x4_add').set(a);
      }
      c.get(i).i32(1).op('i32_sub').tee(i).brIf(0);
    });
    for (const a of acc) c.i32(0).get(a).vmem('v128_store', 32);
  });
  mb.export('f', f);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
  return inst.exports['f'] as (iters: number) => void;
}

/**
 * Float32 GFLOP/s of the multiply-add loop on one thread (fastest of `samples` calls of 9.6 MFLOP).
 * @param fma - use `f32x4.relaxed_madd` (must validate in this engine)
 * @param samples - number of timed calls
 * @returns GFLOP/s
 */
export function simdPeakGflops(fma = false, samples = 300): number {
  const fn = build(fma);
  for (let i = 0; i < 200; i++) fn(10_000); // tier up
  const iters = 100_000;
  let best = Infinity;
  for (let r = 0; r < samples; r++) {
    const t = performance.now();
    fn(iters);
    best = Math.min(best, performance.now() - t);
  }
  return (iters * CHAINS * 8) / best / 1e6;
}
