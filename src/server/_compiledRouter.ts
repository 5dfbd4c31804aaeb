/**
 * rou3's compiled matcher, or a walk of the same router when it cannot be compiled. The compiler
 * writes code nested once per segment of a pattern: with one rule of 1,023 segments (`/a/a/…/a/:x`,
 * 2,047 characters, within the 2,048 a remote pattern or fault may have) the compiled matcher threw
 * "Maximum call stack size exceeded" on its first call (V8 compiles it then, not when it is made),
 * on Node and Deno (Bun's JavaScriptCore took it); deeper patterns threw in the compiler. The
 * matcher threw on every lookup, so once a table was compiled (a rule table after 16 lookups, the
 * intercept routes at once) every request through the hub answered 500, mocked or not, until the
 * rule went. So the matcher is called once here (a lookup has no effect), and if it throws, a walk
 * of the router takes its place until the next change (the same routes found; what rule tables of
 * more than 64 patterns always use, ../mocks/_table.ts).
 */
import { findAllRoutes, findRoute, type RouterContext } from "rou3";
import { compileRouter, type CompiledMatch, type CompiledMatchAll } from "rou3/compiler";

export function compiledOrWalk<T>(router: RouterContext<T>): CompiledMatch<T> {
  try {
    const match = compileRouter(router);
    match("", "/");
    return match;
  } catch {
    return (method, path) => findRoute(router, method, path);
  }
}

/** The same for every match (`matchAll`), as the rule and fault tables look them up. */
export function compiledAllOrWalk<T>(router: RouterContext<T>): CompiledMatchAll<T> {
  try {
    const match = compileRouter(router, { matchAll: true });
    match("", "/");
    return match;
  } catch {
    return (method, path) => findAllRoutes(router, method, path);
  }
}
