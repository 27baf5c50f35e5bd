/**
 * The backward pass: transposes a linear jaxpr.
 *
 * Walks the equations in reverse, accumulating cotangents per variable. Each equation's
 * linear inputs (variables that depend on the jaxpr's inputs) are passed to the
 * primitive's transpose rule as `UndefPrimal`; constants are passed as values. Cotangent
 * computations are bound normally, so the backward pass itself can be differentiated,
 * batched or staged by outer transformations.
 * @module
 */
import { MissingRuleError, NonlinearError } from '../../errors.js';
import type { Aval } from '../../tensor/aval.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Jaxpr, Var } from '../jaxpr.js';
import { UndefPrimal, Zero, type Tangent } from '../zero.js';
import { add } from '../primitives/add.js';
import { LINEAR_PRIMITIVES } from '../primitives/index.js';

/** @internal Cotangents of the jaxpr's inputs given cotangents of its outputs. */
export function backwardPass(j: Jaxpr, cts: readonly Tangent[], op = 'vjp'): Tangent[] {
  const linear = new Set<Var>(j.invars);
  for (const e of j.eqns) if (e.inputs.some((v) => linear.has(v))) for (const o of e.outputs) linear.add(o);
  const constEnv = new Map<Var, Tensor>();
  j.constvars.forEach((v, i) => constEnv.set(v, j.consts[i]!));
  const ctEnv = new Map<Var, Tensor>();
  const accum = (v: Var, ct: Tangent | null): void => {
    if (ct === null || ct instanceof Zero || !linear.has(v)) return;
    const prev = ctEnv.get(v);
    ctEnv.set(v, prev === undefined ? ct : add(prev, ct));
  };
  j.outvars.forEach((v, i) => { if (v !== null) accum(v, cts[i]!); });
  for (let k = j.eqns.length - 1; k >= 0; k--) {
    const e = j.eqns[k]!;
    const outCts: Tangent[] = e.outputs.map((v) => ctEnv.get(v) ?? new Zero(v.aval));
    e.outputs.forEach((v) => ctEnv.delete(v));
    if (outCts.every((c) => c instanceof Zero)) continue;
    if (!e.inputs.some((v) => linear.has(v))) continue;
    const rule = e.prim.transpose;
    if (rule === undefined) {
      const isLinear = (LINEAR_PRIMITIVES as readonly string[]).includes(e.prim.name);
      const E = isLinear ? MissingRuleError : NonlinearError;
      throw new E(`${op}: primitive '${e.prim.name}' is not linear in its input, so it cannot be transposed. The function must be linear in the arguments being transposed.`, {
        op, received: e.prim.name,
      });
    }
    const args = e.inputs.map((v) => (linear.has(v) ? new UndefPrimal(v.aval) : constEnv.get(v)!));
    const inCts = rule(outCts, args, e.params);
    e.inputs.forEach((v, i) => accum(v, inCts[i] ?? null));
  }
  return j.invars.map((v) => ctEnv.get(v) ?? new Zero(v.aval));
}

/** @internal Materialised zeros for the avals of symbolic zeros. */
export type ZeroMaker = (a: Aval) => Tensor;
