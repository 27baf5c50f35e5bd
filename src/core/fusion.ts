/**
 * Elementwise fusion: the optimization pass `jit` applies to each staged jaxpr.
 *
 * ```text
 * 1. dead-code elimination (every primitive is pure)
 * 2. one forward sweep grouping elementwise equations:
 *      an elementwise equation e of output shape S joins every *open* group of shape S that
 *      produced one of its inputs (merging them), else starts a group of its own;
 *      a group is *sealed* (takes no more members) as soon as any other equation reads one
 *      of its values: that reader sits before any later member, so the group could no longer
 *      be placed after all its members.
 * 3. each group of ≥ 2 equations becomes one `fused_elementwise` equation placed where its
 *    last member was; values of the group read outside it (later equations, jaxpr outputs)
 *    become extra outputs of the fused equation; the rest stay in registers.
 * ```
 * Elementwise means: unary and binary arithmetic, comparisons, logical ops, `select`, `cast`
 * and `stop_gradient`. Every member of a group has the group's output shape; inputs from
 * outside may be any shape that broadcasts to it. Scalar (size-1) concrete constants are
 * inlined into the program as literals. The pass changes no value: each fused op computes what
 * its primitive's kernel computes (see `backend/js/fused.ts`), and the fused primitive's rules
 * re-bind the original primitives.
 * @module
 */
import type { Aval } from '../tensor/aval.js';
import { shapesEqual, type Shape } from '../tensor/shape.js';
import { ConcreteTensor, type Tensor } from '../tensor/tensor.js';
import { Jaxpr, Var, type Eqn } from './jaxpr.js';
import { fusedElementwiseP, fusedOpOf, fusedParams, type FusedParams, type FusedStep } from './primitives/fused-elementwise.js';

/** @internal What the pass did to one jaxpr. */
export interface FusionStats {
  /** Equations before the pass. */
  readonly eqnsBefore: number;
  /** Equations after the pass (each fused group counts once). */
  readonly eqnsAfter: number;
  /** Number of `fused_elementwise` equations (fused kernels). */
  readonly fusedGroups: number;
  /** Original equations absorbed into fused groups. */
  readonly fusedEqns: number;
}

/** @internal Options of {@link fuseElementwise}. */
export interface FusionOptions {
  /** Smallest group that is fused (default 2). */
  readonly minGroupSize?: number;
}

interface Group {
  readonly shape: Shape;
  members: number[];
  sealed: boolean;
  /** Set when this group was merged into another. */
  into: Group | null;
}

function find(g: Group): Group {
  while (g.into !== null) g = g.into;
  return g;
}

/** @internal Removes equations none of whose outputs is used. */
export function eliminateDeadCode(j: Jaxpr): Jaxpr {
  const live = new Set<Var>();
  for (const v of j.outvars) if (v !== null) live.add(v);
  const keep: boolean[] = new Array(j.eqns.length).fill(false);
  for (let k = j.eqns.length - 1; k >= 0; k--) {
    const e = j.eqns[k]!;
    if (e.outputs.some((v) => live.has(v))) {
      keep[k] = true;
      for (const v of e.inputs) live.add(v);
    }
  }
  if (keep.every(Boolean)) return j;
  return pruneConsts(j, j.eqns.filter((_, k) => keep[k]));
}

/** @internal A jaxpr with new equations, keeping only the constants still referenced. */
export function pruneConsts(j: Jaxpr, eqns: readonly Eqn[]): Jaxpr {
  const used = new Set<Var>();
  for (const e of eqns) for (const v of e.inputs) used.add(v);
  for (const v of j.outvars) if (v !== null) used.add(v);
  const constvars: Var[] = [], consts: Tensor[] = [];
  j.constvars.forEach((v, i) => { if (used.has(v)) { constvars.push(v); consts.push(j.consts[i]!); } });
  return new Jaxpr(j.invars, constvars, consts, eqns, j.outvars, j.outAvals);
}

/**
 * @internal Fuses maximal groups of elementwise equations of one output shape into
 * `fused_elementwise` equations (see the module comment for the rules).
 */
export function fuseElementwise(j0: Jaxpr, options: FusionOptions = {}): { jaxpr: Jaxpr; stats: FusionStats } {
  const minSize = Math.max(2, options.minGroupSize ?? 2);
  const j = eliminateDeadCode(j0);
  const eqns = j.eqns;
  const groupOfEqn: (Group | null)[] = new Array(eqns.length).fill(null);
  const producer = new Map<Var, number>(); // var → index of the equation that defines it
  eqns.forEach((e, k) => e.outputs.forEach((v) => producer.set(v, k)));
  const groupOfVar = (v: Var): Group | null => {
    const k = producer.get(v);
    const g = k === undefined ? null : groupOfEqn[k];
    return g ? find(g) : null;
  };

  eqns.forEach((e, k) => {
    const fusible = fusedOpOf(e.prim) !== undefined && e.outputs.length === 1;
    const shape = e.outputs[0]?.aval.shape;
    const joins: Group[] = [];
    for (const v of e.inputs) {
      const g = groupOfVar(v);
      if (g === null || joins.includes(g)) continue;
      if (fusible && !g.sealed && shapesEqual(g.shape, shape!)) joins.push(g);
    }
    // Every other group read by e is sealed: e is a foreign reader placed before later members.
    for (const v of e.inputs) {
      const g = groupOfVar(v);
      if (g !== null && !joins.includes(g)) g.sealed = true;
    }
    if (!fusible) return;
    let target: Group;
    if (joins.length === 0) target = { shape: shape!, members: [], sealed: false, into: null };
    else {
      target = joins[0]!;
      for (const g of joins.slice(1)) {
        target.members.push(...g.members);
        g.members = [];
        g.into = target;
      }
      target.members.sort((a, b) => a - b);
    }
    target.members.push(k);
    groupOfEqn[k] = target;
  });

  const usedOutside = new Map<Var, boolean>();
  for (const v of j.outvars) if (v !== null) usedOutside.set(v, true);
  eqns.forEach((e, k) => {
    const g = groupOfEqn[k] ? find(groupOfEqn[k]!) : null;
    for (const v of e.inputs) {
      const pk = producer.get(v);
      if (pk === undefined) continue;
      const pg = groupOfEqn[pk] ? find(groupOfEqn[pk]!) : null;
      if (pg !== null && pg !== g) usedOutside.set(v, true);
    }
  });

  const out: Eqn[] = [];
  let fusedGroups = 0, fusedEqns = 0;
  const constOf = new Map<Var, Tensor>();
  j.constvars.forEach((v, i) => constOf.set(v, j.consts[i]!));
  eqns.forEach((e, k) => {
    const g = groupOfEqn[k] ? find(groupOfEqn[k]!) : null;
    if (g === null || g.members.length < minSize) { out.push(e); return; }
    if (g.members[g.members.length - 1] !== k) return; // emitted at its last member
    out.push(buildFused(g, eqns, constOf, usedOutside));
    fusedGroups++;
    fusedEqns += g.members.length;
  });
  const jaxpr = fusedGroups === 0 ? j : pruneConsts(j, out);
  return { jaxpr, stats: { eqnsBefore: j0.eqns.length, eqnsAfter: jaxpr.eqns.length, fusedGroups, fusedEqns } };
}

/** A size-1 concrete constant that can be inlined as a literal. */
function literalConst(t: Tensor | undefined): ConcreteTensor | undefined {
  return t instanceof ConcreteTensor && t.size === 1 && !t.isDisposed ? t : undefined;
}

function buildFused(g: Group, eqns: readonly Eqn[], constOf: ReadonlyMap<Var, Tensor>, usedOutside: ReadonlyMap<Var, boolean>): Eqn {
  const members = g.members.map((k) => eqns[k]!);
  const internal = new Set<Var>();
  for (const e of members) internal.add(e.outputs[0]!);
  const inputs: Var[] = [], litVars: Var[] = [], lits: ConcreteTensor[] = [];
  const seen = new Set<Var>();
  for (const e of members) {
    for (const v of e.inputs) {
      if (internal.has(v) || seen.has(v)) continue;
      seen.add(v);
      const c = literalConst(constOf.get(v));
      if (c !== undefined) { litVars.push(v); lits.push(c); } else inputs.push(v);
    }
  }
  const ref = new Map<Var, number>();
  inputs.forEach((v, i) => ref.set(v, i));
  litVars.forEach((v, i) => ref.set(v, inputs.length + i));
  const base = inputs.length + lits.length;
  const steps: FusedStep[] = members.map((e, k) => {
    const args = e.inputs.map((v) => ref.get(v)!);
    ref.set(e.outputs[0]!, base + k);
    return { prim: e.prim, params: e.params, args, aval: e.outputs[0]!.aval };
  });
  const outVars = members.map((e) => e.outputs[0]!).filter((v) => usedOutside.get(v) === true);
  if (outVars.length === 0) outVars.push(members[members.length - 1]!.outputs[0]!); // unreachable after DCE
  const inAvals: Aval[] = inputs.map((v) => v.aval);
  const params: FusedParams = fusedParams(g.shape, inAvals, lits, steps, outVars.map((v) => ref.get(v)!));
  return { prim: fusedElementwiseP, params, inputs, outputs: outVars };
}
