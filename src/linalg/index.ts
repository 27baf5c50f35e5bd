/**
 * Dense linear algebra on row-major typed arrays (Cholesky, triangular and SPD solves,
 * symmetric eigendecomposition) and matrix-free conjugate gradients over any vector space.
 * @module
 */
export type { FloatArray } from './util.js';
export {
  cholesky,
  choleskySolve,
  eighSymmetric,
  identity,
  inverseSpd,
  logDetSpd,
  matmulDense,
  solveSpd,
  solveTriangular,
  transposeDense,
  type EighResult,
  type SolveSpdOptions,
  type SolveTriangularOptions,
} from './dense.js';
export { eigvalsSymmetric } from './eigh.js';
export { cg, float64Space, type CgOptions, type CgResult, type VectorSpace } from './cg.js';
export { choleskyTensor, eigh, triangularSolve, type EighTensors, type TriangularSolveOptions } from './factor.js';
export { choSolve, inv, logdet, solve, type SpdSolveOptions } from './spd.js';
export { cgFixed, type CgFixedOptions } from './cg-fixed.js';
