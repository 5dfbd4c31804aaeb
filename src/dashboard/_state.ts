import { getPlatform } from "../platform.ts";
import { describeHub, type HubServiceState } from "../server/_describe.ts";
import type { Journal, RouteHits } from "../server/journal.ts";
import type { FaultInfo } from "../faults/_types.ts";
import type { RuleInfo } from "../mocks/_rule.ts";

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
  mocks: RuleInfo[];
  journal: Journal;
  faults: FaultInfo[];
}

export function dashboardState(input: StateInput): DashboardState {
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
    mocks: input.mocks,
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

/**
 * The state as the dashboard page shows it: each list cut at `rows`, its whole length in
 * `totals`, the rules ordered by scope as the page groups them (unscoped first) and
 * `scopeRules` counting all the rules of each scope shown. A hub holding tens of thousands of
 * rules made the page's stream turn the whole state into JSON (twice) every second, and send it
 * whole every time a call count moved; this is what the page reads (`?rows=`) and streams.
 */
export function pageState(state: DashboardState, rows: number = PAGE_ROWS): DashboardState & { totals: PageTotals; scopeRules: Record<string, number> } {
  const byScope = new Map<string, RuleInfo[]>();
  for (const rule of state.mocks) {
    const key = rule.scope ?? "";
    let list = byScope.get(key);
    if (!list) byScope.set(key, (list = []));
    list.push(rule);
  }
  const mocks: RuleInfo[] = [];
  const scopeRules: Record<string, number> = {};
  for (const key of [...byScope.keys()].sort()) {
    if (mocks.length >= rows) break;
    const list = byScope.get(key)!;
    scopeRules[key] = list.length;
    mocks.push(...list.slice(0, rows - mocks.length));
  }
  return {
    ...state,
    clients: state.clients.slice(0, rows),
    services: state.services.slice(0, rows),
    routes: state.routes.slice(0, rows),
    faults: state.faults.slice(0, rows),
    mocks,
    totals: { clients: state.clients.length, services: state.services.length, routes: state.routes.length, faults: state.faults.length, mocks: state.mocks.length },
    scopeRules,
  };
}
