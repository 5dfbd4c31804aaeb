import { getPlatform } from "../platform.ts";
import { describeHub, type HubServiceState } from "../server/_describe.ts";
import type { Journal, RouteHits } from "../server/journal.ts";
import type { FaultInfo } from "../faults/_types.ts";
import { ruleInfo, type Rule, type RuleInfo } from "../mocks/_rule.ts";

/** A connected client as the dashboard and `crossipc status` show it. */
export interface DashboardClient {
  clientId: string;
  runtimeId?: string;
  /** ms since the epoch. */
  connectedAt: number;
  /** Requests it sent this server (`in`) and this server sent it (`out`). */
  requests: { in: number; out: number };
  /** Requests this server sent it that are not answered yet. */
  pending: number;
}

/** What `GET /__crossipc/api/state` answers. */
export interface DashboardState {
  url: string;
  runtime: string;
  runtimeVersion?: string;
  /** ms since the epoch. */
  startedAt: number;
  uptimeMs: number;
  /** "bin" for `crossipc hub`, "embedded" for a ServiceHub in a program, "server" for a plain IPCServer. */
  kind: "bin" | "embedded" | "server";
  /** True when this process won the port and serves (a follower serves no dashboard). */
  leader: boolean;
  /** True when the hub has an access token: the dashboard's key is that token (else a secret of this run). */
  tokenRequired: boolean;
  clients: DashboardClient[];
  /** Registered services by api (empty without a ServiceHub on the server). */
  services: HubServiceState[];
  routes: RouteHits[];
  /** Active faults (`server.fault`, `/__crossipc/api/faults`, `crossipc fault`). */
  faults: FaultInfo[];
  /** Rules added from other processes (`connectMocks`), with their scope (null: unscoped), owner and calls. */
  mocks: RuleInfo[];
  /** `bodyBytes`: bytes of bodies the ring holds now, at most `maxTotalBodySize` (0 without `bodies`). */
  journal: { enabled: boolean; size: number; count: number; lastId: number; bodies: boolean; bodyBytes: number; maxTotalBodySize: number };
}

export interface StateInput {
  server: object;
  url: string;
  startedAt: number;
  tokenRequired: boolean;
  clients: DashboardClient[];
  routes: RouteHits[];
  /** Read, not listed: the page shows a few hundred of what may be tens of thousands. */
  mocks: RuleSource;
  journal: Journal;
  faults: FaultInfo[];
}

/** The rules the hub holds (from other processes, and its own replays), read without describing each. */
export interface RuleSource {
  /** How many in all. */
  readonly size: number;
  /** Every rule described, in the order they were added: the whole state. */
  list(): RuleInfo[];
  /** The scopes that hold rules. */
  scopes(): Iterable<string>;
  /** The rules of `scope` (null: the unscoped ones), oldest first, and how many. */
  inScope(scope: string | null): { count: number; rules: Iterable<Rule> };
}

/** The whole state (`/__crossipc/api/state`): every rule described. */
export function dashboardState(input: StateInput): DashboardState {
  return stateWith(input, input.mocks.list());
}

function stateWith(input: StateInput, mocks: RuleInfo[]): DashboardState {
  const hub = describeHub(input.server);
  const platform = getPlatform();
  const { journal } = input;
  return {
    url: input.url,
    runtime: platform.runtime,
    runtimeVersion: platform.version,
    startedAt: input.startedAt,
    uptimeMs: Date.now() - input.startedAt,
    kind: hub?.kind ?? "server",
    leader: hub?.leader ?? true,
    tokenRequired: input.tokenRequired,
    clients: input.clients,
    services: hub?.services ?? [],
    routes: input.routes,
    faults: input.faults,
    mocks,
    journal: {
      enabled: journal.enabled,
      size: journal.size,
      count: journal.count,
      lastId: journal.lastId,
      bodies: journal.bodies,
      bodyBytes: journal.bodyBytes,
      maxTotalBodySize: journal.maxTotalBodySize,
    },
  };
}

/** Rows of each list the page shows (it says how many more there are, and the JSON API has them all). */
export const PAGE_ROWS = 500;

/** The lists a page state cuts, with how long each is whole. */
export interface PageTotals {
  clients: number;
  services: number;
  routes: number;
  faults: number;
  mocks: number;
}

export type PageState = DashboardState & { totals: PageTotals; scopeRules: Record<string, number> };

/**
 * The state as the dashboard page shows it: each list cut at `rows`, its whole length in
 * `totals`, the rules ordered by scope as the page groups them (unscoped first) and
 * `scopeRules` counting all the rules of each scope shown. A hub holding tens of thousands of
 * rules made the page's stream turn the whole state into JSON (twice) every second, and send it
 * whole every time a call count moved; this is what the page reads (`?rows=`) and streams.
 * Only the rules shown are described: the scopes are sorted and counted, not their rules
 * (the stream builds this every second for every open page).
 */
export function pageState(input: StateInput, rows: number = PAGE_ROWS): PageState {
  const source = input.mocks;
  const unscoped = source.inScope(null);
  const scopes = [...source.scopes()].sort();
  const mocks: RuleInfo[] = [];
  // Null prototype: a scope may be named `__proto__`.
  const scopeRules: Record<string, number> = Object.create(null);
  for (const [key, { count, rules }] of groups(source, unscoped, scopes)) {
    if (mocks.length >= rows) break;
    scopeRules[key] = count;
    for (const rule of rules) {
      if (mocks.length >= rows) break;
      mocks.push(ruleInfo(rule));
    }
  }
  const state = stateWith(input, mocks);
  return {
    ...state,
    clients: state.clients.slice(0, rows),
    services: state.services.slice(0, rows),
    routes: state.routes.slice(0, rows),
    faults: state.faults.slice(0, rows),
    totals: { clients: state.clients.length, services: state.services.length, routes: state.routes.length, faults: state.faults.length, mocks: source.size },
    scopeRules,
  };
}

/** The groups of rules as the page orders them: the unscoped ones (key `""`), then each scope by name. */
function* groups(source: RuleSource, unscoped: { count: number; rules: Iterable<Rule> }, scopes: string[]): Generator<[string, { count: number; rules: Iterable<Rule> }]> {
  if (unscoped.count > 0) yield ["", unscoped];
  for (const scope of scopes) yield [scope, source.inScope(scope)];
}

/** `source` with `extra` unscoped rules after its own (the hub's replays, listed with the rules as local and unscoped). */
export function withUnscoped(source: RuleSource, extra: ReadonlySet<Rule>): RuleSource {
  if (extra.size === 0) return source;
  return {
    size: source.size + extra.size,
    list: () => [...source.list(), ...[...extra].map(ruleInfo)],
    scopes: () => source.scopes(),
    inScope: (scope) => {
      const own = source.inScope(scope);
      return scope === null ? { count: own.count + extra.size, rules: chain(own.rules, extra) } : own;
    },
  };
}

function* chain<T>(first: Iterable<T>, second: Iterable<T>): Generator<T> {
  yield* first;
  yield* second;
}
