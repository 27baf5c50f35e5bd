/**
 * `checkBatching`: `vmap(f)` must equal stacking `f` over slices of the mapped arguments.
 *
 * ```text
 * vmap(f, { inAxes, outAxes })(xs…)  ≡  stack_{b < B}( f(xs…[b along inAxes]) ) along outAxes
 * ```
 * The slicing and stacking of the reference are done on plain JS data, independently of
 * the library. With a batch size of 0 only shapes and dtypes are compared (against
 * `makeJaxpr(f)` on one slice's avals).
 * @module
 */
import { makeJaxpr } from '../transforms/make-jaxpr.js';
import { tensor, zeros } from '../tensor/creation.js';
import { vmap, type AxisSpec } from '../transforms/vmap.js';
import type { Tensor } from '../tensor/tensor.js';
import { compareFlat, type AllCloseOptions } from './assertions.js';
import { CheckError } from './errors.js';
import { flattenTree, isPlainObject, isTensor, leafPaths, shapeStr, splitAt, unflattenLike, type FlatValue } from './_util.js';

/**
 * Options of {@link checkBatching}.
 * @example
 * ```ts
 * checkBatching(f, [xs], [1], { outAxes: 1, rtol: 1e-12 });
 * ```
 */
export interface CheckBatchingOptions extends AllCloseOptions {
  /** Where `vmap` puts the batch axis of each output (as `vmap`'s `outAxes`). @defaultValue 0 */
  readonly outAxes?: AxisSpec | undefined;
  /** The batch size when no argument is mapped. */
  readonly axisSize?: number | undefined;
}

/** Per-leaf axes of `template` from a spec that is a tree prefix of it (a number or null applies to a whole subtree). */
function leafAxes(spec: AxisSpec | undefined, template: unknown, what: string): (number | null)[] {
  const out: (number | null)[] = [];
  const walk = (s: unknown, t: unknown, path: string): void => {
    const [ls] = flattenTree(t);
    if (s === undefined || s === null || typeof s === 'number') {
      for (let i = 0; i < ls.length; i++) out.push(s === undefined ? 0 : s);
      return;
    }
    if (Array.isArray(s) && Array.isArray(t) && s.length === t.length) return s.forEach((c, i) => walk(c, t[i], `${path}[${i}]`));
    if (isPlainObject(s) && isPlainObject(t) && Object.keys(s).sort().join() === Object.keys(t).sort().join()) {
      return Object.keys(t).sort().forEach((k) => walk(s[k], t[k], `${path}.${k}`));
    }
    throw new CheckError(`checkBatching: ${what}${path} ${JSON.stringify(s)} does not match the argument structure ${flattenTree(t)[1]}.`, 'batching');
  };
  walk(spec, template, '');
  return out;
}

function sliceLeaf(x: Tensor, axis: number, b: number): Tensor {
  const [outer, n, inner] = splitAt(x.shape, axis);
  const src = x.toTypedArray();
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) out[o * inner + j] = src[(o * n + b) * inner + j]!;
  return tensor(out, { shape: x.shape.filter((_, i) => i !== axis), dtype: x.dtype });
}

function stackFlat(parts: readonly Tensor[], axis: number): FlatValue {
  const first = parts[0]!;
  const sh = [...first.shape];
  sh.splice(axis, 0, parts.length);
  const [outer, size, inner] = splitAt(sh, axis);
  const out = new Float64Array(outer * size * inner);
  parts.forEach((p, k) => {
    const d = p.toTypedArray();
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) out[(o * size + k) * inner + j] = d[o * inner + j]!;
  });
  return { shape: sh, dtype: first.dtype, data: out, scalarLiteral: false };
}

const norm = (a: number, rank: number): number => (a < 0 ? a + rank : a);
const read = (t: Tensor): FlatValue => ({ shape: [...t.shape], dtype: t.dtype, data: Float64Array.from(t.toTypedArray()), scalarLiteral: false });

/**
 * Checks that `vmap(f, { inAxes })` equals evaluating `f` on every slice of the mapped
 * arguments and stacking the results (unmapped arguments are passed whole to every call).
 * @param f - a function of pytrees of tensors returning a pytree of tensors.
 * @param args - the batched arguments (mapped ones carry the batch axis).
 * @param inAxes - as `vmap`'s `inAxes`: one spec for all arguments, or one per argument
 *   (a number, `null` for unmapped, or a pytree of them).
 * @param options - `outAxes`, `axisSize` (when nothing is mapped), and tolerances
 *   (default: `tolerance(dtype)` of the outputs).
 * @returns nothing; it throws when the check fails.
 * @throws {CheckError} with a report naming the output leaf, the slice and the worst element.
 * @example
 * ```ts
 * const xs = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
 * checkBatching((x: Tensor, y: Tensor) => x.mul(y).sum(), [xs, tensor(2)], [0, null]);
 * ```
 */
export function checkBatching(f: (...args: any[]) => unknown, args: readonly unknown[], inAxes: AxisSpec | readonly AxisSpec[] = 0, options: CheckBatchingOptions = {}): void {
  const perArg = args.map((a, i) => leafAxes((Array.isArray(inAxes) ? inAxes[i] : inAxes) as AxisSpec, a, `inAxes[${i}]`));
  const [leaves] = flattenTree(args);
  const axes = perArg.flat().map((a, i) => (a === null ? null : norm(a, (leaves[i] as Tensor).ndim)));
  const mapped = axes.flatMap((a, i) => (a === null ? [] : [(leaves[i] as Tensor).shape[a]!]));
  const size = mapped[0] ?? options.axisSize;
  const header = `checkBatching: vmap(${f.name || 'f'}, { inAxes: ${JSON.stringify(inAxes)} }) on ${leaves.map((l) => (isTensor(l) ? l.aval.toString() : typeof l)).join(', ')}`;
  if (size === undefined) throw new CheckError(`${header}: no argument is mapped; pass axisSize.`, 'batching');
  const actual = vmap(f, { inAxes: inAxes as AxisSpec, ...(options.outAxes !== undefined ? { outAxes: options.outAxes } : {}), axisSize: size })(...args);
  const slice = (b: number) => unflattenLike(args, leaves.map((l, i) => (axes[i] === null ? l : sliceLeaf(l as Tensor, axes[i]!, b)))) as unknown[];
  const [outLeaves, outDef] = flattenTree(actual);
  const paths = leafPaths(actual);
  const failAt = (msg: string): never => {
    throw new CheckError(`${header} differs from stacking f over ${size} slice(s).\n  ${msg.split('\n').join('\n  ')}`, 'batching');
  };
  if (size === 0) {
    const dummy = unflattenLike(args, leaves.map((l, i) => (axes[i] === null ? l : zeros((l as Tensor).shape.filter((_, j) => j !== axes[i]), (l as Tensor).dtype)))) as unknown[];
    const staged = makeJaxpr(f)(...dummy);
    const oAxes = leafAxes(options.outAxes, actual, 'outAxes');
    staged.jaxpr.outAvals.forEach((av, i) => {
      const got = outLeaves[i] as Tensor;
      const sh = [...av.shape];
      const oa = oAxes[i];
      if (oa !== null && oa !== undefined) sh.splice(norm(oa, sh.length + 1), 0, 0);
      if (got.dtype !== av.dtype || shapeStr(got.shape) !== shapeStr(sh)) failAt(`output ${paths[i]}: expected ${av.dtype}${shapeStr(sh)}, got ${got.aval.toString()}`);
    });
    return;
  }
  const perSlice = Array.from({ length: size }, (_, b) => f(...slice(b)));
  const oAxes = leafAxes(options.outAxes, perSlice[0], 'outAxes');
  perSlice.forEach((o, b) => {
    const [ls, def] = flattenTree(o);
    if (def !== outDef) failAt(`output structure ${outDef} differs from f's output structure ${def} on slice ${b}`);
    ls.forEach((l, i) => {
      const oa = oAxes[i]!;
      if (oa === null) {
        const r = compareFlat(read(outLeaves[i] as Tensor), read(l as Tensor), options, ['vmap', `f(slice ${b})`]);
        if (!r.pass) failAt(`unmapped output ${paths[i]}: ${r.detail}`);
      }
    });
  });
  outLeaves.forEach((o, i) => {
    const oa = oAxes[i];
    if (oa === null || oa === undefined) return;
    const parts = perSlice.map((p) => flattenTree(p)[0][i] as Tensor);
    const expected = stackFlat(parts, norm(oa, parts[0]!.ndim + 1));
    const r = compareFlat(read(o as Tensor), expected, options, ['vmap', 'stacked slices']);
    if (!r.pass) failAt(`output ${paths[i]}: ${r.detail}`);
  });
}
