import { addRoute, createRouter, findAllRoutes, findRoute, removeRoute, type RouterContext } from "rou3";
import type { CompiledMatch } from "rou3/compiler";
import { compiledOrWalk } from "./_compiledRouter.ts";
import type { Awaitable } from "../types.ts";
import { repeatedRepetition } from "./_repeatedRepetition.ts";
import { adjacentRepetitions, MAX_ADJACENT_REPETITIONS } from "./_adjacentRepetitions.ts";
import { hasLongSegment, hasRegexParam } from "./_longSegment.ts";

/** The original's interception handler: parsed body, path params, lower-cased headers. */
export type InterceptHandler = (
  body: any,
  pathParams: Record<string, string>,
  headers: Record<string, string>,
) => Awaitable<unknown>;

/** The Web-standard form: the whole `Request` in, a `Response` out. */
export type RequestInterceptHandler = (request: Request, pathParams: Record<string, string>) => Awaitable<Response>;

/** What every route carries besides its handler: the pattern it was added with and its hits. */
interface RouteInfo extends PatternShape {
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
 *
 * Patterns also take what grest-ts's test kit writes for find-my-way, with its meaning: a
 * regex parameter `/:id(^\d+$)` (a value it refuses falls through to the next route), a
 * trailing slash that must match (`/users/42/` is not `/users/:id`), and a second route for
 * the same method and path is an error, not a silent replacement.
 */
export class InterceptRoutes {
  readonly #router = createRouter<InterceptRoute>();
  /** rou3's compiled matcher, rebuilt on the first lookup after a change (lookups far outnumber changes). */
  #match: CompiledMatch<InterceptRoute> | undefined;
  /** `"GET /users/:id"` → its route, in the order they were added (the dashboard, `journal.hits()`). */
  readonly #byKey = new Map<string, InterceptRoute>();
  /** Routes with a regex parameter: while there are none, no path is measured. */
  #regexRoutes = 0;
  /** The routes without a regex parameter, for a path with a long segment (./_longSegment.ts): built when one first comes, then kept up to date. */
  #plain: RouterContext<InterceptRoute> | undefined;

  get size(): number {
    return this.#byKey.size;
  }

  add(method: string, path: string, route: Pick<InterceptRoute, "kind" | "handler">): void {
    const shownMethod = routeMethod(method) || "*";
    const key = `${shownMethod} ${path}`;
    // find-my-way's words: code written for it expects the throw (and a replacement hid mistakes).
    // Caught here, not as a 500 "route.handler is not a function" on each request it takes.
    if (typeof route.handler !== "function") throw new TypeError(`Intercept route ${key}: the handler must be a function, got ${route.handler === null ? "null" : typeof route.handler}`);
    const unrooted = unrootedPattern(path);
    if (unrooted !== undefined) throw new Error(`Intercept route ${key}: ${unrooted}`);
    if (this.#byKey.has(key)) throw new Error(`Method '${shownMethod}' already declared for route '${path}' (remove it first with removeInterceptHttp to replace it)`);
    const info: RouteInfo = { ...shapeOf(path), pattern: key, method: shownMethod, path, hits: 0 };
    const added = { ...route, ...info } as InterceptRoute;
    try {
      addRoute(this.#router, routeMethod(method), rou3Pattern(path), added);
    } catch (error) {
      throw new Error(`Intercept route ${key}: ${(error as Error).message}. Write a regex parameter as its own segment with a plain constraint (/:id(^\\d+$) or /:id(\\d+)), or match :id and check the value in the handler`);
    }
    this.#byKey.set(key, added);
    if (hasRegexParam(path)) this.#regexRoutes++;
    // Kept up to date, not dropped: rebuilt per change, routes added while long paths came rebuilt it per request.
    else if (this.#plain) addRoute(this.#plain, routeMethod(method), path, added);
    this.#match = undefined;
  }

  remove(method: string, path: string): void {
    const key = `${routeMethod(method) || "*"} ${path}`;
    if (!this.#byKey.has(key)) return;
    const regex = hasRegexParam(path);
    removeRoute(this.#router, routeMethod(method), rou3Pattern(path));
    if (regex) this.#regexRoutes--;
    else if (this.#plain) removeRoute(this.#plain, routeMethod(method), path);
    this.#byKey.delete(key);
    // rou3 ignores a trailing slash: `/a/:id` and `/a/:id/` share a node, and removing one took the
    // other with it (its requests answered 404 while `routes()` still listed it). Added back.
    const twin = path.length > 1 ? this.#byKey.get(`${routeMethod(method) || "*"} ${path.endsWith("/") ? path.slice(0, -1) : `${path}/`}`) : undefined;
    if (twin) {
      addRoute(this.#router, routeMethod(method), rou3Pattern(twin.path), twin);
      if (!regex && this.#plain) addRoute(this.#plain, routeMethod(method), twin.path, twin);
    }
    this.#match = undefined;
  }

  /** Each route with its hit count. */
  list(): Array<{ method: string; path: string; hits: number }> {
    return [...this.#byKey.values()].map(({ method, path, hits }) => ({ method, path, hits }));
  }

  resetHits(): void {
    for (const route of this.#byKey.values()) route.hits = 0;
  }

  find(method: string, pathname: string): MatchedIntercept | undefined {
    if (this.#byKey.size === 0) return undefined;
    // A regex parameter is never tried on a segment past MAX_REGEX_SEGMENT: such a path meets the other routes only.
    const plain = this.#regexRoutes !== 0 && hasLongSegment(pathname) ? this.#withoutRegex() : undefined;
    let match = plain ? findRoute(plain, method, pathname) : (this.#match ??= compiledOrWalk(this.#router))(method, pathname);
    if (!match) return undefined;
    // rou3 ignores a trailing slash, and lets `/files/*` take `/files`; find-my-way does neither.
    // Only a mismatch looks further.
    if (!agrees(match, pathname)) {
      const all = findAllRoutes(plain ?? this.#router, method, pathname);
      match = undefined;
      for (let i = all.length - 1; i >= 0 && !match; i--) if (agrees(all[i]!, pathname)) match = all[i];
      if (!match) return undefined;
    }
    return { route: match.data, params: decodeParams(match.params, match.data.star) };
  }

  #withoutRegex(): RouterContext<InterceptRoute> {
    if (this.#plain) return this.#plain;
    const router = createRouter<InterceptRoute>();
    for (const route of this.#byKey.values()) if (!hasRegexParam(route.path)) addRoute(router, routeMethod(route.method), route.path, route);
    return (this.#plain = router);
  }
}

/** What of a pattern find-my-way's meaning needs at match time (intercept routes, mock rules, faults). */
export interface PatternShape {
  /** rou3's key for a trailing `*` (its unnamed params are `"0"`, `"1"`…), given to handlers as `*`. */
  star: string | undefined;
  /** The pattern ends in `/` (a request must too) — or in a wildcard, which takes either. */
  slash: boolean | "either";
}

export function shapeOf(path: string): PatternShape {
  return { star: trailingStarKey(path), slash: wildcardEnd(path) ? "either" : endsInSlash(path) };
}

/**
 * find-my-way's meaning of a rou3 match: the slash agrees (rou3 ignores a trailing one), and a
 * trailing `*` has a segment to take (`/files/` has "", `/files` none; rou3 lets it take `/files`).
 */
export function agrees(match: { data: PatternShape; params?: Record<string, string> }, pathname: string): boolean {
  const { star, slash } = match.data;
  return (slash === "either" || slash === endsInSlash(pathname)) && (star === undefined || match.params?.[star] !== undefined);
}

function endsInSlash(path: string): boolean {
  return path.length > 1 && path.charCodeAt(path.length - 1) === 47;
}

/** A last segment of `*`, `**` or `**:name` takes what follows, a slash included. */
function wildcardEnd(path: string): boolean {
  const last = path.slice(path.lastIndexOf("/") + 1);
  return last === "*" || last.startsWith("**");
}

/**
 * Why a pattern that does not start at the root is refused, or `undefined`: find-my-way's rule
 * (the original's router; `*` alone is its catch-all). rou3 read `users/:id` as `/users/:id`, so
 * the two were one route under two names: both added without the duplicate's error, removing
 * either took the other's requests, and the journal named the one that was not asked for. A
 * pattern without its slash is also read elsewhere as a host (mockttp) or relative to a base URL
 * (Playwright, MSW): refused, it says which it is instead of matching something else.
 */
export function unrootedPattern(path: string): string | undefined {
  if (path.startsWith("/") || path.startsWith("*")) return undefined;
  return `the first character of a path should be '/' or '*', as find-my-way's (write ${JSON.stringify(`/${path.slice(0, 200)}`)})`;
}

/**
 * find-my-way's regex parameter `:id(^\d+$)` as rou3 writes it, `:id(\d+)`: rou3 anchors a
 * constraint to the whole segment itself and refuses anchors inside it. Throws for a segment
 * whose regex could backtrack exponentially (./_repeatedRepetition.ts), as find-my-way does.
 */
export function rou3Pattern(path: string): string {
  const unrooted = unrootedPattern(path);
  if (unrooted !== undefined) throw new Error(unrooted);
  if (!path.includes("(")) return path;
  return path
    .split("/")
    .map((segment) => {
      const risky = segment.includes("(") ? repeatedRepetition(segment) : undefined;
      if (risky !== undefined) {
        throw new Error(`the regex ${JSON.stringify(risky)} repeats a group that itself repeats, alternates or holds an optional (\`?\`): a request path can make it backtrack for minutes, with the hub frozen`);
      }
      const row = segment.includes("(") ? adjacentRepetitions(segment) : undefined;
      if (row !== undefined) {
        throw new Error(
          `the regex ${JSON.stringify(row)} has more than ${MAX_ADJACENT_REPETITIONS} repetitions in a row that can take the same characters: a request path can make it backtrack for seconds, longer with each more, with the hub frozen. ` +
            "Put a character the one before cannot take between them (\\d+\\.\\d+\\.\\d+)",
        );
      }
      const param = /^(:[A-Za-z_]\w*)\((.*)\)$/.exec(segment);
      if (!param) return segment;
      let constraint = param[2]!;
      if (constraint.startsWith("^")) constraint = constraint.slice(1);
      if (constraint.endsWith("$") && !constraint.endsWith("\\$")) constraint = constraint.slice(0, -1);
      return `${param[1]}(${constraint})`;
    })
    .join("/");
}

export function routeMethod(method: string): string {
  return method === "*" || method === "" ? "" : method.toUpperCase();
}

/** The key rou3 gives a trailing `*` segment (`/files/*` → `"0"`), or `undefined` without one. */
function trailingStarKey(path: string): string | undefined {
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
