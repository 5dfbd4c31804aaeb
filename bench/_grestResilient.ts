/**
 * A model of grest-ts's `GGLocalDiscoveryResilientClient`, written for the bench only, so
 * crossipc's failover can be measured beside it. Its algorithm, step by step:
 * - register(): when neither leading nor connected, bid (start a hub on the port) or follow;
 *   then connect this process's own client (the leader too, to its own hub) and send its entries.
 * - following: connect; on failure wait 1 s and try again. On close: bid again, and re-send the
 *   entries only when this process became the leader. A follower's entries are not re-sent to
 *   a new leader (the gap crossipc's joinHub closes).
 * - ensureConnected(): retries connection errors with 500 ms × 1.5^n backoff (20 tries).
 * The transport is crossipc's IPCServer/IPCClient (the original's is Node-only), so only the
 * membership algorithm differs from `joinHub`.
 */
import type { HubEntry } from "../src/index.ts";

type Crossipc = typeof import("../adapters/node.ts");

export class GrestResilientModel {
  readonly #crossipc: Crossipc;
  readonly #port: number;
  readonly #entries: HubEntry[];
  #client: InstanceType<Crossipc["IPCClient"]>;
  #hub: InstanceType<Crossipc["ServiceHub"]> | undefined;
  isLeader = false;
  onRole: (role: "leader" | "follower") => void = () => {};

  constructor(crossipc: Crossipc, port: number, entries: HubEntry[]) {
    this.#crossipc = crossipc;
    this.#port = port;
    this.#entries = entries;
    this.#client = new crossipc.IPCClient(port);
  }

  async register(): Promise<void> {
    if (!this.isLeader && !this.#hub && !this.#client.isConnected()) await this.#becomeLeaderOrFollower();
    await this.#sendEntries();
  }

  async #sendEntries(): Promise<void> {
    await this.#ensureConnected();
    if (this.#entries.length) await this.#client.sendFrameworkRequest(this.#crossipc.HubRequests.register, this.#entries);
  }

  async #becomeLeaderOrFollower(): Promise<void> {
    const hub = new this.#crossipc.ServiceHub(this.#port);
    if (await hub.start()) {
      this.#hub = hub;
      this.isLeader = true;
      this.onRole("leader");
    } else {
      this.isLeader = false;
      await this.#connectToLeader();
    }
  }

  async #connectToLeader(): Promise<void> {
    try {
      await this.#client.connect();
      this.#client.onClose(async () => {
        await this.#becomeLeaderOrFollower();
        if (this.isLeader && this.#entries.length > 0) await this.#sendEntries().catch(() => undefined);
      });
    } catch {
      await delay(1000);
      await this.#connectToLeader();
    }
  }

  async #ensureConnected(): Promise<void> {
    for (let retry = 0; ; retry++) {
      try {
        if (!this.#client.isConnected()) await this.#client.connect();
        return;
      } catch (error) {
        if (retry >= 20) throw error;
        await delay(Math.min(500 * 1.5 ** retry, 5000));
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
