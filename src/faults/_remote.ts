/**
 * Faults from other processes (`mocks.fault`, `scope.fault`): the hub side. A fault belongs to the
 * connection that added it and, for a scope's, to that scope: it goes when the connection closes
 * (for any reason), when the scope closes, or when `mocks.close()` clears the connection.
 */
import type { FrameworkClients } from "../server/_clients.ts";
import { MockRequests } from "../mocks/_wire.ts";
import type { FaultTable } from "./FaultTable.ts";
import { parseFault } from "./_parse.ts";
import { tellCount } from "../mocks/_countAck.ts";

/**
 * hub → owner, a request: `{id, hits, spent}` for each request a remote fault faulted, so that
 * the test's handle counts as `server.fault`'s does (SPEC §10: every rule has its count). The hub
 * answers the faulted request once the owner answered this (../mocks/_countAck.ts). (Hubs before
 * this sent it as a message; clients take both.)
 */
export const FAULT_HITS = "__crossipc/faults/hits";

export interface FaultHits {
  id: string;
  hits: number;
  /** That was its last (`times`): the hub no longer holds it. */
  spent: boolean;
}

export const FaultRequests = {
  /** `{scope: string | null, match, fault}` → `{id}` */
  add: "__crossipc/faults/add",
  /** `{ids: string[]}` → `{removed}`: only the sender's own. */
  remove: "__crossipc/faults/remove",
} as const;

/** How many faults one connection (or the HTTP faults API, all its callers together) may hold: a bound on what one client costs the hub. */
export const MAX_FAULTS_PER_CONNECTION = 10_000;

/**
 * `maxFaults`: faults all connections together may hold (the `maxMockRules` option bounds them as it
 * bounds rules); `proxyTimeout`: the longest a faulted request waits for its owner to take the count.
 */
export function installRemoteFaults(clients: FrameworkClients, faults: FaultTable, maxFaults: number, proxyTimeout: number): void {
  const handlers = clients.handlers;
  const ownerOf = (socket: { clientId?: string }) => socket.clientId!;
  handlers.set(FaultRequests.add, (data, socket) => {
    const { scope = null, match, fault } = (data ?? {}) as { scope?: unknown; match?: unknown; fault?: unknown };
    if (scope !== null && typeof scope !== "string") throw new TypeError(`${FaultRequests.add}: scope must be a string or null`);
    const owner = ownerOf(socket);
    if (faults.ownedBy(owner) >= MAX_FAULTS_PER_CONNECTION) {
      throw new Error(`This connection already holds ${MAX_FAULTS_PER_CONNECTION} faults, the most one connection may hold`);
    }
    if (faults.size >= maxFaults) {
      throw new Error(`This hub already holds ${faults.size} faults, the most it takes (the maxMockRules option): remove some or close scopes first`);
    }
    // The faulted request waits on the owner's answer (or its failure, or proxyTimeout, as a
    // remote intercept's handler): the owner has the count before the test reads the answer.
    // The owner may be gone already (then its faults go too): the request goes on at once.
    const onHit = (added: { id: string; gate: { hits: number } }, spent: boolean) => {
      const hits: FaultHits = { id: added.id, hits: added.gate.hits, spent };
      return tellCount(socket, FAULT_HITS, hits, proxyTimeout);
    };
    return { id: faults.add(parseFault(match, fault), { scope: scope ?? undefined, owner, onHit }).id };
  });
  handlers.set(FaultRequests.remove, (data, socket) => {
    const ids = (data as { ids?: unknown } | undefined)?.ids;
    if (!Array.isArray(ids)) throw new TypeError(`${FaultRequests.remove} expects { ids: string[] }`);
    const owner = ownerOf(socket);
    let removed = 0;
    for (const id of ids) if (faults.get(id)?.owner === owner && faults.remove(id)) removed++;
    return { removed };
  });
  // A scope's faults go with its rules, and a cleared connection's with its rules.
  const closeScope = handlers.get(MockRequests.closeScope);
  handlers.set(MockRequests.closeScope, (data, socket) => {
    const scope = (data as { scope?: unknown } | undefined)?.scope;
    faults.removeOwned(ownerOf(socket), (f) => f.scope === scope);
    return closeScope ? closeScope(data, socket) : { removed: 0 };
  });
  const clear = handlers.get(MockRequests.clear);
  handlers.set(MockRequests.clear, (data, socket) => {
    faults.removeOwned(ownerOf(socket));
    return clear ? clear(data, socket) : { removed: 0 };
  });
  clients.onDisconnect((clientId) => faults.removeOwned(clientId));
}
