/**
 * Tolerances for numerical comparisons: the single source of truth for every check in
 * `curvax/testing` and for the library's own test suite.
 *
 * ```text
 * kind 'value'  (results compared with a reference):
 *   float64: rtol 1e-10, atol 1e-12      float32: rtol 1e-5, atol 1e-6      int32/bool: exact
 * kind 'grad'   (derivatives compared with central finite differences, see checkGrads):
 *   float64: rtol 1e-5,  atol 1e-5       float32: rtol 2e-3, atol 2e-3      int32/bool: exact
 * ```
 * Finite differences are looser than value comparisons because a central difference with
 * step ε has truncation error O(ε²·|f'''|) and rounding error O(ulp(f)/ε); with the default
 * ε = 1e-5 in float64 both are around 1e-10 relative to well-scaled functions, and the
 * `grad` tolerance leaves room for functions with larger third derivatives.
 * @module
 */
import type { DType } from '../tensor/dtype.js';

/**
 * A relative and an absolute tolerance: `|actual − expected| ≤ atol + rtol·|expected|`.
 * @example
 * ```ts
 * const { rtol, atol }: Tolerance = tolerance('float32');
 * ```
 */
export interface Tolerance {
  /** Relative tolerance. */
  readonly rtol: number;
  /** Absolute tolerance. */
  readonly atol: number;
}

/**
 * What is being compared: plain values, or derivatives against finite differences.
 * @example
 * ```ts
 * tolerance('float64', 'grad'); // { rtol: 1e-5, atol: 1e-5 }
 * ```
 */
export type ToleranceKind = 'value' | 'grad';

const TABLE: Record<ToleranceKind, Record<DType, Tolerance>> = {
  value: {
    float64: { rtol: 1e-10, atol: 1e-12 },
    float32: { rtol: 1e-5, atol: 1e-6 },
    int32: { rtol: 0, atol: 0 },
    bool: { rtol: 0, atol: 0 },
  },
  grad: {
    float64: { rtol: 1e-5, atol: 1e-5 },
    float32: { rtol: 2e-3, atol: 2e-3 },
    int32: { rtol: 0, atol: 0 },
    bool: { rtol: 0, atol: 0 },
  },
};

/**
 * The default tolerance for comparing values (or finite-difference derivatives) of a dtype.
 * ```text
 * tolerance('float64')          = { rtol: 1e-10, atol: 1e-12 }
 * tolerance('float32')          = { rtol: 1e-5,  atol: 1e-6 }
 * tolerance('float64', 'grad')  = { rtol: 1e-5,  atol: 1e-5 }
 * tolerance('float32', 'grad')  = { rtol: 2e-3,  atol: 2e-3 }
 * integer and bool dtypes compare exactly
 * ```
 * @param dtype - the element type of the values compared.
 * @param kind - `'value'` for results, `'grad'` for derivatives checked by finite differences.
 * @returns `{ rtol, atol }`.
 * @example
 * ```ts
 * tolerance('float64').rtol;         // 1e-10
 * tolerance('float32', 'grad').rtol; // 2e-3
 * ```
 */
export function tolerance(dtype: DType, kind: ToleranceKind = 'value'): Tolerance {
  return TABLE[kind][dtype];
}

/**
 * The dtype whose tolerance is the loosest among `dtypes` (float32 before float64 before
 * the exact ones); `float64` when the list is empty.
 * @param dtypes - dtypes of the values compared.
 * @returns the least precise dtype.
 * @example
 * ```ts
 * loosestDType(['float64', 'float32']); // 'float32'
 * ```
 */
export function loosestDType(dtypes: readonly DType[]): DType {
  if (dtypes.includes('float32')) return 'float32';
  if (dtypes.includes('float64') || dtypes.length === 0) return 'float64';
  return dtypes.includes('int32') ? 'int32' : 'bool';
}
