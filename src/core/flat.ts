/**
 * Flat transformations on lists of tensors: the interpreters wired together.
 *
 * `jvpFlat` runs the JVP interpreter; `linearizeFlat` runs it on top of a staging
 * interpreter so the tangent computation becomes a linear jaxpr; `vjpFlat` transposes that
 * jaxpr. The public wrappers in `transforms/` add pytrees, options and validation.
 * @module
 */
import type { Aval } from '../tensor/aval.js';
import type { Tensor } from '../tensor/tensor.js';
import { currentInterpreter, withInterpreter } from './interpreter.js';
import { JvpInterpreter, JvpTracer } from './interpreters/jvp.js';
import { StageInterpreter, StageTracer } from './interpreters/stage.js';
import { backwardPass } from './interpreters/transpose.js';
import { evalJaxprFlat, type Jaxpr } from './jaxpr.js';
import { Zero, type Tangent } from './zero.js';
import { instantiate } from './primitives/_rules.js';

/** @internal Forward mode on flat lists: returns outputs and output tangents (maybe Zero). */
export function jvpFlat(f: (xs: Tensor[]) => Tensor[], primals: readonly Tensor[], tangents: readonly Tangent[]): [Tensor[], Tangent[]] {
  const interp = new JvpInterpreter(currentInterpreter());
  try {
    const ins = primals.map((p, i) => (tangents[i] instanceof Zero ? p : new JvpTracer(interp, p, tangents[i]!)));
    const outs = withInterpreter(interp, () => f(ins));
    const res: Tensor[] = [], tans: Tangent[] = [];
    for (const o of outs) {
      if (o instanceof JvpTracer && o.interp === interp) { res.push(o.primal); tans.push(o.tangent); }
      else { res.push(o); tans.push(new Zero(o.aval)); }
    }
    return [res, tans];
  } finally {
    interp.closed = true;
  }
}

/** @internal Linearizes `f` at `primals`: outputs and the linear tangent map as a jaxpr. */
export function linearizeFlat(f: (xs: Tensor[]) => Tensor[], primals: readonly Tensor[]): [Tensor[], Jaxpr] {
  const stage = new StageInterpreter(currentInterpreter(), 'linearize');
  try {
    const tIn = primals.map((p) => stage.newInput(p.aval));
    const [outs, tOuts] = withInterpreter(stage, () => jvpFlat(f, primals, tIn));
    const avals: Aval[] = outs.map((o) => o.aval);
    const jaxpr = stage.finish(tIn, tOuts.map((t) => (t instanceof Zero ? null : t)), avals);
    return [outs, jaxpr];
  } finally {
    stage.closed = true;
  }
}

/** @internal Reverse mode on flat lists: outputs and a function from output cotangents to input cotangents. */
export function vjpFlat(f: (xs: Tensor[]) => Tensor[], primals: readonly Tensor[]): [Tensor[], (cts: readonly Tangent[]) => Tangent[]] {
  const [outs, jaxpr] = linearizeFlat(f, primals);
  return [outs, (cts) => backwardPass(jaxpr, cts)];
}

/** @internal Evaluates a linear jaxpr from `linearizeFlat` on tangents (zeros materialised). */
export function applyLinear(j: Jaxpr, tangents: readonly Tensor[]): Tensor[] {
  return evalJaxprFlat(j, tangents, (a) => instantiate(new Zero(a)));
}

/** @internal Stages `f` on abstract inputs of the given avals (makeJaxpr, linearTranspose). */
export function stageFlat(f: (xs: Tensor[]) => Tensor[], avals: readonly Aval[], kind = 'makeJaxpr'): Jaxpr {
  const stage = new StageInterpreter(currentInterpreter(), kind);
  try {
    const ins: StageTracer[] = avals.map((a) => stage.newInput(a));
    const outs = withInterpreter(stage, () => f(ins));
    return stage.finish(ins, outs, outs.map((o) => o.aval));
  } finally {
    stage.closed = true;
  }
}
