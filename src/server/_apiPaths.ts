/**
 * Where a ServiceHub's apis live, for features of the server that take an api name (a fault's
 * `match.api`, `replay(har, { api })`). The hub registers them for its server here, as it
 * registers its describer (./_describe.ts), so neither imports the other.
 */

/** What a ServiceHub tells its server about its apis' paths. */
export interface ApiPaths {
  /** The prefixes `api` was registered with, also those its instances left (bounded: ../hub/_knownPrefixes.ts). */
  prefixes(api: string): ReadonlySet<string>;
  /** The api the hub sends `path` to now (its longest registered prefix), and that prefix. */
  routed(path: string): { api: string; prefix: string } | undefined;
}

const lookups = new WeakMap<object, ApiPaths>();

/** Called by ServiceHub when it attaches to a server. */
export function setApiPaths(server: object, paths: ApiPaths): void {
  lookups.set(server, paths);
}

/** The apis' paths, or `undefined` when no hub runs on the server. */
export function apiPathsOf(server: object): ApiPaths | undefined {
  return lookups.get(server);
}

/**
 * True when `path` is `api`'s: under a prefix it registered (also once its service went), and
 * not sent to another api under a prefix at least as long. A prefix is a string prefix, as the
 * hub routes, so `/users` covers `/users/prefs/1` — but when `prefs` is registered at
 * `/users/prefs`, the hub sends that request to `prefs`, and a fault or replay limited to
 * `users` must not take it (it did: a `{ api: "users" }` fault answered `prefs`' requests).
 */
export function isApiPath(paths: ApiPaths | undefined, api: string, path: string): boolean {
  if (paths === undefined) return false;
  let longest = -1;
  for (const prefix of paths.prefixes(api)) if (prefix.length > longest && path.startsWith(prefix)) longest = prefix.length;
  if (longest === -1) return false;
  const routed = paths.routed(path);
  return routed === undefined || routed.api === api || routed.prefix.length < longest;
}
