/**
 * What bounds the GEMM micro-kernel on this core: the inner k loop of a register tile run alone
 * on packed strips that stay in L1 (no packing, no driver), in variants that each remove one cost:
 *
 * - `full`: the kernel's loop as generated (NV vector loads of B, MR broadcasts of A, then
 *   MR·NV multiply + add pairs, or relaxed FMAs);
 * - `no A loads`: the same with the A broadcasts hoisted out of the loop (wrong values, same
 *   arithmetic): how much the loads cost;
 * - `fma`: `relaxed_madd` instead of multiply + add (with `--relaxed`, which switches V8's flag on
 *   in this process).
 *
 * GFLOP/s of the fastest of many interleaved calls (the unloaded speed on a shared machine),
 * next to the multiply-add peak of `simd-peak.ts`.
 *
 * Run: `npx tsx bench/wasm/gemm-ceiling.ts [f32|f64] [--relaxed] [--tiles=4x8,2x16]`
 * @module
 */
import { detectRelaxedSimd } from '../../src/backend/wasm/features.js';
import { I32, ModuleBuilder, V128, type SimdOpName } from '../../src/backend/wasm/encoder.js';
import { simdPeakGflops } from './simd-peak.js';

const dtype = process.argv[2] === 'f64' ? 'f64' : 'f32';
const E = dtype === 'f32' ? 4 : 8, LANES = 16 / E;
const relaxed = process.argv.includes('--relaxed') && detectRelaxedSimd(true);
const tiles = (process.argv.find((a) => a.startsWith('--tiles='))?.slice(8) ?? (dtype === 'f32' ? '4x8,2x16,5x8' : '4x4,2x8')).split(',')
  .map((t) => t.split('x').map(Number) as [number, number]);
const KC = 256, CALLS = 64;
const memory = new WebAssembly.Memory({ initial: 64 });

/** `f(kc, ap, bp, cp)`: kc k-steps of an mr×nr tile over packed strips at ap/bp, stored at cp. */
function build(mr: number, nr: number, aLoads: boolean, fma: boolean): (...args: number[]) => void {
  const nv = nr / LANES;
  const vmul: SimdOpName = dtype === 'f32' ? 'f32x4_mul' : 'f64x2_mul', vadd: SimdOpName = dtype === 'f32' ? 'f32x4_add' : 'f64x2_add';
  const vmadd: SimdOpName = dtype === 'f32' ? 'f32x4_relaxed_madd' : 'f64x2_relaxed_madd';
  const splat = dtype === 'f32' ? 'v128_load32_splat' : 'v128_load64_splat';
  const mb = new ModuleBuilder();
  mb.importMemory({ module: 'env', name: 'memory', initial: 1, maximum: undefined, shared: false });
  const f = mb.func([I32, I32, I32, I32], [], (c, local) => {
    const [kc, ap, bp, cp] = [0, 1, 2, 3];
    const acc = Array.from({ length: mr * nv }, () => local(V128));
    const bv = Array.from({ length: nv }, () => local(V128));
    const av = Array.from({ length: mr }, () => local(V128));
    const bEnd = local(I32);
    c.get(bp).get(kc).i32(nr * E).op('i32_mul', 'i32_add').set(bEnd);
    if (!aLoads) for (let r = 0; r < mr; r++) c.get(ap).vmem(splat, r * E).set(av[r]!);
    c.loop(() => {
      for (let v = 0; v < nv; v++) c.get(bp).vmem('v128_load', v * 16).set(bv[v]!);
      for (let r = 0; r < mr; r++) {
        if (aLoads) c.get(ap).vmem(splat, r * E).set(av[r]!);
        for (let v = 0; v < nv; v++) {
          const a = acc[r * nv + v]!;
          if (fma) c.get(av[r]!).get(bv[v]!).get(a).simd(vmadd).set(a);
          else c.get(a).get(av[r]!).get(bv[v]!).simd(vmul, vadd).set(a);
        }
      }
      c.get(ap).i32(mr * E).op('i32_add').set(ap);
      c.get(bp).i32(nr * E).op('i32_add').tee(bp).get(bEnd).op('i32_ne').brIf(0);
    });
    for (let i = 0; i < acc.length; i++) c.get(cp).get(acc[i]!).vmem('v128_store', i * 16);
  });
  mb.export('f', f);
  return new WebAssembly.Instance(new WebAssembly.Module(mb.build()), { env: { memory } }).exports['f'] as (...args: number[]) => void;
}

interface Case { name: string; run: () => void; flops: number; best: number }
const cases: Case[] = [];
for (const [mr, nr] of tiles) {
  for (const [label, aLoads, fma] of [['full', true, false], ['no A loads', false, false], ...(relaxed ? [['fma', true, true] as const] : [])] as const) {
    const f = build(mr, nr, aLoads, fma);
    cases.push({ name: `${mr}x${nr} ${label}`, run: () => { for (let i = 0; i < CALLS; i++) f(KC, 1024, 32768, 65536); }, flops: 2 * mr * nr * KC * CALLS, best: Infinity });
  }
}
for (const c of cases) { const t = performance.now(); while (performance.now() - t < 100) c.run(); } // tier up
for (let r = 0; r < 60; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    c.run();
    c.best = Math.min(c.best, performance.now() - t0);
  }
}
console.log(`${dtype} micro-kernel k loop alone (strips in L1), GFLOP/s, fastest of 60 interleaved calls`);
for (const c of cases) console.log(`${c.name.padEnd(18)} ${(c.flops / c.best / 1e6).toFixed(1)}`);
console.log(`f32 SIMD multiply-add peak of this core: ${simdPeakGflops(false).toFixed(1)} GFLOP/s`);
