/**
 * `customJvp` and `customVjp`: user-defined derivative rules for a function of tensors.
 *
 * `customJvp(f, rule)` uses `rule(primals, tangents) → [out, tangentOut]` whenever `f` is
 * differentiated in either mode (reverse mode transposes the rule's tangent computation,
 * so the rule must be linear in the tangents). `customVjp(f, fwd, bwd)` supplies the
 * backward pass directly; like JAX, it supports reverse mode only.
 * @module
 */
import { TransformError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { Aval } from '../tensor/aval.js';
import { bindCustomJvp, bind } from '../core/interpreter.js';
import { definePrimitive, type BDim } from '../core/primitive.js';
import { UndefPrimal, Zero } from '../core/zero.js';
import { batchToFront, instantiate } from '../core/primitives/_rules.js';
import { vmapFlat } from '../core/interpreters/vmap-flat.js';
import { describeValue } from '../tensor/shape.js';
import { checkFunction, checkTensorTree } from './common.js';

/** The output of a function with a custom rule: a tensor or a list of tensors. */
export type Outs = Tensor | Tensor[];
const asList = (o: Outs): Tensor[] => (o instanceof Tensor ? [o] : o);

function checkTensors(op: string, xs: readonly unknown[]): Tensor[] {
  return xs.map((x, i) => {
    if (!(x instanceof Tensor)) throw new TransformError(`${op}: argument ${i} must be a Tensor, got ${describeValue(x)}${Array.isArray(x) ? ' (a function with a custom rule takes tensors, not pytrees)' : ''}.`, { op, argument: `argument ${i}`, received: describeValue(x) });
    return checkTensorTree(op, x, `argument ${i}`)[0][0]!;
  });
}

/**
 * Attaches a custom JVP rule to `f` (a function of tensors returning a tensor or a list).
 * @param rule - `(primals, tangents) → [out, tangentOut]`, linear in `tangents`.
 * @example
 * ```ts
 * const safeLog = customJvp((x: Tensor) => x.log(), ([x], [t]) => [x.log(), t.div(x.maximum(1e-12))]);
 * grad((x: Tensor) => safeLog(x).sum())(tensor([2])).toArray(); // [0.5]
 * ```
 */
export function customJvp<A extends Tensor[]>(f: (...args: A) => Outs, rule: (primals: A, tangents: A) => [Outs, Outs]): (...args: A) => any {
  checkFunction('customJvp', f);
  checkFunction('customJvp', rule, 'rule');
  return customJvpAs('customJvp', f, rule);
}

function customJvpAs<A extends Tensor[]>(kind: string, f: (...args: A) => Outs, rule: (primals: A, tangents: A) => [Outs, Outs]): (...args: A) => any {
  const name = `${kind}(${f.name || 'f'})`;
  return (...args) => {
    const single = { value: true };
    const outs = bindCustomJvp(
      {
        name,
        fun: (xs) => {
          const o = f(...(xs as A));
          single.value = o instanceof Tensor;
          return asList(o);
        },
        jvp: (ps, ts) => {
          const [o, t] = rule(ps as A, ts as A);
          single.value = o instanceof Tensor;
          return [asList(o), asList(t)];
        },
      },
      checkTensors(name, args),
    );
    return single.value ? outs[0] : outs;
  };
}

interface LinParams {
  readonly nres: number;
  readonly outAvals: readonly Aval[];
  readonly bwd: (res: readonly Tensor[], cts: readonly Tensor[]) => Tensor[];
}

/** @internal The linear tangent map of a customVjp function: transposes to `bwd`. */
const customVjpLinP = definePrimitive<LinParams>({
  name: 'custom_vjp_lin',
  abstractEval: (_a, { outAvals }) => [...outAvals],
  impl: () => {
    throw new TransformError('customVjp: forward-mode differentiation (jvp/jacfwd) of a customVjp function is not supported; use grad/vjp/jacrev, or customJvp.', { op: 'customVjp' });
  },
  jvp: () => {
    throw new TransformError('customVjp: forward-mode differentiation (jvp/jacfwd) of a customVjp function is not supported; use grad/vjp/jacrev, or customJvp.', { op: 'customVjp' });
  },
  transpose: (cts, args, { nres, bwd }) => {
    const res = args.slice(0, nres) as Tensor[];
    const tin = args.slice(nres);
    const g = bwd(res, cts.map(instantiate));
    return [...res.map(() => null), ...tin.map((t, i) => (t instanceof UndefPrimal ? g[i] ?? null : null))];
  },
  batch: (size, args, dims, { nres, outAvals, bwd }) => {
    const res = args.slice(0, nres), rdims = dims.slice(0, nres) as BDim[];
    const tans = args.slice(nres).map((t, i) => batchToFront(t, dims[nres + i]!, size));
    const batchedBwd = (r: readonly Tensor[], c: readonly Tensor[]): Tensor[] =>
      vmapFlat((zs) => bwd(zs.slice(0, nres), zs.slice(nres)), size, [...rdims, ...c.map(() => 0)], [...r, ...c]);
    const avals = outAvals.map((a) => new (a.constructor as typeof Aval)([size, ...a.shape], a.dtype));
    const outs = bind(customVjpLinP, [...res, ...tans], { nres, outAvals: avals, bwd: batchedBwd });
    return [outs, outs.map(() => 0)];
  },
});

/**
 * Attaches a custom backward pass to `f`.
 * @param fwd - `(...args) → [out, residuals]` (residuals: a list of tensors saved for `bwd`).
 * @param bwd - `(residuals, ct) → cotangent per argument` (ct is a tensor, or a list for list outputs).
 * @example
 * ```ts
 * const clipGrad = customVjp((x: Tensor) => x, (x: Tensor) => [x, []], (_r, ct) => [ct.clip(-1, 1)]);
 * ```
 */
export function customVjp<A extends Tensor[]>(
  f: (...args: A) => Outs,
  fwd: (...args: A) => [Outs, Tensor[]],
  bwd: (residuals: Tensor[], ct: any) => Tensor[],
): (...args: A) => any {
  checkFunction('customVjp', f);
  checkFunction('customVjp', fwd, 'fwd');
  checkFunction('customVjp', bwd, 'bwd');
  const wrapBwd = (res: readonly Tensor[], cts: readonly Tensor[], single: boolean): Tensor[] => bwd([...res], single ? cts[0] : [...cts]);
  return customJvpAs('customVjp', f, (primals, tangents) => {
    const [out, res] = fwd(...primals);
    const single = out instanceof Tensor;
    const outs = asList(out);
    const lin = bind(customVjpLinP, [...res, ...tangents], { nres: res.length, outAvals: outs.map((o) => o.aval), bwd: (r: readonly Tensor[], c: readonly Tensor[]) => wrapBwd(r, c, single) });
    return [out, single ? lin[0]! : lin] as [Outs, Outs];
  });
}

void Zero;
