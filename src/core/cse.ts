/**
 * Common-subexpression elimination for `jit`'s optimized programs.
 *
 * ```text
 * constants   size-1 concrete constants of equal dtype, shape and value (Object.is) are one
 * equations   same primitive, same params (compared structurally), same operands → one
 * ```
 * Every primitive is pure and every kernel deterministic, so a merged equation computes the
 * bits the duplicate would have: results stay identical to eager evaluation. Typical source:
 * the optimizer update of each parameter leaf recomputes the same bias corrections from the
 * shared step count. An equation one of whose results is a program output is never merged
 * away (nor is a constant that is an output), so distinct returned tensors stay distinct objects.
 * @module
 */
import { ConcreteTensor } from '../tensor/tensor.js';
import { numberKey, valueKey } from './cache-key.js';
import type { Eqn, Jaxpr, Var } from './jaxpr.js';
import { pruneConsts } from './fusion.js';

/** @internal Merges duplicate constants and equations (see the module comment). */
export function eliminateCommonSubexpressions(j: Jaxpr): Jaxpr {
  const outs = new Set<Var | null>(j.outvars);
  const subst = new Map<Var, Var>();
  const canonConst = new Map<string, Var>();
  j.constvars.forEach((v, i) => {
    const c = j.consts[i];
    if (!(c instanceof ConcreteTensor) || c.size !== 1 || c.isDisposed || outs.has(v)) return;
    const key = `${c.aval.toString()}:${numberKey(c.readData()[0]!)}`;
    const first = canonConst.get(key);
    if (first === undefined) canonConst.set(key, v);
    else subst.set(v, first);
  });
  const seen = new Map<string, readonly Var[]>();
  const eqns: Eqn[] = [];
  let changed = subst.size > 0;
  for (const e of j.eqns) {
    let renamed = false;
    const inputs = e.inputs.map((v) => { const s = subst.get(v); if (s === undefined) return v; renamed = true; return s; });
    const key = `${valueKey(e.prim, false)}|${inputs.map((v) => v.id).join(',')}|${valueKey(e.params, true)}`;
    const prev = seen.get(key);
    if (prev !== undefined && !e.outputs.some((v) => outs.has(v))) {
      e.outputs.forEach((v, i) => subst.set(v, prev[i]!));
      changed = true;
      continue;
    }
    if (prev === undefined) seen.set(key, e.outputs);
    eqns.push(renamed ? { ...e, inputs } : e);
  }
  return changed ? pruneConsts(j, eqns) : j;
}
