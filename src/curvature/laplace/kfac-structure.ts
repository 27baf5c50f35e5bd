/**
 * The K-FAC structure of a Laplace posterior (Ritter, Botev & Barber 2018): per dense layer
 * Λ_l = c·A_l ⊗ B_l + δ I, diagonalized by the eigenvectors of the two Kronecker factors.
 * @module
 */
import { concat } from '../../ops/manipulation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { vmap } from '../../transforms/vmap.js';
import * as linalg from '../../linalg/index.js';
import * as tree from '../../tree/index.js';
import type { KfacFactors, KfacParams } from '../kfac.js';
import type { CurvatureStructure } from './structures.js';

interface LayerEigen {
  readonly name: string;
  readonly qa: Tensor;
  readonly qb: Tensor;
  /** da_i db_j, `[dA, dB]` (eigenvalues clamped at 0). */
  readonly ab: Tensor;
  readonly bias: boolean;
  readonly din: number;
  readonly dout: number;
  /** The weight's own shape (a conv kernel is `[...kernel, Cin, Cout]`, its matrix `[din, dout]`). */
  readonly wShape: readonly number[];
}

/**
 * The K-FAC structure from the factors of `kfac(…, { reduction: 'sum' })`.
 *
 * ```text
 * A = Qa diag(a) Qaᵀ,  B = Qb diag(b) Qbᵀ,   Λ_l = (Qa ⊗ Qb) diag(c aᵢ bⱼ + δ) (Qa ⊗ Qb)ᵀ
 * log det Λ = Σ_l Σᵢⱼ log(c aᵢ bⱼ + δ)
 * W̄ = [W; bᵀ]:   Σ^{1/2}: Z̄ ↦ Qa (Z̄ / √w) Qbᵀ,   J Σ Jᵀ = Σ_l G_l G_lᵀ,  G_l = vec(Qaᵀ J̄_l Qb / √w)
 * diag Σ_l = (Qa ∘ Qa) (1/w) (Qb ∘ Qb)ᵀ,   w = c a bᵀ + δ
 * ```
 * @param params - The dense-layer parameters.
 * @param factors - The Kronecker factors per layer.
 * @returns The structure (isotropic prior only).
 * @example
 * ```ts
 * const K = curvature.kfac(spec, params, batch, { reduction: 'sum' });
 * kfacStructure(params, K.factors).logdet(tensor(1), tensor(1));
 * ```
 */
export function kfacStructure<P extends KfacParams>(params: P, factors: { readonly [name: string]: KfacFactors }): CurvatureStructure {
  const names = Object.keys(params).sort();
  const layers: LayerEigen[] = names.map((name) => {
    const { A, B } = factors[name]!;
    const ea = linalg.eigh(A), eb = linalg.eigh(B);
    const a = ea.values.maximum(0), b = eb.values.maximum(0);
    const w = params[name]!.w;
    const dout = w.shape[w.ndim - 1]!;
    return {
      name, qa: ea.vectors, qb: eb.vectors, ab: a.reshape([a.size, 1]).mul(b.reshape([1, b.size])),
      bias: params[name]!.b !== undefined, din: w.size / dout, dout, wShape: w.shape,
    };
  });
  const unravel = tree.ravel(params as tree.Tree<Tensor>)[1];
  // [S, P] rows ↔ per-layer [S, dA, dB] blocks W̄ = [W; bᵀ]
  const toBlocks = (rows: Tensor): Tensor[] => {
    const t = vmap((r: Tensor) => unravel(r))(rows) as unknown as KfacParams;
    const s = rows.shape[0]!;
    return layers.map((l) => {
      const lw = t[l.name]!;
      const w = lw.w.reshape([s, l.din, l.dout]);
      return l.bias ? concat([w, lw.b!.reshape([s, 1, l.dout])], 1) : w;
    });
  };
  const fromBlocks = (blocks: Tensor[]): Tensor => {
    const s = blocks[0]!.shape[0]!;
    const t = Object.fromEntries(layers.map((l, i) => {
      const bar = blocks[i]!;
      const w = bar.slice([0, 0, 0], [s, l.din, l.dout]).reshape([s, ...l.wShape]);
      return [l.name, l.bias ? { b: bar.slice([0, l.din, 0], [s, 1, l.dout]).reshape([s, l.dout]), w } : { w }];
    }));
    return vmap((tt: tree.Tree<Tensor>) => tree.ravel(tt)[0])(t as tree.Tree<Tensor>);
  };
  const weights = (delta: Tensor, c: Tensor): Tensor[] => layers.map((l) => l.ab.mul(c).add(delta));
  return {
    name: 'kfac',
    scalarPriorOnly: true,
    logdet: (delta, c) => weights(delta, c).map((w) => w.log().sum()).reduce((x, y) => x.add(y)),
    posterior(delta, c) {
      const ws = weights(delta, c);
      const isd = ws.map((w) => w.sqrt().reciprocal());
      return {
        sample: (z) => fromBlocks(toBlocks(z).map((zb, i) => layers[i]!.qa.matmul(zb.mul(isd[i]!)).matmul(layers[i]!.qb.T))),
        functional(j) {
          const [m, k, p] = j.shape as [number, number, number];
          const g = toBlocks(j.reshape([m * k, p])).map((jb, i) =>
            layers[i]!.qa.T.matmul(jb).matmul(layers[i]!.qb).mul(isd[i]!).reshape([m, k, -1]));
          const gg = g.length === 1 ? g[0]! : concat(g, 2);
          return gg.matmul(gg.transpose([0, 2, 1]));
        },
        variance: () => fromBlocks(layers.map((l, i) => {
          const v = l.qa.square().matmul(ws[i]!.reciprocal()).matmul(l.qb.square().T);
          return v.reshape([1, ...v.shape]);
        })).reshape([-1]),
      };
    },
  };
}
