/**
 * `CurvatureOperator`: a symmetric linear operator on parameter pytrees with dense, diagonal,
 * trace and solve views, and the generic constructor {@link linearOperator}.
 * @module
 */
import { ShapeError, TreeMismatchError, ValueError } from '../errors.js';
import { eye, tensor } from '../tensor/creation.js';
import { vmap } from '../transforms/vmap.js';
import { where } from '../ops/logic.js';
import { ConcreteTensor, type Tensor } from '../tensor/tensor.js';
import { cgRun } from '../linalg/cg-fixed.js';
import * as linalg from '../linalg/index.js';
import * as random from '../random/index.js';
import * as tree from '../tree/index.js';

/** A pytree of parameter tensors (arrays and plain objects of tensors). */
export type Params = tree.Tree<Tensor>;

/** Options of {@link CurvatureOperator.solve}. */
export interface SolveOptions {
  /** λ ≥ 0: solve (C + λI) x = b. @defaultValue 0 */
  readonly damping?: number;
  /** `'cg'` (matrix-free conjugate gradients) or `'cholesky'` (dense factorization). @defaultValue `'cg'` */
  readonly method?: 'cg' | 'cholesky';
  /** Relative residual tolerance of CG. @defaultValue 1e-10 for float64 vectors, 1e-5 otherwise */
  readonly tol?: number;
  /** Iteration cap of CG. @defaultValue 10·P */
  readonly maxIter?: number;
  /** Return CG's last iterate when it stops before converging (truncated CG, as in Hessian-free and NGD steps) instead of throwing. @defaultValue false */
  readonly truncate?: boolean;
}

/**
 * A symmetric curvature matrix C over a parameter pytree, applied without materialising it.
 *
 * ```text
 * matvec(v) = C v            dense() = C ∈ ℝ^{P×P} (tree.ravel order)
 * diagonal() = diag(C)       trace() = Σᵢ Cᵢᵢ        traceHutchinson = (1/S) Σₛ zₛᵀ C zₛ, z ~ Rademacher
 * solve(b) = (C + λI)⁻¹ b    add(D) = C + D          scale(s) = s·C
 * logdet() = log det(C + λI) eigh() = C = V diag(w) Vᵀ, w ascending
 * ```
 * @example
 * ```ts
 * const F = fisher({ model, likelihood: likelihoods.categorical() }, params, { x, y });
 * const step = F.solve(grads, { damping: 1e-3 });
 * ```
 */
export interface CurvatureOperator<P extends Params = Params> {
  /** The parameters the operator was built at (they fix the tree structure). */
  readonly params: P;
  /** P, the total number of scalar parameters. */
  readonly size: number;
  /** C v for a tree shaped like `params`. */
  matvec(v: P): P;
  /** The dense `[P, P]` matrix in `tree.ravel` order. */
  dense(): Tensor;
  /** diag(C) as a tree shaped like `params`. */
  diagonal(): P;
  /** tr(C), exactly. */
  trace(): number;
  /** Hutchinson's unbiased estimate of tr(C) from `samples` Rademacher probes. */
  traceHutchinson(key: Tensor, samples: number): number;
  /** (C + λI)⁻¹ b. */
  solve(b: P, options?: SolveOptions): P;
  /**
   * log det(C + λI) from a Cholesky factor of the dense matrix: traceable and differentiable (the
   * log marginal likelihood of a Laplace approximation). Throws a `ValueError` naming the pivot
   * when C + λI is not positive definite.
   */
  logdet(options?: { readonly damping?: number }): Tensor;
  /** Eigenvalues (ascending) and eigenvectors (columns, `tree.ravel` order) of the dense matrix; traceable. */
  eigh(): linalg.EighTensors;
  /** C + D (same parameter structure). */
  add(other: CurvatureOperator<P>): CurvatureOperator<P>;
  /** s·C. */
  scale(s: number): CurvatureOperator<P>;
}

/** The pieces {@link linearOperator} turns into a {@link CurvatureOperator}. */
export interface OperatorSpec<P extends Params> {
  /** The parameter tree (structure and shapes). */
  readonly params: P;
  /** v ↦ C v, written with tensor ops (it is vmapped over basis vectors by `dense`). */
  readonly matvec: (v: P) => P;
  /** Optional exact diagonal (default: the diagonal of `dense()`). */
  readonly diagonal?: () => P;
  /** Optional dense matrix (default: `matvec` on the basis vectors). */
  readonly dense?: () => Tensor;
  /** Optional specialised solver for (C + λI)⁻¹ b (e.g. K-FAC's Kronecker inverse). */
  readonly solve?: (b: P, damping: number) => P;
}

/**
 * Throws unless `v` has the structure and leaf shapes of `like`.
 *
 * ```text
 * structure(v) = structure(like)  ∧  shape(vᵢ) = shape(likeᵢ) ∀ i
 * ```
 * @param op - Operation name for the message.
 * @param like - The reference tree.
 * @param v - The tree to check.
 * @returns Nothing.
 * @throws {TreeMismatchError} when structures differ; {ShapeError} when a leaf shape differs.
 * @example
 * ```ts
 * checkSameTree('matvec', { w: ones([2]) }, { b: ones([2]) }); // throws TreeMismatchError
 * ```
 */
export function checkSameTree(op: string, like: Params, v: Params): void {
  const [la, da] = tree.flatten(like);
  const [lb, db] = tree.flatten(v);
  if (!da.equals(db)) {
    throw new TreeMismatchError(`${op}: the vector must have the parameters' structure ${da.toString()}, got ${db.toString()}.`, { op, argument: 'v', expected: da.toString(), received: db.toString() });
  }
  la.forEach((a, i) => {
    const b = lb[i]!;
    if (a.ndim !== b.ndim || a.shape.some((d, j) => d !== b.shape[j])) {
      throw new ShapeError(`${op}: leaf ${i} must have shape ${a.aval.toString()}, got ${b.aval.toString()}.`, { op, argument: 'v', expected: a.aval.toString(), received: b.aval.toString() });
    }
  });
}

function checkDamping(op: string, damping: number): void {
  if (!(damping >= 0) || !Number.isFinite(damping)) {
    throw new ValueError(`${op}: damping must be a non-negative finite number, got ${damping}.`, { op, argument: 'damping', expected: '≥ 0', received: String(damping) });
  }
}

function denseFromMatvec<P extends Params>(params: P, matvec: (v: P) => P): Tensor {
  const [flat, unravel] = tree.ravel(params);
  const n = flat.size;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  const basis = tensor(data, { dtype: flat.dtype }).reshape([n, n]);
  const rows = vmap((e: Tensor) => tree.ravel(matvec(unravel(e)))[0])(basis); // row i = (C eᵢ)ᵀ
  return rows.T;
}

/**
 * Builds a {@link CurvatureOperator} from a matvec, filling in dense, diagonal, trace, Hutchinson,
 * CG/Cholesky solves, sums and scaling; `dense()` and `diagonal()` are computed once and cached.
 *
 * ```text
 * dense()[:, i] = matvec(eᵢ)   (vmapped over the P basis vectors)
 * solve 'cg':       CG on (C + λI) x = b with pytree vectors
 * solve 'cholesky': L Lᵀ = dense() + λI in float64, x = L⁻ᵀ L⁻¹ b
 * ```
 * @param spec - `params`, `matvec` and optional `diagonal`, `dense`, `solve`.
 * @returns The operator.
 * @throws {TreeMismatchError} / {ShapeError} (from the returned methods) for vectors not shaped like `params`;
 *   {ValueError} for negative damping, a singular system without damping, or non-convergence of CG.
 * @example
 * ```ts
 * const I = linearOperator({ params: { w: ones([3]) }, matvec: (v) => v });
 * I.trace(); // 3
 * ```
 */
export function linearOperator<P extends Params>(spec: OperatorSpec<P>): CurvatureOperator<P> {
  const { params } = spec;
  const size = tree.leaves(params).reduce((s, l) => s + l.size, 0);
  let denseCache: Tensor | undefined;
  let diagCache: P | undefined;
  const matvec = (v: P): P => {
    checkSameTree('CurvatureOperator.matvec', params, v);
    return spec.matvec(v);
  };
  const dense = (): Tensor => (denseCache ??= spec.dense ? spec.dense() : denseFromMatvec(params, spec.matvec));
  const diagonal = (): P => {
    if (diagCache) return diagCache;
    if (spec.diagonal) return (diagCache = spec.diagonal());
    const d = dense();
    const n = d.shape[0]!;
    const idx = tensor(Array.from({ length: n }, (_, i) => i * n + i), { dtype: 'int32' });
    return (diagCache = tree.ravel(params)[1](d.reshape([n * n]).take(idx)));
  };
  const op: CurvatureOperator<P> = {
    params,
    size,
    matvec,
    dense,
    diagonal,
    trace: () => tree.leaves(diagonal()).reduce((s, l) => s + l.sum().item(), 0),
    traceHutchinson(key, samples) {
      if (!Number.isInteger(samples) || samples < 1) {
        throw new ValueError(`CurvatureOperator.traceHutchinson: samples must be a positive integer, got ${samples}.`, { op: 'traceHutchinson', argument: 'samples', received: String(samples) });
      }
      const [flat, unravel] = tree.ravel(params);
      let acc = 0;
      for (const k of random.splitList(key, samples)) {
        const z = unravel(where(random.bernoulli(k, 0.5, [size]), 1, -1).cast(flat.dtype));
        acc += tree.vdot(z, spec.matvec(z)).item();
      }
      return acc / samples;
    },
    solve(b, options = {}) {
      const sop = 'CurvatureOperator.solve';
      checkSameTree(sop, params, b);
      const damping = options.damping ?? 0;
      checkDamping(sop, damping);
      if (spec.solve && options.method === undefined) return spec.solve(b, damping);
      if (options.method === 'cholesky') {
        const [flatB, unravel] = tree.ravel(b);
        try {
          // Cholesky primitives: traceable (jit, vmap, grad); float32 is factored in float64 and rounded,
          // and the symmetry check uses the dense matrix's precision
          const d = dense();
          return unravel(linalg.solve(d, flatB.dtype === d.dtype ? flatB : flatB.cast(d.dtype), { damping }).cast(flatB.dtype));
        } catch (e) {
          if (!(e instanceof ValueError)) throw e;
          throw new ValueError(`${sop}: the operator (+ damping ${damping}) is singular or not positive definite (${e.message}); pass damping > 0.`, { op: sop, argument: 'damping', received: String(damping) });
        }
      }
      if (options.method !== undefined && options.method !== 'cg') {
        throw new ValueError(`${sop}: method must be 'cg' or 'cholesky', got ${String(options.method)}.`, { op: sop, argument: 'method', received: String(options.method) });
      }
      // traceable CG (tensor operations only); on concrete values it stops early and reports non-convergence
      const f64 = tree.leaves(b).every((l) => l.dtype === 'float64');
      const maxIter = options.maxIter ?? 10 * size;
      const r = cgRun(spec.matvec, b, { damping, tol: options.tol ?? (f64 ? 1e-10 : 1e-5), iterations: maxIter });
      if (r.converged instanceof ConcreteTensor && !r.converged.item() && !options.truncate) {
        throw new ValueError(`${sop}: CG did not converge after ${maxIter} iterations (residual ${Math.sqrt(r.rr.item()).toExponential(2)}); the operator may be singular: pass damping > 0.`, { op: sop, argument: 'damping', received: String(damping) });
      }
      return r.x;
    },
    logdet(options = {}) {
      const lop = 'CurvatureOperator.logdet';
      const damping = options.damping ?? 0;
      checkDamping(lop, damping);
      const d = dense();
      try {
        return linalg.logdet(damping === 0 ? d : d.add(eye(d.shape[0]!, undefined, d.dtype).mul(damping)));
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        throw new ValueError(`${lop}: the operator (+ damping ${damping}) is singular or not positive definite (${e.message}); pass damping > 0.`, { op: lop, argument: 'damping', received: String(damping) });
      }
    },
    eigh: () => linalg.eigh(dense()),
    add(other) {
      checkSameTree('CurvatureOperator.add', params, other.params);
      return linearOperator<P>({
        params,
        matvec: (v) => tree.add(spec.matvec(v), other.matvec(v)),
        diagonal: () => tree.add(diagonal(), other.diagonal()),
        dense: () => dense().add(other.dense()),
      });
    },
    scale(s) {
      if (!Number.isFinite(s)) throw new ValueError(`CurvatureOperator.scale: factor must be finite, got ${s}.`, { op: 'CurvatureOperator.scale', argument: 's', received: String(s) });
      const sc = spec.solve;
      return linearOperator<P>({
        params,
        matvec: (v) => tree.scale(spec.matvec(v), s),
        diagonal: () => tree.scale(diagonal(), s),
        dense: () => dense().mul(s),
        ...(sc && s > 0 ? { solve: (b: P, damping: number) => tree.scale(sc(b, damping / s), 1 / s) } : {}),
      });
    },
  };
  return op;
}
