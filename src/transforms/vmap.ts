/**
 * `vmap`: vectorising map over a leading (or any) axis of pytree arguments.
 *
 * ```text
 * vmap(f)(xs)[i] = f(xs[i])
 * ```
 * Built on the batching interpreter: every primitive has a batching rule, so no loop
 * runs; e.g. `vmap` of a matrix-vector product is one matrix-matrix product.
 * @module
 */
import { AxisError, TransformError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { vmapFlat } from '../core/interpreters/vmap-flat.js';
import { flatten, unflatten, type Tree, type TreeDef } from '../tree/tree.js';
import { checkFunction, tensorLeaves } from './common.js';
import { checkInt, describeValue, MAX_SIZE } from '../tensor/shape.js';

/** An axis per argument: a number, `null` (not mapped), or a pytree of them matching the argument. */
export type AxisSpec = number | null | Tree<number | null>;

/** Options of {@link vmap}. */
export interface VmapOptions {
  /** Mapped axis of each argument (one spec for all, or a list with one per argument). @defaultValue 0 */
  readonly inAxes?: AxisSpec | readonly AxisSpec[];
  /** Where the batch axis goes in each output (a number, `null` for unmapped outputs, or a tree). @defaultValue 0 */
  readonly outAxes?: AxisSpec;
  /** Batch size when no argument is mapped. */
  readonly axisSize?: number;
}

/** Marks `null` (unmapped) inside an axis tree, which `flatten` would otherwise read as an empty node. */
class Unmapped {}
const UNMAPPED = new Unmapped();

function markNulls(spec: unknown): unknown {
  if (spec === null) return UNMAPPED;
  if (Array.isArray(spec)) return spec.map(markNulls);
  if (typeof spec === 'object' && spec !== undefined && Object.getPrototypeOf(spec) === Object.prototype) {
    return Object.fromEntries(Object.entries(spec as Record<string, unknown>).map(([k, v]) => [k, markNulls(v)]));
  }
  return spec;
}

function leafAxes(op: string, spec: AxisSpec, def: TreeDef, what: string): (number | null)[] {
  if (spec === null || typeof spec === 'number') return new Array<number | null>(def.numLeaves).fill(spec as number | null);
  const [marked, d] = flatten(markNulls(spec) as Tree<unknown>);
  const ls = marked.map((a) => (a === UNMAPPED ? null : (a as number)));
  if (!d.equals(def)) {
    throw new TransformError(`${op}: ${what} axes ${d.toString()} do not match the structure ${def.toString()}.`, { op, argument: what, expected: def.toString(), received: d.toString() });
  }
  return ls;
}

/**
 * Vectorises `f` over an axis of its arguments.
 * @param f - a function of pytrees of tensors.
 * @param options - `inAxes` (per argument; `null` = broadcast), `outAxes`.
 * @throws {ShapeError} when mapped axes have different sizes, naming each argument.
 * @throws {AxisError} when an axis is out of range.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(params, xs, ys);
 * vmap((x: Tensor) => x.sum())(ones([4, 3])).shape; // [4]
 * ```
 */
export function vmap<F extends (...args: any[]) => any>(f: F, options: VmapOptions = {}): (...args: Parameters<F>) => ReturnType<F> {
  const op = 'vmap';
  checkFunction(op, f);
  if (typeof options !== 'object' || options === null) throw new TransformError(`vmap: options must be { inAxes?, outAxes?, axisSize? }, got ${describeValue(options)}.`, { op, argument: 'options' });
  if (options.axisSize !== undefined) checkInt(op, options.axisSize, 'axisSize', { min: 0, max: MAX_SIZE });
  return (...args) => {
    const inAxes = options.inAxes === undefined ? 0 : options.inAxes;
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new TransformError(`vmap: inAxes has ${inAxes.length} entries but the function was called with ${args.length} argument(s).`, { op, argument: 'inAxes' });
    }
    const leaves: Tensor[] = [], defs: TreeDef[] = [], dims: (number | null)[] = [], names: string[] = [];
    args.forEach((a, i) => {
      const [ls, d] = tensorLeaves(op, a, `argument ${i}`);
      const spec = (Array.isArray(inAxes) ? inAxes[i] : inAxes) as AxisSpec;
      const ax = leafAxes(op, spec, d, `inAxes[${i}]`);
      ls.forEach((l, j) => {
        const v = ax[j]!;
        if (v !== null && (!Number.isInteger(v) || v < -l.ndim || v >= l.ndim)) {
          throw new AxisError(`vmap: in axis ${describeValue(v)} is out of range for argument ${i} leaf ${j} ${l.aval.toString()}.`, { op, argument: `inAxes[${i}]`, received: String(v) });
        }
        dims.push(v === null ? null : v < 0 ? v + l.ndim : v);
        names.push(`argument ${i}${d.numLeaves > 1 ? ` leaf ${j}` : ''} ${l.aval.toString()} axis ${v}`);
      });
      leaves.push(...ls);
      defs.push(d);
    });
    const sizes = leaves.map((l, i) => (dims[i] === null ? null : l.shape[dims[i]!]!));
    const mapped = sizes.flatMap((s, i) => (s === null ? [] : [[s, i] as const]));
    const size = mapped.length ? mapped[0]![0] : options.axisSize;
    if (mapped.length && options.axisSize !== undefined && options.axisSize !== size) {
      throw new ShapeError(`vmap: axisSize ${options.axisSize} differs from the mapped size ${size} of ${names[mapped[0]![1]]}.`, { op, argument: 'axisSize', expected: String(size), received: String(options.axisSize) });
    }
    if (size === undefined) throw new TransformError('vmap: no argument is mapped (all inAxes are null); pass axisSize.', { op, argument: 'inAxes' });
    if (mapped.some(([s]) => s !== size)) {
      const detail = mapped.map(([s, i]) => `${names[i]} has ${s}`).join(', ');
      throw new ShapeError(`vmap: inconsistent sizes along mapped axes: ${detail}. Every mapped argument needs the same size along its inAxes; mark arguments that should not be mapped with null.`, { op, argument: 'inAxes', received: detail });
    }
    let outDef: TreeDef | undefined;
    const outs = vmapFlat(
      (ls) => {
        let k = 0;
        const rebuilt = defs.map((d) => unflatten(d, ls.slice(k, (k += d.numLeaves))));
        const [o, d] = tensorLeaves(op, f(...rebuilt), 'output');
        outDef = d;
        return o;
      },
      size,
      dims,
      leaves,
      (os) => {
        const ax = leafAxes(op, options.outAxes === undefined ? 0 : options.outAxes, outDef!, 'outAxes');
        return ax.map((a, i) => {
          const rank = os[i]!.ndim + 1;
          if (a !== null && (!Number.isInteger(a) || a < -rank || a >= rank)) {
            throw new AxisError(`vmap: out axis ${describeValue(a)} is out of range for output leaf ${i} of batched rank ${rank}.`, { op, argument: 'outAxes', received: String(a) });
          }
          return a === null || a >= 0 ? a : a + rank;
        });
      },
    );
    return unflatten(outDef!, outs) as ReturnType<F>;
  };
}
