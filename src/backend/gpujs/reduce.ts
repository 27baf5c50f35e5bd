/**
 * Reductions on the device: `sum`, `max`, `min` and `argmax` over a set of axes.
 *
 * The reduced axes are merged into one (size `R`, stride `q`) run when they are contiguous,
 * otherwise the input is first transposed so they are trailing. Each output element loops
 * over its run with a constant bound. Runs longer than {@link SPLIT_AT} are reduced in two
 * stages (`⌈√R⌉` partial results per output element, then a reduction of those), which keeps
 * loop bounds small, spreads the work over more threads and makes float32 sums accurate to a
 * few ulp of `√R` terms rather than `R`.
 * @module
 */
import type { ReduceOp } from '../backend.js';
import { accum, Consts, contiguous, group, offsetsCode, prod, collapse, type Flavor } from './codegen.js';
import type { KernelSpec } from './compile-cache.js';
import type { DeviceOps } from './device.js';
import type { GpuBuf } from './texture-pool.js';

/**
 * Runs longer than this are reduced in two stages.
 * @example
 * ```ts
 * const twoStage = R > SPLIT_AT;
 * ```
 */
export const SPLIT_AT = 4096;

/** One reduction pass: `out[m·C + c] = op_{j < L, c·L + j < R} x[base(m) + (c·L + j)·q]`. */
interface RowPlan {
  readonly keptShape: readonly number[];
  readonly keptStrides: readonly number[];
  readonly R: number;
  readonly q: number;
  readonly C: number;
  readonly L: number;
}

function rowSpec(op: ReduceOp, p: RowPlan, f: Flavor): KernelSpec {
  const c = new Consts();
  const M = prod(p.keptShape);
  const col = collapse(p.keptShape, [p.keptStrides]);
  const lines: string[] = [];
  if (p.C === 1) {
    lines.push('const m = this.thread.x * 1.0;', 'const ch = 0.0;');
  } else {
    lines.push(`const m = Math.floor((this.thread.x + 0.5) / ${c.add(p.C)});`, `const ch = this.thread.x - m * ${c.add(p.C)};`);
  }
  lines.push(offsetsCode(col.shape, col.strides, [0], c, 'o', 'm'));
  const L = c.add(p.L);
  const q = p.q === 1 ? '' : ` * ${c.add(p.q)}`;
  const guard = p.C * p.L === p.R ? '' : `if (jj < ${c.add(p.R)}) `;
  let init: string;
  let step: string;
  let result = 'acc';
  switch (op) {
    case 'sum': init = 'let acc = 0.0;'; step = `acc = ${accum(f, 'acc + v')};`; break;
    case 'max': init = 'let acc = -sp[0];'; step = 'if (v > acc || v != v) { acc = v; }'; break;
    case 'min': init = 'let acc = sp[0];'; step = 'if (v < acc || v != v) { acc = v; }'; break;
    case 'argmax':
      init = 'let acc = 0.0;\nlet pos = 0.0;';
      step = 'if (jj == 0.0) { acc = v; } else { if (v > acc || (v != v && acc == acc)) { acc = v; pos = jj; } }';
      result = 'pos';
      break;
  }
  lines.push(
    init,
    `for (let j = 0; j < ${L}; j++) {`,
    `  const jj = ch * ${L} + j;`,
    `  ${guard}{ const v = x[o0 + jj${q}]; ${step} }`,
    '}',
    `return ${result};`,
  );
  const specials = op === 'max' || op === 'min';
  const args = specials ? 'x, sp' : 'x';
  return { source: `function (${args}) {\n${lines.join('\n')}\n}`, size: M * p.C, constants: c.values, maxLoop: p.L, arrayArgs: specials ? 2 : 1 };
}

/**
 * Reduces the sorted `axes` of `x` on the device.
 * @param dev - device operations.
 * @param op - the reduction.
 * @param x - input buffer.
 * @param shape - input shape.
 * @param axes - sorted reduced axes (`argmax`: exactly one).
 * @returns the output buffer (kept axes in order); `argmax` positions as float32 values.
 * @example
 * ```ts
 * reduceOnDevice(be, 'sum', x, [5, 6, 7], [0, 2]); // shape [6]
 * ```
 */
export function reduceOnDevice(dev: DeviceOps, op: ReduceOp, x: GpuBuf, shape: readonly number[], axes: readonly number[]): GpuBuf {
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  let strides = contiguous(shape);
  let src = x;
  let g = group(shape, strides, axes);
  let keptStrides = kept.map((d) => strides[d]!);
  let temp: GpuBuf | undefined;
  if (g === undefined) {
    const perm = [...kept, ...axes];
    temp = src = dev.gather(x, perm.map((d) => shape[d]!), perm.map((d) => strides[d]!), 0);
    strides = contiguous(perm.map((d) => shape[d]!));
    keptStrides = kept.map((_, i) => strides[i]!);
    g = { size: prod(axes.map((d) => shape[d]!)), stride: 1 };
  }
  const keptShape = kept.map((d) => shape[d]!);
  const R = g.size;
  const split = op !== 'argmax' && R > SPLIT_AT;
  const L = split ? Math.ceil(Math.sqrt(R)) : R;
  const C = split ? Math.ceil(R / L) : 1;
  const plan: RowPlan = { keptShape, keptStrides, R, q: g.stride, C, L };
  let out = dev.run(rowSpec(op, plan, dev.flavor), [src], op === 'max' || op === 'min');
  if (temp !== undefined) dev.release(temp);
  if (split) {
    const partial = out;
    out = reduceOnDevice(dev, op, partial, [...keptShape, C], [keptShape.length]);
    dev.release(partial);
  }
  return out;
}
