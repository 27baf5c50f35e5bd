// The op-level conformance table (test/conformance/op-specs.ts, OP_SPECS) on the gpujs backend,
// in float32: every public op row, on sampled cases rounded to float32, computed by gpujs
// kernels and compared with the row's float64 reference at float32 tolerances (the per-kernel
// ones of cases.ts, scaled for composites), plus the VJP of each differentiable row against
// the js backend in float64. Modes: CURVAX_GPUJS_MODES, else `cpu` (no GL in Node).
// Skips, with the reason logged, when gpu.js is not installed. Each case runs in `scope`.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcreteTensor, isFloat, scope, setBackend, tensor, vjp, type DType, type Tensor } from '../../src/index.js';
import { disposeGpujs } from '../../src/backend/gpujs/index.js';
import { OP_SPECS, type OpCase, type OpSpec } from '../conformance/op-specs.js';
import * as R from '../conformance/ref.js';
import { ROUNDED, EXACT, TRANSC, compare, type Tol } from './cases.js';
import { initOrSkip, nodeModes } from './modes.js';

/** Cases sampled per row (value), and per differentiable row (VJP). */
const RUNS = Number(process.env['CURVAX_GPUJS_OP_RUNS'] ?? 25);
const GRAD_RUNS = Math.max(1, Math.round(RUNS / 2));

const maxAbs = (xs: readonly R.Arr[]): number => {
  let m = 0;
  for (const x of xs) for (const v of x.data) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
};

interface TolCtx { readonly xs: readonly R.Arr[]; readonly y: R.Arr }
const sizeRatio = (c: TolCtx): number => Math.max(1, R.size(c.xs[0]!.shape) / Math.max(1, R.size(c.y.shape)));
/** A float32 accumulation of n terms of magnitude ≤ s (cases.ts `accTol`, scaled). */
const acc = (n: number, s: number): Tol => ({ rtol: 1e-5, atol: (4e-8 * n + 1e-6) * Math.max(s, 1e-30) });

/**
 * Float32 tolerance per row: exact for ops that only move, compare or select values; one
 * rounding for add/sub/mul/square/sqrt/div; the transcendental bound of cases.ts; accumulation
 * bounds scaled by the largest term for sums and products; composites (logSumExp, softmax,
 * variance, std) get the error of their steps, scaled by the inputs' magnitude s.
 */
function tolFor(name: string, c: TolCtx): Tol {
  const s = Math.max(1, maxAbs(c.xs));
  switch (name) {
    case 'add': case 'sub': case 'mul': case 'square': case 'sqrt': return ROUNDED;
    case 'div': return { rtol: 4.5e-7, atol: 0 };
    case 'exp': case 'log': case 'log1p': case 'expm1': case 'tanh': case 'sigmoid': case 'softplus': case 'sin': case 'cos': return TRANSC;
    case 'pow': return { rtol: 2e-5, atol: 1e-30 };
    case 'sum': case 'mean': return acc(sizeRatio(c), maxAbs(c.xs));
    case 'matmul': case 'dot': case 'outer': case 'dotGeneral': case 'conv': case 'convTranspose':
      return acc(Math.max(1, ...c.xs.map((x) => R.size(x.shape))), maxAbs([c.xs[0]!]) * maxAbs([c.xs[1]!]));
    case 'logSumExp': return { rtol: 1e-5, atol: 2e-6 * s };
    case 'softmax': return { rtol: 1e-5 * s, atol: 1e-6 };
    case 'logSoftmax': return { rtol: 1e-5, atol: 2e-6 * s };
    case 'variance': return { rtol: 1e-5, atol: 4e-6 * s * s };
    // sqrt of the variance: an absolute error δ of the variance moves std by ≤ √δ
    case 'std': return { rtol: 1e-5, atol: Math.sqrt(4e-6) * s };
    // window sums (k ≤ 9 terms) then one division; layerNorm: a variance, a square root and a division
    case 'avgPool': return acc(9, maxAbs(c.xs));
    case 'layerNorm': return { rtol: 1e-4, atol: 2e-5 * s };
    default: return EXACT; // movement, comparisons, select, casts, max/min/argmax, take, oneHot
  }
}

/** Gradients in float32 vs float64: relative to the largest entry of each gradient. */
const GRAD_RTOL = 2e-4;

const seedOf = (name: string): number => [...name].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 20261125);

/** The case's tensors rounded to float32 (integer and bool arguments keep their dtype), as host data. */
function toHost(c: OpCase<unknown>): { dtype: DType; shape: number[]; data: Float64Array }[] {
  return c.args.map((a) => {
    const f = isFloat(a.dtype);
    const d = Float64Array.from(a.toTypedArray());
    return { dtype: f ? 'float32' : a.dtype, shape: [...a.shape], data: f ? d.map(Math.fround) : d };
  });
}

const make = (h: { dtype: DType; shape: number[]; data: Float64Array }, dtype = h.dtype): Tensor =>
  tensor(dtype === 'float32' ? Float32Array.from(h.data) : dtype === 'float64' ? h.data.slice() : dtype === 'int32' ? Int32Array.from(h.data) : Uint8Array.from(h.data), { shape: h.shape, dtype });

/** Deterministic cotangent in [-1, 1). */
function cotangent(shape: readonly number[], seed: number): Float64Array {
  let a = seed >>> 0 || 1;
  return Float64Array.from({ length: R.size(shape) }, () => {
    a ^= a << 13; a >>>= 0; a ^= a >>> 17; a ^= a << 5; a >>>= 0;
    return Math.fround((a / 2 ** 32) * 2 - 1);
  });
}

const worst = new Map<string, number>();
const note = (key: string, v: number): void => {
  worst.set(key, Math.max(worst.get(key) ?? 0, v));
};

afterAll(async () => {
  setBackend('js');
  if (worst.size > 0) {
    console.log(`[gpujs ops] worst error as a fraction of the tolerance (${RUNS} cases per row): ` +
      [...worst].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', '));
  }
  await disposeGpujs();
});

for (const mode of nodeModes(['cpu'])) {
  const be = await initOrSkip(mode, 'op conformance');
  const name = `gpujs:${mode}`;
  const ftz = be !== undefined && !['cpu', 'webasm'].includes(be.kernelMode);

  describe.skipIf(be === undefined)(`OP_SPECS on gpujs ${mode} in float32`, () => {
    const rows = OP_SPECS.map((r) => [r.name, r] as const);

    it.each(rows)('%s: value matches the float64 reference within the float32 tolerance', (_n, row: OpSpec) => {
      const cases = fc.sample(row.args, { seed: seedOf(row.name), numRuns: RUNS });
      for (const c of cases) {
        const host = toHost(c);
        const xs = host.map((h) => R.arr(h.shape, h.data));
        const ref = row.ref(xs, c.params);
        setBackend(name);
        try {
          const got = scope(() => {
            const y = row.fn(host.map((h) => make(h)), c.params);
            expect((y as ConcreteTensor).backend.name).toBe('gpujs');
            return { dtype: y.dtype, shape: [...y.shape], data: Float64Array.from(y.toTypedArray()) };
          });
          // float64 in the table becomes float32 here; oneHot asks for float64 itself
          const want = row.outDtype ? row.outDtype(c.params) : row.name === 'oneHot' ? 'float64' : 'float32';
          const where = `${row.name} on ${host.map((h) => `${h.dtype}[${h.shape}]`).join(', ')}; params ${JSON.stringify(c.params)}`;
          expect(got.dtype, where).toBe(want);
          expect(got.shape, where).toEqual([...ref.shape]);
          const t0 = tolFor(row.name, { xs, y: ref });
          // GL may flush float32 subnormals to zero (measured on headless-gl): allow 2^-126 there
          const tol = ftz && got.dtype === 'float32' ? { rtol: t0.rtol, atol: Math.max(t0.atol, 2 ** -126) } : t0;
          // the float32 answer is the reference rounded to float32 (overflow, underflow)
          const r = compare(got.data, got.dtype === 'float32' ? ref.data.map(Math.fround) : ref.data, tol);
          expect(r.bad, `${where}: tolerance rtol=${tol.rtol} atol=${tol.atol}`).toEqual([]);
          note(`${row.name}`, r.maxErr);
        } finally {
          setBackend('js');
        }
      }
    });

    const diff = rows.filter(([, r]) => r.gradOrder >= 1);
    it.each(diff)('%s: VJP matches the js backend in float64', (_n, row: OpSpec) => {
      const cases = fc.sample(row.args, { seed: seedOf(row.name) + 1, numRuns: GRAD_RUNS });
      for (const [k, c] of cases.entries()) {
        const host = toHost(c);
        const fIdx = host.flatMap((h, i) => (h.dtype === 'float32' ? [i] : []));
        if (fIdx.length === 0) continue;
        const run = (dt: 'float32' | 'float64'): Float64Array[] =>
          scope(() => {
            const args = host.map((h) => make(h, h.dtype === 'float32' ? dt : h.dtype));
            const g = (...ds: Tensor[]) => row.fn(args.map((a, i) => (fIdx.includes(i) ? ds[fIdx.indexOf(i)]! : a)), c.params);
            const [y, pull] = vjp(g, ...fIdx.map((i) => args[i]!));
            if (!isFloat(y.dtype)) return [];
            const u = tensor(cotangent(y.shape, seedOf(row.name) + k), { shape: [...y.shape], dtype: y.dtype });
            return (pull(u) as Tensor[]).map((t) => Float64Array.from(t.toTypedArray()));
          });
        setBackend(name);
        let got: Float64Array[];
        try {
          got = run('float32');
        } finally {
          setBackend('js');
        }
        const want = run('float64');
        expect(got.length).toBe(want.length);
        want.forEach((w, i) => {
          const scale = Math.max(1e-30, maxAbs([R.arr([w.length], w)]));
          const r = compare(got[i]!, w, { rtol: 0, atol: GRAD_RTOL * scale });
          expect(r.bad, `${row.name} gradient ${i} on ${host.map((h) => `${h.dtype}[${h.shape}]`).join(', ')}; params ${JSON.stringify(c.params)}`).toEqual([]);
          note(`${row.name}′`, r.maxErr);
        });
      }
    });

    it('scope released every buffer the cases made (all rows)', () => {
      const hosts = rows.flatMap(([, row]) => fc.sample(row.args, { seed: seedOf(row.name), numRuns: 2 }).map((c) => ({ row, c, host: toHost(c) })));
      const before = be!.stats();
      setBackend(name);
      try {
        for (const { row, c, host } of hosts) scope(() => row.fn(host.map((h) => make(h)), c.params).toTypedArray());
      } finally {
        setBackend('js');
      }
      const after = be!.stats();
      expect(after.liveStores).toBe(before.liveStores);
      expect(after.liveDevice).toBe(before.liveDevice);
      expect(after.liveTextures).toBe(before.liveTextures);
    });
  });
}
