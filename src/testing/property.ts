/**
 * `assertProperty`: `fc.assert` whose thrown message carries the failing check's report.
 * @module
 */
import fc from 'fast-check';

/**
 * Runs `fc.assert` with `includeErrorInReport: true`, so the thrown message contains the failing
 * checker's report (the `CheckError` of {@link checkGrads}/{@link checkBatching}, the
 * `IdentityError` of an identity check, or any other error) after the counterexample, instead of
 * leaving it in the error's `cause`. Other parameters pass through (a `seed`, `numRuns`, …).
 * @param property - a synchronous fast-check property.
 * @param params - fast-check run parameters.
 * @throws the fast-check failure, whose message includes `Got CheckError: <report>`.
 * @example
 * ```ts
 * assertProperty(fc.property(tensorArb({ domain: 'positive' }), (x) => checkGrads(log, [x], { order: 2 })), { seed: 1 });
 * ```
 */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, params: fc.Parameters<Ts> = {}): void {
  fc.assert(property, { ...params, includeErrorInReport: true });
}
