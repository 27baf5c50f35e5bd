// Conformance cases sized to take the wasm kernels' paths (the browser subset of test/backend-gpujs
// is mostly below the wasm thresholds, where the backend runs the js kernels): SIMD GEMMs (one
// above the thread pool's minimum work), SIMD exp/log/tanh, SIMD reductions and transposes.
// Tolerances are the conformance ones (test/backend-gpujs/cases.ts).
import type { DotDims } from '../src/backend/backend.js';
import { accTol, EXACT, TRANSC, type ConformanceCase, type Gen, type Input } from '../test/backend-gpujs/cases.js';

const f32 = (shape: readonly number[], gen: Gen = 'unit'): Input => ({ shape, dtype: 'float32', gen });
const f64 = (shape: readonly number[], gen: Gen = 'unit'): Input => ({ shape, dtype: 'float64', gen });
const o = (shape: readonly number[], dtype: 'float32' | 'float64' = 'float32') => ({ shape, dtype });
const dims = (lc: number[], rc: number[], lb: number[] = [], rb: number[] = []): DotDims => ({ lhsContract: lc, rhsContract: rc, lhsBatch: lb, rhsBatch: rb });

const GEMMS: [string, number[], number[], DotDims, number[], number, boolean][] = [
  ['f32 [129,257]·[257,65]', [129, 257], [257, 65], dims([1], [0]), [129, 65], 257, false],
  ['f32 xᵀy [257,129]·[257,130]', [257, 129], [257, 130], dims([0], [0]), [129, 130], 257, false],
  ['f32 batched [3,37,53]·[3,53,29]', [3, 37, 53], [3, 53, 29], dims([2], [1], [0], [0]), [3, 37, 29], 53, false],
  ['f32 [256,256]·[256,256] (above the thread pool minimum)', [256, 256], [256, 256], dims([1], [0]), [256, 256], 256, false],
  ['f64 [129,257]·[257,65]', [129, 257], [257, 65], dims([1], [0]), [129, 65], 257, true],
];

/** Cases routed to the wasm kernels (each ≥ the backend's size thresholds). */
export const WASM_CASES: readonly ConformanceCase[] = [
  ...GEMMS.map(([name, xs, ys, d, out, K, dbl]): ConformanceCase => ({
    name: `wasm gemm ${name}`, inputs: [(dbl ? f64 : f32)(xs), (dbl ? f64 : f32)(ys)], out: o(out, dbl ? 'float64' : 'float32'),
    tol: dbl ? { rtol: 1e-12, atol: 1e-12 * K } : accTol(K),
    run: (k, [x, y], [ax, ay], oo) => k.dotGeneral(x!, y!, ax!, ay!, d, oo),
  })),
  ...(['exp', 'log', 'tanh'] as const).map((op): ConformanceCase => ({
    name: `wasm unary ${op} f32[4099]`, inputs: [f32([4099], op === 'log' ? 'pos' : op === 'exp' ? 'exp' : 'normal')], out: o([4099]), tol: TRANSC,
    run: (k, [x], [ax], oo) => k.unary(op, x!, ax!, oo),
  })),
  { name: 'wasm reduce sum f32[3,10007] axis 1', inputs: [f32([3, 10007])], out: o([3]), tol: accTol(10007), run: (k, [x], [ax], oo) => k.reduce('sum', x!, ax!, [1], oo) },
  { name: 'wasm reduce sum f32[3000,2] axis 0', inputs: [f32([3000, 2])], out: o([2]), tol: accTol(3000), run: (k, [x], [ax], oo) => k.reduce('sum', x!, ax!, [0], oo) },
  { name: 'wasm reduce max f32[64,100] axis 1', inputs: [f32([64, 100], 'normal')], out: o([64]), tol: EXACT, run: (k, [x], [ax], oo) => k.reduce('max', x!, ax!, [1], oo) },
  { name: 'wasm transpose f32[3,70,90] perm [0,2,1]', inputs: [f32([3, 70, 90])], out: o([3, 90, 70]), tol: EXACT, run: (k, [x], [ax], oo) => k.transpose(x!, ax!, [0, 2, 1], oo) },
  { name: 'wasm transpose f64[80,60] perm [1,0]', inputs: [f64([80, 60])], out: o([60, 80], 'float64'), tol: EXACT, run: (k, [x], [ax], oo) => k.transpose(x!, ax!, [1, 0], oo) },
];
