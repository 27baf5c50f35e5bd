/**
 * `jit`: stage a function once per input signature and replay the staged program.
 *
 * ```text
 * jit(f)(x) = evalJaxpr(makeJaxpr(f)(x), x)      cached by (tree structure, shapes, dtypes)
 * ```
 * The staged program runs primitive by primitive under whatever transformation is active, so
 * `grad(jit(f))`, `jit(grad(f))` and `vmap(jit(f))` all work. Work that does not depend on the
 * arguments is done once at trace time and captured as constants. Side effects in `f` (logging,
 * reading values) happen only when tracing.
 * @module
 */
import { Tensor } from '../tensor/tensor.js';
import { stageFlat } from '../core/flat.js';
import { simplifyJaxpr } from '../core/simplify.js';
import { evalJaxprFlat, type Jaxpr } from '../core/jaxpr.js';
import { instantiate } from '../core/primitives/_rules.js';
import { Zero } from '../core/zero.js';
import { flatten, unflatten, type Tree, type TreeDef } from '../tree/tree.js';

/** Options of {@link jit}. */
export interface JitOptions {
  /** Positional arguments that are not tensors but compile-time constants (part of the cache key, compared with `JSON.stringify`). @defaultValue [] */
  readonly staticArgnums?: readonly number[];
}

/**
 * A jitted function: callable like `f`, plus cache statistics.
 * @typeParam F - the type of the compiled function.
 */
export interface JittedFunction<F extends (...args: any[]) => any> {
  (...args: Parameters<F>): ReturnType<F>;
  /** Number of traces so far (a retrace happens for each new input signature). */
  readonly traces: number;
  /** Number of calls served from the cache. */
  readonly hits: number;
  /** Forgets every cached program. */
  clear(): void;
}

interface Entry {
  readonly jaxpr: Jaxpr;
  readonly outDef: TreeDef;
}

function signature(leaves: readonly unknown[], defs: readonly TreeDef[], statics: readonly unknown[]): string {
  const parts = leaves.map((l) => (l instanceof Tensor ? l.aval.toString() : `#${typeof l}`));
  return `${defs.map((d) => d.toString()).join('|')}::${parts.join(',')}::${JSON.stringify(statics)}`;
}

/**
 * Compiles `f` for each distinct input signature (pytree structure, shapes, dtypes and static
 * arguments) and replays the cached program on later calls.
 * @typeParam F - the type of the function being compiled.
 * @example
 * ```ts
 * const f = jit((x: Tensor) => x.mul(2).exp().sum());
 * f(ones([3])); f(ones([3]));   // traced once, replayed once
 * f.traces; // 1
 * ```
 */
export function jit<F extends (...args: any[]) => any>(f: F, options: JitOptions = {}): JittedFunction<F> {
  const cache = new Map<string, Entry>();
  const statics = new Set(options.staticArgnums ?? []);
  let traces = 0, hits = 0;
  const call = (...args: unknown[]): unknown => {
    const dynIdx = args.map((_, i) => i).filter((i) => !statics.has(i));
    const staticVals = [...statics].map((i) => args[i]);
    const defs: TreeDef[] = [];
    const leaves: unknown[] = [];
    for (const i of dynIdx) {
      const [ls, d] = flatten(args[i] as Tree<unknown>);
      defs.push(d);
      leaves.push(...ls);
    }
    const tensors = leaves.map((l) => (l instanceof Tensor ? l : null));
    const key = signature(leaves, defs, staticVals);
    let entry = cache.get(key);
    if (entry) hits++;
    else {
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
      }, tensors.filter((t): t is Tensor => t !== null).map((t) => t.aval), 'jit');
      entry = { jaxpr: simplifyJaxpr(jaxpr), outDef: outDef! };
      cache.set(key, entry);
    }
    const outs = evalJaxprFlat(entry.jaxpr, tensors.filter((t): t is Tensor => t !== null), (a) => instantiate(new Zero(a)));
    return unflatten(entry.outDef, outs);
  };
  Object.defineProperties(call, {
    traces: { get: () => traces },
    hits: { get: () => hits },
    clear: { value: () => cache.clear() },
  });
  return call as unknown as JittedFunction<F>;
}

function tensorIndex(tensors: readonly (Tensor | null)[], upTo: number): number {
  let n = 0;
  for (let i = 0; i < upTo; i++) if (tensors[i]) n++;
  return n;
}
