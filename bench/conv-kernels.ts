// The wasm convolution's two paths on representative shapes: the direct float64-accumulating loop
// (backend/js/conv.ts) and im2col + the backend's GEMM (backend/wasm/conv.ts), plus the automatic
// choice. Interleaved rounds in one process; process CPU time per call (steadier than wall time
// on a shared machine); medians over rounds.
//
// Usage: npx tsx bench/conv-kernels.ts [rounds=7] [ms per block=40]
import { Aval } from '../src/index.js';
import { convKernel } from '../src/backend/js/conv.js';
import { wasmBackend } from '../src/backend/wasm/adapter.js';
import { convUsesGemm, wasmConv } from '../src/backend/wasm/conv.js';
import { convAval } from '../src/core/primitives/conv-general-dilated.js';
import type { ConvParams, Kernels } from '../src/backend/backend.js';
import type { TypedArray } from '../src/tensor/dtype.js';

const rounds = Number(process.argv[2] ?? 7);
const blockMs = Number(process.argv[3] ?? 40);
const k = wasmBackend.kernels as Kernels<TypedArray>;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

// name, input, kernel, stride, groups, padding per side
const CASES: [string, number[], number[], number, number, number][] = [
  ['W8 forward 128×8×8×1 ⊛ 3×3×1×16 SAME', [128, 8, 8, 1], [3, 3, 1, 16], 1, 1, 1],
  ['W8 input transpose 128×8×8×16 ⊛ 3×3×16×1', [128, 8, 8, 16], [3, 3, 16, 1], 1, 1, 1],
  ['W8 per-example kernel grads 1×10×10×128 ⊛ 8×8×1×2048, 128 groups', [1, 10, 10, 128], [8, 8, 1, 2048], 1, 128, 0],
  ['32×16×16×16 ⊛ 3×3×16×32', [32, 16, 16, 16], [3, 3, 16, 32], 1, 1, 1],
  ['16×16×16×32 ⊛ 3×3×32×64 stride 2', [16, 16, 16, 32], [3, 3, 32, 64], 2, 1, 1],
  ['8×32×32×3 ⊛ 5×5×3×16', [8, 32, 32, 3], [5, 5, 3, 16], 1, 1, 2],
  ['16×16×16×32 ⊛ 3×3×4×32, 8 groups', [16, 16, 16, 32], [3, 3, 4, 32], 1, 8, 1],
  ['4×8×8×4 ⊛ 3×3×4×8 (small)', [4, 8, 8, 4], [3, 3, 4, 8], 1, 1, 1],
  ['2×6×6×2 ⊛ 3×3×2×4 (tiny)', [2, 6, 6, 2], [3, 3, 2, 4], 1, 1, 1],
  ['1×5×5×1 ⊛ 2×2×1×2 (tinier)', [1, 5, 5, 1], [2, 2, 1, 2], 1, 1, 0],
  ['W8 avg-pool 128×8×8×16 ⊛ 2×2×1×16 stride 2, 16 groups', [128, 8, 8, 16], [2, 2, 1, 16], 2, 16, 0],
  ['64×8×8×16 ⊛ 3×3×16×2 (two outputs)', [64, 8, 8, 16], [3, 3, 16, 2], 1, 1, 1],
  ['1-D 32×128×16 ⊛ 5×16×32', [32, 128, 16], [5, 16, 32], 1, 1, 2],
];

const fill = (n: number, f64: boolean): TypedArray => {
  const a = f64 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37);
  return a;
};
const median = (a: number[]): number => [...a].sort((u, v) => u - v)[a.length >> 1]!;

for (const dtype of ['float32', 'float64'] as const) {
  for (const [name, xs, ws, s, g, pad] of CASES) {
    const d = xs.length - 2;
    const p: ConvParams = { strides: new Array(d).fill(s), padding: new Array(d).fill([pad, pad]), lhsDilation: new Array(d).fill(1), rhsDilation: new Array(d).fill(1), groups: g };
    const ax = new Aval(xs, dtype), aw = new Aval(ws, dtype);
    const out = convAval(ax, aw, p);
    const x = fill(ax.size, dtype === 'float64'), w = fill(aw.size, dtype === 'float64');
    const variants: [string, () => unknown][] = [
      ['direct', () => convKernel(x, w, ax, aw, p, out)],
      ['gemm', () => wasmConv(x, w, ax, aw, p, out, k, 'gemm')],
    ];
    const t: Record<string, number[]> = { direct: [], gemm: [] };
    for (const [, f] of variants) for (let i = 0; i < 3; i++) f();
    for (let r = 0; r < rounds; r++) {
      for (const [key, f] of r % 2 ? [...variants].reverse() : variants) {
        const w0 = performance.now(), c0 = cpuMs();
        let n = 0;
        while (performance.now() - w0 < blockMs) { f(); n++; }
        t[key]!.push((cpuMs() - c0) / n);
      }
    }
    const dm = median(t.direct!), gm = median(t.gemm!);
    const auto = convUsesGemm(ax, aw, p, out) ? 'gemm' : 'direct';
    console.log(`${dtype} ${name}: direct ${dm.toFixed(3)} ms, im2col+GEMM ${gm.toFixed(3)} ms, direct/GEMM ${(dm / gm).toFixed(2)}, auto → ${auto}`);
  }
}
