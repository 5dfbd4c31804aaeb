/**
 * What a ServiceHub running on a server tells the dashboard and `/__crossipc/api/state`.
 * The hub registers a describer for its server here; the server's state answer includes it
 * when present. Kept apart from both so neither imports the other.
 */
export interface HubInstanceState {
  baseUrl: string;
  pathPrefix: string;
  /** The clientId of the connection that registered it (or "local" for `addRoute`). */
  owner: string;
}

export interface HubServiceState {
  api: string;
  /** "custom" for a strategy object given to `setRoutingStrategy`. */
  strategy: "roundRobin" | "first" | "last" | "random" | "custom";
  instances: HubInstanceState[];
}

export interface HubState {
  /** "bin" when run by `crossipc hub`, "embedded" otherwise (as `discovery/getServerInfo` says). */
  kind: "bin" | "embedded";
  /** True when this process won the port (always true for a hub that serves). */
  leader: boolean;
  services: HubServiceState[];
}

const describers = new WeakMap<object, () => HubState>();

/** Called by ServiceHub when it attaches to a server. */
export function setHubDescriber(server: object, describe: (() => HubState) | undefined): void {
  if (describe) describers.set(server, describe);
  else describers.delete(server);
}

/** Called by the server's state endpoint; `undefined` when no hub runs on it. */
export function describeHub(server: object): HubState | undefined {
  return describers.get(server)?.();
}
