/**
 * Node 20 defines `Symbol.asyncDispose` on its main realm's `Symbol` only, so in a `vm` context
 * (vitest's vmThreads and vmForks pools evaluate tests and their imports in one) it is undefined:
 * a class member `[Symbol.asyncDispose]()` there is named "undefined", and `await using` finds
 * nothing ("Object is not disposable"). Transpilers' `await using` helpers (esbuild, oxc, Babel,
 * SWC) look up `Symbol.for("Symbol.asyncDispose")` when the runtime has none, so this moves the
 * method to that key. Elsewhere it does nothing. (A computed key of our own would do it in the
 * class body, but the build's isolatedDeclarations refuses one.)
 */
export function keyAsyncDispose(prototype: object): void {
  if (typeof Symbol.asyncDispose === "symbol") return;
  const method: unknown = Reflect.get(prototype, "undefined");
  Reflect.deleteProperty(prototype, "undefined");
  Object.defineProperty(prototype, Symbol.for("Symbol.asyncDispose"), { value: method, configurable: true, writable: true });
}
