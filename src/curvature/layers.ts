/**
 * The registry-free layer protocol of K-FAC: parameters are an object of named layers
 * `{ w, b? }`, and a model applies them through the `dense(name, a)` and `conv(name, x, options)`
 * functions it receives. `applyDense` runs such a model with the plain layers; K-FAC passes
 * recording ones. Every layer is a matrix `W̄ = [w.reshape([din, dout]); b]` acting on rows
 * (inputs or unfolded patches) at T ≥ 1 locations per example.
 * @module
 */
import { ShapeError, ValueError } from '../errors.js';
import { concat } from '../ops/manipulation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as tree from '../tree/index.js';
import { patches, type ConvWindowOptions } from './patches.js';
import { conv as convOp } from '../ops/conv.js';
import { stopGradient } from '../ops/arithmetic.js';

/**
 * One layer's parameters: a dense layer has `w: [din, dout]`, a convolution `w: [...kernel, Cin, Cout]`
 * (channels last, HWIO); the optional bias `b` is `[dout]` (`[Cout]`).
 */
export type DenseLayerParams = {
  /** The weight matrix `[din, dout]` or conv kernel `[...kernel, Cin, Cout]`. */
  readonly w: Tensor;
  /** The optional bias `[dout]`. */
  readonly b?: Tensor;
};

/** Parameters of a K-FAC model: an object of named layers. */
export type KfacParams = { readonly [name: string]: DenseLayerParams };

/**
 * The dense-layer function handed to a K-FAC model: `dense(name, a) = a·w + b` for layer `name`;
 * `a` is `[din]` or `[...locations, din]` (the layer is shared over the locations).
 */
export type DenseFn = (name: string, a: Tensor) => Tensor;

/**
 * The convolution-layer function handed to a K-FAC model: `conv(name, x, options) = conv(x, w) + b`
 * for one example `x: [...spatial, Cin]` and layer `name` with `w: [...kernel, Cin, Cout]`.
 */
export type ConvFn = (name: string, x: Tensor, options?: ConvWindowOptions) => Tensor;

/** A model whose layers are applied through `dense` (and `conv`), with a likelihood on its output. */
export interface KfacModel<P extends KfacParams> {
  /** (params, x, dense, conv) ↦ one example's output; every layer of `params` must be applied exactly once. */
  readonly model: (params: P, x: any, dense: DenseFn, conv: ConvFn) => Tensor;
  /** The likelihood p(y | output). */
  readonly likelihood: import('../likelihoods/types.js').Likelihood;
}

/** `[din, dout]` of a layer's matrix W̄ without the bias row: din = Π w.shape[:-1]. */
export function layerDims(l: DenseLayerParams): [number, number] {
  const dout = l.w.shape[l.w.ndim - 1]!;
  return [l.w.size / Math.max(dout, 1), dout];
}

/** Checks the layers of `params` (w at least 2-D, b `[dout]`) and returns their sorted names. */
export function checkLayers(op: string, params: KfacParams): string[] {
  const names = Object.keys(params).sort();
  for (const name of names) {
    const l = params[name]!;
    const bad = !l || typeof l !== 'object' || !l.w || typeof l.w !== 'object' || !(l.w.ndim >= 2) || (l.b !== undefined && (l.b.ndim !== 1 || l.b.shape[0] !== l.w.shape[l.w.ndim - 1]));
    if (bad) {
      throw new ShapeError(`${op}: params.${name} must be a layer { w: [din, dout] or [...kernel, Cin, Cout], b?: [dout] }, got ${JSON.stringify(tree.map((t: Tensor) => t.aval.toString(), l as tree.Tree<Tensor>))}.`, { op, argument: `params.${name}` });
    }
  }
  return names;
}

/** W̄ = [w.reshape([din, dout]); bᵀ]. */
export function joinLayer(l: DenseLayerParams): Tensor {
  const [din, dout] = layerDims(l);
  const w = l.w.ndim === 2 ? l.w : l.w.reshape([din, dout]);
  return l.b ? concat([w, l.b.reshape([1, dout])], 0) : w;
}

/** The inverse of {@link joinLayer}, shaped like `like`. */
export function splitLayer(like: DenseLayerParams, bar: Tensor): DenseLayerParams {
  const [din, dout] = layerDims(like);
  const w0 = bar.slice([0, 0], [din, dout]);
  const w = like.w.ndim === 2 ? w0 : w0.reshape(like.w.shape);
  return like.b ? { b: bar.slice([din, 0], [1, dout]).reshape([dout]), w } : { w };
}

/** Looks up layer `name` for `kind` ('dense' needs a 2-D w, 'conv' a kernel of ≥ 3 axes). */
export function lookupLayer(op: string, params: KfacParams, name: string, kind: 'dense' | 'conv'): DenseLayerParams {
  const layer = params[name];
  if (!layer) throw new ValueError(`${op}: unknown layer '${name}'; declare it in params.`, { op, argument: 'name', received: name });
  if (kind === 'dense' && layer.w.ndim !== 2) {
    throw new ShapeError(`${op}: layer '${name}' has a kernel ${layer.w.aval.toString()}; apply it with conv, not dense.`, { op, argument: name, expected: 'w: [din, dout]', received: layer.w.aval.toString() });
  }
  if (kind === 'conv' && layer.w.ndim < 3) {
    throw new ShapeError(`${op}: conv layer '${name}' needs a kernel [...kernel, Cin, Cout], got ${layer.w.aval.toString()}.`, { op, argument: name, expected: 'w: [...kernel, Cin, Cout]', received: layer.w.aval.toString() });
  }
  return layer;
}

/** Checks a dense layer's input `[...locations, din]`; returns the locations. */
export function denseLocations(op: string, name: string, layer: DenseLayerParams, a: Tensor): number[] {
  const din = layer.w.shape[0]!;
  if (a.ndim < 1 || a.shape[a.ndim - 1] !== din) {
    throw new ShapeError(`${op}: layer '${name}' input must be one example's [din] or [...locations, din] with din = ${din}, got ${a.aval.toString()}.`, { op, argument: name, expected: `[..., ${din}]`, received: a.aval.toString() });
  }
  return a.shape.slice(0, -1);
}

/** `a·w` over any leading location axes, as one matrix product `[T, din]·[din, dout]`. */
export function denseProduct(a: Tensor, w: Tensor): Tensor {
  if (a.ndim <= 2) return a.matmul(w);
  const locs = a.shape.slice(0, -1);
  return a.reshape([locs.reduce((x, y) => x * y, 1), w.shape[0]!]).matmul(w).reshape([...locs, w.shape[1]!]);
}

/** Checks a conv layer's input `[...spatial, Cin]`; returns the kernel's spatial sizes. */
export function convKernel(op: string, name: string, layer: DenseLayerParams, x: Tensor): number[] {
  const kernel = layer.w.shape.slice(0, -2);
  const cin = layer.w.shape[layer.w.ndim - 2]!;
  if (x.ndim !== kernel.length + 1 || x.shape[x.ndim - 1] !== cin) {
    throw new ShapeError(`${op}: conv layer '${name}' input must be one example [...spatial, ${cin}] with ${kernel.length} spatial axes, got ${x.aval.toString()}.`, { op, argument: name, expected: `[${kernel.map(() => '_').join(', ')}, ${cin}]`, received: x.aval.toString() });
  }
  return kernel;
}

/** Rejects options K-FAC's conv layers do not take (grouped convolutions, unknown keys). */
function checkConvOptions(op: string, name: string, options: unknown): void {
  if (options === undefined) return;
  const keys = options && typeof options === 'object' ? Object.keys(options) : null;
  const bad = keys === null ? 'not an object' : keys.find((k) => k !== 'strides' && k !== 'padding' && k !== 'dilation');
  if (bad !== undefined) {
    throw new ValueError(`${op}: conv layer '${name}' options must be { strides, padding, dilation } (grouped convolutions are not supported), got ${keys === null ? String(options) : `'${bad}'`}.`, { op, argument: 'options', expected: '{ strides, padding, dilation }', received: keys === null ? String(options) : bad });
  }
}

/**
 * The convolution `conv(x, w)` (the `conv_general_dilated` primitive) of one example and, with
 * `rows`, its unfolded patches `[...out, K·Cin]` (stop-gradient: data for the factor A only).
 */
export function convLayer(op: string, name: string, x: Tensor, w: Tensor, options: ConvWindowOptions | undefined, rows: boolean): { rows?: Tensor; out: Tensor } {
  checkConvOptions(op, name, options);
  const kernel = w.shape.slice(0, -2);
  const out = convOp(x, w, options ?? {});
  return rows ? { rows: patches(stopGradient(x), kernel, options), out } : { out };
}

/**
 * Applies a K-FAC-style model with the plain layers: `dense(name, a) = a·w + b` (over any leading
 * location axes of `a`) and `conv(name, x, options) = conv(x, w) + b`.
 *
 * ```text
 * dense(name, a) = a · params[name].w + params[name].b
 * conv(name, x)  = conv(x, params[name].w, options) + params[name].b      (= patches(x) · w.reshape([K·Cin, Cout]) + b)
 * ```
 * @param model - The K-FAC-style model.
 * @param params - Layer parameters.
 * @param x - One example's input.
 * @returns The model output.
 * @throws {ValueError} when the model names an unknown layer; {ShapeError} for inputs that do not fit a layer.
 * @example
 * ```ts
 * const out = applyDense(model, params, x);
 * const plain = (p, x) => applyDense(model, p, x);      // for fisher, ggn, grad
 * ```
 */
export function applyDense<P extends KfacParams>(model: KfacModel<P>['model'], params: P, x: any): Tensor {
  const op = 'kfac';
  const bias = (l: DenseLayerParams, s: Tensor): Tensor => (l.b ? s.add(l.b) : s);
  const dense: DenseFn = (name, a) => {
    const l = lookupLayer(op, params, name, 'dense');
    denseLocations(op, name, l, a);
    return bias(l, denseProduct(a, l.w));
  };
  const conv: ConvFn = (name, xx, options) => {
    const l = lookupLayer(op, params, name, 'conv');
    convKernel(op, name, l, xx);
    return bias(l, convLayer(op, name, xx, l.w, options, false).out);
  };
  return model(params, x, dense, conv);
}
