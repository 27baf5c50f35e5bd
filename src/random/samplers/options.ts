/**
 * Options shared by the host samplers.
 * @module
 */
import type { DType } from '../../tensor/dtype.js';

/** Options of `random.gamma`, `beta`, `dirichlet`, `truncatedNormal`, `multivariateNormal`. */
export interface SamplerOptions {
  /** Float dtype of the samples (computed in float64, rounded once). @defaultValue the default float (`float32`) */
  readonly dtype?: DType;
}
