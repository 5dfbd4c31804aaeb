/**
 * The client side of `mocks.fault` / `scope.fault`: a handle that counts the requests its fault
 * hit, as `server.fault`'s does. The hub tells the owner of each one (`FAULT_HITS`, a request) and
 * waits for its answer before it answers the faulted request, as for a remote replay's `matched`/`missed`.
 */
import { setInternalMessageHandler, setInternalRequestHandler, type IPCClient } from "../client/IPCClient.ts";
import { FAULT_HITS, FaultRequests, type FaultHits } from "./_remote.ts";
import { releaseAtHub } from "../mocks/_release.ts";

/** A fault the hub holds for this connection (`mocks.fault`, `scope.fault`). */
export class MockFault {
  readonly id: string;
  /** Requests (or WebSockets) it faulted so far, as the hub reports them (taken here before each one's answer). */
  hits = 0;
  readonly #client: IPCClient;
  readonly #scope: string | null;

  /** @internal */
  constructor(client: IPCClient, id: string, scope: string | null) {
    this.#client = client;
    this.id = id;
    this.#scope = scope;
  }

  /** The same count as `hits`: SPEC §10 gives every rule of `mocks` and scopes its `calls`. */
  get calls(): number {
    return this.hits;
  }

  /** Resolves once the hub no longer holds the fault. */
  async remove(): Promise<void> {
    faultsOf(this.#client).delete(this.id);
    await releaseAtHub(this.#client, FaultRequests.remove, { ids: [this.id] });
  }

  /** @internal The scope it was added in (null: unscoped). */
  get scope(): string | null {
    return this.#scope;
  }
}

const faultsByClient = new WeakMap<IPCClient, Map<string, MockFault>>();

/** @internal Keeps `fault`'s count up to date until it is removed, spent, or its scope or connection closes. */
export function trackFault(client: IPCClient, fault: MockFault): MockFault {
  faultsOf(client).set(fault.id, fault);
  return fault;
}

/** @internal `scope.close()`: the scope's faults went with it (null: `mocks.close()`, all of them). */
export function forgetFaults(client: IPCClient, scope: string | null): void {
  const faults = faultsByClient.get(client);
  if (!faults) return;
  if (scope === null) faults.clear();
  else for (const [id, fault] of faults) if (fault.scope === scope) faults.delete(id);
}

/** @internal How many faults of `client` this process keeps counts for (tests). */
export function trackedFaults(client: IPCClient): number {
  return faultsByClient.get(client)?.size ?? 0;
}

function faultsOf(client: IPCClient): Map<string, MockFault> {
  let faults = faultsByClient.get(client);
  if (!faults) {
    faultsByClient.set(client, (faults = new Map()));
    const known = faults;
    const take = (report: FaultHits): void => {
      const fault = known.get(report?.id);
      if (!fault || typeof report.hits !== "number") return;
      fault.hits = report.hits;
      if (report.spent) known.delete(report.id);
    };
    // A request: the hub answers the faulted request once this is answered (the count is here first).
    setInternalRequestHandler(client, FAULT_HITS, take);
    // A hub of an earlier version sends it as a message.
    setInternalMessageHandler(client, FAULT_HITS, take);
  }
  return faults;
}
