/**
 * rou3's compiled matcher, or a walk of the same router when it cannot be compiled. The compiler
 * writes code nested once per segment of a pattern: with one rule of 1,023 segments (`/a/a/…/a/:x`,
 * 2,047 characters, within the 2,048 a remote pattern or fault may have) the compiled matcher threw
 * "Maximum call stack size exceeded" on its first call (V8 compiles it then, not when it is made),
 * on Node and Deno (Bun's JavaScriptCore took it); deeper patterns threw in the compiler. The
 * matcher threw on every lookup, so once a table was compiled (a rule table after 16 lookups, the
 * intercept routes at once) every request through the hub answered 500, mocked or not, until the
 * rule went. So a router with a pattern deeper than MAX_COMPILED_DEPTH is never compiled, and
 * another is called once here (a lookup has no effect): if either throws, a walk of the router takes
 * its place until the next change (the same routes found; what rule tables of more than 64 patterns
 * always use, ../mocks/_table.ts).
 */
import { findAllRoutes, findRoute, type RouterContext } from "rou3";
import { compileRouter, type CompiledMatch, type CompiledMatchAll } from "rou3/compiler";

/**
 * The most segments a compiled pattern may have. The first call alone is not enough: V8 drops the
 * bytecode of a function not run for a few collections and compiles it again on its next call, from
 * wherever that call is. A matcher of 775 segments that compiled at its first call threw after
 * collections from 300 frames deeper (Node 20, a heap churned; 755 did not). Far past any pattern
 * an app routes; deeper ones are walked.
 */
const MAX_COMPILED_DEPTH = 128;

export function compiledOrWalk<T>(router: RouterContext<T>): CompiledMatch<T> {
  const walk: CompiledMatch<T> = (method, path) => findRoute(router, method, path);
  if (deeperThan(router, MAX_COMPILED_DEPTH)) return walk;
  try {
    const match = compileRouter(router);
    match("", "/");
    return match;
  } catch {
    return walk;
  }
}

/** The same for every match (`matchAll`), as the rule and fault tables look them up. */
export function compiledAllOrWalk<T>(router: RouterContext<T>): CompiledMatchAll<T> {
  const walk: CompiledMatchAll<T> = (method, path) => findAllRoutes(router, method, path);
  if (deeperThan(router, MAX_COMPILED_DEPTH)) return walk;
  try {
    const match = compileRouter(router, { matchAll: true });
    match("", "/");
    return match;
  } catch {
    return walk;
  }
}

/** Whether a pattern in the router has more than `max` segments (a node each below the root), without recursing. */
function deeperThan<T>(router: RouterContext<T>, max: number): boolean {
  type Node = RouterContext<T>["root"];
  const nodes: Node[] = [router.root];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children = node.static ? Object.values(node.static) : [];
    if (node.param) children.push(node.param);
    if (node.wildcard) children.push(node.wildcard);
    if (node.suffix) children.push(node.suffix);
    for (const child of children) {
      nodes.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}
