/**
 * Source generation helpers: index arithmetic from constants and per-mode math.
 *
 * Every kernel has a 1-D output; an output index is decomposed into a multi-index with
 * divisions by constant sizes, written `Math.floor((r + 0.5) / n)` so that a float32 GL
 * division never lands just below an integer (exact for indices below 2^24). Axes that are
 * contiguous in the output and in every input are merged first, so same-shape elementwise
 * kernels need no arithmetic at all and fewer distinct kernels get compiled.
 * @module
 */

/**
 * Source flavour: gpu.js `cpu` (JavaScript), `webasm`, or a GL mode.
 * @example
 * ```ts
 * const f: Flavor = backend.kernelMode === 'cpu' ? 'cpu' : 'gl';
 * ```
 */
export type Flavor = 'cpu' | 'wasm' | 'gl';

/**
 * A growing table of integer constants for `this.constants`, one name per distinct value.
 * @example
 * ```ts
 * const c = new Consts();
 * c.add(7); // 'this.constants.c0'
 * c.values; // { c0: 7 }
 * ```
 */
export class Consts {
  readonly values: Record<string, number> = {};
  readonly #byValue = new Map<number, string>();
  /** Adds `v` (once per value) and returns the expression reading it. */
  add(v: number): string {
    if (!Number.isInteger(v)) throw new Error(`gpujs: internal error: non-integer constant ${v}.`);
    let name = this.#byValue.get(v);
    if (name === undefined) {
      name = `c${this.#byValue.size}`;
      this.#byValue.set(v, name);
      this.values[name] = v;
    }
    return `this.constants.${name}`;
  }
}

/**
 * Merges axes that are contiguous for every stride list, and drops size-1 axes.
 * @param shape - the iteration shape.
 * @param strides - one stride list per operand, aligned with `shape`.
 * @returns the collapsed shape and stride lists (rank ≥ 1).
 * @example
 * ```ts
 * collapse([2, 3], [[3, 1]]); // { shape: [6], strides: [[1]] }
 * ```
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * n);
    if (mergeable) {
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, k) => { outStrides[k]![last] = s[d]!; });
    } else {
      outShape.push(n);
      strides.forEach((s, k) => { outStrides[k]!.push(s[d]!); });
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

/**
 * Code computing, from a flat index, one offset per operand: `o0 = base0 + Σ idx_d·s0_d`, ...
 * @param shape - collapsed iteration shape.
 * @param strides - per operand strides (collapsed with `shape`).
 * @param bases - per operand base offsets.
 * @param c - the constants table.
 * @param prefix - variable name prefix for the offsets (`o` gives `o0`, `o1`, ...).
 * @param index - expression of the flat index.
 * @returns source lines.
 * @example
 * ```ts
 * offsetsCode([4, 5], [[1, 4]], [0], new Consts()); // 'let or = this.thread.x * 1.0; ...'
 * ```
 */
export function offsetsCode(
  shape: readonly number[], strides: readonly (readonly number[])[], bases: readonly number[], c: Consts,
  prefix = 'o', index = 'this.thread.x',
): string {
  const lines: string[] = [`let ${prefix}r = ${index} * 1.0;`, `let ${prefix}q = 0.0;`, `let ${prefix}i = 0.0;`];
  strides.forEach((_, k) => lines.push(`let ${prefix}${k} = ${bases[k] === 0 ? '0.0' : c.add(bases[k]!)} * 1.0;`));
  for (let d = shape.length - 1; d >= 0; d--) {
    if (d > 0) {
      const n = c.add(shape[d]!);
      lines.push(`${prefix}q = Math.floor((${prefix}r + 0.5) / ${n});`, `${prefix}i = ${prefix}r - ${prefix}q * ${n};`, `${prefix}r = ${prefix}q;`);
    } else {
      lines.push(`${prefix}i = ${prefix}r;`);
    }
    strides.forEach((s, k) => {
      const st = s[d]!;
      if (st === 0) return;
      lines.push(st === 1 ? `${prefix}${k} = ${prefix}${k} + ${prefix}i;` : `${prefix}${k} = ${prefix}${k} + ${prefix}i * ${c.add(st)};`);
    });
  }
  return lines.join('\n');
}

/**
 * Wraps an accumulation so `cpu` mode rounds to float32 like the other modes.
 * @param flavor - source flavour.
 * @param expr - the accumulation expression.
 * @returns `Math.fround(expr)` in `cpu` mode, `expr` otherwise.
 * @example
 * ```ts
 * accum('cpu', 's + v'); // 'Math.fround(s + v)'
 * ```
 */
export function accum(flavor: Flavor, expr: string): string {
  return flavor === 'cpu' ? `Math.fround(${expr})` : expr;
}

/**
 * Row-major strides of a shape.
 * @param shape - the shape.
 * @returns one stride per axis.
 * @example
 * ```ts
 * contiguous([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * Product of sizes (1 for a scalar).
 * @param shape - the shape.
 * @returns the number of elements.
 * @example
 * ```ts
 * prod([2, 3]); // 6
 * ```
 */
export function prod(shape: readonly number[]): number {
  let p = 1;
  for (const n of shape) p *= n;
  return p;
}

/**
 * Strides of `shape` aligned right against `outShape`, 0 on broadcast axes (NumPy rules).
 * @param shape - operand shape.
 * @param outShape - broadcast result shape.
 * @returns strides with `outShape.length` entries.
 * @example
 * ```ts
 * broadcastStrides([3, 1], [2, 3, 4]); // [0, 1, 0]
 * ```
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const s = contiguous(shape);
  const out = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const j = outShape.length - shape.length + i;
    out[j] = shape[i] === 1 && outShape[j] !== 1 ? 0 : s[i]!;
  }
  return out;
}

/**
 * Groups axes `dims` of an operand into one (size, stride) pair when they are contiguous in order
 * (size-1 axes ignored).
 * @param shape - operand shape.
 * @param strides - operand strides.
 * @param dims - the axes, in the order they are iterated.
 * @returns `{ size, stride }`, or `undefined` when they cannot be merged.
 * @example
 * ```ts
 * group([2, 3, 4], [12, 4, 1], [1, 2]); // { size: 12, stride: 1 }
 * group([2, 3, 4], [12, 4, 1], [0, 2]); // undefined
 * ```
 */
export function group(shape: readonly number[], strides: readonly number[], dims: readonly number[]): { size: number; stride: number } | undefined {
  const real = dims.filter((d) => shape[d] !== 1);
  const size = prod(dims.map((d) => shape[d]!));
  if (real.length === 0) return { size, stride: 0 };
  for (let i = 0; i + 1 < real.length; i++) {
    if (strides[real[i]!] !== strides[real[i + 1]!]! * shape[real[i + 1]!]!) return undefined;
  }
  return { size, stride: strides[real[real.length - 1]!]! };
}
