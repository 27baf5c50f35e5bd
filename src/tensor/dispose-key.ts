/**
 * The key of {@link Tensor}'s `using` support, typed so that the published declarations compile
 * whatever `lib` a consumer's TypeScript uses: `typeof Symbol.dispose` where the consumer's lib
 * declares it (ES2026 / `esnext.disposable` / `@types/node`), else a private unique symbol (then
 * `using` is unavailable to that consumer anyway). Writing `[Symbol.dispose]()` directly breaks
 * consumers whose lib lacks `Symbol.dispose` (TS2550, e.g. TypeScript 6/7 defaults).
 * @module
 */

/** @internal Stands in for `Symbol.dispose` in the types when the consumer's lib lacks it. */
declare const noDisposeSymbol: unique symbol;

/** @internal `typeof Symbol.dispose` when the consumer's lib declares it. */
export type DisposeKey = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? S : typeof noDisposeSymbol;

/** @internal `Symbol.dispose` at run time (a registered symbol where the runtime lacks it). */
export const disposeKey: DisposeKey = ((Symbol as { dispose?: symbol }).dispose ?? Symbol.for('Symbol.dispose')) as DisposeKey;
