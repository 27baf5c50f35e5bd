/**
 * `dotGeneral` on the device: a batched matrix product over strided operands.
 *
 * Batch, free and contracting axes of each operand are merged into one (size, stride) pair
 * each when they are contiguous in order (so `xᵀy`, `xyᵀ` and batched layouts need no copy);
 * otherwise the operand is first transposed on the device to `[batch, free, contract]`. Each
 * output element then runs a contraction loop unrolled by {@link TILE} (a constant bound,
 * never `loopMaxIterations`), and contractions longer than {@link KSPLIT} are split into
 * chunks whose partial sums are reduced by a second kernel (split-K: more threads, shorter
 * float32 accumulation chains).
 * @module
 */
import type { DotDims } from '../backend.js';
import { accum, Consts, contiguous, group, prod, type Flavor } from './codegen.js';
import type { KernelSpec } from './compile-cache.js';
import type { DeviceOps } from './device.js';
import { reduceOnDevice } from './reduce.js';
import type { GpuBuf } from './texture-pool.js';

/**
 * Contraction loop unrolling factor.
 * @example
 * ```ts
 * const full = Math.floor(K / TILE);
 * ```
 */
export const TILE = 4;
/**
 * Contractions longer than this are split into chunks of {@link KCHUNK}.
 * @example
 * ```ts
 * const split = K > KSPLIT;
 * ```
 */
export const KSPLIT = 4096;
/**
 * Chunk length of a split contraction.
 * @example
 * ```ts
 * const chunks = Math.ceil(K / KCHUNK);
 * ```
 */
export const KCHUNK = 1024;

interface Operand {
  readonly buf: GpuBuf;
  readonly sb: number;
  readonly sf: number;
  readonly sk: number;
}

/** `out[(b·M + i)·N + j]·C + c = Σ_{k in chunk c} x[b·xb + i·xm + k·xk] · y[b·yb + k·yk + j·yn]`. */
function dotSpec(B: number, M: number, N: number, K: number, C: number, L: number, x: Operand, y: Operand, f: Flavor): KernelSpec {
  const c = new Consts();
  const lines = ['let r = this.thread.x * 1.0;'];
  if (C > 1) lines.push(`const ch = r - Math.floor((r + 0.5) / ${c.add(C)}) * ${c.add(C)};`, `r = Math.floor((r + 0.5) / ${c.add(C)});`);
  else lines.push('const ch = 0.0;');
  lines.push(
    `const j = r - Math.floor((r + 0.5) / ${c.add(N)}) * ${c.add(N)};`,
    `r = Math.floor((r + 0.5) / ${c.add(N)});`,
    `const i = r - Math.floor((r + 0.5) / ${c.add(M)}) * ${c.add(M)};`,
    `const b = Math.floor((r + 0.5) / ${c.add(M)});`,
  );
  const term = (s: number): string => (s === 0 ? '0.0' : s === 1 ? '' : ` * ${c.add(s)}`);
  const mul = (v: string, s: number): string => (s === 0 ? '0.0' : `${v}${term(s)}`);
  lines.push(
    `let xo = ${mul('b', x.sb)} + ${mul('i', x.sf)} + ${mul('ch', x.sk * L)};`,
    `let yo = ${mul('b', y.sb)} + ${mul('j', y.sf)} + ${mul('ch', y.sk * L)};`,
    'let s = 0.0;',
  );
  const xk = x.sk, yk = y.sk;
  const at = (t: number, base: string, s: number): string => (t === 0 ? base : `${base} + ${c.add(t * s)}`);
  const full = Math.floor(L / TILE);
  const rest = L - full * TILE;
  const guarded = C * L !== K;
  const kk = (t: number): string => `ch * ${c.add(L)} + k * ${c.add(TILE)}${t === 0 ? '' : ` + ${c.add(t)}`}`;
  if (full > 0) {
    lines.push(`for (let k = 0; k < ${c.add(full)}; k++) {`);
    for (let t = 0; t < TILE; t++) {
      const prodExpr = `x[${at(t, 'xo', xk)}] * y[${at(t, 'yo', yk)}]`;
      lines.push(guarded ? `  if (${kk(t)} < ${c.add(K)}) { s = ${accum(f, `s + ${prodExpr}`)}; }` : `  s = ${accum(f, `s + ${prodExpr}`)};`);
    }
    lines.push(`  xo = xo + ${c.add(TILE * xk)};`, `  yo = yo + ${c.add(TILE * yk)};`, '}');
  }
  for (let t = 0; t < rest; t++) {
    const prodExpr = `x[${at(t, 'xo', xk)}] * y[${at(t, 'yo', yk)}]`;
    const idx = `ch * ${c.add(L)} + ${c.add(full * TILE + t)}`;
    lines.push(guarded ? `if (${idx} < ${c.add(K)}) { s = ${accum(f, `s + ${prodExpr}`)}; }` : `s = ${accum(f, `s + ${prodExpr}`)};`);
  }
  lines.push('return s;');
  return { source: `function (x, y) {\n${lines.join('\n')}\n}`, size: B * M * N * C, constants: c.values, maxLoop: full, arrayArgs: 2 };
}

function canonical(dev: DeviceOps, buf: GpuBuf, shape: readonly number[], batch: readonly number[], free: readonly number[], contract: readonly number[]): { op: Operand; temp: GpuBuf | undefined } {
  const st = contiguous(shape);
  const gb = group(shape, st, batch), gf = group(shape, st, free), gk = group(shape, st, contract);
  if (gb !== undefined && gf !== undefined && gk !== undefined) {
    return { op: { buf, sb: gb.stride, sf: gf.stride, sk: gk.stride }, temp: undefined };
  }
  const perm = [...batch, ...free, ...contract];
  const t = dev.gather(buf, perm.map((d) => shape[d]!), perm.map((d) => st[d]!), 0);
  const F = prod(free.map((d) => shape[d]!)), K = prod(contract.map((d) => shape[d]!));
  return { op: { buf: t, sb: F * K, sf: K, sk: 1 }, temp: t };
}

/**
 * Runs `dotGeneral` on the device; output axes are batch, lhs free, rhs free.
 * @param dev - device operations.
 * @param x - left operand.
 * @param y - right operand.
 * @param xShape - left shape.
 * @param yShape - right shape.
 * @param dims - contracting and batch axes.
 * @returns the output buffer.
 * @example
 * ```ts
 * dotOnDevice(be, a, b, [7, 9], [9, 11], { lhsContract: [1], rhsContract: [0], lhsBatch: [], rhsBatch: [] });
 * ```
 */
export function dotOnDevice(dev: DeviceOps, x: GpuBuf, y: GpuBuf, xShape: readonly number[], yShape: readonly number[], dims: DotDims): GpuBuf {
  const xFree = xShape.map((_, i) => i).filter((i) => !dims.lhsContract.includes(i) && !dims.lhsBatch.includes(i));
  const yFree = yShape.map((_, i) => i).filter((i) => !dims.rhsContract.includes(i) && !dims.rhsBatch.includes(i));
  const B = prod(dims.lhsBatch.map((d) => xShape[d]!));
  const K = prod(dims.lhsContract.map((d) => xShape[d]!));
  const M = prod(xFree.map((d) => xShape[d]!));
  const N = prod(yFree.map((d) => yShape[d]!));
  const cx = canonical(dev, x, xShape, dims.lhsBatch, xFree, dims.lhsContract);
  const cy = canonical(dev, y, yShape, dims.rhsBatch, yFree, dims.rhsContract);
  const split = K > KSPLIT;
  const L = split ? KCHUNK : K;
  const C = split ? Math.ceil(K / L) : 1;
  let out = dev.run(dotSpec(B, M, N, K, C, L, cx.op, cy.op, dev.flavor), [cx.op.buf, cy.op.buf]);
  if (cx.temp !== undefined) dev.release(cx.temp);
  if (cy.temp !== undefined) dev.release(cy.temp);
  if (split) {
    const partial = out;
    out = reduceOnDevice(dev, 'sum', partial, [B * M * N, C], [1]);
    dev.release(partial);
  }
  return out;
}
