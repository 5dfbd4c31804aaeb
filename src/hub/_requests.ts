import type { IPCServerRequest } from "../types.ts";
import type { HubEntry } from "./_types.ts";

/** The answer to `discovery/discoverApi`, as grest-ts's `DiscoverApiResult`. */
export interface DiscoverApiResult {
  success: boolean;
  url?: string;
  error?: string;
}

export type HubKind = "bin" | "embedded";

/**
 * The requests a hub answers: names and shapes of grest-ts's `GGDiscoveryIPC.discoveryServer`,
 * so services written for grest-ts register with a crossipc hub unchanged.
 */
export const HubRequests = {
  register: "discovery/register" as IPCServerRequest<HubEntry[], void>,
  unregister: "discovery/unregister" as IPCServerRequest<HubEntry[], void>,
  discoverApi: "discovery/discoverApi" as IPCServerRequest<string, DiscoverApiResult>,
  getServerInfo: "discovery/getServerInfo" as IPCServerRequest<undefined, { kind: HubKind }>,
  requestYield: "discovery/requestYield" as IPCServerRequest<undefined, void>,
} as const;

/** grest-ts's text for an api nobody registered. */
export function notRegistered(api: string): string {
  return `Service '${api}' is not registered! Did you forget to start it?`;
}
