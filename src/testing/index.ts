/**
 * `curvax/testing`: the test kit used by curvax's own suite, for users' rules and models.
 *
 * - {@link tolerance}: the single source of truth for numerical tolerances.
 * - {@link allClose}, {@link treeAllClose} and the vitest matchers `toBeAllClose` /
 *   `toBeTreeAllClose` ({@link registerMatchers}).
 * - fast-check arbitraries: {@link shape}, {@link broadcastablePair}, {@link tensorArb},
 *   {@link pytreeOf}, {@link batchedArgs}.
 * - {@link checkGrads} (JAX's `check_grads`) and {@link checkBatching} (`vmap` vs a loop).
 *
 * fast-check is a peer dependency of this entry point.
 * ```ts
 * import { checkGrads, tensorArb } from 'curvax/testing';
 * fc.assert(fc.property(tensorArb({ domain: 'positive' }), (x) => checkGrads(log, [x], { order: 2 })));
 * ```
 * @module
 */
export { tolerance, loosestDType, type Tolerance, type ToleranceKind } from './tolerance.js';
export {
  allClose, treeAllClose, matchers, registerMatchers,
  type AllCloseOptions, type Closeable, type CurvaxMatchers, type Extendable, type MatcherContext, type MatcherResult,
} from './assertions.js';
export {
  shape, broadcastablePair, tensorArb, pytreeOf, batchedArgs,
  type ShapeOptions, type Domain, type TensorArbOptions, type PytreeOptions, type BatchedArgs, type BatchedArgsOptions,
} from './arbitraries.js';
export { checkGrads, type CheckGradsOptions, type GradMode } from './check-grads.js';
export { checkBatching, type CheckBatchingOptions } from './check-batching.js';
export { CheckError, type CheckKind } from './errors.js';
