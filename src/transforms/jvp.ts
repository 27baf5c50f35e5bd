/**
 * `jvp`, `linearize` and `linearTranspose`: forward mode and linear maps on pytrees.
 *
 * ```text
 * jvp(f, x, v) = (f(x), J_f(x) v)
 * linearize(f, x) = (f(x), v ↦ J_f(x) v)   (primal work done once, tangent map staged)
 * linearTranspose(f, x) = u ↦ Jᵀu          for f linear
 * ```
 * @module
 */
import { TransformError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { applyLinear, jvpFlat, linearizeFlat, stageFlat } from '../core/flat.js';
import { backwardPass } from '../core/interpreters/transpose.js';
import { instantiate } from '../core/primitives/_rules.js';
import { assertSameStructure, unflatten, type TreeDef } from '../tree/tree.js';
import { at, checkFunction, checkTensorTree, leafPaths, requireFloatLeaves, tensorLeaves, treesPerArg } from './common.js';
import { describeValue } from '../tensor/shape.js';

function flatArgs(op: string, args: readonly unknown[], what: string): [Tensor[], TreeDef[]] {
  const leaves: Tensor[] = [], defs: TreeDef[] = [];
  args.forEach((a, i) => {
    const [ls, d] = checkTensorTree(op, a, `${what} ${i}`);
    leaves.push(...ls);
    defs.push(d);
  });
  return [leaves, defs];
}

/** `primal i at .path` for leaf `k` of the flattened primals (built only for a message). */
function primalWhere(op: string, args: readonly unknown[]): (k: number) => string {
  return (k) => {
    const all = args.flatMap((a, i) => leafPaths(op, a).map((p) => at(`primal ${i}`, p)));
    return all[k]!;
  };
}

function rebuildArgs(defs: readonly TreeDef[], ls: readonly Tensor[]): unknown[] {
  return treesPerArg(defs, ls);
}

function checkTangents(op: string, primals: readonly Tensor[], tangents: readonly Tensor[], pd: readonly TreeDef[], td: readonly TreeDef[]): void {
  if (pd.length !== td.length) throw new TransformError(`${op}: got ${pd.length} primal(s) but ${td.length} tangent(s).`, { op, argument: 'tangents' });
  pd.forEach((d, i) => assertSameStructure(op, d, td[i]!, `primal ${i} and tangent ${i}`));
  primals.forEach((p, i) => {
    const t = tangents[i]!;
    if (!p.aval.equals(t.aval)) {
      throw new TransformError(`${op}: tangent leaf ${i} must have the primal's shape and dtype ${p.aval.toString()}, got ${t.aval.toString()}.`, {
        op, argument: 'tangents', expected: p.aval.toString(), received: t.aval.toString(),
      });
    }
  });
}

/**
 * Forward mode: the output of `f` at `primals` and its directional derivative along `tangents`.
 * ```text
 * jvp(f, [x], [v]) = [f(x), J_f(x) v]
 * ```
 * @throws {TransformError} when tangents do not match primals in structure, shape or dtype.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * const [y, dy] = jvp((x: Tensor) => x.square(), [tensor([3])], [tensor([1])]);
 * dy.toArray(); // [6]
 * ```
 */
export function jvp<F extends (...args: any[]) => any>(f: F, primals: Parameters<F>, tangents: Parameters<F>): [ReturnType<F>, ReturnType<F>] {
  const op = 'jvp';
  checkFunction(op, f);
  for (const [v, name] of [[primals, 'primals'], [tangents, 'tangents']] as const) {
    if (!Array.isArray(v)) {
      throw new TransformError(`jvp: ${name} must be a list with one entry per argument of f, got ${describeValue(v)}. Write jvp(f, [x], [v]).`, {
        op, argument: name, expected: 'a list', received: describeValue(v),
      });
    }
  }
  const [ps, pd] = flatArgs(op, primals, 'primal');
  const [ts, td] = flatArgs(op, tangents, 'tangent');
  requireFloatLeaves(op, ps, 'primals', primalWhere(op, primals));
  checkTangents(op, ps, ts, pd, td);
  let outDef: TreeDef | undefined;
  const [outs, touts] = jvpFlat((ls) => {
    const [o, d] = tensorLeaves(op, f(...rebuildArgs(pd, ls)), 'output');
    outDef = d;
    return o;
  }, ps, ts);
  return [unflatten(outDef!, outs) as ReturnType<F>, unflatten(outDef!, touts.map(instantiate)) as ReturnType<F>];
}

/**
 * Linearizes `f` at `primals`: returns `f(primals)` and the linear map `v ↦ J v`, evaluated
 * without re-running the primal computation.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * const [y, fJvp] = linearize((x: Tensor) => x.sin(), tensor([0]));
 * fJvp(tensor([2])).toArray(); // [2]
 * ```
 */
export function linearize<F extends (...args: any[]) => any>(f: F, ...primals: Parameters<F>): [ReturnType<F>, (...tangents: Parameters<F>) => ReturnType<F>] {
  const op = 'linearize';
  checkFunction(op, f);
  const [ps, pd] = flatArgs(op, primals, 'primal');
  requireFloatLeaves(op, ps, 'primals', primalWhere(op, primals));
  let outDef: TreeDef | undefined;
  const [outs, jaxpr] = linearizeFlat((ls) => {
    const [o, d] = tensorLeaves(op, f(...rebuildArgs(pd, ls)), 'output');
    outDef = d;
    return o;
  }, ps);
  const lin = (...tangents: unknown[]): ReturnType<F> => {
    const [ts, td] = flatArgs(op, tangents, 'tangent');
    checkTangents(op, ps, ts, pd, td);
    return unflatten(outDef!, applyLinear(jaxpr, ts)) as ReturnType<F>;
  };
  return [unflatten(outDef!, outs) as ReturnType<F>, lin as (...t: Parameters<F>) => ReturnType<F>];
}

/**
 * Transposes a linear function: given example `primals` (only their shapes and dtypes
 * matter), returns `ct ↦ [Jᵀ ct per argument]`.
 * @throws {NonlinearError} when `f` is not linear in its arguments.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * const ft = linearTranspose((x: Tensor) => x.mul(2).sum(), ones([3]));
 * ft(tensor(1))[0].toArray(); // [2, 2, 2]
 * ```
 */
export function linearTranspose<F extends (...args: any[]) => any>(f: F, ...primals: Parameters<F>): (ct: ReturnType<F>) => any[] {
  const op = 'linearTranspose';
  checkFunction(op, f);
  const [ps, pd] = flatArgs(op, primals, 'primal');
  let outDef: TreeDef | undefined;
  const jaxpr = stageFlat((ls) => {
    const [o, d] = tensorLeaves(op, f(...rebuildArgs(pd, ls)), 'output');
    outDef = d;
    return o;
  }, ps.map((p) => p.aval), 'linearTranspose');
  return (ct) => {
    const [cts, d] = tensorLeaves(op, ct, 'cotangent');
    assertSameStructure(op, outDef!, d, 'the cotangent and the output');
    return treesPerArg(pd, backwardPass(jaxpr, cts, op).map(instantiate));
  };
}
