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
 *   t  = transpose[perm] d                                       (optional)
 *   s  = mul t t
 *   r  = reduce_sum[axes] s          axes ∋ at least one batch axis of d
 * ⟶
 *   x2 = mul x x;  y2 = mul y y
 *   x2 = reduce_sum[free axes of x summed by r] x2               (when any)
 *   y2 = reduce_sum[free axes of y summed by r] y2               (when any)
 *   r  = dot_general[contract=(cx ∪ bx[summed], cy ∪ by[summed]), batch=(bx, by unsummed)] x2 y2
 *   r  = transpose[…] r                                           (when t reordered the kept axes)
 * ```
 * This is what `vmap(grad)` of a dense layer followed by `square().sum(0)` stages (per-example
 * gradients aₙ ⊗ δₙ, squared and summed): a `[N, din, dout]` intermediate becomes one
 * `[din, dout]` matrix product over N. With a further `vmap` over the columns c of an output
 * factor (an exact GGN diagonal in one program), the per-example, per-column gradients
 * aₙ ⊗ δₙ꜀ appear transposed to `[c, N, din, dout]` and are summed over c and N: the column axis
 * is a free axis of δ only, so δ² is summed over it first and the `[c, N, din, dout]` value is
 * never formed (Σ꜀ Σₙ aₙᵢ² δₙ꜀ⱼ² = Σₙ aₙᵢ² (Σ꜀ δₙ꜀ⱼ²)). The rewrite applies only when `d`, `t`
 * and `s` are used nowhere else; the results are equal up to floating-point rounding of the
 * reassociated products and sums. Each square `x²` is formed once per program.
 *
 * Before that, constants that are *the same data* are made one constant: tensors captured while
 * tracing that share one backend buffer with equal avals (e.g. `x.reshape(s)` taken in two places
 * of the traced function; reshape shares its operand's buffer). Common-subexpression elimination
 * then merges the equations that read them (a model evaluated once for the loss and once inside a
 * curvature builder computes `X·w` once). This changes no value: tensors are immutable.
 * @module
 */
import type { DotDims } from '../backend/backend.js';
import { Aval } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/tensor.js';
import { Jaxpr, Var, type Eqn } from './jaxpr.js';
import { pruneConsts } from './fusion.js';

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
export function simplifyJaxpr(j0: Jaxpr): Jaxpr {
  const j = mergeAliasedConsts(j0);
  const uses = new Map<Var, number>();
  const producer = new Map<Var, number>();
  j.eqns.forEach((e, i) => {
    for (const v of e.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
    for (const v of e.outputs) producer.set(v, i);
  });
  const outputs = new Set(j.outvars.filter((v): v is Var => v !== null));
  const removed = new Set<number>();
  const replaced = new Map<number, Eqn[]>();
  // v ↦ v², with the index of the equation that computes it: squares the program already has
  // (`mul v v`, pinned once reused so no rewrite removes them) and the ones rewrites add.
  const squares = new Map<Var, { v2: Var; at: number }>();
  const pinned = new Set<number>();
  j.eqns.forEach((e, i) => {
    if (e.prim.name === 'mul' && e.inputs[0] === e.inputs[1] && !squares.has(e.inputs[0]!)) squares.set(e.inputs[0]!, { v2: e.outputs[0]!, at: i });
  });
  const usedOnce = (v: Var, times: number, i: number | undefined): i is number =>
    i !== undefined && !outputs.has(v) && uses.get(v) === times && !removed.has(i) && !pinned.has(i);
  j.eqns.forEach((r, ri) => {
    if (r.prim.name !== 'reduce_sum') return;
    const s = r.inputs[0]!;
    const si = producer.get(s);
    if (!usedOnce(s, 1, si)) return;
    const sq = j.eqns[si]!;
    if (sq.prim.name !== 'mul' || sq.inputs[0] !== sq.inputs[1]) return;
    let d = sq.inputs[0]!;
    let di = producer.get(d);
    if (!usedOnce(d, 2, di)) return;
    let tr: Eqn | undefined;
    let ti: number | undefined;
    if (j.eqns[di]!.prim.name === 'transpose') {
      tr = j.eqns[di]!;
      ti = di;
      d = tr.inputs[0]!;
      di = producer.get(d);
      if (!usedOnce(d, 1, di)) return;
    }
    const dot = j.eqns[di]!;
    if (dot.prim.name !== 'dot_general') return;
    const dims = dot.params as DotDims;
    const [x, y] = dot.inputs as [Var, Var];
    if (dims.lhsContract.reduce((p, a) => p * x.aval.shape[a]!, 1) !== 1) return;
    const perm: readonly number[] = tr ? (tr.params as { perm: readonly number[] }).perm : d.aval.shape.map((_, i) => i);
    const summed = new Set((r.params as { axes: readonly number[] }).axes.map((a) => perm[a]!));
    const nb = dims.lhsBatch.length;
    if (![...summed].some((a) => a < nb)) return;
    const lhsFree = freeAxes(x.aval.ndim, dims.lhsContract, dims.lhsBatch);
    const rhsFree = freeAxes(y.aval.ndim, dims.rhsContract, dims.rhsBatch);
    const xSum = lhsFree.filter((_, i) => summed.has(nb + i));
    const ySum = rhsFree.filter((_, i) => summed.has(nb + lhsFree.length + i));
    const eqns: Eqn[] = [];
    // v² for v = reshape(u) is reshape(u²): it reuses a square of u the program computes anyway,
    // and leaves u's producer free to fuse with that square.
    const squareOf = (v: Var): Var => {
      const known = squares.get(v);
      if (known !== undefined && known.at <= ri && !removed.has(known.at)) {
        pinned.add(known.at);
        return known.v2;
      }
      const pi = producer.get(v);
      const src = pi === undefined ? undefined : j.eqns[pi]!;
      let v2: Var;
      if (src && src.prim.name === 'reshape' && !removed.has(pi!)) {
        v2 = new Var(v.aval);
        const u2 = squareOf(src.inputs[0]!);
        eqns.push({ prim: src.prim, params: src.params, inputs: [u2], outputs: [v2] });
      } else {
        v2 = new Var(v.aval);
        eqns.push({ prim: sq.prim, params: sq.params, inputs: [v, v], outputs: [v2] });
      }
      squares.set(v, { v2, at: ri });
      return v2;
    };
    const summedSquare = (v: Var, axes: readonly number[]): Var => {
      const v2 = squareOf(v);
      if (axes.length === 0) return v2;
      const out = new Var(new Aval(v.aval.shape.filter((_, i) => !axes.includes(i)), v.aval.dtype));
      eqns.push({ prim: r.prim, params: { axes: [...axes].sort((a, b) => a - b) }, inputs: [v2], outputs: [out] });
      return out;
    };
    const x2 = summedSquare(x, xSum);
    const y2 = summedSquare(y, ySum);
    const shift = (axes: readonly number[], gone: readonly number[]) => axes.map((a) => a - gone.filter((g) => g < a).length);
    const batchIdx = dims.lhsBatch.map((_, i) => i);
    const contracted = batchIdx.filter((i) => summed.has(i));
    const kept = batchIdx.filter((i) => !summed.has(i));
    const newDims: DotDims = {
      // Summed batch axes first: with a leading batch axis the operands keep their memory layout
      // (a transposed GEMM operand, no gather); the unit contraction does not change the K order.
      lhsContract: shift([...contracted.map((i) => dims.lhsBatch[i]!), ...dims.lhsContract], xSum),
      rhsContract: shift([...contracted.map((i) => dims.rhsBatch[i]!), ...dims.rhsContract], ySum),
      lhsBatch: shift(kept.map((i) => dims.lhsBatch[i]!), xSum),
      rhsBatch: shift(kept.map((i) => dims.rhsBatch[i]!), ySum),
    };
    // Axes of d that survive, in the order r lists them; the new product lists them in d's order.
    const order = perm.filter((a) => !summed.has(a));
    const sorted = [...order].sort((a, b) => a - b);
    const outPerm = order.map((a) => sorted.indexOf(a));
    if (outPerm.every((p, i) => p === i)) {
      eqns.push({ prim: dot.prim, params: newDims, inputs: [x2, y2], outputs: r.outputs });
    } else {
      const out = r.outputs[0]!;
      const prod = new Var(new Aval(sorted.map((a) => d.aval.shape[a]!), out.aval.dtype));
      eqns.push({ prim: dot.prim, params: newDims, inputs: [x2, y2], outputs: [prod] });
      eqns.push({ prim: tr!.prim, params: { perm: outPerm }, inputs: [prod], outputs: r.outputs });
    }
    removed.add(di).add(si);
    if (ti !== undefined) removed.add(ti);
    replaced.set(ri, eqns);
  });
  if (replaced.size === 0) return j;
  const eqns = j.eqns.flatMap((e, i) => (removed.has(i) ? [] : replaced.get(i) ?? [e]));
  return new Jaxpr(j.invars, j.constvars, j.consts, eqns, j.outvars, j.outAvals);
}

/** The axes of an operand that are neither contracted nor batch axes, in order. */
function freeAxes(ndim: number, contract: readonly number[], batch: readonly number[]): number[] {
  const out: number[] = [];
  for (let a = 0; a < ndim; a++) if (!contract.includes(a) && !batch.includes(a)) out.push(a);
  return out;
}

/**
 * Replaces every constant whose tensor shares its backend buffer and aval with an earlier
 * constant by that constant (never one that is a program output, so returned tensors stay
 * distinct objects), and drops the constants no longer read.
 */
function mergeAliasedConsts(j: Jaxpr): Jaxpr {
  const outs = new Set<Var | null>(j.outvars);
  const byBuffer = new Map<unknown, { v: Var; c: ConcreteTensor }[]>();
  const subst = new Map<Var, Var>();
  j.constvars.forEach((v, i) => {
    const c = j.consts[i];
    if (!(c instanceof ConcreteTensor) || c.isDisposed || outs.has(v)) return;
    const buf = c.buffer();
    const seen = byBuffer.get(buf);
    const same = seen?.find((s) => s.c.backend === c.backend && s.c.aval.equals(c.aval));
    if (same !== undefined) subst.set(v, same.v);
    else if (seen !== undefined) seen.push({ v, c });
    else byBuffer.set(buf, [{ v, c }]);
  });
  if (subst.size === 0) return j;
  const eqns = j.eqns.map((e) => (e.inputs.some((v) => subst.has(v)) ? { ...e, inputs: e.inputs.map((v) => subst.get(v) ?? v) } : e));
  return pruneConsts(j, eqns);
}
