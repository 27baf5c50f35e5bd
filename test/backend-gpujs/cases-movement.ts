// Conformance cases, part 2: movement, indexing, dotGeneral, iota and randomBits.
import type { DotDims } from '../../src/backend/backend.js';
import type { DType } from '../../src/tensor/dtype.js';
import { accTol, CASES, EXACT, type ConformanceCase, type Gen, type Input } from './cases.js';

const f32 = (shape: readonly number[], gen: Gen = 'normal'): Input => ({ shape, dtype: 'float32', gen });
const o32 = (shape: readonly number[], dtype: DType = 'float32') => ({ shape, dtype });

const MOVEMENT: ConformanceCase[] = [
  { name: 'reshape (shared store)', inputs: [f32([6, 5])], out: o32([3, 10]), tol: EXACT, run: (k, [x], [ax], o) => k.reshape(x!, ax!, o) },
  { name: 'transpose [2,3,4] perm [2,0,1]', inputs: [f32([2, 3, 4])], out: o32([4, 2, 3]), tol: EXACT, browser: true, run: (k, [x], [ax], o) => k.transpose(x!, ax!, [2, 0, 1], o) },
  { name: 'transpose [5,7] perm [1,0]', inputs: [f32([5, 7])], out: o32([7, 5]), tol: EXACT, run: (k, [x], [ax], o) => k.transpose(x!, ax!, [1, 0], o) },
  { name: 'transpose 5-D [2,3,1,4,3] perm [4,2,0,3,1]', inputs: [f32([2, 3, 1, 4, 3])], out: o32([3, 1, 2, 4, 3]), tol: EXACT, browser: true,
    run: (k, [x], [ax], o) => k.transpose(x!, ax!, [4, 2, 0, 3, 1], o) },
  { name: 'transpose int32 on host', inputs: [{ shape: [3, 4], dtype: 'int32', gen: 'ints' }], out: o32([4, 3], 'int32'), tol: EXACT, run: (k, [x], [ax], o) => k.transpose(x!, ax!, [1, 0], o) },
  { name: 'broadcastInDim [3] → [2,3,4] dims [1]', inputs: [f32([3])], out: o32([2, 3, 4]), tol: EXACT, browser: true, run: (k, [x], [ax], o) => k.broadcastInDim(x!, ax!, [1], o) },
  { name: 'broadcastInDim [3,1] → [3,5] dims [0,1]', inputs: [f32([3, 1])], out: o32([3, 5]), tol: EXACT, run: (k, [x], [ax], o) => k.broadcastInDim(x!, ax!, [0, 1], o) },
  { name: 'broadcastInDim scalar → [2,2,2,2]', inputs: [f32([])], out: o32([2, 2, 2, 2]), tol: EXACT, run: (k, [x], [ax], o) => k.broadcastInDim(x!, ax!, [], o) },
  { name: 'slice [6,7,8] starts [1,2,3] → [3,4,5]', inputs: [f32([6, 7, 8])], out: o32([3, 4, 5]), tol: EXACT, browser: true, run: (k, [x], [ax], o) => k.slice(x!, ax!, [1, 2, 3], o) },
  { name: 'slice [10] starts [7] → [2]', inputs: [f32([10])], out: o32([2]), tol: EXACT, run: (k, [x], [ax], o) => k.slice(x!, ax!, [7], o) },
  { name: 'pad [3,4] lo [1,2] → [6,7]', inputs: [f32([3, 4])], out: o32([6, 7]), tol: EXACT, browser: true, run: (k, [x], [ax], o) => k.pad(x!, ax!, [1, 2], o) },
  { name: 'pad [2,3,2] lo [0,1,0] → [3,5,3]', inputs: [f32([2, 3, 2])], out: o32([3, 5, 3]), tol: EXACT, run: (k, [x], [ax], o) => k.pad(x!, ax!, [0, 1, 0], o) },
  { name: 'concat axis 1 of [2,3,4],[2,1,4],[2,0,4],[2,5,4]', inputs: [f32([2, 3, 4]), f32([2, 1, 4]), f32([2, 0, 4]), f32([2, 5, 4])], out: o32([2, 9, 4]), tol: EXACT, browser: true,
    run: (k, xs, axs, o) => k.concat(xs, axs, 1, o) },
  { name: 'concat of 40 inputs (more than a kernel may take)', inputs: Array.from({ length: 40 }, (_, i) => f32([i % 3 + 1, 3])), out: o32([79, 3]), tol: EXACT, browser: true,
    run: (k, xs, axs, o) => k.concat(xs, axs, 0, o) },
  { name: 'take [5,6,4] axis 1 by idx[7] (clamped)', inputs: [f32([5, 6, 4]), { shape: [7], dtype: 'int32', gen: { idx: 6 } }], out: o32([5, 7, 4]), tol: EXACT, browser: true,
    run: (k, [x, i], [ax, ai], o) => k.take(x!, i!, ax!, ai!, 1, o) },
  { name: 'take [9,3] axis 0 by idx[2,4]', inputs: [f32([9, 3]), { shape: [2, 4], dtype: 'int32', gen: { idx: 9 } }], out: o32([2, 4, 3]), tol: EXACT,
    run: (k, [x, i], [ax, ai], o) => k.take(x!, i!, ax!, ai!, 0, o) },
  { name: 'scatterAdd idx[7] upd[5,7,4] axis 1 → [5,6,4]', inputs: [{ shape: [7], dtype: 'int32', gen: { idx: 6 } }, f32([5, 7, 4])], out: o32([5, 6, 4]), tol: accTol(7), browser: true,
    run: (k, [i, u], [ai, au], o) => k.scatterAdd(i!, u!, ai!, au!, 1, o) },
  { name: 'scatterAdd 2000 indices (loop > 1000)', inputs: [{ shape: [2000], dtype: 'int32', gen: { idx: 5 } }, f32([2000, 2], 'unit')], out: o32([5, 2]), tol: accTol(2000),
    run: (k, [i, u], [ai, au], o) => k.scatterAdd(i!, u!, ai!, au!, 0, o) },
  { name: 'iota f32 [3,4] dim 1', inputs: [], out: o32([3, 4]), tol: EXACT, browser: true, run: (k, _xs, _a, o) => k.iota(1, o) },
  { name: 'iota f32 [5,2,3] dim 0', inputs: [], out: o32([5, 2, 3]), tol: EXACT, run: (k, _xs, _a, o) => k.iota(0, o) },
  { name: 'iota int32 [7] (host)', inputs: [], out: o32([7], 'int32'), tol: EXACT, run: (k, _xs, _a, o) => k.iota(0, o) },
];

const dims = (lc: number[], rc: number[], lb: number[] = [], rb: number[] = []): DotDims => ({ lhsContract: lc, rhsContract: rc, lhsBatch: lb, rhsBatch: rb });
const DOTS: [string, number[], number[], DotDims, number[], number][] = [
  ['matmul [7,9]·[9,11]', [7, 9], [9, 11], dims([1], [0]), [7, 11], 9],
  ['xᵀy [9,7]·[9,11] (contract lhs 0)', [9, 7], [9, 11], dims([0], [0]), [7, 11], 9],
  ['xyᵀ [7,9]·[11,9]', [7, 9], [11, 9], dims([1], [1]), [7, 11], 9],
  ['batched [3,4,5]·[3,5,6]', [3, 4, 5], [3, 5, 6], dims([2], [1], [0], [0]), [3, 4, 6], 5],
  ['batch axis last [4,5,3]·[5,6,3]', [4, 5, 3], [5, 6, 3], dims([1], [0], [2], [2]), [3, 4, 6], 5],
  ['two contracting axes, transposed [4,3,5]·[5,4,6]', [4, 3, 5], [5, 4, 6], dims([0, 2], [1, 0]), [3, 6], 20],
  ['matvec [13,33]·[33]', [13, 33], [33], dims([1], [0]), [13], 33],
  ['vecdot [1001]·[1001] (K > default loop limit)', [1001], [1001], dims([0], [0]), [], 1001],
  ['split-K [3,5000]·[5000,2]', [3, 5000], [5000, 2], dims([1], [0]), [3, 2], 5000],
  ['outer [5]·[6]', [5], [6], dims([], []), [5, 6], 1],
];
for (const [name, xs, ys, d, out, K] of DOTS) {
  MOVEMENT.push({
    name: `dotGeneral ${name}`, inputs: [f32(xs, 'unit'), f32(ys, 'unit')], out: o32(out), tol: accTol(K), browser: K < 1000,
    run: (k, [x, y], [ax, ay], o) => k.dotGeneral(x!, y!, ax!, ay!, d, o),
  });
}
MOVEMENT.push({ name: 'dotGeneral float64 (host, exact)', inputs: [{ shape: [4, 5], dtype: 'float64', gen: 'normal' }, { shape: [5, 3], dtype: 'float64', gen: 'normal' }], out: o32([4, 3], 'float64'), tol: EXACT,
  run: (k, [x, y], [ax, ay], o) => k.dotGeneral(x!, y!, ax!, ay!, dims([1], [0]), o) });

const KEY: Input = { shape: [3, 2], dtype: 'int32', gen: 'normal' };
for (const [dist, dtype] of [['bits', 'int32'], ['uniform', 'float32'], ['normal', 'float32'], ['uniform', 'float64']] as const) {
  MOVEMENT.push({
    name: `randomBits ${dist} ${dtype} (identical bits)`, inputs: [KEY], out: o32([3, 4, 5], dtype), tol: EXACT, browser: dtype !== 'float64',
    run: (k, [key], [ak], o) => k.randomBits(key!, ak!, dist, o),
  });
}

/** Every conformance case. */
export const ALL_CASES: readonly ConformanceCase[] = [...CASES, ...MOVEMENT];
