/**
 * The key of `[Symbol.asyncDispose]()` on crossipc's disposables. Node 20 defines
 * `Symbol.asyncDispose` on its main realm's `Symbol` only, so in a `vm` context (vitest's
 * vmThreads and vmForks pools evaluate tests and their imports in one) it is undefined: a class
 * member `[Symbol.asyncDispose]()` there is named "undefined", and `await using` finds nothing.
 * Transpilers' `await using` helpers (esbuild, oxc, Babel, SWC) look up
 * `Symbol.for("Symbol.asyncDispose")` when the runtime has none, so that is the key then.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);
