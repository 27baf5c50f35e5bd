/**
 * Executables: a jaxpr compiled once into a flat schedule of kernel calls over raw buffers.
 *
 * ```text
 * registers   one per value: inputs, constants, then every equation output
 * schedule    one closure per equation (core/lowering.ts): kernel + avals + params resolved
 * buffer plan after the step that reads a value for the last time, its buffer is released
 *             (Backend.dispose), unless the value is an output, an input or a constant;
 *             stop_gradient costs nothing: its output shares its operand's register
 * call        read the input buffers, run the steps, wrap only the outputs as tensors
 * ```
 * No interpreter, no `abstractEval`, no tensor objects for intermediates. Used by `jit` when no
 * transformation is active (the current interpreter is the eval interpreter); under any
 * transformation `jit` replays the jaxpr instead, so composition is unchanged.
 *
 * Buffer ownership follows eager evaluation exactly: every kernel result is one owned handle,
 * released once, just as if the user had disposed that intermediate tensor eagerly (a backend
 * whose `reshape` shares data must then keep the shared data alive, as `gpujs` does by reference
 * counting). Kernels allocate their results, so buffers are not reused in place by the plan;
 * releasing them at their last use lets a backend with a buffer pool recycle them within the
 * same call.
 * @module
 */
import type { Backend } from '../backend/backend.js';
import type { Aval } from '../tensor/aval.js';
import { ConcreteTensor, swapCreationHook, type Tensor } from '../tensor/tensor.js';
import type { Jaxpr, Var } from './jaxpr.js';
import { lowerEqn, type Step } from './lowering.js';
import { PRIMITIVES } from './primitives/index.js';
import { Arena, ARENA_SOURCE, type ArenaHost, type Slot } from './arena.js';
import type { DType } from '../tensor/dtype.js';

const BYTE_SIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** @internal A compiled jaxpr for one backend. */
export interface Executable {
  /** The backend whose kernels the schedule calls. */
  readonly backend: Backend;
  /** Number of kernel steps in the schedule. */
  readonly steps: number;
  /** The small-buffer arena, on backends with `useAllocator` (for tests). */
  readonly arena: Arena | undefined;
  /**
   * Runs the schedule on concrete inputs (same avals as the jaxpr's invars). Returns the
   * outputs: a fresh tensor per output value, the input or constant tensor itself when an output
   * is one, `zeroOut(aval)` for a symbolic-zero output.
   */
  run(inputs: readonly ConcreteTensor[], zeroOut: (a: Aval) => Tensor): Tensor[];
}

/** @internal Options of {@link compileJaxpr}. */
export interface CompileOptions {
  /**
   * Wraps each step's kernel call when the program is compiled (profiling: time or count the
   * steps); `label` names the equation, e.g. `3 dot_general f32[64,8],f32[8,32] -> f32[64,32]`.
   */
  readonly wrapStep?: (label: string, step: Step) => Step;
}

/** @internal Compiles `j` for backend `b` (see the module comment). */
export function compileJaxpr(j: Jaxpr, b: Backend, options: CompileOptions = {}): Executable {
  const wrap = options.wrapStep;
  const reg = new Map<Var, number>();
  let n = 0;
  for (const v of j.invars) reg.set(v, n++);
  const nIn = n;
  for (const v of j.constvars) reg.set(v, n++);
  const nFixed = n; // registers below this are owned by the caller (inputs) or the program (constants)

  const steps: Step[] = [];
  const stepIns: number[][] = [];
  const stepOuts: number[][] = [];
  const stepLabels: string[] = [];
  const regAval: Aval[] = [...j.invars, ...j.constvars].map((v) => v.aval);
  for (const e of j.eqns) {
    const ins = e.inputs.map((v) => reg.get(v)!);
    if (e.prim === PRIMITIVES.stop_gradient) {
      reg.set(e.outputs[0]!, ins[0]!); // identity: the same buffer, no kernel
      continue;
    }
    const outs = e.outputs.map((v) => { const r = n++; reg.set(v, r); regAval[r] = v.aval; return r; });
    if (wrap !== undefined) stepLabels.push(`${steps.length} ${e.prim.name} ${e.inputs.map((v) => v.aval.toString()).join(',')} -> ${e.outputs.map((v) => v.aval.toString()).join(',')}`);
    steps.push(lowerEqn(b, e, ins, outs));
    stepIns.push(ins);
    stepOuts.push(outs);
  }
  const outRegs = j.outvars.map((v) => (v === null ? -1 : reg.get(v)!));
  const firstOut = outRegs.map((q) => outRegs.indexOf(q)); // a value output twice is one tensor

  // Liveness: the last step reading each owned register; never-read results die where made.
  const keepAlive = new Set(outRegs);
  const last = new Int32Array(n).fill(-1);
  stepOuts.forEach((outs, s) => { for (const r of outs) last[r] = s; });
  stepIns.forEach((ins, s) => { for (const r of ins) last[r] = s; });
  const release: number[][] = steps.map(() => []);
  for (let r = nFixed; r < n; r++) if (!keepAlive.has(r) && last[r]! >= 0) release[last[r]!]!.push(r);

  // A kernel may return an operand itself (`reshape` does on js/wasm): a result that is an input's
  // or a constant's buffer belongs to the caller or the program, so its register must not release it
  // (that would hand the caller's live buffer back to a pool while the caller still holds it).
  const aliasesFixed = (r: unknown[], buf: unknown): boolean => {
    for (let i = 0; i < nFixed; i++) if (r[i] === buf) return true;
    return false;
  };

  // A kernel may also return an operand that is an intermediate (`reshape`, a transpose that only
  // moves unit axes): two registers then hold one buffer, and it may go back only when both are
  // dead. Such sharing is seen at run time (out === in after the step) and counted here; the
  // count is per call. (Arena arrays are counted by their slots instead.)
  const shared = new Map<unknown, number>();
  const noteShared = (r: unknown[], ins: readonly number[], buf: unknown): void => {
    for (let i = 0; i < ins.length; i++) {
      if (ins[i]! >= nFixed && r[ins[i]!] === buf) { shared.set(buf, (shared.get(buf) ?? 0) + 1); return; }
    }
  };
  /** Drops one register's hold on a shared buffer; false when the buffer is not shared. */
  const dropShared = (buf: unknown): boolean => {
    if (shared.size === 0) return false;
    const extra = shared.get(buf);
    if (extra === undefined) return false;
    if (extra > 1) shared.set(buf, extra - 1);
    else shared.delete(buf);
    return true;
  };
  const releaseReg = (r: unknown[], q: number): void => {
    const buf = r[q];
    r[q] = undefined;
    if (!dropShared(buf) && !aliasesFixed(r, buf)) b.dispose(buf);
  };

  // One closure per step, release folded in, so the call loop is a plain array walk. With an
  // arena, a step's results are found among the arrays the arena handed out during the step
  // (or among its operands, for a kernel returning one), and each register keeps its array's
  // slot: holding and releasing it is then a count update. A released arena array goes back to
  // the arena instead of the backend.
  const arena = b.useAllocator !== undefined ? new Arena((b as Backend & ArenaHost)[ARENA_SOURCE]) : undefined;
  /** Per register, the arena slot of the array it holds (undefined: not the arena's). */
  const slots: (Slot | undefined)[] = new Array(n).fill(undefined);
  const schedule: Step[] = steps.map((step0, s) => {
    const rel = release[s]!;
    const outs = stepOuts[s]!;
    const ins = stepIns[s]!;
    const step = wrap === undefined ? step0 : wrap(stepLabels[s]!, step0);
    if (arena === undefined) {
      return (r) => {
        step(r);
        for (let o = 0; o < outs.length; o++) noteShared(r, ins, r[outs[o]!]);
        for (let i = 0; i < rel.length; i++) releaseReg(r, rel[i]!);
      };
    }
    return (r) => {
      step(r);
      for (let o = 0; o < outs.length; o++) {
        const q = outs[o]!, buf = r[q];
        let slot = arena.claim(buf);
        if (slot === undefined) {
          for (let i = 0; i < ins.length; i++) if (r[ins[i]!] === buf) { slot = slots[ins[i]!]; break; }
        }
        if (slot !== undefined) { arena.hold(slot); slots[q] = slot; } else noteShared(r, ins, buf);
      }
      arena.sweep();
      for (let i = 0; i < rel.length; i++) {
        const q = rel[i]!;
        const slot = slots[q];
        if (slot !== undefined) {
          slots[q] = undefined;
          r[q] = undefined;
          arena.drop(slot);
        } else releaseReg(r, q);
      }
    };
  });
  const take = arena === undefined ? undefined : (d: DType, size: number, zero: boolean) => arena.take(d, size, zero);

  // Output registers the program computes (not inputs or constants): their small arrays leave
  // the arena at the end of a call as copies (Arena.leave), into a chunk with room for
  // `outBytes` (their 8-byte rounded sizes above 64 bytes and below 16 KiB, an upper bound).
  const ownOut = [...new Set(outRegs.filter((q) => q >= nFixed))];
  const nOwnOut = ownOut.length;
  let outBytes = 0;
  for (const q of ownOut) {
    const a = regAval[q]!, bytes = a.size * BYTE_SIZE[a.dtype];
    if (bytes > 64 && bytes < 16_384) outBytes += (bytes + 7) & ~7;
  }
  const consts = j.consts;
  const outAvals = j.outAvals;
  const nOut = outRegs.length;
  /** The register array, reused by calls (cleared at the end of each), and whether a call is running. */
  const regs: unknown[] = new Array(n).fill(undefined);
  let busy = false;
  /** Per output register, whether this call's result is a copy made by the arena (Arena.leave). */
  const copied: boolean[] = new Array(n).fill(false);
  return {
    backend: b,
    steps: schedule.length,
    arena,
    run(inputs, zeroOut) {
      // A call made while another runs (a kernel calling back into the same program) gets
      // registers of its own; with an arena it cannot run (the slots are per call).
      const outer = busy;
      if (outer && arena !== undefined) throw new Error('jit: an executable was re-entered while running (a kernel called the same jitted program)');
      const r = outer ? new Array<unknown>(n).fill(undefined) : regs;
      busy = true;
      try {
        for (let i = 0; i < nIn; i++) {
          const t = inputs[i]!;
          r[i] = t.backend === b ? t.buffer('jit') : b.fromTyped(t.readData().slice(), t.aval);
        }
        for (let i = nIn; i < nFixed; i++) {
          const c = consts[i - nIn] as ConcreteTensor; // jit compiles only programs with concrete constants
          r[i] = c.backend === b ? c.buffer('jit') : b.fromTyped(c.readData().slice(), c.aval);
        }
        const hook = swapCreationHook(null); // tensors made by fallback steps are not the user's
        const restore = take === undefined ? undefined : b.useAllocator!(take);
        let failed = true;
        try {
          for (let s = 0; s < schedule.length; s++) schedule[s]!(r);
          if (arena !== undefined && nOwnOut > 0) {
            arena.reserve(outBytes);
            for (let i = 0; i < nOwnOut; i++) {
              const q = ownOut[i]!, slot = slots[q];
              copied[q] = false;
              if (slot === undefined) continue;
              const v = arena.leave(slot);
              copied[q] = v !== slot.a; // a fresh copy: no backend pool or heap counts its owners
              r[q] = v;
              slots[q] = undefined;
            }
          }
          failed = false;
        } finally {
          if (restore !== undefined) restore();
          shared.clear();
          if (arena !== undefined) {
            arena.endCall(slots, failed);
            slots.fill(undefined);
          }
          swapCreationHook(hook);
        }
        const outs: Tensor[] = new Array(nOut);
        for (let i = 0; i < nOut; i++) {
          const q = outRegs[i]!;
          if (q < 0) outs[i] = zeroOut(outAvals[i]!);
          else if (q < nIn) outs[i] = inputs[q]!;
          else if (q < nFixed) outs[i] = consts[q - nIn]!;
          else outs[i] = firstOut[i]! < i ? outs[firstOut[i]!]! : new ConcreteTensor(outAvals[i]!, b, r[q], copied[q]);
        }
        return outs;
      } finally {
        r.fill(undefined); // the registers hold nothing between calls (no buffer is kept alive)
        busy = outer;
      }
    },
  };
}
