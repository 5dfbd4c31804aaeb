import { quoted } from "../_excerpt.ts";
import { RuleTable, type Matches } from "../mocks/_table.ts";
import { FaultGate } from "./_gate.ts";
import type { FaultKindDef } from "./_kind.ts";
import type { ParsedFault } from "./_parse.ts";
import type { FaultInfo, FaultKind, FaultMatch, FaultSpec } from "./_types.ts";
import { randomHex } from "../_randomHex.ts";

/** A fault the server holds. */
export interface ActiveFault {
  readonly id: string;
  readonly match: FaultMatch;
  /** Where it sits in the table: `match.path`, or `/**` without one. */
  readonly path: string;
  readonly kind: FaultKindDef;
  readonly value: unknown;
  readonly spec: FaultSpec;
  readonly gate: FaultGate;
  /** Only requests of this scope (`scope.fault`); absent: every request. */
  readonly scope?: string;
  /** The framework connection that added it (`mocks.fault`): it goes when that connection closes. */
  readonly owner?: string;
  /**
   * Told of each request it faults (`spent`: that was its last, it is gone): a remote owner's
   * `hits`. A promise: the faulted request waits for it before the fault acts (the owner has the
   * count before the answer); it never rejects.
   */
  readonly onHit?: (fault: ActiveFault, spent: boolean) => Promise<void> | undefined;
  /** Order of addition on this table: the newer of a scope's fault and an unscoped one is the larger. */
  readonly seq: number;
}

/** HTTP requests, or WebSocket upgrades and their frames: a kind applies to one or both. */
export type Traffic = "http" | "websocket";

/**
 * The server's faults, in the tables the mocks' rules use (../mocks/_table.ts: a rou3 router of
 * route patterns, newest first), so a request costs one router lookup however many faults exist
 * elsewhere, and nothing at all when there is none (`size`). A fault without a path sits at `/**`.
 * As the rules, one table per scope and one of unscoped faults: a request meets its own scope's
 * faults and the unscoped ones only. In one shared table every request walked every scope's
 * faults on its path: 10,000 scoped faults at `/**` (one connection's most) cost each request of
 * every other test 1.8 ms of the hub's thread, 200,000 (the hub's most) 183 ms.
 *
 * One fault per request: the newest that matches, applies to this traffic and whose gate draws.
 */
export class FaultTable {
  /** The unscoped faults. */
  readonly #table = new TrafficTables();
  /** Each scope's faults (`scope.fault`). */
  readonly #scoped = new Map<string, TrafficTables>();
  readonly #byId = new Map<string, ActiveFault>();
  /** How many faults each scope holds: such a scope is open (its trace id names it) as one holding mocks is. */
  readonly #scopes = new Tally<string>();
  /**
   * Each owner's faults (`undefined`: `server.fault` and the HTTP API): its cap without a scan per
   * add, and its faults removed without a scan of everyone's when its connection closes (a scan
   * per close, per `clear` and per scope closed cost O(all faults) each: 20 connections holding
   * their 10,000 faults each took 3–23 s to close one by one).
   */
  readonly #byOwner = new Map<string | undefined, Set<ActiveFault>>();
  #seq = 0;
  /** Whether a path is a registered api's (ServiceHub's), for `match.api`; never without a hub. */
  readonly #isApiPath: (api: string, path: string) => boolean;
  /** Whether a ServiceHub runs on the server (absent: a bare table, as unit tests build it, takes any `api`). */
  readonly #hasApis: (() => boolean) | undefined;

  constructor(isApiPath: (api: string, path: string) => boolean = () => false, hasApis?: () => boolean) {
    this.#isApiPath = isApiPath;
    this.#hasApis = hasApis;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** True when `scope` holds a fault. Bound, so it can be handed on as the rules' `alsoOpen`. */
  readonly hasScope = (scope: string): boolean => this.#scopes.of(scope) > 0;

  /** How many faults `owner` holds (`undefined`: those added without a connection). */
  ownedBy(owner: string | undefined): number {
    return this.#byOwner.get(owner)?.size ?? 0;
  }

  add(parsed: ParsedFault, options: { scope?: string; owner?: string; onHit?: ActiveFault["onHit"] } = {}): ActiveFault {
    // Without a ServiceHub (grest-ts's own discovery server on an IPCServer keeps its apis in its
    // handlers) no path is ever an api's: such a fault was taken and faulted nothing. Refused here,
    // once for server.fault, mocks/scope.fault and the HTTP API, as replay's `api` is.
    if (this.#hasApis && parsed.match.api !== undefined && !this.#hasApis()) {
      throw new TypeError(`fault match: api ${quoted(parsed.match.api)} needs a ServiceHub on the hub's server (its registry knows the api's path prefix); match by path instead`);
    }
    const fault: ActiveFault = {
      id: `f${++this.#seq}-${randomHex(4)}`,
      match: parsed.match,
      path: parsed.match.path ?? "/**",
      kind: parsed.kind,
      value: parsed.value,
      spec: parsed.spec,
      gate: new FaultGate(parsed.probability, parsed.times),
      scope: options.scope,
      owner: options.owner,
      onHit: options.onHit,
      seq: this.#seq,
    };
    let table = this.#table;
    if (fault.scope !== undefined) table = this.#scoped.get(fault.scope) ?? new TrafficTables();
    table.add(fault);
    if (fault.scope !== undefined) this.#scoped.set(fault.scope, table);
    this.#byId.set(fault.id, fault);
    if (fault.scope !== undefined) this.#scopes.add(fault.scope, 1);
    let owned = this.#byOwner.get(fault.owner);
    if (!owned) this.#byOwner.set(fault.owner, (owned = new Set()));
    owned.add(fault);
    return fault;
  }

  get(id: string): ActiveFault | undefined {
    return this.#byId.get(id);
  }

  remove(id: string): boolean {
    const fault = this.#byId.get(id);
    if (!fault) return false;
    this.#byId.delete(id);
    const table = fault.scope === undefined ? this.#table : this.#scoped.get(fault.scope);
    table?.remove(fault);
    if (fault.scope !== undefined && table?.size === 0) this.#scoped.delete(fault.scope);
    if (fault.scope !== undefined) this.#scopes.add(fault.scope, -1);
    const owned = this.#byOwner.get(fault.owner);
    owned?.delete(fault);
    if (owned?.size === 0) this.#byOwner.delete(fault.owner);
    return true;
  }

  /** Removes the faults of `owner` that `which` picks (default: all of them), looking at no one else's; returns how many. */
  removeOwned(owner: string | undefined, which: (fault: ActiveFault) => boolean = () => true): number {
    const owned = this.#byOwner.get(owner);
    if (!owned) return 0;
    let count = 0;
    for (const fault of [...owned]) if (which(fault) && this.remove(fault.id)) count++;
    return count;
  }

  /** Removes the faults `which` picks (default: all); returns how many. */
  removeWhere(which: (fault: ActiveFault) => boolean = () => true): number {
    let count = 0;
    for (const fault of [...this.#byId.values()]) if (which(fault) && this.remove(fault.id)) count++;
    return count;
  }

  list(): FaultInfo[] {
    return [...this.#byId.values()].map(info);
  }

  /**
   * The fault for this request, its gate already drawn (and the fault gone when that spent its
   * `times`); `undefined` for none. Call only when `size > 0`.
   */
  take(method: string, path: string, traffic: Traffic, scopeOf?: () => string | null): ActiveFault | undefined {
    return this.draw(method, path, traffic, scopeOf)?.fault;
  }

  /** As `take`, with what its `onHit` returned: the owner's acknowledgement the request waits for (none for a local fault). */
  draw(method: string, path: string, traffic: Traffic, scopeOf?: () => string | null): { fault: ActiveFault; counted: Promise<void> | undefined } | undefined {
    const unscoped = this.#table.find(traffic, method, path);
    let scoped: Matches<ActiveFault> = NONE;
    if (this.#scoped.size !== 0) {
      // Read only while some scope holds faults: the scope is in headers, cookies or a trace id.
      const scope = scopeOf?.() ?? null;
      const table = scope === null ? undefined : this.#scoped.get(scope);
      if (table) scoped = table.find(traffic, method, path);
    }
    // Both newest first: the newer of the two heads goes first.
    for (let i = 0, j = 0; i < unscoped.length || j < scoped.length; ) {
      const fault = j >= scoped.length || (i < unscoped.length && unscoped.at(i)!.rule.seq > scoped.at(j)!.rule.seq) ? unscoped.at(i++)!.rule : scoped.at(j++)!.rule;
      if (fault.match.api !== undefined && !this.#isApiPath(fault.match.api, path)) continue;
      if (!fault.gate.draw()) continue;
      const spent = fault.gate.spent;
      if (spent) this.remove(fault.id);
      return { fault, counted: fault.onHit?.(fault, spent) };
    }
    return undefined;
  }
}

const NONE: Matches<ActiveFault> = [];

export function info(fault: ActiveFault): FaultInfo {
  const shown: FaultInfo = { id: fault.id, match: { ...fault.match }, fault: { ...fault.spec }, hits: fault.gate.hits };
  // Only where they are set: a fault of `server.fault` or the HTTP API reads {id, match, fault, hits} (SPEC §12).
  if (fault.scope !== undefined) shown.scope = fault.scope;
  if (fault.owner !== undefined) shown.owner = fault.owner;
  return shown;
}

export function kindOf(fault: ActiveFault): FaultKind {
  return fault.kind.name;
}

function appliesTo(kind: FaultKindDef, traffic: Traffic): boolean {
  return traffic === "http" ? kind.http !== undefined : kind.socket !== undefined || kind.upgrade !== undefined;
}

/** Any method (absent or `*`) is the table's empty method key. */
function methodOf(match: FaultMatch): string {
  return match.method ?? "*";
}

/**
 * A table's faults split by the traffic they apply to (a kind that applies to both is in both): a
 * request walks only the faults that could act on it. In one table, each HTTP request walked every
 * WebSocket-only fault (`drop`, `close`) on its path: 200,000 of them at `/**` (the hub's most)
 * cost each request 80 ms of the hub's thread (Node 20, in process).
 */
class TrafficTables {
  readonly #http = new RuleTable<ActiveFault>();
  readonly #websocket = new RuleTable<ActiveFault>();

  get size(): number {
    return Math.max(this.#http.size, this.#websocket.size);
  }

  /** Adds to both tables or to neither: a refusal is asked of each first. */
  add(fault: ActiveFault): void {
    for (const [traffic, table] of [["http", this.#http], ["websocket", this.#websocket]] as const) {
      const refused = appliesTo(fault.kind, traffic) ? table.refusal(fault, methodOf(fault.match)) : undefined;
      if (refused !== undefined) throw new RangeError(`fault match path ${quoted(fault.path)} is refused: ${refused}`);
    }
    if (appliesTo(fault.kind, "http")) this.#http.add(fault, methodOf(fault.match));
    if (appliesTo(fault.kind, "websocket")) this.#websocket.add(fault, methodOf(fault.match));
  }

  remove(fault: ActiveFault): void {
    this.#http.remove(fault, methodOf(fault.match));
    this.#websocket.remove(fault, methodOf(fault.match));
  }

  find(traffic: Traffic, method: string, path: string): Matches<ActiveFault> {
    return (traffic === "http" ? this.#http : this.#websocket).find(method, path);
  }
}

/** Counts by key; a key whose count falls to 0 is forgotten. */
class Tally<K> {
  readonly #counts = new Map<K, number>();

  of(key: K): number {
    return this.#counts.get(key) ?? 0;
  }

  add(key: K, by: number): void {
    const count = this.of(key) + by;
    if (count > 0) this.#counts.set(key, count);
    else this.#counts.delete(key);
  }
}
