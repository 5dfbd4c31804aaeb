/** What a service registers with the hub: grest-ts's `GGServiceDiscoveryEntry`. */
export interface HubEntry {
  /** The api's name, e.g. `"users"`. */
  api: string;
  /** Where the service listens, e.g. `"http://127.0.0.1:4001"`. */
  baseUrl: string;
  /** Requests whose path starts with this go to the service, e.g. `"/api/users"`. */
  pathPrefix: string;
}

/** A registered entry and who registered it. */
export interface HubRoute extends HubEntry {
  /** The clientId of the framework connection that registered it, or `"local"` for `addRoute`. */
  owner: string;
  /** The runtimeId that connection gave, if any. */
  runtimeId?: string;
}

/** Picks one instance among those of an api; `path` is the request's path. */
export interface RoutingStrategy {
  select(instances: readonly HubRoute[], path: string): HubRoute;
}

export type RoutingStrategyName = "roundRobin" | "first" | "last" | "random";

/** What a hub reports as it runs (the CLI prints one line per event). */
export type HubEvent =
  | { type: "routeAdded"; route: HubRoute }
  | { type: "routeRemoved"; route: HubRoute }
  /** A framework connection closed (for any reason) and its routes went with it. */
  | { type: "routesEvicted"; owner: string; runtimeId?: string; routes: HubRoute[] }
  /** Another hub asked for the port (`discovery/requestYield`) and this one is handing it over. */
  | { type: "yielded" };
