/**
 * Movement kernel sources: strided gathers (transpose, broadcast, slice), pad, concat,
 * take, scatter-add and iota. All outputs are 1-D with index arithmetic from constants.
 * @module
 */
import { accum, collapse, Consts, contiguous, offsetsCode, prod, type Flavor } from './codegen.js';
import type { KernelSpec } from './compile-cache.js';

/**
 * `out[i] = x[base + Σ idx_d·strides_d]`: transpose, broadcastInDim and slice.
 * @param outShape - output shape.
 * @param strides - per output axis stride into `x` (0 broadcasts).
 * @param base - offset of the first element.
 * @returns the kernel spec.
 * @example
 * ```ts
 * gatherSpec([3, 2], [1, 3], 0); // transpose of a [2, 3] tensor
 * ```
 */
export function gatherSpec(outShape: readonly number[], strides: readonly number[], base: number): KernelSpec {
  const c = new Consts();
  const col = collapse(outShape, [strides]);
  const idx = offsetsCode(col.shape, col.strides, [base], c);
  return { source: `function (x) {\n${idx}\nreturn x[o0];\n}`, size: prod(outShape), constants: c.values, maxLoop: 0, arrayArgs: 1 };
}

/**
 * Zero padding: `lo[d]` zeros before axis `d`, the rest after.
 * @param inShape - input shape.
 * @param lo - zeros before each axis.
 * @param outShape - output shape.
 * @returns the kernel spec.
 * @example
 * ```ts
 * padSpec([3, 4], [1, 2], [6, 7]);
 * ```
 */
export function padSpec(inShape: readonly number[], lo: readonly number[], outShape: readonly number[]): KernelSpec {
  const c = new Consts();
  const xs = contiguous(inShape);
  const lines = ['let r = this.thread.x * 1.0;', 'let q = 0.0;', 'let i = 0.0;', 'let off = 0.0;', 'let ok = 1.0;'];
  for (let d = outShape.length - 1; d >= 0; d--) {
    if (d > 0) {
      const n = c.add(outShape[d]!);
      lines.push(`q = Math.floor((r + 0.5) / ${n});`, `i = r - q * ${n};`, 'r = q;');
    } else {
      lines.push('i = r;');
    }
    if (lo[d] !== 0) lines.push(`i = i - ${c.add(lo[d]!)};`);
    lines.push('if (i < 0.0) { ok = 0.0; }', `if (i >= ${c.add(inShape[d]!)}) { ok = 0.0; }`);
    if (xs[d] !== 0) lines.push(`off = off + i * ${c.add(xs[d]!)};`);
  }
  lines.push('let v = 0.0;', 'if (ok > 0.5) { v = x[off]; }', 'return v;');
  return { source: `function (x) {\n${lines.join('\n')}\n}`, size: prod(outShape), constants: c.values, maxLoop: 0, arrayArgs: 1 };
}

/**
 * Concatenation of up to `MAX_ARRAY_ARGS` inputs along `axis`.
 * @param shapes - input shapes (equal except along `axis`).
 * @param axis - the concatenation axis.
 * @param outShape - output shape.
 * @returns the kernel spec.
 * @example
 * ```ts
 * concatSpec([[2, 3], [2, 1]], 1, [2, 4]);
 * ```
 */
export function concatSpec(shapes: readonly (readonly number[])[], axis: number, outShape: readonly number[]): KernelSpec {
  const c = new Consts();
  const post = prod(outShape.slice(axis + 1));
  const total = outShape[axis]!;
  const names = shapes.map((_, k) => `x${k}`);
  const lines = [
    'let r = this.thread.x * 1.0;',
    `const p = Math.floor((r + 0.5) / ${c.add(total * post)});`,
    `r = r - p * ${c.add(total * post)};`,
    `const a = Math.floor((r + 0.5) / ${c.add(post)});`,
    `const q = r - a * ${c.add(post)};`,
    'let v = 0.0;',
  ];
  let start = 0;
  let open = 0;
  shapes.forEach((s, k) => {
    const n = s[axis]!;
    const end = start + n;
    const read = `v = ${names[k]!}[(p * ${c.add(n)} + (a - ${c.add(start)})) * ${c.add(post)} + q];`;
    if (k === shapes.length - 1) lines.push(`${read}`);
    else {
      lines.push(`if (a < ${c.add(end)}) { ${read} } else {`);
      open++;
    }
    start = end;
  });
  lines.push('}'.repeat(open), 'return v;');
  return { source: `function (${names.join(', ')}) {\n${lines.join('\n')}\n}`, size: prod(outShape), constants: c.values, maxLoop: 0, arrayArgs: names.length };
}

/**
 * `out = x` indexed along `axis` by `idx` (clamped to the axis, as in the js backend).
 * @param xShape - shape of `x`.
 * @param m - number of indices.
 * @param axis - the indexed axis.
 * @returns the kernel spec.
 * @example
 * ```ts
 * be.run(takeSpec([5, 6], 7, 1), [x, idx]); // out shape [5, 7]
 * ```
 */
export function takeSpec(xShape: readonly number[], m: number, axis: number): KernelSpec {
  const c = new Consts();
  const n = xShape[axis]!;
  const post = prod(xShape.slice(axis + 1));
  const pre = prod(xShape.slice(0, axis));
  const lines = [
    'let r = this.thread.x * 1.0;',
    `const p = Math.floor((r + 0.5) / ${c.add(m * post)});`,
    `r = r - p * ${c.add(m * post)};`,
    `const j = Math.floor((r + 0.5) / ${c.add(post)});`,
    `const q = r - j * ${c.add(post)};`,
    'let k = Math.floor(idx[j] + 0.5);',
    'if (k < 0.0) { k = 0.0; }',
    `if (k > ${c.add(n - 1)}) { k = ${c.add(n - 1)}; }`,
    `return x[(p * ${c.add(n)} + k) * ${c.add(post)} + q];`,
  ];
  return { source: `function (x, idx) {\n${lines.join('\n')}\n}`, size: pre * m * post, constants: c.values, maxLoop: 0, arrayArgs: 2 };
}

/**
 * Transpose of take: `out[p, k, q] = Σ_j [clamp(idx[j]) = k] · upd[p, j, q]`, one loop over
 * the `m` indices per output element (bound passed as a constant).
 * @param outShape - output shape.
 * @param m - number of indices.
 * @param axis - the scattered axis.
 * @param f - source flavour.
 * @returns the kernel spec.
 * @example
 * ```ts
 * be.run(scatterAddSpec([5, 6], 7, 1, 'gl'), [idx, upd]);
 * ```
 */
export function scatterAddSpec(outShape: readonly number[], m: number, axis: number, f: Flavor): KernelSpec {
  const c = new Consts();
  const n = outShape[axis]!;
  const post = prod(outShape.slice(axis + 1));
  const lines = [
    'let r = this.thread.x * 1.0;',
    `const p = Math.floor((r + 0.5) / ${c.add(n * post)});`,
    `r = r - p * ${c.add(n * post)};`,
    `const k = Math.floor((r + 0.5) / ${c.add(post)});`,
    `const q = r - k * ${c.add(post)};`,
    `const base = p * ${c.add(m * post)} + q;`,
    'let s = 0.0;',
    `for (let j = 0; j < ${c.add(m)}; j++) {`,
    '  let t = Math.floor(idx[j] + 0.5);',
    '  if (t < 0.0) { t = 0.0; }',
    `  if (t > ${c.add(n - 1)}) { t = ${c.add(n - 1)}; }`,
    `  if (t == k) { s = ${accum(f, `s + upd[base + j * ${c.add(post)}]`)}; }`,
    '}',
    'return s;',
  ];
  return { source: `function (idx, upd) {\n${lines.join('\n')}\n}`, size: prod(outShape), constants: c.values, maxLoop: m, arrayArgs: 2 };
}

/**
 * `out[..., i_dim, ...] = i_dim` (float32 output).
 * @param dim - the counted axis.
 * @param outShape - output shape.
 * @returns the kernel spec.
 * @example
 * ```ts
 * be.run(iotaSpec(1, [3, 4]), []); // [[0,1,2,3], ...]
 * ```
 */
export function iotaSpec(dim: number, outShape: readonly number[]): KernelSpec {
  const c = new Consts();
  const st = contiguous(outShape)[dim]!;
  const len = outShape[dim]!;
  const lines = [
    `const q = Math.floor((this.thread.x + 0.5) / ${c.add(st)});`,
    `const t = Math.floor((q + 0.5) / ${c.add(len)});`,
    `return q - t * ${c.add(len)};`,
  ];
  return { source: `function () {\n${lines.join('\n')}\n}`, size: prod(outShape), constants: c.values, maxLoop: 0, arrayArgs: 0 };
}
