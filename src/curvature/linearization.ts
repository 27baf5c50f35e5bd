/**
 * One linearization of a batched model, shared by a builder and its operator.
 *
 * ```text
 * z, (v ↦ J v) = linearize(θ ↦ vmap(model)(θ, x), θ)       made on first use, once
 * Jᵀ = linearTranspose(J)                                  (no second forward pass, as vjp would run)
 * ```
 * A builder that needs the outputs z (the GGN's output Hessians, the exact Fisher's matrices)
 * takes them from the linearization its operator's matvec then reuses, so a first matvec runs
 * the forward pass once instead of three times (outputs, linearize, vjp). With the compiled
 * curvature programs switched off, the outputs come from a plain forward pass instead.
 * @module
 */
import { vjp } from '../transforms/grad.js';
import { linearize, linearTranspose } from '../transforms/jvp.js';
import { vmap } from '../transforms/vmap.js';
import type { Tensor } from '../tensor/tensor.js';
import type * as tree from '../tree/index.js';
import { curvatureCompilation } from './compiled.js';
import type { Params } from './operator.js';

/** The outputs of a batched model and its Jacobian products, computed on first use. */
export interface Linearization<P extends Params> {
  /** z = vmap(model)(θ, x), `[N, ...zShape]`. */
  outputs(): Tensor;
  /** v ↦ J v and ct ↦ Jᵀ ct (a tree like θ). */
  maps(): { readonly jvp: (v: P) => Tensor; readonly vjp: (ct: Tensor) => P };
}

/**
 * The lazily shared linearization of `θ ↦ vmap(model)(θ, x)` at `params`.
 * @param model - (params, x) ↦ one example's output.
 * @param params - θ.
 * @param x - batched inputs.
 * @returns outputs and maps, each computed once on first use.
 * @example
 * ```ts
 * const lz = linearization(model, params, x);
 * const z = lz.outputs();            // the forward pass (and the linearization)
 * const { jvp, vjp } = lz.maps();    // no further forward pass
 * ```
 */
export function linearization<P extends Params>(model: (p: P, x: any) => Tensor, params: P, x: tree.Tree<Tensor>): Linearization<P> {
  const batched = (p: P): Tensor => vmap(model, { inAxes: [null, 0] })(p, x);
  let z: Tensor | undefined;
  let jvpMap: ((v: P) => Tensor) | undefined;
  let vjpMap: ((ct: Tensor) => P) | undefined;
  const linearized = () => {
    if (jvpMap === undefined) {
      const [out, lin] = linearize(batched, params);
      jvpMap = lin as (v: P) => Tensor;
      z ??= out as Tensor;
    }
    return jvpMap;
  };
  return {
    outputs: () => {
      if (z === undefined) {
        if (curvatureCompilation.enabled) linearized();
        else z = batched(params);
      }
      return z!;
    },
    maps: () => {
      const jvp = linearized();
      if (vjpMap === undefined) {
        if (curvatureCompilation.enabled) {
          const t = linearTranspose(jvp, params);
          vjpMap = (ct: Tensor) => t(ct)[0] as P;
        } else {
          const [, b] = vjp(batched, params);
          vjpMap = (ct: Tensor) => b(ct)[0] as P;
        }
      }
      return { jvp, vjp: vjpMap };
    },
  };
}
