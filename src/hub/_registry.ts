import type { HubEntry, HubRoute } from "./_types.ts";
import { quoted } from "../_excerpt.ts";

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
 *
 * Every change costs O(1) per route added or removed: sets keep registration order and delete
 * in place, an owner's routes are keyed by (api, baseUrl), and the lengths are counted, a length
 * inserted in order when it first appears and dropped when its last prefix goes. (Rebuilding
 * and sorting the lengths on each new prefix, and scanning the owner's routes on each add, made
 * one register of 20,000 prefixes stall the hub for most of a minute.)
 */
export class Registry {
  readonly #byApi = new Map<string, RouteGroup>();
  /** owner → api → baseUrl → its route: one route per (owner, api, baseUrl). */
  readonly #byOwner = new Map<string, Map<string, Map<string, HubRoute>>>();
  readonly #ownedCounts = new Map<string, number>();
  /** pathPrefix → api → its routes with that prefix. Apis keep registration order: the first wins a tie. */
  readonly #byPrefix = new Map<string, Map<string, RouteGroup>>();
  /** How many distinct prefixes have each length. */
  readonly #lengthCounts = new Map<number, number>();
  /** The distinct lengths of the registered prefixes, longest first. */
  #lengths: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /**
   * Adds a route. The same (owner, api, baseUrl) is stored once: registering it again is a
   * no-op, or moves it to the new prefix. Returns what changed.
   */
  add(route: HubRoute): { added?: HubRoute; replaced?: HubRoute } {
    const old = this.#byOwner.get(route.owner)?.get(route.api)?.get(route.baseUrl);
    if (old?.pathPrefix === route.pathPrefix) return {};
    if (old) this.#delete(old);
    this.#ownerMap(route.owner, route.api).set(route.baseUrl, route);
    this.#ownedCounts.set(route.owner, (this.#ownedCounts.get(route.owner) ?? 0) + 1);
    groupOf(this.#byApi, route.api).add(route);
    let prefixApis = this.#byPrefix.get(route.pathPrefix);
    if (!prefixApis) {
      this.#byPrefix.set(route.pathPrefix, (prefixApis = new Map()));
      this.#countLength(route.pathPrefix.length, 1);
    }
    groupOf(prefixApis, route.api).add(route);
    this.#size++;
    return { added: route, replaced: old };
  }

  /** Removes the routes that `predicate` picks among `candidates` (default: all routes). */
  remove(predicate: (route: HubRoute) => boolean, candidates: Iterable<HubRoute> = this.all()): HubRoute[] {
    const removed = [...candidates].filter(predicate);
    for (const route of removed) this.#delete(route);
    return removed;
  }

  /** Every route of `owner` (eviction): O(routes removed). */
  removeOwner(owner: string): HubRoute[] {
    const apis = this.#byOwner.get(owner);
    if (!apis) return [];
    const removed: HubRoute[] = [];
    for (const byBase of apis.values()) for (const route of byBase.values()) removed.push(route);
    for (const route of removed) this.#delete(route);
    return removed;
  }

  /** How many routes `owner` has. */
  ownedCount(owner: string): number {
    return this.#ownedCounts.get(owner) ?? 0;
  }

  /** How many of `entries` `owner` does not have yet (each (api, baseUrl) counted once). */
  countNew(owner: string, entries: readonly HubEntry[]): number {
    const apis = this.#byOwner.get(owner);
    const seen = new Map<string, Set<string>>();
    let count = 0;
    for (const { api, baseUrl } of entries) {
      if (apis?.get(api)?.has(baseUrl)) continue;
      let bases = seen.get(api);
      if (!bases) seen.set(api, (bases = new Set()));
      if (bases.has(baseUrl)) continue;
      bases.add(baseUrl);
      count++;
    }
    return count;
  }

  /** How many apis have an instance. */
  get apiCount(): number {
    return this.#byApi.size;
  }

  /** Whether an instance of `api` is registered at `prefix`. */
  hasPrefix(prefix: string, api: string): boolean {
    return this.#byPrefix.get(prefix)?.has(api) ?? false;
  }

  instances(api: string): readonly HubRoute[] {
    return this.#byApi.get(api)?.list() ?? [];
  }

  /** Routes of `api` whose owner is `owner` (`unregister` prefers the sender's own). */
  owned(owner: string, api: string): HubRoute[] {
    return [...(this.#byOwner.get(owner)?.get(api)?.values() ?? [])];
  }

  *all(): Iterable<HubRoute> {
    for (const group of this.#byApi.values()) yield* group.list();
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
      for (const [api, group] of apis) return { api, instances: group.list() };
    }
    return undefined;
  }

  clear(): void {
    this.#byApi.clear();
    this.#byOwner.clear();
    this.#ownedCounts.clear();
    this.#byPrefix.clear();
    this.#lengthCounts.clear();
    this.#lengths = [];
    this.#size = 0;
  }

  #ownerMap(owner: string, api: string): Map<string, HubRoute> {
    let apis = this.#byOwner.get(owner);
    if (!apis) this.#byOwner.set(owner, (apis = new Map()));
    let byBase = apis.get(api);
    if (!byBase) apis.set(api, (byBase = new Map()));
    return byBase;
  }

  #delete(route: HubRoute): void {
    const apis = this.#byOwner.get(route.owner);
    const byBase = apis?.get(route.api);
    if (byBase?.get(route.baseUrl) !== route) return;
    byBase.delete(route.baseUrl);
    if (byBase.size === 0) apis!.delete(route.api);
    if (apis!.size === 0) this.#byOwner.delete(route.owner);
    const owned = this.#ownedCounts.get(route.owner)! - 1;
    if (owned === 0) this.#ownedCounts.delete(route.owner);
    else this.#ownedCounts.set(route.owner, owned);
    ungroup(this.#byApi, route.api, route);
    const prefixApis = this.#byPrefix.get(route.pathPrefix);
    if (prefixApis) {
      ungroup(prefixApis, route.api, route);
      if (prefixApis.size === 0) {
        this.#byPrefix.delete(route.pathPrefix);
        this.#countLength(route.pathPrefix.length, -1);
      }
    }
    this.#size--;
  }

  /** A prefix of `length` came (+1) or went (-1): keeps `#lengths` sorted without re-sorting. */
  #countLength(length: number, change: 1 | -1): void {
    const count = (this.#lengthCounts.get(length) ?? 0) + change;
    const lengths = this.#lengths;
    if (count > 0) {
      this.#lengthCounts.set(length, count);
      if (count === 1 && change === 1) lengths.splice(insertionIndex(lengths, length), 0, length);
      return;
    }
    this.#lengthCounts.delete(length);
    const index = insertionIndex(lengths, length);
    if (lengths[index] === length) lengths.splice(index, 1);
  }
}

/**
 * Routes in registration order, deleted in place; the array strategies are handed is built
 * when first asked for after a change (requests far outnumber registrations).
 */
class RouteGroup {
  readonly #routes = new Set<HubRoute>();
  #list: HubRoute[] | undefined;

  get size(): number {
    return this.#routes.size;
  }

  add(route: HubRoute): void {
    this.#routes.add(route);
    this.#list = undefined;
  }

  delete(route: HubRoute): void {
    this.#routes.delete(route);
    this.#list = undefined;
  }

  list(): HubRoute[] {
    return (this.#list ??= [...this.#routes]);
  }
}

function groupOf(map: Map<string, RouteGroup>, key: string): RouteGroup {
  let group = map.get(key);
  if (!group) map.set(key, (group = new RouteGroup()));
  return group;
}

function ungroup(map: Map<string, RouteGroup>, key: string, route: HubRoute): void {
  const group = map.get(key);
  if (!group) return;
  group.delete(route);
  if (group.size === 0) map.delete(key);
}

/** Where `length` sits (or would sit) in `lengths`, which is sorted longest first: a binary search. */
function insertionIndex(lengths: readonly number[], length: number): number {
  let low = 0;
  let high = lengths.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (lengths[mid]! > length) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The longest api name, baseUrl or pathPrefix accepted (a prefix's length is also a lookup step). */
export const MAX_FIELD_LENGTH = 2048;

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
  for (const field of ["api", "baseUrl", "pathPrefix"] as const) {
    const length = entry[field]!.length;
    if (length > MAX_FIELD_LENGTH) throw new RangeError(`${request}: ${field} of an entry is ${length} characters long; at most ${MAX_FIELD_LENGTH} are accepted`);
  }
  if (!/^https?:\/\/[^/]/i.test(entry.baseUrl)) {
    throw new TypeError(`${request}: baseUrl of '${entry.api}' must be an http:// or https:// URL, got ${JSON.stringify(entry.baseUrl)}`);
  }
  // The request's path and query are appended to it: `http://h:1?x=1` sent `/users/1` as `?x=1/users/1`.
  if (/[?#]/.test(entry.baseUrl)) {
    throw new TypeError(`${request}: baseUrl of '${entry.api}' must not have a query or fragment (each request's own path and query go after it), got ${JSON.stringify(entry.baseUrl)}`);
  }
  return { api: entry.api, baseUrl: entry.baseUrl, pathPrefix: entry.pathPrefix };
}

/** Validates every entry before any is used; with `max`, a longer list is refused unread. */
export function entriesOf(value: unknown, request: string, max: number = Infinity): HubEntry[] {
  if (!Array.isArray(value)) throw new TypeError(`${request} expects an array of {api, baseUrl, pathPrefix}, got ${preview(value)}`);
  if (value.length > max) throw new RangeError(`${request}: ${value.length} entries in one request; at most ${max} are accepted`);
  return value.map((entry) => entryOf(entry, request));
}

/**
 * What a refusal shows of a value a peer sent: `quoted`'s excerpt, never the value written whole.
 * `JSON.stringify` of it threw its own RangeError for a payload nested deep (a `discovery/register`
 * of a 1,000,000-deep array answered "Maximum call stack size exceeded" on Node and Bun), and wrote
 * all of a 64 MiB one to cut 80 characters of it.
 */
function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  // An entry's mistake is in its fields: an object is named by its first keys and what they hold.
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 4).map((key) => `${quoted(key, 20)}: ${quoted((value as Record<string, unknown>)[key], 40)}`);
    return `{${shown.join(", ")}${keys.length > 4 ? ", …" : ""}}`;
  }
  return quoted(value, 80);
}
