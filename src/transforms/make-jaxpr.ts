/**
 * `makeJaxpr` and `evalJaxpr`: staging a function into the printable IR and replaying it.
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { stageFlat } from '../core/flat.js';
import { evalJaxprFlat, type Jaxpr } from '../core/jaxpr.js';
import { instantiate } from '../core/primitives/_rules.js';
import { Zero } from '../core/zero.js';
import { TransformError } from '../errors.js';
import { unflatten, type TreeDef } from '../tree/tree.js';
import { checkFunction, tensorLeaves } from './common.js';
import { describeValue } from '../tensor/shape.js';

/**
 * A staged function: the jaxpr plus the pytree structures of its inputs and outputs.
 * @example
 * ```ts
 * const staged = makeJaxpr((x: Tensor) => x.exp().sum())(ones([3]));
 * staged.toString(); // '{ lambda ; a:f32[3]. let b:f32[3] = exp a ... }'
 * ```
 */
export class StagedFunction {
  /** @internal */
  constructor(
    /** The jaxpr. */
    readonly jaxpr: Jaxpr,
    /** Structure of each positional argument. */
    readonly inDefs: readonly TreeDef[],
    /** Structure of the output. */
    readonly outDef: TreeDef,
  ) {}
  /** The printed jaxpr. */
  toString(): string {
    return this.jaxpr.toString();
  }
}

/**
 * Traces `f` on the shapes and dtypes of example arguments and returns its jaxpr.
 * Operations that do not depend on the arguments are evaluated once and captured as constants.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * console.log(makeJaxpr((x: Tensor) => x.mul(2).sum())(ones([3])).toString());
 * ```
 */
export function makeJaxpr<F extends (...args: any[]) => any>(f: F): (...args: Parameters<F>) => StagedFunction {
  checkFunction('makeJaxpr', f);
  return (...args) => {
    const op = 'makeJaxpr';
    const leaves: Tensor[] = [], defs: TreeDef[] = [];
    args.forEach((a, i) => {
      const [ls, d] = tensorLeaves(op, a, `argument ${i}`);
      leaves.push(...ls);
      defs.push(d);
    });
    let outDef: TreeDef | undefined;
    const jaxpr = stageFlat((ls) => {
      let k = 0;
      const rebuilt = defs.map((d) => unflatten(d, ls.slice(k, (k += d.numLeaves))));
      const [o, d] = tensorLeaves(op, f(...rebuilt), 'output');
      outDef = d;
      return o;
    }, leaves.map((l) => l.aval));
    return new StagedFunction(jaxpr, defs, outDef!);
  };
}

/**
 * Evaluates a staged function on new arguments of the same shapes (under any active transformation).
 * @throws {TransformError} when the argument count or avals differ.
 * @example
 * ```ts
 * const staged = makeJaxpr(f)(x);
 * evalJaxpr(staged, x2); // equals f(x2)
 * ```
 */
export function evalJaxpr(staged: StagedFunction, ...args: unknown[]): any {
  const op = 'evalJaxpr';
  if (!(staged instanceof StagedFunction)) throw new TransformError(`${op}: staged must be the result of makeJaxpr(f)(...args), got ${describeValue(staged)}.`, { op, argument: 'staged', received: describeValue(staged) });
  if (args.length !== staged.inDefs.length) throw new TransformError(`${op}: expected ${staged.inDefs.length} argument(s), got ${args.length}.`, { op });
  const leaves: Tensor[] = [];
  args.forEach((a, i) => leaves.push(...tensorLeaves(op, a, `argument ${i}`)[0]));
  leaves.forEach((l, i) => {
    const v = staged.jaxpr.invars[i];
    if (!v || !v.aval.equals(l.aval)) {
      throw new TransformError(`${op}: argument leaf ${i} must be ${v?.aval.toString()}, got ${l.aval.toString()}.`, { op, argument: `leaf ${i}` });
    }
  });
  return unflatten(staged.outDef, evalJaxprFlat(staged.jaxpr, leaves, (a) => instantiate(new Zero(a))));
}
