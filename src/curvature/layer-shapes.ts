/**
 * The per-example pre-activation shape of every layer of a K-FAC model, found by staging the
 * batched model once (no kernels run on the batch) and remembered per model function and input
 * signature, so K-FAC can make its per-location probes before the forward pass.
 * @module
 */
import { makeJaxpr } from '../transforms/make-jaxpr.js';
import { vmap } from '../transforms/vmap.js';
import type { Tensor } from '../tensor/tensor.js';
import * as tree from '../tree/index.js';

type Shapes = Record<string, number[]>;
const cache = new WeakMap<object, Map<string, Shapes>>();

const sig = (t: unknown): string => {
  const [ls, def] = tree.flatten(t as tree.Tree<unknown>);
  return `${def.toString()}|${ls.map((l) => (l && typeof l === 'object' && 'aval' in l ? (l as Tensor).aval.toString() : String(l))).join(',')}`;
};

/**
 * Stages `trace(xₙ, shapes)` under `vmap` over `batchX` once per (model, params and input signature);
 * `trace` records each layer's per-example pre-activation shape into `shapes`.
 * @param model - The model function (the cache key).
 * @param params - The parameters (their avals enter the key).
 * @param batchX - The batched inputs (leading axis N).
 * @param trace - Runs one example through the model, recording shapes.
 * @param fresh - Stage again even when shapes are remembered (they no longer fit).
 * @returns The recorded shapes per layer name.
 * @example
 * ```ts
 * const shapes = preActivationShapes(model, params, x, (xn, sh) => run(null, xn, sh));
 * ```
 */
export function preActivationShapes(model: object, params: unknown, batchX: unknown, trace: (x: any, shapes: Shapes) => unknown, fresh = false): Shapes {
  const key = `${sig(params)}#${sig(batchX)}`;
  let m = cache.get(model);
  const hit = fresh ? undefined : m?.get(key);
  if (hit) return hit;
  const shapes: Shapes = {};
  makeJaxpr((xb: any) => vmap((xn: any) => trace(xn, shapes))(xb))(batchX as never);
  if (!m) cache.set(model, (m = new Map()));
  if (m.size > 64) m.clear();
  m.set(key, shapes);
  return shapes;
}
