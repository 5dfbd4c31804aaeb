import { addRoute, createRouter, findRoute, removeRoute } from "rou3";
import { compileRouter, type CompiledMatch } from "rou3/compiler";
import type { Awaitable } from "../types.ts";

/** The original's interception handler: parsed body, path params, lower-cased headers. */
export type InterceptHandler = (
  body: any,
  pathParams: Record<string, string>,
  headers: Record<string, string>,
) => Awaitable<unknown>;

/** The Web-standard form: the whole `Request` in, a `Response` out. */
export type RequestInterceptHandler = (request: Request, pathParams: Record<string, string>) => Awaitable<Response>;

/** What every route carries besides its handler: the pattern it was added with and its hits. */
interface RouteInfo {
  /** rou3's key for a trailing `*` (its unnamed params are `"0"`, `"1"`…), given to handlers as `*`. */
  star: string | undefined;
  /** `"GET /users/:id"` (`*` for any method), as the journal names it. */
  pattern: string;
  method: string;
  path: string;
  hits: number;
}

export type InterceptRoute =
  | ({ kind: "legacy"; handler: InterceptHandler } & RouteInfo)
  | ({ kind: "request"; handler: RequestInterceptHandler } & RouteInfo);

export interface MatchedIntercept {
  route: InterceptRoute;
  params: Record<string, string>;
}

/**
 * Intercept routes that can be added and removed at run time (rou3; h3's own router cannot
 * remove routes). `method` is an HTTP method or `*` for any.
 */
export class InterceptRoutes {
  readonly #router = createRouter<InterceptRoute>();
  /** rou3's compiled matcher, rebuilt on the first lookup after a change (lookups far outnumber changes). */
  #match: CompiledMatch<InterceptRoute> | undefined;
  #count = 0;
  /** The routes in the order they were added, for the dashboard and `journal.hits()`. */
  readonly #list = new Set<InterceptRoute>();

  get size(): number {
    return this.#count;
  }

  add(method: string, path: string, route: Pick<InterceptRoute, "kind" | "handler">): void {
    // A second add of the same route replaces the first instead of shadowing it.
    this.remove(method, path);
    const shownMethod = routeMethod(method) || "*";
    const info: RouteInfo = { star: trailingStarKey(path), pattern: `${shownMethod} ${path}`, method: shownMethod, path, hits: 0 };
    const added = { ...route, ...info } as InterceptRoute;
    addRoute(this.#router, routeMethod(method), path, added);
    this.#list.add(added);
    this.#count++;
    this.#match = undefined;
  }

  remove(method: string, path: string): void {
    const before = findRoute(this.#router, routeMethod(method), path);
    removeRoute(this.#router, routeMethod(method), path);
    if (before && !findRoute(this.#router, routeMethod(method), path)) {
      this.#count--;
      this.#list.delete(before.data);
    }
    this.#match = undefined;
  }

  /** Each route with its hit count. */
  list(): Array<{ method: string; path: string; hits: number }> {
    return [...this.#list].map(({ method, path, hits }) => ({ method, path, hits }));
  }

  resetHits(): void {
    for (const route of this.#list) route.hits = 0;
  }

  find(method: string, pathname: string): MatchedIntercept | undefined {
    if (this.#count === 0) return undefined;
    this.#match ??= compileRouter(this.#router);
    const match = this.#match(method, pathname);
    if (!match) return undefined;
    return { route: match.data, params: decodeParams(match.params, match.data.star) };
  }
}

export function routeMethod(method: string): string {
  return method === "*" || method === "" ? "" : method.toUpperCase();
}

/** The key rou3 gives a trailing `*` segment (`/files/*` → `"0"`), or `undefined` without one. */
export function trailingStarKey(path: string): string | undefined {
  const segments = path.split("/");
  if (segments[segments.length - 1] !== "*") return undefined;
  return String(segments.filter((segment) => segment === "*").length - 1);
}

/** Params arrive URL-encoded; a trailing `*` is given as `*` only, as find-my-way named it. */
export function decodeParams(params: Record<string, string> | undefined, star: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!params) return out;
  for (const key in params) {
    const value = params[key]!;
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      out[key] = value;
    }
  }
  if (star !== undefined && out[star] !== undefined) {
    out["*"] = out[star]!;
    delete out[star];
  }
  return out;
}
