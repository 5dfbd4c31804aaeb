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
  clients: DashboardClient[];
  /** Registered services by api (empty without a ServiceHub on the server). */
  services: HubServiceState[];
  routes: RouteHits[];
  /** Active faults (`server.fault`, `/__crossipc/api/faults`, `crossipc fault`). */
  faults: FaultInfo[];
  /** Rules added from other processes (`connectMocks`), with their scope (null: unscoped), owner and calls. */
  mocks: RuleInfo[];
  journal: { enabled: boolean; size: number; count: number; lastId: number; bodies: boolean };
}

export interface StateInput {
  server: object;
  url: string;
  startedAt: number;
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
    clients: input.clients,
    services: hub?.services ?? [],
    routes: input.routes,
    faults: input.faults,
    mocks: input.mocks,
    journal: { enabled: journal.enabled, size: journal.size, count: journal.count, lastId: journal.lastId, bodies: journal.bodies },
  };
}
