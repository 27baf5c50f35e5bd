/**
 * Jaxprs: the staged intermediate representation.
 *
 * A jaxpr is a list of equations `outs = prim[params](ins)` over variables, with input
 * variables, constant variables (captured values, which may themselves be tracers of
 * outer transformations) and output atoms. `evalJaxpr` replays it by binding each
 * primitive, so evaluating a jaxpr under any interpreter transforms it.
 * @module
 */
import type { Aval } from '../tensor/aval.js';
import { ConcreteTensor, type Tensor } from '../tensor/tensor.js';
import { bind } from './interpreter.js';
import type { Primitive } from './primitive.js';

/** A jaxpr variable: a name for an intermediate value with its aval. */
export class Var {
  static #next = 0;
  /** A unique id. */
  readonly id = Var.#next++;
  /** @internal */
  constructor(
    /** Shape and dtype of the value. */
    readonly aval: Aval,
  ) {}
}

/** A jaxpr equation: `outputs = prim[params](inputs)`. */
export interface Eqn {
  /** The primitive (its `name` identifies it). */
  readonly prim: Primitive<any>;
  /** The primitive's parameters. */
  readonly params: any;
  /** Input variables. */
  readonly inputs: readonly Var[];
  /** Output variables. */
  readonly outputs: readonly Var[];
}

/**
 * A staged function: `{ invars, constvars, consts, eqns, outvars }`. Print it with `toString()`.
 * @example
 * ```ts
 * const jaxpr = makeJaxpr((x: Tensor) => x.mul(2).sum())(ones([3]));
 * console.log(jaxpr.toString());
 * ```
 */
export class Jaxpr {
  /** @internal */
  constructor(
    /** Input variables. */
    readonly invars: readonly Var[],
    /** Variables bound to captured constants. */
    readonly constvars: readonly Var[],
    /** The captured constant values (same order as `constvars`). */
    readonly consts: readonly Tensor[],
    /** Equations in execution order. */
    readonly eqns: readonly Eqn[],
    /** Outputs: variables (or null for an output that is a symbolic zero). */
    readonly outvars: readonly (Var | null)[],
    /** Avals of the outputs. */
    readonly outAvals: readonly Aval[],
  ) {}

  /** Human-readable listing, e.g. `{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0 ... in (c) }`. */
  toString(): string {
    return printJaxpr(this);
  }
}

/** @internal Replays a jaxpr on `args` by binding each primitive (under the current interpreter). */
export function evalJaxprFlat(j: Jaxpr, args: readonly Tensor[], zeroOut: (a: Aval) => Tensor): Tensor[] {
  const env = new Map<Var, Tensor>();
  j.invars.forEach((v, i) => env.set(v, args[i]!));
  j.constvars.forEach((v, i) => env.set(v, j.consts[i]!));
  for (const e of j.eqns) {
    const outs = bind(e.prim, e.inputs.map((v) => env.get(v)!), e.params);
    e.outputs.forEach((v, i) => env.set(v, outs[i]!));
  }
  return j.outvars.map((v, i) => (v === null ? zeroOut(j.outAvals[i]!) : env.get(v)!));
}

function printJaxpr(j: Jaxpr): string {
  const names = new Map<Var, string>();
  let counter = 0;
  const name = (v: Var): string => {
    let n = names.get(v);
    if (n === undefined) {
      let k = counter++;
      n = '';
      do { n = String.fromCharCode(97 + (k % 26)) + n; k = Math.floor(k / 26) - 1; } while (k >= 0);
      names.set(v, n);
    }
    return n;
  };
  const constName = (v: Var, i: number): string => {
    const c = j.consts[i]!;
    if (c instanceof ConcreteTensor && c.size === 1 && c.ndim === 0 && !c.isDisposed) {
      const s = String(c.readData()[0]);
      names.set(v, s.includes('.') || s.includes('e') || c.dtype === 'int32' || c.dtype === 'bool' ? s : `${s}.0`);
      return '';
    }
    return `${name(v)}:${v.aval.toString()}`;
  };
  const consts = j.constvars.map(constName).filter((s) => s !== '');
  const ins = j.invars.map((v) => `${name(v)}:${v.aval.toString()}`);
  const lines = j.eqns.map((e) => {
    const outs = e.outputs.map((v) => `${name(v)}:${v.aval.toString()}`).join(' ');
    const p = e.prim.pretty ? `[${e.prim.pretty(e.params)}]` : '';
    return `    ${outs} = ${e.prim.name}${p} ${e.inputs.map(name).join(' ')}`;
  });
  const outs = j.outvars.map((v) => (v === null ? '0' : name(v))).join(', ');
  return `{ lambda ${consts.join(' ')} ; ${ins.join(' ')}. let\n${lines.join('\n')}\n  in (${outs}) }`;
}
