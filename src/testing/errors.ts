/**
 * The error thrown by the checkers of `curvax/testing`.
 * @module
 */

/**
 * Which checker failed.
 * @example
 * ```ts
 * try { checkBatching(f, [xs], 0); } catch (e) { if (e instanceof CheckError && e.check === 'batching') console.log(e.message); }
 * ```
 */
export type CheckKind = 'grads' | 'batching';

/**
 * Thrown by {@link checkGrads} and {@link checkBatching} when a check fails; the message is a
 * readable multi-line report (what was compared, where, the worst element and the tolerance).
 * @example
 * ```ts
 * try { checkGrads(f, [x]); } catch (e) { if (e instanceof CheckError) console.log(e.check, e.message); }
 * ```
 */
export class CheckError extends Error {
  /** The checker that failed. */
  readonly check: CheckKind;
  /**
   * @param message - the report.
   * @param check - the checker that failed.
   */
  constructor(message: string, check: CheckKind) {
    super(message);
    this.name = 'CheckError';
    this.check = check;
  }
}
