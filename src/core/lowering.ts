/**
 * Lowering of one jaxpr equation to a direct kernel call, for `jit`'s executables.
 *
 * A lowered step is a closure over the backend's kernel table with every aval and parameter
 * of the equation resolved when the program is compiled; at run time it reads its operands'
 * raw buffers from a register array and writes its results' buffers back:
 *
 * ```text
 * eqn  c:f32[64,32] = add a b          →   step(r) { r[5] = k.binary('add', r[1], r[3], ax, ay, out) }
 * ```
 * Each lowering calls exactly the kernel, with exactly the arguments, that the primitive's
 * `impl` passes (`core/primitives/*`), so a lowered program computes what the eval interpreter
 * computes, bit for bit; it only skips `abstractEval` (done at trace time), `getBackend`, the
 * argument checks and the tensor objects. A primitive without a lowering here (or a fused
 * program the backend declines) runs through its `impl` on temporary tensor wrappers.
 * @module
 */
import type { Backend, BinaryOp, ConvParams, DotDims, Kernels, ReduceOp, UnaryOp } from '../backend/backend.js';
import type { Aval } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/tensor.js';
import type { Eqn, Var } from './jaxpr.js';
import type { Primitive } from './primitive.js';
import { valueAvals, type FusedParams } from './primitives/fused-elementwise.js';
import { shapesEqual } from '../tensor/shape.js';
import { PRIMITIVES } from './primitives/index.js';
import { choleskyKernel, triangularSolveKernel, type TriangularSolveParams } from '../backend/js/linalg.js';

/** @internal A compiled step: reads operand buffers from `r`, writes result buffers into it. */
export type Step = (r: unknown[]) => void;

const UNARY = new Set<string>(['neg', 'exp', 'log', 'log1p', 'expm1', 'tanh', 'logistic', 'softplus', 'sqrt', 'abs', 'sign', 'sin', 'cos', 'floor', 'not']);
const BINARY = new Set<string>(['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

type K = Kernels<unknown>;
type Lower = (k: K, p: any, a: readonly Aval[], o: Aval, i: readonly number[], d: number, b: Backend) => Step;

/** A reduction: the backend's planned kernel when it has one, else `reduce` per call. */
function reduceStep(k: K, op: ReduceOp, ax: Aval, axes: readonly number[], o: Aval, x: number, d: number): Step {
  if (k.planReduce === undefined) return (r) => { r[d] = k.reduce(op, r[x], ax, axes, o); };
  const run = k.planReduce(op, ax, axes, o);
  return (r) => { r[d] = run(r[x]); };
}

/** Single-output lowerings by primitive (each mirrors that primitive's `impl`). */
const LOWER = new Map<Primitive<any>, Lower>([
  [PRIMITIVES.select, (k, _p, a, o, [p, x, y], d) => (r) => { r[d] = k.select(r[p!], r[x!], r[y!], a[0]!, a[1]!, a[2]!, o); }],
  [PRIMITIVES.cast, (k, _p, a, o, [x], d) => (r) => { r[d] = k.cast(r[x!], a[0]!, o); }],
  [PRIMITIVES.reduce_sum, (k, { axes }, a, o, [x], d) => reduceStep(k, 'sum', a[0]!, axes, o, x!, d)],
  [PRIMITIVES.reduce_max, (k, { axes }, a, o, [x], d) => reduceStep(k, 'max', a[0]!, axes, o, x!, d)],
  [PRIMITIVES.reduce_min, (k, { axes }, a, o, [x], d) => reduceStep(k, 'min', a[0]!, axes, o, x!, d)],
  [PRIMITIVES.argmax, (k, { axis }, a, o, [x], d) => reduceStep(k, 'argmax', a[0]!, [axis], o, x!, d)],
  [PRIMITIVES.reshape, (k, _p, a, o, [x], d) => (r) => { r[d] = k.reshape(r[x!], a[0]!, o); }],
  [PRIMITIVES.transpose, (k, { perm }, a, o, [x], d) => (r) => { r[d] = k.transpose(r[x!], a[0]!, perm, o); }],
  [PRIMITIVES.broadcast_in_dim, (k, { dims }, a, o, [x], d) => (r) => { r[d] = k.broadcastInDim(r[x!], a[0]!, dims, o); }],
  [PRIMITIVES.slice, (k, { starts }, a, o, [x], d) => (r) => { r[d] = k.slice(r[x!], a[0]!, starts, o); }],
  [PRIMITIVES.pad, (k, { lo }, a, o, [x], d) => (r) => { r[d] = k.pad(r[x!], a[0]!, lo, o); }],
  [PRIMITIVES.concatenate, (k, { axis }, a, o, ins, d) => (r) => { r[d] = k.concat(ins.map((i) => r[i]), a, axis, o); }],
  [PRIMITIVES.take, (k, { axis }, a, o, [x, i], d) => (r) => { r[d] = k.take(r[x!], r[i!], a[0]!, a[1]!, axis, o); }],
  [PRIMITIVES.scatter_add, (k, { axis }, a, o, [i, u], d) => (r) => { r[d] = k.scatterAdd(r[i!], r[u!], a[0]!, a[1]!, axis, o); }],
  [PRIMITIVES.dot_general, (k, p: DotDims, a, o, [x, y], d) => {
    if (k.planDotGeneral === undefined) return (r) => { r[d] = k.dotGeneral(r[x!], r[y!], a[0]!, a[1]!, p, o); };
    const run = k.planDotGeneral(a[0]!, a[1]!, p, o);
    return (r) => { r[d] = run(r[x!], r[y!]); };
  }],
  [PRIMITIVES.iota, (k, { dim }, _a, o, _i, d) => (r) => { r[d] = k.iota(dim, o); }],
  // linear algebra: the backend's kernel, else the host kernel on the buffer's data, as `impl` runs them
  [PRIMITIVES.cholesky, (k, _p, a, o, [x], d, b) => {
    if (k.cholesky !== undefined) return (r) => { r[d] = k.cholesky!(r[x!], a[0]!, o); };
    const ax = a[0]!;
    return (r) => { r[d] = b.fromTyped(choleskyKernel(b.read(r[x!], ax), ax, o), o); };
  }],
  [PRIMITIVES.triangular_solve, (k, p: TriangularSolveParams, a, o, [x, y], d, b) => {
    if (k.triangularSolve !== undefined) return (r) => { r[d] = k.triangularSolve!(r[x!], r[y!], a[0]!, a[1]!, p, o); };
    const ax = a[0]!, ay = a[1]!;
    return (r) => { r[d] = b.fromTyped(triangularSolveKernel(b.read(r[x!], ax), b.read(r[y!], ay), ax, ay, p, o), o); };
  }],
  [PRIMITIVES.random_bits, (k, { dist }, a, o, [key], d) => (r) => { r[d] = k.randomBits(r[key!], a[0]!, dist, o); }],
]);

/**
 * @internal The fallback: the primitive's own `impl` on temporary tensors around the buffers.
 * The caller must have the `scope` creation hook off (the wrappers are not the user's tensors).
 */
function viaImpl(b: Backend, e: Eqn, ins: readonly number[], outs: readonly number[]): Step {
  const inAvals = e.inputs.map((v) => v.aval);
  const outAvals = e.outputs.map((v) => v.aval);
  return (r) => {
    const args = ins.map((i, j) => new ConcreteTensor(inAvals[j]!, b, r[i]));
    const res = e.prim.impl(args, e.params, outAvals);
    for (let j = 0; j < outs.length; j++) r[outs[j]!] = res[j]!.buffer();
  };
}

/**
 * A fused program run one step kernel at a time (what the primitive's `impl` does when the
 * backend has no fused kernel or declines this one), each step lowered like an equation.
 */
function fusedBySteps(b: Backend, p: FusedParams, ins: readonly number[], outs: readonly number[]): Step {
  const nIn = ins.length, base = nIn + p.consts.length;
  const avals = valueAvals(p.inAvals, p);
  const local = (q: number) => ({ aval: avals[q]! }) as unknown as Var;
  const steps = p.steps.map((s, k): Step => {
    const d = base + k;
    if (s.prim === PRIMITIVES.stop_gradient) { const x = s.args[0]!; return (v) => { v[d] = v[x]; }; }
    return lowerEqn(b, { prim: s.prim, params: s.params, inputs: s.args.map(local), outputs: [local(d)] }, s.args, [d]);
  });
  const finals = p.program.outputs.map((q, i): Step => {
    const to = p.outAvals[i]!, from = avals[q]!;
    if (shapesEqual(from.shape, to.shape)) return (v) => { v.push(v[q]); };
    const off = to.shape.length - from.shape.length, dims = from.shape.map((_, a) => a + off);
    return (v) => { v.push(b.kernels.broadcastInDim(v[q], from, dims, to)); };
  });
  // Step results that are neither outputs nor aliases of outputs are released after the run.
  const root = (q: number): number => { while (q >= base && p.steps[q - base]!.prim === PRIMITIVES.stop_gradient) q = p.steps[q - base]!.args[0]!; return q; };
  const kept = new Set(p.program.outputs.filter((q, i) => shapesEqual(avals[q]!.shape, p.outAvals[i]!.shape)).map(root));
  const release = p.steps.map((_, k) => base + k).filter((q) => p.steps[q - base]!.prim !== PRIMITIVES.stop_gradient && !kept.has(q));
  const consts = p.consts;
  return (r) => {
    const v: unknown[] = new Array(base);
    for (let j = 0; j < nIn; j++) v[j] = r[ins[j]!];
    for (let j = 0; j < consts.length; j++) v[nIn + j] = consts[j]!.buffer('jit');
    for (let k = 0; k < steps.length; k++) steps[k]!(v);
    const at = v.length;
    for (let i = 0; i < finals.length; i++) finals[i]!(v);
    for (let i = 0; i < outs.length; i++) r[outs[i]!] = v[at + i];
    for (let i = 0; i < release.length; i++) {
      const buf = v[release[i]!];
      // a kernel may return an operand itself: never release a buffer an input, constant or output still is
      let alias = false;
      for (let j = 0; j < base && !alias; j++) alias = v[j] === buf;
      for (let j = at; j < v.length && !alias; j++) alias = v[j] === buf;
      if (!alias) b.dispose(buf);
    }
  };
}

function lowerFused(b: Backend, e: Eqn, ins: readonly number[], outs: readonly number[]): Step {
  const p = e.params as FusedParams;
  const fused = b.kernels.fused;
  const foreignConst = p.consts.some((c) => c.backend !== b);
  const slow = foreignConst ? viaImpl(b, e, ins, outs) : fusedBySteps(b, p, ins, outs);
  if (fused === undefined) return slow;
  const outAvals = e.outputs.map((v) => v.aval);
  const bufs: unknown[] = new Array(ins.length);
  if (b.kernels.planFused !== undefined) {
    // The backend's choice (its fused kernel, or declining) is made here, once.
    const run = b.kernels.planFused(p.program, p.inAvals, outAvals);
    if (run === undefined) return slow;
    return (r) => {
      for (let j = 0; j < ins.length; j++) bufs[j] = r[ins[j]!];
      const res = run(bufs);
      for (let j = 0; j < outs.length; j++) r[outs[j]!] = res[j];
    };
  }
  return (r) => {
    for (let j = 0; j < ins.length; j++) bufs[j] = r[ins[j]!];
    const res = fused.call(b.kernels, p.program, bufs, p.inAvals, outAvals);
    if (res === undefined) { slow(r); return; }
    for (let j = 0; j < outs.length; j++) r[outs[j]!] = res[j];
  };
}

/**
 * @internal Compiles equation `e` for backend `b`: operands in registers `ins`, results into
 * registers `outs`. (`stop_gradient` never reaches here: the executable aliases its register.)
 */
export function lowerEqn(b: Backend, e: Eqn, ins: readonly number[], outs: readonly number[]): Step {
  const k = b.kernels;
  const a = e.inputs.map((v) => v.aval);
  const prim = e.prim;
  if (prim === PRIMITIVES.fused_elementwise) return lowerFused(b, e, ins, outs);
  if (outs.length === 1) {
    const o = e.outputs[0]!.aval, d = outs[0]!;
    if (UNARY.has(prim.name) && (PRIMITIVES as Record<string, Primitive<any>>)[prim.name] === prim) {
      const op = prim.name as UnaryOp, x = ins[0]!, ax = a[0]!;
      return (r) => { r[d] = k.unary(op, r[x], ax, o); };
    }
    if (BINARY.has(prim.name) && (PRIMITIVES as Record<string, Primitive<any>>)[prim.name] === prim) {
      const op = prim.name as BinaryOp, x = ins[0]!, y = ins[1]!, ax = a[0]!, ay = a[1]!;
      return (r) => { r[d] = k.binary(op, r[x], r[y], ax, ay, o); };
    }
    if (prim === PRIMITIVES.conv_general_dilated && k.conv !== undefined) {
      // the backend's kernel, as `impl` calls it (without one, `impl`'s host reference kernel runs)
      const conv = k.conv.bind(k), p = e.params as ConvParams, x = ins[0]!, w = ins[1]!, ax = a[0]!, aw = a[1]!;
      return (r) => { r[d] = conv(r[x], r[w], ax, aw, p, o); };
    }
    const lower = LOWER.get(prim);
    if (lower !== undefined) return lower(k, e.params, a, o, ins, d, b);
  }
  return viaImpl(b, e, ins, outs);
}
