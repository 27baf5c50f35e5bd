/**
 * `fused_elementwise` primitive: a group of elementwise equations run as one kernel.
 *
 * Created only by the fusion pass (`core/fusion.ts`) that `jit` applies to its staged
 * programs; user code never binds it. Its params carry the group as a small program: the
 * original primitives with their params (`steps`), the inlined scalar constants (`consts`)
 * and the backend-facing {@link FusedProgram} (op codes and dtypes). Every step has the
 * output shape `shape`; inputs broadcast to it.
 *
 * ```text
 * impl       Kernels.fused(program) when the backend has it and accepts, else each step's kernel in turn
 * jvp        inlined: each step's own JVP rule (steps with all-zero tangents re-bind unchanged), exactly
 *            what the JVP interpreter does with the unfused equations
 * transpose  inlined: the known steps are re-bound, then each linear step's transpose rule in reverse
 * batch      the same program over [B, ...shape]: mapped inputs move their batch axis to the front
 *            (rank-aligned as NumPy broadcasting needs), so fusion survives vmap; every output has bdim 0
 * ```
 * @module
 */
import { getBackend, type FusedOp, type FusedProgram } from '../../backend/backend.js';
import { NonlinearError } from '../../errors.js';
import { Aval } from '../../tensor/aval.js';
import { shortDType } from '../../tensor/dtype.js';
import { shapesEqual, type Shape } from '../../tensor/shape.js';
import { ConcreteTensor, type Tensor } from '../../tensor/tensor.js';
import { bind } from '../interpreter.js';
import { definePrimitive, type BDim, type Primitive } from '../primitive.js';
import { UndefPrimal, Zero, type Tangent } from '../zero.js';
import { alignBatchFront, broadcastTo, unbroadcast } from './_rules.js';
import { broadcastInDimP } from './broadcast-in-dim.js';
import { absP } from './abs.js';
import { add, addP } from './add.js';
import { castP } from './cast.js';
import { andP, eqP, geP, gtP, leP, ltP, neP, orP } from './compare.js';
import { cosP } from './cos.js';
import { divP } from './div.js';
import { expP } from './exp.js';
import { expm1P } from './expm1.js';
import { floorP } from './floor.js';
import { logP } from './log.js';
import { log1pP } from './log1p.js';
import { logisticP } from './logistic.js';
import { maxP, minP } from './max.js';
import { mulP } from './mul.js';
import { negP } from './neg.js';
import { notP } from './not.js';
import { powP } from './pow.js';
import { selectP } from './select.js';
import { signP } from './sign.js';
import { sinP } from './sin.js';
import { softplusP } from './softplus.js';
import { sqrtP } from './sqrt.js';
import { stopGradientP } from './stop-gradient.js';
import { subP } from './sub.js';
import { tanhP } from './tanh.js';

/** @internal One step of a fused group: an original elementwise equation, by value references. */
export interface FusedStep {
  /** The original primitive. */
  readonly prim: Primitive<any>;
  /** Its params. */
  readonly params: any;
  /** Value references of its operands (inputs, then consts, then earlier steps). */
  readonly args: readonly number[];
  /** Its output aval (always of the group's shape). */
  readonly aval: Aval;
}

/** @internal Params of `fused_elementwise`. */
export interface FusedParams {
  /** The backend program (op codes, dtypes, literals); shape independent. */
  readonly program: FusedProgram;
  /** The output shape of every step. */
  readonly shape: Shape;
  /** Avals of the inputs (each broadcastable to `shape`). */
  readonly inAvals: readonly Aval[];
  /** Avals of the outputs. */
  readonly outAvals: readonly Aval[];
  /** The original equations. */
  readonly steps: readonly FusedStep[];
  /** The inlined scalar constants (the jaxpr's original constant tensors), aligned with `program.literals`. */
  readonly consts: readonly ConcreteTensor[];
}

const OPS = new Map<Primitive<any>, FusedOp['op']>([
  [negP, 'neg'], [expP, 'exp'], [logP, 'log'], [log1pP, 'log1p'], [expm1P, 'expm1'], [tanhP, 'tanh'], [logisticP, 'logistic'],
  [softplusP, 'softplus'], [sqrtP, 'sqrt'], [absP, 'abs'], [signP, 'sign'], [floorP, 'floor'], [sinP, 'sin'], [cosP, 'cos'], [notP, 'not'],
  [addP, 'add'], [subP, 'sub'], [mulP, 'mul'], [divP, 'div'], [powP, 'pow'], [maxP, 'max'], [minP, 'min'],
  [eqP, 'eq'], [neP, 'ne'], [ltP, 'lt'], [leP, 'le'], [gtP, 'gt'], [geP, 'ge'], [andP, 'and'], [orP, 'or'],
  [selectP, 'select'], [castP, 'cast'], [stopGradientP, 'copy'],
]);

/** @internal The fused op code of an elementwise primitive, or undefined when it cannot be fused. */
export function fusedOpOf(prim: Primitive<any>): FusedOp['op'] | undefined {
  return OPS.get(prim);
}

function literalText(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * @internal Builds the params of a fused group from its steps. `outputs` are value references
 * (of steps) emitted, in order; `consts` must be concrete size-1 tensors.
 */
export function fusedParams(shape: Shape, inAvals: readonly Aval[], consts: readonly ConcreteTensor[], steps: readonly FusedStep[], outputs: readonly number[]): FusedParams {
  const literals = consts.map((c) => ({ value: c.readData()[0]!, dtype: c.dtype }));
  const ops: FusedOp[] = steps.map((s) => ({ op: OPS.get(s.prim)!, args: s.args, dtype: s.aval.dtype }));
  const key = [
    inAvals.map((a) => shortDType(a.dtype)).join(','),
    literals.map((l) => `${shortDType(l.dtype)}=${literalText(l.value)}`).join(','),
    ops.map((o) => `${o.op}(${o.args.join(',')})${shortDType(o.dtype)}`).join(';'),
    outputs.join(','),
  ].join('|');
  const program: FusedProgram = { inputs: inAvals.map((a) => a.dtype), literals, ops, outputs, key };
  const outAvals = outputs.map((r) => steps[r - inAvals.length - consts.length]!.aval);
  return { program, shape, inAvals, outAvals, steps, consts };
}

/**
 * @internal Avals of every value (inputs, consts, steps) given the actual input avals. They equal the
 * recorded ones except inside a batched program, where a step that reads only unmapped inputs
 * is smaller than the batched group shape (the fused kernel broadcasts it; the rules below
 * compute it at its own shape and broadcast the outputs at the end).
 */
export function valueAvals(inAvals: readonly Aval[], p: FusedParams): Aval[] {
  const avals: Aval[] = [...inAvals, ...p.consts.map((c) => c.aval)];
  for (const s of p.steps) {
    const ins = s.args.map((r) => avals[r]!);
    avals.push(ins.every((a) => shapesEqual(a.shape, s.aval.shape)) ? s.aval : s.prim.abstractEval(ins, s.params)[0]!);
  }
  return avals;
}

/** Evaluates the steps one primitive kernel at a time (backends without a fused kernel). */
function runSteps(args: readonly ConcreteTensor[], p: FusedParams): ConcreteTensor[] {
  const vals: ConcreteTensor[] = [...args, ...p.consts];
  const avals = valueAvals(args.map((a) => a.aval), p);
  p.steps.forEach((s, k) => vals.push(s.prim.impl(s.args.map((r) => vals[r]!), s.params, [avals[args.length + p.consts.length + k]!])[0]!));
  return p.program.outputs.map((r, i) => broadcastConcrete(vals[r]!, p.outAvals[i]!));
}

function broadcastConcrete(x: ConcreteTensor, to: Aval): ConcreteTensor {
  if (shapesEqual(x.shape, to.shape)) return x;
  const off = to.shape.length - x.ndim;
  return broadcastInDimP.impl([x], { shape: to.shape, dims: x.shape.map((_, i) => i + off) }, [to])[0]!;
}

/** Shortest text of a literal that reads back to its value in its dtype (`1.0001` rather than `1.000100016593933`). */
function literalPretty(value: number, dtype: string): string {
  let s = literalText(value);
  if (dtype === 'float32' && Number.isFinite(value)) {
    for (let digits = 1; digits <= 9; digits++) {
      const t = String(Number(value.toPrecision(digits)));
      if (Math.fround(Number(t)) === value) { s = t; break; }
    }
  }
  const float = dtype === 'float32' || dtype === 'float64';
  return float && /^-?\d+$/.test(s) ? `${s}.0` : s;
}

function refName(p: FusedParams, r: number): string {
  const nIn = p.inAvals.length, nc = p.consts.length;
  if (r < nIn) return `in${r}`;
  if (r < nIn + nc) { const l = p.program.literals[r - nIn]!; return literalPretty(l.value, l.dtype); }
  return `t${r - nIn - nc}`;
}

/** @internal */
export const fusedElementwiseP: Primitive<FusedParams> = definePrimitive<FusedParams>({
  name: 'fused_elementwise',
  abstractEval: (avals, p) => {
    if (avals.length !== p.inAvals.length || avals.some((a, i) => !a.equals(p.inAvals[i]!))) {
      throw new Error(`fused_elementwise: expected inputs ${p.inAvals.map(String).join(', ')}, got ${avals.map(String).join(', ')} (internal error).`);
    }
    return [...p.outAvals];
  },
  impl: (args, p, outs) => {
    const b = getBackend();
    const kernel = b.kernels.fused;
    if (kernel !== undefined) {
      const bufs = args.map((a) => (a.backend === b ? a.buffer() : b.fromTyped(a.readData().slice(), a.aval)));
      const res = kernel.call(b.kernels, p.program, bufs, p.inAvals, outs);
      if (res !== undefined) return res.map((r, i) => new ConcreteTensor(outs[i]!, b, r));
    }
    return runSteps(args, p);
  },
  jvp: (primals, tangents, p) => {
    const avals = valueAvals(primals.map((x) => x.aval), p);
    const P: Tensor[] = [...primals, ...p.consts];
    const T: Tangent[] = [...tangents, ...p.consts.map((c) => new Zero(c.aval))];
    for (const s of p.steps) {
      const ps = s.args.map((r) => P[r]!);
      const ts = s.args.map((r) => T[r]!);
      if (ts.every((t) => t instanceof Zero)) {
        P.push(bind(s.prim, ps, s.params)[0]!);
        T.push(new Zero(avals[P.length - 1]!));
      } else {
        const [[o], [t]] = s.prim.jvp(ps, ts, s.params);
        P.push(o!);
        T.push(t!);
      }
    }
    const outs = p.program.outputs;
    return [
      outs.map((r, i) => broadcastTo(P[r]!, p.outAvals[i]!.shape)),
      outs.map((r, i) => { const t = T[r]!; return t instanceof Zero ? new Zero(p.outAvals[i]!) : broadcastTo(t, p.outAvals[i]!.shape); }),
    ];
  },
  transpose: (cts, args, p) => {
    const nIn = args.length, base = nIn + p.consts.length;
    const linear: boolean[] = args.map((a) => a instanceof UndefPrimal);
    const known: (Tensor | undefined)[] = [...args.map((a) => (a instanceof UndefPrimal ? undefined : a)), ...p.consts];
    p.consts.forEach(() => linear.push(false));
    // Forward: the steps that do not depend on linear inputs are known values.
    for (const s of p.steps) {
      const lin = s.args.some((r) => linear[r]);
      linear.push(lin);
      known.push(lin ? undefined : bind(s.prim, s.args.map((r) => known[r]!), s.params)[0]!);
    }
    const avals = valueAvals(args.map((a) => a.aval), p);
    const ctEnv = new Map<number, Tensor>();
    const accum = (r: number, ct: Tangent | null | undefined): void => {
      if (ct === null || ct === undefined || ct instanceof Zero || !linear[r]) return;
      const prev = ctEnv.get(r);
      ctEnv.set(r, prev === undefined ? ct : add(prev, ct));
    };
    p.program.outputs.forEach((r, i) => accum(r, cts[i] && !(cts[i] instanceof Zero) ? unbroadcast(cts[i] as Tensor, avals[r]!) : null));
    for (let k = p.steps.length - 1; k >= 0; k--) {
      const s = p.steps[k]!, r = base + k;
      const ct = ctEnv.get(r);
      ctEnv.delete(r);
      if (ct === undefined || !linear[r]) continue;
      const rule = s.prim.transpose;
      if (rule === undefined) {
        throw new NonlinearError(`vjp: primitive '${s.prim.name}' (inside fused_elementwise) is not linear in its input, so it cannot be transposed. The function must be linear in the arguments being transposed.`, {
          op: 'vjp', received: s.prim.name,
        });
      }
      const inCts = rule([ct], s.args.map((q) => (linear[q] ? new UndefPrimal(avals[q]!) : known[q]!)), s.params);
      s.args.forEach((q, i) => accum(q, inCts[i]));
    }
    return args.map((_, i) => (linear[i] ? (ctEnv.get(i) ?? new Zero(p.inAvals[i]!)) : null));
  },
  batch: (size, args, dims, p) => {
    const moved = alignBatchFront(args, dims, p.shape.length);
    const shape = [size, ...p.shape];
    const lifted: FusedParams = {
      ...p,
      shape,
      inAvals: moved.map((m) => m.aval),
      outAvals: p.outAvals.map((a) => new Aval(shape, a.dtype)),
      steps: p.steps.map((s) => ({ ...s, aval: new Aval(shape, s.aval.dtype) })),
    };
    const outs = bind(fusedElementwiseP, moved, lifted);
    return [outs, outs.map((): BDim => 0)];
  },
  pretty: (p) => {
    const lines = p.steps.map((s, k) => {
      const extra = s.prim.pretty ? `[${s.prim.pretty(s.params)}]` : '';
      return `t${k}:${shortDType(s.aval.dtype)} = ${s.prim.name}${extra} ${s.args.map((r) => refName(p, r)).join(' ')}`;
    });
    const outs = p.program.outputs.map((r) => refName(p, r)).join(', ');
    return `{ ${lines.join('; ')} } → (${outs})`;
  },
});
