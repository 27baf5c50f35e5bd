/**
 * K-FAC for dense and conv layers: Kronecker-factored Fisher blocks A ⊗ B with factored damping.
 *
 * Layers are declared without a global registry: the parameters are an object of named layers
 * `{ w, b? }`, and the model receives `dense(name, a)` and `conv(name, x, options)` functions
 * (`layers.ts`). K-FAC passes ones that also record each layer's rows (inputs, or unfolded patches
 * for a conv layer) and add a zero probe to the pre-activation at every location, whose gradient
 * is g. Layers shared over T > 1 locations are factored as in Eschenhagen et al. (2023), expand or
 * reduce.
 * @module
 */
import { checkParams } from './check-params.js';
import { ValueError } from '../errors.js';
import { concat } from '../ops/manipulation.js';
import { valueAndGrad, vjp } from '../transforms/grad.js';
import { stopGradient } from '../ops/arithmetic.js';
import { eye, ones, tensor, zeros, zerosLike } from '../tensor/creation.js';
import { sqrt } from '../ops/arithmetic.js';
import { greater, logicalAnd, where } from '../ops/logic.js';
import { vmap } from '../transforms/vmap.js';
import type { Tensor } from '../tensor/tensor.js';
import * as linalg from '../linalg/index.js';
import * as tree from '../tree/index.js';
import { outputCurvature, type FisherOptions } from './builders.js';
import { linearOperator, type CurvatureOperator } from './operator.js';
import { batchSize, reductionScale, type Batch } from './sandwich.js';
import {
  checkLayers, convKernel, convLayer, denseLocations, denseProduct, joinLayer, layerDims, lookupLayer, splitLayer,
  type ConvFn, type DenseFn, type DenseLayerParams, type KfacModel, type KfacParams,
} from './layers.js';
import { preActivationShapes } from './layer-shapes.js';

export { type ConvFn, type DenseFn, type DenseLayerParams, type KfacModel, type KfacParams, applyDense } from './layers.js';

/** The Kronecker factors of one layer. */
export interface KfacFactors {
  /** A = E[ā āᵀ], `[din(+1), din(+1)]` (ā = [a; 1] with a bias; a conv layer's a is an unfolded patch). */
  readonly A: Tensor;
  /** B = E[g gᵀ], `[dout, dout]`, g = ∂(−log p)/∂(pre-activation). */
  readonly B: Tensor;
}

/** A K-FAC curvature operator with its factors. */
export interface KfacOperator<P extends KfacParams> extends CurvatureOperator<P> {
  /** The factors per layer name. */
  readonly factors: { readonly [name: string]: KfacFactors };
  /** With `withGradient`: ∇_θ of the reduced loss L = −s Σₙ log p(yₙ | fₙ), from the same pass. */
  readonly gradient?: P;
  /** With `withGradient`: the reduced loss L (a scalar). */
  readonly loss?: Tensor;
}

/** Options of {@link kfac}: the Fisher kind (as `fisher`) plus `withGradient` and `weightSharing`. */
export interface KfacFactorOptions extends FisherOptions {
  /**
   * Also return the loss L = −s Σₙ log p(yₙ | fₙ) and its gradient, computed in the same forward and
   * backward pass as the factors (one more cotangent column); needs `batch.y`. @defaultValue false
   */
  readonly withGradient?: boolean;
  /**
   * How a layer applied at T > 1 locations per example (a conv layer's output positions, a dense
   * layer over `[...locations, din]`) is factored (Eschenhagen et al. 2023): `'expand'` treats the
   * locations like examples (A averaged over the N·T rows, B summed over locations), `'reduce'` first
   * averages the rows and sums the pre-activation gradients over locations. Equal when T = 1.
   * @defaultValue 'expand'
   */
  readonly weightSharing?: 'expand' | 'reduce';
}

/** tr(M)/n of an n×n factor, as a scalar tensor (traceable). */
const meanDiag = (m: Tensor): Tensor => m.mul(eye(m.shape[0]!, undefined, m.dtype)).sum().div(m.shape[0]!);

/** (M + δI)⁻¹ through the Cholesky primitives (traceable); a singular factor is named eagerly. */
function dampedInverse(m: Tensor, delta: Tensor): Tensor {
  const n = m.shape[0]!;
  try {
    return linalg.inv(m.add(eye(n, undefined, m.dtype).mul(delta.cast(m.dtype))));
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new ValueError(`kfac.solve: a Kronecker factor is singular (${e.message}); pass damping > 0.`, { op: 'kfac.solve', argument: 'damping' });
  }
}

/** A remembered pre-activation shape that no longer fits the model (internal: triggers a fresh staging). */
class StaleShapes extends Error {}

/**
 * K-FAC: a block-diagonal (per dense layer) Kronecker-factored approximation of the Fisher.
 *
 * ```text
 * F_layer ≈ A ⊗ B,   A = (1/N) Σₙ āₙāₙᵀ,   B = s Σₙ Σ_c gₙ꜀gₙ꜀ᵀ   (s = 1/N for 'mean', 1 for 'sum')
 * gₙ꜀ = Jₛᵀ Uₙ[:, c]   (Uₙ: output-space factor of the Fisher kind: exact S(fₙ), MC or empirical scores)
 * T > 1 locations (rows āₙₜ, gradients gₙₜ꜀):
 *   expand:  A = 1/(N·T) Σₙₜ āₙₜāₙₜᵀ,            B = s Σₙ꜀ Σₜ gₙₜ꜀gₙₜ꜀ᵀ
 *   reduce:  A = 1/N Σₙ âₙâₙᵀ, âₙ = mean_t āₙₜ,   B = s Σₙ꜀ ĝₙ꜀ĝₙ꜀ᵀ, ĝₙ꜀ = Σₜ gₙₜ꜀
 * matvec:  [V_w; V_bᵀ] ↦ A [V_w; V_bᵀ] B          (row-major vec(W): (A ⊗ B) vec V = vec(A V B))
 * solve (factored damping, Martens & Grosse 2015):
 *   π = √((tr A / dim A) / (tr B / dim B)),   V ↦ (A + π√λ I)⁻¹ V (B + √λ/π I)⁻¹
 * ```
 * For one example (N = 1) and exact kind, A ⊗ B equals the exact Fisher block of the layer.
 * Cost: one batched forward pass (linearised in zero per-example probes on the pre-activations,
 * so the activations ā come out of it) and one backward pass vmapped over the C columns of the
 * output factor (C = k for the exact Fisher of k outputs, S for MC, 1 for empirical), then two
 * matrix products per layer; no per-example loops and no host reads. With `withGradient: true` the
 * loss gradient is one more backward column, ∇_W L = Σₙ āₙ (∂L/∂sₙ)ᵀ, so a step needs no separate
 * `valueAndGrad` (pass `K.gradient` as the updates and `{ curvature: K }` as `extra` to `optim.kfac`).
 * The default `solve` uses factored damping (an approximation of (A ⊗ B + λI)⁻¹); pass
 * `method: 'cg' | 'cholesky'` to solve the Kronecker operator plus λI exactly.
 * @param spec - `model(params, x, dense, conv)` and `likelihood`.
 * @param params - An object of layers `{ w, b? }` (dense `w: [din, dout]`, conv `w: [...kernel, Cin, Cout]`).
 * @param batch - `{ x, y }` (labels needed for `kind: 'empirical'`).
 * @param options - `kind`, `samples`, `key`, `reduction` (as in `fisher`), `withGradient`, `weightSharing`.
 * @returns A {@link KfacOperator} with `factors` (and `gradient`, `loss` with `withGradient`).
 * @throws {ShapeError} for malformed layers or inputs that do not fit a layer; {ValueError}
 *   when a layer is unknown, unused or used twice, for grouped convolutions, and for the same reasons as `fisher`.
 * @example
 * ```ts
 * const model = (p, x, dense) => dense('out', dense('hidden', x).tanh());
 * const K = kfac({ model, likelihood: likelihoods.categorical() }, params, { x, y });
 * const step = K.solve(grads, { damping: 1e-2 });
 * const cnn = (p, x, dense, conv) => dense('out', conv('c', x, { padding: 'SAME' }).tanh().mean([0, 1]));
 * const Kc = kfac({ model: cnn, likelihood: likelihoods.categorical() }, cnnParams, { x: images, y }, { weightSharing: 'reduce' });
 * ```
 */
export function kfac<P extends KfacParams>(spec: KfacModel<P>, params: P, batch: Batch, options: KfacFactorOptions = {}): KfacOperator<P> {
  const op = 'kfac';
  checkParams(op, params);
  const names = checkLayers(op, params);
  const n = batchSize(op, batch);
  const s = reductionScale(op, options.reduction, n);
  const sharing = options.weightSharing ?? 'expand';
  if (sharing !== 'expand' && sharing !== 'reduce') {
    throw new ValueError(`${op}: 'weightSharing' must be 'expand' or 'reduce', got ${String(sharing)}.`, { op, argument: 'weightSharing', expected: "'expand' or 'reduce'", received: String(sharing) });
  }
  type Probes = Record<string, Tensor>;
  // One example through the model: every layer records its rows [T, din] (inputs or unfolded patches)
  // and adds its probe [...locations, dout] to the pre-activation (without probes: records the shape).
  const run = (probes: Probes | null, x: any, shapes: Record<string, number[]>): { out: Tensor; acts: Record<string, Tensor> } => {
    const acts: Record<string, Tensor> = {};
    const finish = (name: string, l: DenseLayerParams, rows: Tensor, pre: Tensor): Tensor => {
      if (acts[name]) throw new ValueError(`${op}: layer '${name}' is applied twice; K-FAC needs each layer applied once per example (share it over locations with a [...locations, din] input instead).`, { op, argument: 'name', received: name });
      const din = rows.shape[rows.ndim - 1]!;
      acts[name] = rows.ndim === 2 ? rows : rows.reshape([rows.size / din, din]);
      let z = pre;
      if (probes) {
        const pr = probes[name]!;
        if (pr.ndim !== pre.ndim || pr.shape.some((d, i) => d !== pre.shape[i])) throw new StaleShapes();
        z = z.add(pr);
      }
      else shapes[name] = [...pre.shape];
      return l.b ? z.add(l.b) : z;
    };
    const dense: DenseFn = (name, a) => {
      const l = lookupLayer(op, params, name, 'dense');
      denseLocations(op, name, l, a);
      return finish(name, l, a.ndim === 1 ? a.reshape([1, a.shape[0]!]) : a, denseProduct(a, l.w));
    };
    const conv: ConvFn = (name, xx, opts) => {
      const l = lookupLayer(op, params, name, 'conv');
      convKernel(op, name, l, xx);
      const { rows, out } = convLayer(op, name, xx, l.w, opts, true);
      return finish(name, l, rows!, out);
    };
    const out = spec.model(params, x, dense, conv);
    const missing = names.filter((nm) => !acts[nm]);
    if (missing.length) throw new ValueError(`${op}: layers [${missing.join(', ')}] were never applied by the model.`, { op, argument: 'params', received: missing.join(', ') });
    return { out, acts };
  };
  // The per-example pre-activation shape of every layer (traced once per model and signature).
  // One batched pass: the forward of the whole batch, linearised in per-example zero probes [n, ...locations, dout]
  // added to each pre-activation; the recorded rows leave it as (non-differentiated) outputs.
  const forward = (pr: Probes): { out: Tensor; acts: Record<string, Tensor> } => {
    const r = vmap((xn: any, pn: Probes) => run(pn, xn, {}), { inAxes: [0, 0] })(batch.x, pr);
    return { out: r.out, acts: tree.map(stopGradient, r.acts) as Record<string, Tensor> };
  };
  const linearized = (fresh: boolean) => {
    const shapes = preActivationShapes(spec.model, params, batch.x, (x, sh) => run(null, x, sh).out, fresh);
    const probes: Probes = Object.fromEntries(names.map((nm) => [nm, zeros([n, ...shapes[nm]!], params[nm]!.w.dtype)]));
    return vjp(forward, probes);
  };
  let pass: ReturnType<typeof linearized>;
  try {
    pass = linearized(false);
  } catch (e) {
    // The remembered shapes no longer fit (the model function's behaviour changed): stage it again.
    if (!(e instanceof StaleShapes)) throw e;
    pass = linearized(true);
  }
  const [{ out: z, acts }, pull] = pass;
  const lik = spec.likelihood;
  // The exact kind needs only the factor S(f) (not the matrices outputCurvature also forms).
  const exact = (options.kind ?? 'exact') === 'exact';
  if (exact && batch.y) lik.checkLabels?.(batch.y, z.shape.slice(1), 1);
  const u = exact ? vmap((f: Tensor) => lik.outputFisherSqrt(f))(z) : outputCurvature(op, lik, z, batch, options).factors(); // [n, k, C]
  const cols = u.shape[2]!;
  // Cotangents, one per column of the output factor (and one for the loss gradient) on a trailing axis:
  // [n, ...out, C(+1)], mapped by vmap in place (no transpose).
  let cts = u.reshape([...z.shape, cols]);
  const withGradient = options.withGradient === true;
  let loss: Tensor | undefined;
  if (withGradient) {
    if (!batch.y) throw new ValueError(`${op}: withGradient needs the labels batch.y.`, { op, argument: 'batch.y' });
    const [lp, dlp] = vmap(valueAndGrad((zz: Tensor, yy: Tensor) => lik.logProb(zz, yy)), { inAxes: [0, 0] })(z, batch.y) as [Tensor, Tensor];
    loss = lp.sum().mul(-s);
    cts = concat([cts, dlp.mul(-s).reshape([...z.shape, 1])], z.ndim);
  }
  const zeroActs = tree.map(zerosLike, acts);
  // Every probe gradient gₙₜ꜀ = Jₛₜᵀ Uₙ[:, c] of every layer from one vmapped backward pass.
  const g = vmap((ct: Tensor) => pull({ out: ct, acts: zeroActs })[0] as Probes, { inAxes: z.ndim })(cts);
  const factors: Record<string, KfacFactors> = {};
  const bars: Record<string, Tensor> = {};
  for (const nm of names) {
    const a0 = acts[nm]!; // [n, T, din]
    const t = a0.shape[1]!, dout = layerDims(params[nm]!)[1];
    const a = params[nm]!.b ? concat([a0, ones([n, t, 1], a0.dtype)], 2) : a0; // ā = [a; 1]
    const d = a.shape[2]!;
    const gi = g[nm]!.reshape([cols + (withGradient ? 1 : 0), n, t, dout]);
    const gc = withGradient ? gi.slice([0, 0, 0, 0], [cols, n, t, dout]) : gi;
    if (sharing === 'expand' || t === 1) {
      const rows = a.reshape([n * t, d]), gr = gc.reshape([cols * n * t, dout]);
      factors[nm] = { A: rows.T.matmul(rows).mul(1 / (n * t)), B: gr.T.matmul(gr).mul(s) };
    } else {
      const am = a.mean(1), gs = gc.sum(2).reshape([cols * n, dout]);
      factors[nm] = { A: am.T.matmul(am).mul(1 / n), B: gs.T.matmul(gs).mul(s) };
    }
    if (withGradient) bars[nm] = a.reshape([n * t, d]).T.matmul(gi.slice([cols, 0, 0, 0], [1, n, t, dout]).reshape([n * t, dout]));
  }
  const perLayer = (v: P, f: (nm: string, bar: Tensor) => Tensor): P =>
    Object.fromEntries(names.map((nm) => [nm, splitLayer(params[nm]!, f(nm, joinLayer(v[nm]!)))])) as unknown as P;
  const matvec = (v: P): P => perLayer(v, (nm, bar) => factors[nm]!.A.matmul(bar).matmul(factors[nm]!.B));
  const diagonal = (): P => perLayer(params, (nm) => {
    const { A, B } = factors[nm]!;
    const da = A.shape[0]!, db = B.shape[0]!;
    const diagOf = (m: Tensor, dd: number): Tensor => m.reshape([dd * dd]).take(tensor(Array.from({ length: dd }, (_, i) => i * dd + i), { dtype: 'int32' }));
    return diagOf(A, da).reshape([da, 1]).mul(diagOf(B, db).reshape([1, db]));
  });
  const solve = (b: P, damping: number): P => {
    const inv: Record<string, [Tensor, Tensor]> = {};
    for (const nm of names) {
      const { A, B } = factors[nm]!;
      // π = √((tr A/dim A)/(tr B/dim B)) as tensors, so the solve runs under jit/vmap/grad
      const ta = meanDiag(A), tb = meanDiag(B).cast(A.dtype);
      const ok = logicalAnd(greater(ta, 0), greater(tb, 0));
      const pi = sqrt(where(ok, ta.div(where(ok, tb, 1)), 1));
      const r = Math.sqrt(damping);
      inv[nm] = [dampedInverse(A, pi.mul(r)), dampedInverse(B, pi.reciprocal().mul(r))];
    }
    return perLayer(b, (nm, bar) => inv[nm]![0].matmul(bar).matmul(inv[nm]![1]));
  };
  const base = linearOperator<P>({ params, matvec, diagonal, solve });
  if (!withGradient) return { ...base, factors };
  const gradient = Object.fromEntries(names.map((nm) => [nm, splitLayer(params[nm]!, bars[nm]!)])) as unknown as P;
  return { ...base, factors, gradient, loss: loss! };
}
