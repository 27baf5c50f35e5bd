/**
 * `grad`, `valueAndGrad` and `vjp`: reverse-mode differentiation on pytrees.
 *
 * ```text
 * vjp(f, x) = (f(x), u ↦ uᵀ ∂f(x))          grad f (x) = vjp(f, x)[1](1)
 * ```
 * Reverse mode is `linearize` followed by transposition of the linear tangent map.
 * @module
 */
import { TransformError } from '../errors.js';
import { ones } from '../tensor/creation.js';
import { isFloat } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { vjpFlat } from '../core/flat.js';
import { instantiate } from '../core/primitives/_rules.js';
import { Zero, type Tangent } from '../core/zero.js';
import { assertSameStructure, flatten, unflatten, type Tree } from '../tree/tree.js';
import { checkFunction, normArgnums, splitArgs, tensorLeaves, treesPerArg } from './common.js';
import { describeValue } from '../tensor/shape.js';

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions {
  /** Which positional arguments to differentiate. A list returns a list of gradients. @defaultValue 0 */
  readonly argnums?: number | readonly number[];
  /** `f` returns `[loss, aux]`; `aux` is returned alongside, not differentiated. @defaultValue false */
  readonly hasAux?: boolean;
}

function scalarOut(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor) || out.ndim !== 0 || !isFloat(out.dtype)) {
    const got = out instanceof Tensor ? out.aval.toString() : Array.isArray(out) ? 'an array (use hasAux: true for [loss, aux])' : typeof out;
    throw new TransformError(`${op}: function must return a floating-point scalar, got ${got}. Reduce it with .sum() or .mean(), or use jacrev for non-scalar outputs.`, {
      op, argument: 'f', expected: 'f32[] or f64[]', received: got,
    });
  }
  return out;
}

/**
 * Value and gradient of a scalar function, in one pass.
 * ```text
 * valueAndGrad(f)(x) = (f(x), ∇f(x))
 * ```
 * @param f - function of pytrees returning a float scalar (or `[scalar, aux]` with `hasAux`).
 * @returns a function returning `[value, grads]` (or `[[value, aux], grads]` with `hasAux`).
 * @throws {TransformError} when `f` does not return a scalar.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * const [v, g] = valueAndGrad((x: Tensor) => x.square().sum())(tensor([1, 2]));
 * v.item(); g.toArray(); // 5, [2, 4]
 * ```
 */
export function valueAndGrad<F extends (...args: any[]) => any>(f: F, options: GradOptions = {}): (...args: Parameters<F>) => [any, any] {
  return valueAndGradAs('valueAndGrad', f, options);
}

function valueAndGradAs<F extends (...args: any[]) => any>(op: string, f: F, options: GradOptions): (...args: Parameters<F>) => [any, any] {
  checkFunction(op, f);
  if (typeof options !== 'object' || options === null) throw new TransformError(`${op}: options must be { argnums?, hasAux? }, got ${describeValue(options)}.`, { op, argument: 'options', received: describeValue(options) });
  return (...args) => {
    const argnums = normArgnums(op, options.argnums ?? 0, args.length);
    const { leaves, defs, rebuild } = splitArgs(op, args, argnums);
    let aux: unknown;
    let auxDef: ReturnType<typeof flatten>[1] | undefined;
    const flatF = (ls: Tensor[]): Tensor[] => {
      const out = f(...rebuild(ls));
      if (!options.hasAux) return [scalarOut(op, out)];
      if (!Array.isArray(out) || out.length !== 2) throw new TransformError(`${op}: with hasAux, f must return [loss, aux], got ${typeof out}.`, { op, argument: 'f' });
      const [auxLeaves, d] = flatten(out[1] as Tree<unknown>);
      auxDef = d;
      aux = auxLeaves;
      return [scalarOut(op, out[0]), ...(auxLeaves.filter((l) => l instanceof Tensor) as Tensor[])];
    };
    const [outs, back] = vjpFlat(flatF, leaves);
    const cts: Tangent[] = outs.map((o, i) => (i === 0 ? ones([], o.dtype) : new Zero(o.aval)));
    const grads = back(cts).map(instantiate);
    const perArg = treesPerArg(defs, grads);
    const g = typeof (options.argnums ?? 0) === 'number' ? perArg[0] : perArg;
    if (!options.hasAux) return [outs[0], g];
    let k = 1;
    const auxOut = unflatten(auxDef!, (aux as unknown[]).map((l) => (l instanceof Tensor ? outs[k++] : l)));
    return [[outs[0], auxOut], g];
  };
}

/**
 * Gradient of a scalar function with respect to its `argnums` arguments (pytrees allowed).
 * ```text
 * grad(f)(x) = ∇f(x) = vjp(f, x)[1](1)
 * ```
 * @throws {TransformError} when `f` does not return a floating-point scalar.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * grad((x: Tensor) => x.square().sum())(tensor([1, 2])).toArray(); // [2, 4]
 * grad((p: { w: Tensor }) => p.w.sum())({ w: ones([2]) }); // { w: [1, 1] }
 * ```
 */
export function grad<F extends (...args: any[]) => any>(f: F, options: GradOptions = {}): (...args: Parameters<F>) => any {
  const vg = valueAndGradAs('grad', f, options);
  return (...args) => {
    const [v, g] = vg(...args);
    return options.hasAux ? [g, v[1]] : g;
  };
}

/**
 * Reverse mode: evaluates `f` at `primals` and returns the output with a function mapping an
 * output cotangent (same tree as the output) to one cotangent per argument.
 * ```text
 * vjp(f, x) = (y, ȳ ↦ ȳᵀ J_f(x))
 * ```
 * @throws {TreeMismatchError} when the cotangent's structure differs from the output's.
 * @typeParam F - the type of the function being transformed.
 * @example
 * ```ts
 * const [y, back] = vjp((x: Tensor) => x.mul(3), tensor([1, 2]));
 * back(tensor([1, 1]))[0].toArray(); // [3, 3]
 * ```
 */
export function vjp<F extends (...args: any[]) => any>(f: F, ...primals: Parameters<F>): [ReturnType<F>, (ct: any) => any[]] {
  const op = 'vjp';
  checkFunction(op, f);
  const argnums = primals.map((_, i) => i);
  const { leaves, defs, rebuild } = splitArgs(op, primals, argnums);
  let outDef: ReturnType<typeof flatten>[1] | undefined;
  const [outs, back] = vjpFlat((ls) => {
    const [o, d] = tensorLeaves(op, f(...rebuild(ls)), 'output');
    outDef = d;
    return o;
  }, leaves);
  const backFn = (ct: unknown): unknown[] => {
    const [cts, d] = tensorLeaves(op, ct, 'cotangent');
    assertSameStructure(op, outDef!, d, 'the cotangent and the output');
    cts.forEach((c, i) => {
      if (!c.aval.equals(outs[i]!.aval)) {
        throw new TransformError(`vjp: cotangent leaf ${i} must match the output ${outs[i]!.aval.toString()}, got ${c.aval.toString()}.`, { op, argument: 'cotangent' });
      }
    });
    return treesPerArg(defs, back(cts).map(instantiate));
  };
  return [unflatten(outDef!, outs) as ReturnType<F>, backFn];
}
