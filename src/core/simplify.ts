/**
 * Algebraic simplification of staged programs, applied by `jit` before execution.
 *
 * One rewrite, the one that makes exact curvature diagonals cheap: a sum over a batch axis of
 * squared *outer products* (a `dot_general` whose contracted axes have total size 1) is a
 * contraction of squares, and never needs the batched product itself.
 *
 * ```text
 * Σ_b (x[b, i] · y[b, j])²  =  Σ_b x[b, i]² · y[b, j]²
 *
 *   d  = dot_general[contract=(cx, cy), batch=(bx, by)] x y      Π sizes(cx) = 1
 *   s  = mul d d
 *   r  = reduce_sum[axes ⊆ batch positions of d] s
 * ⟶
 *   x2 = mul x x;  y2 = mul y y
 *   r  = dot_general[contract=(cx ∪ bx[axes], cy ∪ by[axes]), batch=(bx \ axes, by \ axes)] x2 y2
 * ```
 * This is what `vmap(grad)` of a dense layer followed by `square().sum(0)` stages (per-example
 * gradients aₙ ⊗ δₙ, squared and summed): a `[N, din, dout]` intermediate becomes one
 * `[din, dout]` matrix product over N. The rewrite applies only when `d` and `s` are used
 * nowhere else; the results are equal up to floating-point rounding of the reassociated
 * products.
 * @module
 */
import type { DotDims } from '../backend/backend.js';
import { Jaxpr, Var, type Eqn } from './jaxpr.js';

/**
 * Rewrites every "sum over batch of squared outer products" in `j` into a product of squares.
 * @param j - a staged program.
 * @returns an equivalent program (the same object when nothing matched).
 * @example
 * ```ts
 * const staged = makeJaxpr((a: Tensor, g: Tensor) => vmap((x: Tensor, y: Tensor) => outer(x, y))(a, g).square().sum(0))(a, g);
 * simplifyJaxpr(staged).toString(); // one dot_general contracting the batch axis, no [N, din, dout] value
 * ```
 */
export function simplifyJaxpr(j: Jaxpr): Jaxpr {
  const uses = new Map<Var, number>();
  const producer = new Map<Var, number>();
  j.eqns.forEach((e, i) => {
    for (const v of e.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
    for (const v of e.outputs) producer.set(v, i);
  });
  const outputs = new Set(j.outvars.filter((v): v is Var => v !== null));
  const removed = new Set<number>();
  const replaced = new Map<number, Eqn[]>();
  j.eqns.forEach((r, ri) => {
    if (r.prim.name !== 'reduce_sum') return;
    const s = r.inputs[0]!;
    const si = producer.get(s);
    if (si === undefined || outputs.has(s) || uses.get(s) !== 1) return;
    const sq = j.eqns[si]!;
    if (sq.prim.name !== 'mul' || sq.inputs[0] !== sq.inputs[1]) return;
    const d = sq.inputs[0]!;
    const di = producer.get(d);
    if (di === undefined || outputs.has(d) || uses.get(d) !== 2 || removed.has(di)) return;
    const dot = j.eqns[di]!;
    if (dot.prim.name !== 'dot_general') return;
    const dims = dot.params as DotDims;
    const [x, y] = dot.inputs as [Var, Var];
    if (dims.lhsContract.reduce((p, a) => p * x.aval.shape[a]!, 1) !== 1) return;
    const axes = (r.params as { axes: readonly number[] }).axes;
    if (axes.length === 0 || !axes.every((a) => a < dims.lhsBatch.length)) return;
    const keep = dims.lhsBatch.map((_, i) => i).filter((i) => !axes.includes(i));
    const newDims: DotDims = {
      lhsContract: [...dims.lhsContract, ...axes.map((a) => dims.lhsBatch[a]!)],
      rhsContract: [...dims.rhsContract, ...axes.map((a) => dims.rhsBatch[a]!)],
      lhsBatch: keep.map((i) => dims.lhsBatch[i]!),
      rhsBatch: keep.map((i) => dims.rhsBatch[i]!),
    };
    const x2 = new Var(x.aval);
    const y2 = x === y ? x2 : new Var(y.aval);
    const eqns: Eqn[] = [{ prim: sq.prim, params: sq.params, inputs: [x, x], outputs: [x2] }];
    if (y2 !== x2) eqns.push({ prim: sq.prim, params: sq.params, inputs: [y, y], outputs: [y2] });
    eqns.push({ prim: dot.prim, params: newDims, inputs: [x2, y2], outputs: r.outputs });
    removed.add(di).add(si);
    replaced.set(ri, eqns);
  });
  if (replaced.size === 0) return j;
  const eqns = j.eqns.flatMap((e, i) => (removed.has(i) ? [] : replaced.get(i) ?? [e]));
  return new Jaxpr(j.invars, j.constvars, j.consts, eqns, j.outvars, j.outAvals);
}
