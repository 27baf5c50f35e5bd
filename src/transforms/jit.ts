/**
 * `jit`: stage a function once per input signature, fuse its elementwise chains, replay.
 *
 * ```text
 * program(x) = fuse(cse(simplify(makeJaxpr(f)(x))))     cached by (tree structure, avals, non-tensor values)
 * jit(f)(x)   = compile(program(x)).run(x)             no transformation active
 *             = evalJaxpr(program(x), x)               under a transformation (composition)
 * ```
 * On the first call with a new signature `f` is traced into a jaxpr (work that does not depend
 * on the arguments runs once, at trace time, and is captured as constants; side effects in `f`
 * happen only then). The jaxpr is then optimized: algebraic simplification (`core/simplify.ts`:
 * sums over a batch of squared outer products become products of squares), then dead
 * equations are dropped and maximal chains of elementwise equations of one output shape (arithmetic, comparisons, `where`,
 * casts, transcendental maps, with scalar constants inlined) become single `fused_elementwise`
 * equations. On the `js` and `wasm` backends each fused equation runs as one generated loop
 * with no intermediate arrays, bit-identical to the unfused kernels (see
 * `docs/architecture.md`, "jit and fusion").
 *
 * Execution: with no transformation active, the optimized program runs as an executable
 * (`core/executable.ts`): compiled once per signature into a flat schedule of direct kernel
 * calls over raw buffers, every aval and parameter resolved, intermediates released after their
 * last use, only the outputs wrapped as tensors. `compile: false` replays instead; both are
 * bit-identical to eager evaluation (common subexpressions are merged only where the kernels are
 * deterministic, i.e. always).
 *
 * Composition: under a transformation the optimized program is replayed by binding its equations under whatever
 * transformation is active. `fused_elementwise` differentiates by re-binding the original
 * primitives (so `grad(jit(f))` and `jvp(jit(f))` compute exactly what `grad(f)` does), and
 * batches into a fused kernel over the batched shape (so `vmap(jit(f))` stays fused). Whenever
 * a staging transformation is active (`makeJaxpr(jit(f))`, `jit(jit(f))`, `grad(jit(f))`, whose
 * linearization stages the tangents) the simplified but unfused program is replayed instead: staged jaxprs
 * never contain fused equations, an outer `jit` fuses across the boundary, and derivatives
 * are built from exactly the primitives `f` uses.
 * `jit(grad(f))`, `jit(vmap(f))` and `jit(vmap(grad(f)))` stage the whole transformed
 * computation, which is where fusion pays most.
 *
 * Inspect what runs with `jitted.lower(...args)`: the traced and the optimized jaxprs and the
 * number of fused kernels.
 *
 * The cache key (`core/cache-key.ts`) covers everything the trace depends on: the pytree
 * structure of every argument, the aval of every tensor leaf, and the *value* of every other
 * leaf and of every static argument. Non-tensor leaves are static: JS numbers are compared with
 * `Object.is` (so `NaN` matches `NaN`, `0` and `-0` differ), strings, booleans, `null` and
 * `undefined` by value, functions and other objects by identity; static arguments (see
 * {@link JitOptions.staticArgnums}) additionally compare plain arrays and plain objects
 * structurally. Why numbers are static rather than traced scalars (as in JAX): in curvax's ops
 * layer a JS number is a weakly-typed constant that takes its operand's dtype (`int32` stays
 * `int32`) and may also be a shape, an axis or a loop bound; the tensor layer has no
 * weakly-typed avals, so a traced scalar would change promotion and break those uses, and
 * jitted results would no longer equal eager ones bit for bit. The price is one trace per
 * distinct value: pass a value that changes on every call (a learning-rate schedule) as a
 * scalar tensor, e.g. `tensor(lr)`, which is traced. The cache keeps the
 * 64 most recently used programs per jitted function.
 * @module
 */
import { ConcreteTensor, Tensor } from '../tensor/tensor.js';
import { stageFlat } from '../core/flat.js';
import { keep } from '../core/scope.js';
import { fuseElementwise } from '../core/fusion.js';
import { eliminateCommonSubexpressions } from '../core/cse.js';
import { simplifyJaxpr } from '../core/simplify.js';
import { currentInterpreter, evalInterpreter, type Interpreter } from '../core/interpreter.js';
import { compileJaxpr, type Executable } from '../core/executable.js';
import { getBackend } from '../backend/backend.js';
import { StageInterpreter } from '../core/interpreters/stage.js';
import { evalJaxprFlat, type Jaxpr } from '../core/jaxpr.js';
import { instantiate } from '../core/primitives/_rules.js';
import { Zero } from '../core/zero.js';
import type { Aval } from '../tensor/aval.js';
import { flatten, unflatten, type Tree, type TreeDef } from '../tree/tree.js';
import { jitCacheKey } from '../core/cache-key.js';
import { recordSignature, treeBuilder, type Signature } from '../core/signature.js';
import { disposeDonated, donationSet } from '../core/donation.js';

/**
 * Options of {@link jit}.
 * @example
 * ```ts
 * const pw = jit((x: Tensor, n: number) => x.pow(n), { staticArgnums: [1] });
 * const plain = jit(f, { fuse: false }); // replay primitive by primitive
 * const step = jit(trainStep, { donateArgnums: [0, 1] }); // params and optimizer state consumed
 * ```
 */
export interface JitOptions {
  /**
   * Positional arguments that are compile-time constants rather than pytrees of tensors. They
   * are part of the cache key: numbers compared with `Object.is` (`NaN` equals `NaN`, `0` and
   * `-0` differ), strings/booleans/`null`/`undefined` by value, plain arrays and plain objects
   * structurally, functions and other objects by identity (mutating such an object between
   * calls is not detected). @defaultValue []
   */
  readonly staticArgnums?: readonly number[];
  /** Fuse elementwise chains into single kernels. `false` replays the (simplified) traced jaxpr primitive by primitive. @defaultValue true */
  readonly fuse?: boolean;
  /**
   * Compile each optimized program into an executable (a flat schedule of kernel calls over raw
   * buffers, intermediates released at their last use) that runs whenever no transformation is
   * active. `false` replays the program equation by equation through the interpreter, as under
   * a transformation; results are bit-identical either way. @defaultValue true
   */
  readonly compile?: boolean;
  /**
   * Positional arguments whose tensors the call consumes: once a call on concrete values (no
   * transformation active) has returned, they are disposed, so that their memory serves the next
   * call's results instead of fresh memory. For steps like `p = step(p, state, x)`, where the old
   * values are never used again; using a donated tensor afterwards throws `DisposedTensorError`.
   * A tensor that is also a result, appears in an argument not donated, or was captured by the
   * traced function is kept. Under a transformation nothing is disposed. Results are the same
   * bits either way. @defaultValue []
   */
  readonly donateArgnums?: readonly number[];
}

/**
 * A jitted function: callable like `f`, plus cache statistics and {@link JittedFunction.lower}.
 * @typeParam F - the type of the compiled function.
 * @example
 * ```ts
 * const f = jit((x: Tensor) => x.mul(2).add(1).exp());
 * f(ones([3]));
 * f.traces;                          // 1
 * f.lower(ones([3])).fusedGroups;    // 1: mul, add and exp run as one kernel
 * ```
 */
export interface JittedFunction<F extends (...args: any[]) => any> {
  (...args: Parameters<F>): ReturnType<F>;
  /** Number of traces so far (a retrace happens for each new input signature). */
  readonly traces: number;
  /** Number of calls served from the cache. */
  readonly hits: number;
  /** Forgets every cached program. */
  clear(): void;
  /**
   * The program that runs for these arguments (traced and cached if new, without running it).
   * `optimized` is what calls replay; `toString()` prints it, fused equations as
   * `fused_elementwise[{ t0:f32 = mul in0 2.0; t1:f32 = add t0 1.0; … } → (t1)]`.
   * @example
   * ```ts
   * const low = jit((x: Tensor) => x.mul(2).add(1).tanh().sum()).lower(ones([8]));
   * low.fusedGroups;            // 1 (mul, add, tanh fused; sum is a reduction)
   * console.log(low.toString());
   * ```
   */
  lower(...args: Parameters<F>): {
    /** The traced jaxpr, before optimization (what `makeJaxpr` shows). */
    readonly jaxpr: Jaxpr;
    /** The optimized jaxpr that calls replay: simplified, then fused (only simplified with `fuse: false`). */
    readonly optimized: Jaxpr;
    /** Number of `fused_elementwise` equations (fused kernels) in `optimized`. */
    readonly fusedGroups: number;
    /** Number of traced equations absorbed into them. */
    readonly fusedEqns: number;
    /** The printed optimized jaxpr. */
    toString(): string;
  };
}

/** Programs a jitted function keeps: the least recently used one is dropped beyond this. */
const MAX_CACHE_ENTRIES = 64;

interface Entry {
  /** As traced. */
  readonly jaxpr: Jaxpr;
  /** After algebraic simplification: what staging transformations replay. */
  readonly simplified: Jaxpr;
  /** Simplified and fused: what every other call replays. */
  readonly optimized: Jaxpr;
  readonly fusedGroups: number;
  readonly fusedEqns: number;
  readonly outDef: TreeDef;
  /** `unflatten(outDef, ·)`, compiled once. */
  readonly build: (leaves: readonly unknown[]) => unknown;
  /** The compiled `optimized` program (made on the first call outside any transformation). */
  exe?: Executable;
}

/**
 * Compiles `f` for each distinct input signature (pytree structure, shapes, dtypes and static
 * arguments), fuses its elementwise chains into single kernels, and replays the cached program
 * on later calls. Composes with every transformation, in either order.
 * @typeParam F - the type of the function being compiled.
 * @param f - a pure function of tensors (pytrees of tensors) and static arguments.
 * @param options - static arguments and fusion switch, see {@link JitOptions}.
 * @returns the compiled function, with cache statistics and `lower`.
 * @example
 * ```ts
 * const f = jit((x: Tensor) => x.mul(2).exp().sum());
 * f(ones([3])); f(ones([3]));   // traced once, replayed once
 * f.traces; // 1
 * const perExample = jit(vmap(grad(loss), { inAxes: [null, 0, 0] }));
 * ```
 */
export function jit<F extends (...args: any[]) => any>(f: F, options: JitOptions = {}): JittedFunction<F> {
  const cache = new Map<string, Entry>();
  const statics = new Set(options.staticArgnums ?? []);
  const fuse = options.fuse ?? true;
  const compile = options.compile ?? true;
  const donated = donationSet(options.donateArgnums ?? [], statics);
  let traces = 0, hits = 0;
  /** The signature of the most recently used program, checked first without building a key. */
  let last: { readonly sig: Signature; readonly entry: Entry } | undefined;

  const prepare = (args: unknown[], countHit: boolean): [Entry, Tensor[]] => {
    if (last !== undefined) {
      const inputs = last.sig.match(args);
      if (inputs !== undefined) {
        if (countHit) hits++;
        return [last.entry, inputs]; // already the most recently used entry
      }
    }
    const dynIdx = args.map((_, i) => i).filter((i) => !statics.has(i));
    const staticIdx = [...statics];
    const staticVals = staticIdx.map((i) => args[i]);
    const defs: TreeDef[] = [];
    const leaves: unknown[] = [];
    for (const i of dynIdx) {
      const [ls, d] = flatten(args[i] as Tree<unknown>);
      defs.push(d);
      leaves.push(...ls);
    }
    const tensors = leaves.map((l) => (l instanceof Tensor ? l : null));
    const inputs = tensors.filter((t): t is Tensor => t !== null);
    const key = jitCacheKey(defs, leaves, staticVals);
    let entry = cache.get(key);
    const remember = (e: Entry) => { last = { sig: recordSignature(args.length, dynIdx, defs, leaves, staticIdx, staticVals), entry: e }; };
    if (entry) {
      if (countHit) hits++;
      cache.delete(key); // most recently used last
      cache.set(key, entry);
      remember(entry);
      return [entry, inputs];
    }
    traces++;
    let outDef: TreeDef | undefined;
    const jaxpr = stageFlat((ins) => {
      let k = 0;
      const rebuilt = [...args];
      dynIdx.forEach((i, j) => {
        const d = defs[j]!;
        const ls = leaves.slice(k, k + d.numLeaves).map((l, m) => (tensors[k + m] ? ins[tensorIndex(tensors, k + m)]! : l));
        rebuilt[i] = unflatten(d, ls);
        k += d.numLeaves;
      });
      const [o, od] = flatten(f(...rebuilt) as Tree<Tensor>);
      outDef = od;
      return o;
    }, inputs.map((t) => t.aval), 'jit');
    const simplified = simplifyJaxpr(jaxpr);
    if (fuse) {
      const { jaxpr: optimized, stats } = fuseElementwise(eliminateCommonSubexpressions(simplified));
      entry = { jaxpr, simplified, optimized, fusedGroups: stats.fusedGroups, fusedEqns: stats.fusedEqns, outDef: outDef!, build: treeBuilder(outDef!) };
    } else {
      entry = { jaxpr, simplified, optimized: simplified, fusedGroups: 0, fusedEqns: 0, outDef: outDef!, build: treeBuilder(outDef!) };
    }
    // Constants computed while tracing belong to the cached program, not to any enclosing scope().
    keep([entry.jaxpr.consts, entry.simplified.consts, entry.optimized.consts]);
    cache.set(key, entry);
    if (cache.size > MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    remember(entry);
    return [entry, inputs];
  };

  const call = (...args: unknown[]): unknown => {
    // the most recently used program first, without building a key
    let entry: Entry | undefined, inputs: Tensor[] | undefined;
    if (last !== undefined && (inputs = last.sig.match(args)) !== undefined) {
      hits++;
      entry = last.entry;
    } else [entry, inputs] = prepare(args, true);
    const eager = currentInterpreter() === evalInterpreter;
    if (compile && eager) {
      const outs = runCompiled(entry, inputs);
      if (outs !== undefined) {
        if (donated.size > 0) disposeDonated(args, donated, outs, entry.optimized.consts);
        return entry.build(outs);
      }
    }
    const program = underStaging() ? entry.simplified : entry.optimized;
    const outs = evalJaxprFlat(program, inputs, (a) => instantiate(new Zero(a)));
    if (eager && donated.size > 0) disposeDonated(args, donated, outs, program.consts);
    return entry.build(outs);
  };
  const lower = (...args: unknown[]) => {
    const [e] = prepare(args, false);
    return { jaxpr: e.jaxpr, optimized: e.optimized, fusedGroups: e.fusedGroups, fusedEqns: e.fusedEqns, toString: () => e.optimized.toString() };
  };
  Object.defineProperties(call, {
    traces: { get: () => traces },
    hits: { get: () => hits },
    clear: { value: () => { cache.clear(); last = undefined; } },
    lower: { value: lower },
  });
  return call as unknown as JittedFunction<F>;
}

/** Runs the entry's executable (compiled now if new or for another backend); undefined when the replay must run. */
function runCompiled(entry: Entry, inputs: readonly Tensor[]): Tensor[] | undefined {
  for (let i = 0; i < inputs.length; i++) if (!(inputs[i] instanceof ConcreteTensor)) return undefined; // a leaked tracer: replay reports it
  const b = getBackend();
  let exe = entry.exe;
  if (exe === undefined || exe.backend !== b) {
    if (!entry.optimized.consts.every((c) => c instanceof ConcreteTensor)) return undefined;
    exe = entry.exe = compileJaxpr(entry.optimized, b);
  }
  return exe.run(inputs as readonly ConcreteTensor[], zeroOf);
}

function zeroOf(a: Aval): Tensor {
  return instantiate(new Zero(a));
}

/**
 * Whether a staging interpreter (makeJaxpr, an outer jit, linearize) is active anywhere below
 * the current one: staged jaxprs then record the unfused program, so `fused_elementwise`
 * equations only ever exist in jit's optimized programs (and an outer jit fuses across).
 */
function underStaging(): boolean {
  for (let i: Interpreter | null = currentInterpreter(); i !== null; i = i.parent) if (i instanceof StageInterpreter) return true;
  return false;
}

function tensorIndex(tensors: readonly (Tensor | null)[], upTo: number): number {
  let n = 0;
  for (let i = 0; i < upTo; i++) if (tensors[i]) n++;
  return n;
}
