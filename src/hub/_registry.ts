import type { HubEntry, HubRoute } from "./_types.ts";

/** The instances one request may go to: an api's routes registered under the matched prefix. */
export interface PrefixMatch {
  api: string;
  instances: readonly HubRoute[];
}

/**
 * The hub's routes, indexed three ways: by api (discovery), by owner (eviction when a
 * connection closes) and by path prefix (proxying).
 *
 * The prefix lookup is `path.startsWith(pathPrefix)`, longest prefix first, as in grest-ts,
 * but it does not scan the apis: prefixes sit in a map keyed by the prefix itself, and a
 * lookup tries the path cut to each distinct prefix length, longest first. Registered
 * prefixes share a handful of lengths, so 1,000 prefixes cost a few map lookups, as 1 does.
 */
export class Registry {
  readonly #byApi = new Map<string, HubRoute[]>();
  readonly #byOwner = new Map<string, Set<HubRoute>>();
  /** pathPrefix → api → its routes with that prefix. Apis keep registration order: the first wins a tie. */
  readonly #byPrefix = new Map<string, Map<string, HubRoute[]>>();
  /** The distinct lengths of the registered prefixes, longest first. */
  #lengths: number[] = [];

  get size(): number {
    let count = 0;
    for (const routes of this.#byApi.values()) count += routes.length;
    return count;
  }

  /**
   * Adds a route. The same (owner, api, baseUrl) is stored once: registering it again is a
   * no-op, or moves it to the new prefix. Returns what changed.
   */
  add(route: HubRoute): { added?: HubRoute; replaced?: HubRoute } {
    const existing = this.#byOwner.get(route.owner);
    let replaced: HubRoute | undefined;
    if (existing) {
      for (const old of existing) {
        if (old.api !== route.api || old.baseUrl !== route.baseUrl) continue;
        if (old.pathPrefix === route.pathPrefix) return {};
        this.#delete(old);
        replaced = old;
        break;
      }
    }
    push(this.#byApi, route.api, route);
    let owned = this.#byOwner.get(route.owner);
    if (!owned) this.#byOwner.set(route.owner, (owned = new Set()));
    owned.add(route);
    let apis = this.#byPrefix.get(route.pathPrefix);
    if (!apis) {
      this.#byPrefix.set(route.pathPrefix, (apis = new Map()));
      this.#indexLengths();
    }
    push(apis, route.api, route);
    return { added: route, replaced };
  }

  /** Removes the routes that `predicate` picks among `candidates` (default: all routes). */
  remove(predicate: (route: HubRoute) => boolean, candidates: Iterable<HubRoute> = this.all()): HubRoute[] {
    const removed = [...candidates].filter(predicate);
    for (const route of removed) this.#delete(route);
    return removed;
  }

  /** Every route of `owner` (eviction). */
  removeOwner(owner: string): HubRoute[] {
    const owned = this.#byOwner.get(owner);
    return owned ? this.remove(() => true, owned) : [];
  }

  instances(api: string): readonly HubRoute[] {
    return this.#byApi.get(api) ?? [];
  }

  /** Routes of `api` whose owner is `owner` (`unregister` prefers the sender's own). */
  owned(owner: string, api: string): HubRoute[] {
    return [...(this.#byOwner.get(owner) ?? [])].filter((route) => route.api === api);
  }

  *all(): Iterable<HubRoute> {
    for (const routes of this.#byApi.values()) yield* routes;
  }

  apis(): Iterable<string> {
    return this.#byApi.keys();
  }

  /** The api whose prefix is the longest prefix of `path`, with its instances under that prefix. */
  match(path: string): PrefixMatch | undefined {
    for (const length of this.#lengths) {
      if (length > path.length) continue;
      const apis = this.#byPrefix.get(length === path.length ? path : path.slice(0, length));
      if (!apis) continue;
      for (const [api, instances] of apis) return { api, instances };
    }
    return undefined;
  }

  clear(): void {
    this.#byApi.clear();
    this.#byOwner.clear();
    this.#byPrefix.clear();
    this.#lengths = [];
  }

  #delete(route: HubRoute): void {
    pull(this.#byApi, route.api, route);
    const owned = this.#byOwner.get(route.owner);
    owned?.delete(route);
    if (owned?.size === 0) this.#byOwner.delete(route.owner);
    const apis = this.#byPrefix.get(route.pathPrefix);
    if (!apis) return;
    pull(apis, route.api, route);
    if (apis.size === 0) {
      this.#byPrefix.delete(route.pathPrefix);
      this.#indexLengths();
    }
  }

  #indexLengths(): void {
    this.#lengths = [...new Set([...this.#byPrefix.keys()].map((prefix) => prefix.length))].sort((a, b) => b - a);
  }
}

/** A copy of the entry's three fields, so nothing else a client sent is kept or echoed. */
export function entryOf(value: unknown, request: string): HubEntry {
  const entry = value as Partial<HubEntry> | null;
  if (
    !entry ||
    typeof entry !== "object" ||
    typeof entry.api !== "string" ||
    entry.api === "" ||
    typeof entry.baseUrl !== "string" ||
    typeof entry.pathPrefix !== "string"
  ) {
    throw new TypeError(`${request} expects an array of {api, baseUrl, pathPrefix} (strings), got ${preview(value)}`);
  }
  if (!/^https?:\/\/[^/]/i.test(entry.baseUrl)) {
    throw new TypeError(`${request}: baseUrl of '${entry.api}' must be an http:// or https:// URL, got ${JSON.stringify(entry.baseUrl)}`);
  }
  return { api: entry.api, baseUrl: entry.baseUrl, pathPrefix: entry.pathPrefix };
}

export function entriesOf(value: unknown, request: string): HubEntry[] {
  if (!Array.isArray(value)) throw new TypeError(`${request} expects an array of {api, baseUrl, pathPrefix}, got ${preview(value)}`);
  return value.map((entry) => entryOf(entry, request));
}

function preview(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function push<K>(map: Map<K, HubRoute[]>, key: K, route: HubRoute): void {
  const list = map.get(key);
  if (list) list.push(route);
  else map.set(key, [route]);
}

function pull<K>(map: Map<K, HubRoute[]>, key: K, route: HubRoute): void {
  const list = map.get(key);
  if (!list) return;
  const index = list.indexOf(route);
  if (index !== -1) list.splice(index, 1);
  if (list.length === 0) map.delete(key);
}
