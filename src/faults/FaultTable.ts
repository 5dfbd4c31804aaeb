import { addRoute, createRouter, removeRoute } from "rou3";
import { compileRouter, type CompiledMatchAll } from "rou3/compiler";
import { FaultGate } from "./_gate.ts";
import type { FaultKindDef } from "./_kind.ts";
import type { ParsedFault } from "./_parse.ts";
import type { FaultInfo, FaultKind, FaultMatch, FaultSpec } from "./_types.ts";

/** A fault the server holds. */
export interface ActiveFault {
  readonly id: string;
  readonly match: FaultMatch;
  readonly kind: FaultKindDef;
  readonly value: unknown;
  readonly spec: FaultSpec;
  readonly gate: FaultGate;
  /** Only requests of this scope (`scope.fault`); absent: every request. */
  readonly scope?: string;
  /** The framework connection that added it (`mocks.fault`): it goes when that connection closes. */
  readonly owner?: string;
  /** Newer faults win: one fault per request. */
  readonly seq: number;
}

/** HTTP requests, or WebSocket upgrades and their frames: a kind applies to one or both. */
export type Traffic = "http" | "websocket";

/**
 * The server's faults, indexed by method and path in a rou3 router (as intercept routes are),
 * so a request costs one compiled lookup however many faults exist elsewhere, and nothing at
 * all when there is none (`size`). A fault without a path sits at `/**`.
 *
 * One fault per request: the newest that matches, applies to this traffic and whose gate draws.
 */
export class FaultTable {
  readonly #router = createRouter<ActiveFault[]>();
  #lookup: CompiledMatchAll<ActiveFault[]> | undefined;
  readonly #byId = new Map<string, ActiveFault>();
  readonly #lists = new Map<string, ActiveFault[]>();
  #seq = 0;
  /** The path prefixes of a registered api (ServiceHub's), for `match.api`; empty without a hub. */
  readonly #prefixesOf: (api: string) => ReadonlySet<string>;

  constructor(prefixesOf: (api: string) => ReadonlySet<string>) {
    this.#prefixesOf = prefixesOf;
  }

  get size(): number {
    return this.#byId.size;
  }

  add(parsed: ParsedFault, options: { scope?: string; owner?: string } = {}): ActiveFault {
    const fault: ActiveFault = {
      id: `f${++this.#seq}-${randomHex(4)}`,
      match: parsed.match,
      kind: parsed.kind,
      value: parsed.value,
      spec: parsed.spec,
      gate: new FaultGate(parsed.probability, parsed.times),
      scope: options.scope,
      owner: options.owner,
      seq: this.#seq,
    };
    const [method, path] = routeOf(fault.match);
    const existing = this.#lookupExact(method, path);
    if (existing) existing.push(fault);
    else {
      const list = [fault];
      this.#lists.set(`${method} ${path}`, list);
      addRoute(this.#router, method, path, list);
    }
    this.#byId.set(fault.id, fault);
    this.#lookup = undefined;
    return fault;
  }

  get(id: string): ActiveFault | undefined {
    return this.#byId.get(id);
  }

  remove(id: string): boolean {
    const fault = this.#byId.get(id);
    if (!fault) return false;
    this.#byId.delete(id);
    const [method, path] = routeOf(fault.match);
    const list = this.#lookupExact(method, path);
    if (list) {
      list.splice(list.indexOf(fault), 1);
      if (list.length === 0) {
        this.#lists.delete(`${method} ${path}`);
        removeRoute(this.#router, method, path);
      }
    }
    this.#lookup = undefined;
    return true;
  }

  /** Removes the faults `which` picks (default: all); returns how many. */
  removeWhere(which: (fault: ActiveFault) => boolean = () => true): number {
    let count = 0;
    for (const fault of [...this.#byId.values()]) if (which(fault) && this.remove(fault.id)) count++;
    return count;
  }

  /** How many faults `which` picks. */
  count(which: (fault: ActiveFault) => boolean): number {
    let count = 0;
    for (const fault of this.#byId.values()) if (which(fault)) count++;
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
    this.#lookup ??= compileRouter(this.#router, { matchAll: true });
    const matched = this.#lookup(method, path);
    if (matched.length === 0) return undefined;
    const candidates = matched.length === 1 ? matched[0]!.data : matched.flatMap((route) => route.data);
    let scope: string | null | undefined;
    for (const fault of [...candidates].sort(newestFirst)) {
      if (!appliesTo(fault.kind, traffic)) continue;
      if (fault.scope !== undefined) {
        // Read only when a scoped fault matches: the scope is in headers, cookies or a trace id.
        if (scope === undefined) scope = scopeOf?.() ?? null;
        if (fault.scope !== scope) continue;
      }
      if (fault.match.api !== undefined && !underAny(path, this.#prefixesOf(fault.match.api))) continue;
      if (!fault.gate.draw()) continue;
      if (fault.gate.spent) this.remove(fault.id);
      return fault;
    }
    return undefined;
  }

  /** The router's list for one (method, path): faults added at the same pattern share it. */
  #lookupExact(method: string, path: string): ActiveFault[] | undefined {
    return this.#lists.get(`${method} ${path}`);
  }
}

export function info(fault: ActiveFault): FaultInfo {
  return { id: fault.id, match: { ...fault.match }, fault: { ...fault.spec }, hits: fault.gate.hits };
}

export function kindOf(fault: ActiveFault): FaultKind {
  return fault.kind.name;
}

function underAny(path: string, prefixes: ReadonlySet<string>): boolean {
  for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
  return false;
}

function appliesTo(kind: FaultKindDef, traffic: Traffic): boolean {
  return traffic === "http" ? kind.http !== undefined : kind.socket !== undefined || kind.upgrade !== undefined;
}

function newestFirst(a: ActiveFault, b: ActiveFault): number {
  return b.seq - a.seq;
}

function routeOf(match: FaultMatch): [method: string, path: string] {
  return [match.method === undefined || match.method === "*" ? "" : match.method, match.path ?? "/**"];
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
