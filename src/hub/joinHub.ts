import { IPCClient } from "../client/IPCClient.ts";
import { IPCServer, SERVER_NUMBER_OPTIONS } from "../server/IPCServer.ts";
import { checkNumbers, type NumberKind } from "../_numberOptions.ts";
import { checkMemberPort } from "../_port.ts";
import { peerText } from "../_controls.ts";
import { IPCError, errorMessage } from "../errors.ts";
import { log } from "../_log.ts";
import { LISTENER_ERRORS, logBounded } from "../_boundedLog.ts";
import type { IPCLogger, IPCServerRequest } from "../types.ts";
import { HubError } from "./_errors.ts";
import { entriesOf } from "./_registry.ts";
import { HubRequests, type DiscoverApiResult } from "./_requests.ts";
import type { HubEntry } from "./_types.ts";
import { ServiceHub, type ServiceHubOptions } from "./ServiceHub.ts";

/**
 * `"left"` once `leave()` was called: a member that left neither leads nor follows (the original's
 * leaving runtime just tears its hub down), and a listener told `"follower"` then would start
 * follower work for a process that is going away.
 */
export type HubRole = "leader" | "follower" | "left";

export interface JoinHubOptions {
  /** The runtimeId of this member's framework connection when it follows. */
  runtimeId?: string | undefined;
  /** This member's own routes: registered now and re-sent on every (re)connection. */
  entries?: HubEntry[] | undefined;
  /** Where the hub listens. Default `127.0.0.1`. */
  hostname?: string | undefined;
  /** The hub's access token (required of followers; set on the server when this member leads). */
  accessToken?: string | undefined;
  /** Where to report what happens; without one nothing is printed. */
  logger?: IPCLogger | undefined;
  /** Options of the hub this member runs while it leads. */
  server?: Omit<ServiceHubOptions, "kind" | "hostname" | "accessToken" | "logger"> | undefined;
  /** `joinHub` rejects when no hub could be led or reached within this many ms. Default 10 000. */
  joinTimeout?: number | undefined;
  /** Give up one connect attempt after this many ms. Default 2 000. */
  connectTimeout?: number | undefined;
  /** First delay (ms) before retrying after a failed attempt; it doubles up to `maxRetryDelay`, with jitter. Default 25. */
  minRetryDelay?: number | undefined;
  /** Default 2 000. */
  maxRetryDelay?: number | undefined;
}

/** A process's membership of the hub on a known port. */
export interface HubMember {
  /** `"leader"` while this process runs the hub, `"follower"` while it uses another's, `"left"` from `leave()` on. */
  readonly role: HubRole;
  /** Whether a hub is reachable now (this process's own, or a connection to another's). */
  readonly connected: boolean;
  /** The hub's base URL: where requests to every registered service go. */
  readonly url: string;
  /** The hub this process runs, while it leads. */
  readonly hub: ServiceHub | undefined;
  /** Called with the new role whenever it changes, last with `"left"` when `leave()` is called. Returns an unsubscribe. */
  onRoleChange(listener: (role: HubRole) => void): () => void;
  /** Called with `true`/`false` when a hub becomes reachable or is lost. Returns an unsubscribe. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  /** Adds routes of this member; they are re-sent on every reconnection. */
  register(entries: HubEntry[]): Promise<void>;
  /** Removes routes of this member. */
  unregister(entries: HubEntry[]): Promise<void>;
  /** The hub's URL when `api` is registered; rejects with `ERR_HUB_NOT_REGISTERED` otherwise. */
  discover(api: string): Promise<string>;
  /** Stops leading or following: its routes go, and followers elect another leader. `role` is then `"left"`. */
  leave(): Promise<void>;
}

/** The numeric options of `joinHub` and what each takes (src/_numberOptions.ts). */
const JOIN_NUMBER_OPTIONS: Readonly<Record<string, NumberKind>> = {
  joinTimeout: "ms",
  connectTimeout: "ms",
  minRetryDelay: "ms",
  maxRetryDelay: "ms",
};

/** Owner of a leader's own routes in its registry. */
const SELF_OWNER = "local";
/** A re-bid right after the leader died waits up to this long, so followers do not all bind at once. */
const REBID_JITTER_MS = 8;
/**
 * A leader that shut down on purpose (close code 1001: it yielded to a `crossipc hub`, or
 * left) is followed by a pause of this many ms (with jitter) before bidding, so a hub taking
 * the port over (it retries its bind every 20 ms) gets it rather than a follower.
 */
const HANDOVER_PAUSE_MS = 60;
/** A leader that yielded leaves the port to the newcomer this long before bidding again. */
const HANDOVER_MS = 3000;
const GOING_AWAY = 1001;

/**
 * Joins the hub on `port`: the process that wins the port (`IPCServer.start()`) runs an
 * embedded ServiceHub and leads; the others follow as clients. When the leader dies, the
 * followers bid again: one wins, the rest reconnect to it (backoff with jitter). Every member
 * re-sends its own entries on every (re)connection. A member that ever reached a
 * `crossipc hub` (kind "bin") never bids again. Requests while no hub is reachable reject at
 * once with `HubError` `ERR_HUB_UNAVAILABLE`; nothing is queued.
 *
 * `port`: 1 to 65535, or a string of decimal digits as `IPCServer` and `IPCClient` take it (a
 * port read from the environment); anything else rejects with a TypeError or RangeError naming it.
 */
export async function joinHub(port: number | string, options: JoinHubOptions = {}): Promise<HubMember> {
  const hubPort = checkMemberPort(port);
  // Checked now: the server's options are first used when this member bids, where a bad one only
  // made each bid fail until joinTimeout; a minRetryDelay of 0 retried with no delay at all.
  checkNumbers(options, JOIN_NUMBER_OPTIONS);
  checkNumbers(options.server, { ...SERVER_NUMBER_OPTIONS, maxRoutesPerClient: "count" }, "server.");
  const { minRetryDelay, maxRetryDelay } = options;
  if (minRetryDelay != null && maxRetryDelay != null && maxRetryDelay < minRetryDelay) {
    throw new RangeError(`joinHub: maxRetryDelay (${maxRetryDelay}) must not be below minRetryDelay (${minRetryDelay})`);
  }
  const member = new Member(hubPort, options);
  await member.join();
  return member;
}

class Member implements HubMember {
  readonly #port: number;
  readonly #options: JoinHubOptions;
  readonly #entries: HubEntry[] = [];
  readonly #roleListeners = new Set<(role: HubRole) => void>();
  readonly #connectionListeners = new Set<(connected: boolean) => void>();
  #role: HubRole = "follower";
  #ready = false;
  #hub: ServiceHub | undefined;
  #client: IPCClient | undefined;
  /** Bumped by every attempt and by `leave`: callbacks of an older attempt do nothing. */
  #generation = 0;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #seenBin = false;
  #holdBidUntil = 0;
  #left = false;
  #warmUp: Promise<void> | undefined;
  /** Why the last attempt failed, and whether a bid found the port taken: what a join that timed out says. */
  #lastFailure: string | undefined;
  #portTaken = false;

  constructor(port: number, options: JoinHubOptions) {
    this.#port = port;
    this.#options = options;
    for (const entry of entriesOf(options.entries ?? [], "joinHub entries")) this.#remember(entry);
  }

  get role(): HubRole {
    return this.#role;
  }

  get connected(): boolean {
    return this.#ready;
  }

  get hub(): ServiceHub | undefined {
    return this.#hub;
  }

  get url(): string {
    return this.#hub?.getUrl() ?? `http://${urlHost(this.#options.hostname)}:${this.#port}`;
  }

  onRoleChange(listener: (role: HubRole) => void): () => void {
    this.#roleListeners.add(listener);
    return () => this.#roleListeners.delete(listener);
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /** Resolves once a hub is reachable; rejects after `joinTimeout`. */
  async join(): Promise<void> {
    const timeout = this.#options.joinTimeout ?? 10_000;
    // A timer that keeps the process alive until `joinHub` settles.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const joined = new Promise<boolean>((resolve) => {
      const off = this.onConnectionChange((connected) => connected && (off(), clearTimeout(timer), resolve(true)));
      timer = setTimeout(() => (off(), resolve(false)), timeout);
    });
    void this.#attempt();
    if (await joined) return;
    await this.leave();
    throw new HubError("ERR_HUB_UNAVAILABLE", `joinHub: could neither run nor reach a hub on port ${this.#port} within ${timeout}ms${this.#whyNot()}`);
  }

  async register(entries: HubEntry[]): Promise<void> {
    const list = entriesOf(entries, "register");
    if (this.#hub) {
      for (const entry of list) this.#hub.addRoute(entry, { owner: SELF_OWNER });
    } else {
      await this.#request(HubRequests.register, list);
    }
    for (const entry of list) this.#remember(entry);
  }

  async unregister(entries: HubEntry[]): Promise<void> {
    const list = entriesOf(entries, "unregister");
    if (this.#hub) {
      for (const entry of list) this.#hub.removeRoute(entry.api, entry.baseUrl);
    } else {
      await this.#request(HubRequests.unregister, list);
    }
    for (const entry of list) this.#forget(entry);
  }

  async discover(api: string): Promise<string> {
    const result: DiscoverApiResult = this.#hub ? this.#hub.discover(api) : await this.#request(HubRequests.discoverApi, api);
    if (result.success && result.url) return result.url;
    // The hub's words, quoted to a logger: controls escaped, length capped (src/_controls.ts).
    throw new HubError("ERR_HUB_NOT_REGISTERED", typeof result.error === "string" ? peerText(result.error) : `Service '${api}' is not registered`);
  }

  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    this.#generation++;
    clearTimeout(this.#retry);
    this.#setReady(false);
    const hub = this.#hub;
    const client = this.#client;
    this.#hub = undefined;
    this.#client = undefined;
    this.#setRole("left");
    await this.#warmUp;
    if (hub) await hub.teardown();
    if (client) {
      // A graceful goodbye; the hub evicts the routes when the connection closes anyway.
      if (this.#entries.length) await client.sendFrameworkRequest(HubRequests.unregister, this.#entries, 1000).catch(() => undefined);
      client.disconnect();
    }
  }

  // --- getting a hub --------------------------------------------------------------------

  /** One try: lead when the port is free, else follow whoever holds it. Failure retries later. */
  async #attempt(): Promise<void> {
    if (this.#left) return;
    const generation = ++this.#generation;
    try {
      if (!this.#seenBin && Date.now() >= this.#holdBidUntil) {
        // What the last bid found: a bid that fails otherwise (throws) must not read as "in use".
        this.#portTaken = false;
        if (await this.#bid(generation)) return;
        this.#portTaken = true;
      }
      if (generation !== this.#generation) return;
      await this.#follow(generation);
    } catch (error) {
      if (generation !== this.#generation || this.#left) return;
      this.#lastFailure = errorMessage(error);
      log(this.#options.logger, "debug", `Hub on port ${this.#port} not reachable (${errorMessage(error)}); retrying`);
      this.#schedule(this.#backoff());
    }
  }

  async #bid(generation: number): Promise<boolean> {
    const { hostname, accessToken, logger, server } = this.#options;
    const hub = new ServiceHub(this.#port, { ...server, hostname, accessToken, logger, kind: "embedded" });
    if (!(await hub.start())) return false;
    if (generation !== this.#generation) {
      await hub.teardown();
      return true;
    }
    this.#hub = hub;
    hub.onYield = () => this.#handOver(hub);
    for (const entry of this.#entries) hub.addRoute(entry, { owner: SELF_OWNER });
    log(logger, "info", `Leading the hub on port ${this.#port}`);
    this.#failures = 0;
    this.#setRole("leader");
    this.#setReady(true);
    return true;
  }

  async #follow(generation: number): Promise<void> {
    const { accessToken, logger, connectTimeout = 2000, runtimeId } = this.#options;
    const client = new IPCClient(this.url, { accessToken, logger, connectTimeout });
    await client.connect(runtimeId);
    if (generation !== this.#generation) {
      client.disconnect();
      return;
    }
    this.#client = client;
    client.onClose((code?: number) => this.#lost(client, code));
    try {
      // Both at once (one round trip less on every failover). A hub that predates
      // getServerInfo answers "No handler": it is not a bin.
      const [info] = await Promise.all([
        client.sendFrameworkRequest(HubRequests.getServerInfo, undefined, connectTimeout).catch(() => undefined),
        this.#entries.length ? client.sendFrameworkRequest(HubRequests.register, [...this.#entries], connectTimeout) : undefined,
      ]);
      if (info?.kind === "bin") this.#seenBin = true;
    } catch (error) {
      if (this.#client === client) {
        this.#client = undefined;
        client.disconnect();
      }
      throw error;
    }
    if (generation !== this.#generation || this.#client !== client) return;
    log(logger, "info", `Following the hub on port ${this.#port}${this.#seenBin ? " (crossipc hub)" : ""}`);
    this.#failures = 0;
    this.#setRole("follower");
    this.#setReady(true);
    if (!this.#seenBin) this.#warmUp ??= warmUp().catch(() => undefined);
  }

  /** The leader's connection ended: bid again at once (with a little jitter), or after a pause when it shut down on purpose. */
  #lost(client: IPCClient, code: number | undefined): void {
    if (this.#client !== client || this.#left) return;
    this.#client = undefined;
    this.#setReady(false);
    log(this.#options.logger, "info", `Lost the hub on port ${this.#port} (close code ${code ?? "none"})`);
    const pause = code === GOING_AWAY ? HANDOVER_PAUSE_MS * (1 + Math.random()) : 0;
    this.#schedule(pause + Math.random() * REBID_JITTER_MS);
  }

  /** Another hub asked for the port: give it up and follow the newcomer. */
  async #handOver(hub: ServiceHub): Promise<void> {
    if (this.#hub !== hub) return hub.teardown();
    this.#hub = undefined;
    this.#generation++;
    this.#holdBidUntil = Date.now() + HANDOVER_MS;
    this.#setReady(false);
    await hub.teardown();
    if (!this.#left) this.#schedule(this.#backoff());
  }

  /**
   * The reason a join gave up, for its error: without it a port held by another program (a dev
   * server, a process that bound the port after it was chosen) looked like a hub that was slow.
   */
  #whyNot(): string {
    if (this.#lastFailure === undefined) return this.#portTaken ? ` (the port is in use)` : "";
    return this.#portTaken ? `: the port is in use, and reaching a hub on it failed: ${this.#lastFailure}` : `: ${this.#lastFailure}`;
  }

  #schedule(delay: number): void {
    clearTimeout(this.#retry);
    // Not unref'd: a member keeps its process alive from join to leave, and the gap between a
    // leader's going and the next bid is part of that (a process whose only handle is its
    // membership would otherwise exit mid-failover). `leave()` clears it.
    this.#retry = setTimeout(() => void this.#attempt(), delay);
  }

  /** Exponential backoff with jitter: retries of many members spread out instead of arriving together. */
  #backoff(): number {
    const { minRetryDelay = 25, maxRetryDelay = 2000 } = this.#options;
    const ceiling = Math.min(maxRetryDelay, minRetryDelay * 2 ** this.#failures++);
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  // --- requests -------------------------------------------------------------------------

  /** A request to the hub we follow, or an immediate `ERR_HUB_UNAVAILABLE` when there is none. */
  async #request<Req, Res>(type: IPCServerRequest<Req, Res>, payload: Req): Promise<Res> {
    if (this.#left) throw new HubError("ERR_HUB_LEFT", `This member left the hub on port ${this.#port}`);
    const client = this.#client;
    if (!client || !this.#ready) {
      throw new HubError("ERR_HUB_UNAVAILABLE", `No hub reachable on port ${this.#port} right now ('${type}' was not sent)`);
    }
    try {
      return await client.sendFrameworkRequest(type, payload);
    } catch (error) {
      if (error instanceof IPCError && error.code !== "ERR_IPC_REMOTE") {
        throw new HubError("ERR_HUB_UNAVAILABLE", `The hub on port ${this.#port} went away during '${type}': ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  // --- state ----------------------------------------------------------------------------

  #remember(entry: HubEntry): void {
    const index = this.#entries.findIndex((own) => own.api === entry.api && own.baseUrl === entry.baseUrl);
    if (index === -1) this.#entries.push(entry);
    else this.#entries[index] = entry;
  }

  #forget(entry: HubEntry): void {
    const index = this.#entries.findIndex((own) => own.api === entry.api && own.baseUrl === entry.baseUrl);
    if (index !== -1) this.#entries.splice(index, 1);
  }

  #setRole(role: HubRole): void {
    // A bid or a connect still under way when `leave()` came makes no leader or follower of it.
    if (this.#role === role || (this.#left && role !== "left")) return;
    this.#role = role;
    for (const listener of this.#roleListeners) safely(() => listener(role), this.#options.logger);
  }

  #setReady(ready: boolean): void {
    if (this.#ready === ready) return;
    this.#ready = ready;
    for (const listener of this.#connectionListeners) safely(() => listener(ready), this.#options.logger);
  }
}

/**
 * Runs what a leader runs once, on a throwaway hub on port 0 in this process: a framework
 * connection and a registration, an HTTP request proxied to a local target, a 404. A
 * follower that takes over then serves at once instead of paying the runtime's lazy
 * compilation of that code on the first requests after a failover (measured: tens of ms).
 */
async function warmUp(): Promise<void> {
  // Loopback whatever CROSSIPC_HOSTNAME says: this throwaway pair is never meant to be reached.
  const hub = new ServiceHub(0, { hostname: "127.0.0.1" });
  const target = new IPCServer(0, { hostname: "127.0.0.1" });
  try {
    if (!(await hub.start()) || !(await target.start())) return;
    target.interceptHttp("GET", "/__crossipc-warm-up/**", () => ({ ok: true }));
    const client = new IPCClient(hub.getUrl(), { heartbeatInterval: 0 });
    await client.connect("__crossipc-warm-up");
    await client.sendFrameworkRequest(HubRequests.register, [{ api: "__crossipc-warm-up", baseUrl: target.getUrl(), pathPrefix: "/__crossipc-warm-up" }]);
    for (const path of ["/__crossipc-warm-up/1", "/nothing"]) await (await fetch(`${hub.getUrl()}${path}`)).arrayBuffer();
    client.disconnect();
  } finally {
    await Promise.all([hub.teardown(), target.teardown()]);
  }
}

function safely(fn: () => void, logger: IPCLogger | undefined): void {
  try {
    fn();
  } catch (error) {
    logBounded(logger, "error", LISTENER_ERRORS, `Hub member listener threw: ${errorMessage(error)}`, error);
  }
}

function urlHost(hostname: string | undefined): string {
  if (!hostname || hostname === "0.0.0.0" || hostname === "localhost") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
