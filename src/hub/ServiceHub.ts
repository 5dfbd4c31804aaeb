import { errorMessage } from "../errors.ts";
import { log } from "../_log.ts";
import { LISTENER_ERRORS, logBounded } from "../_boundedLog.ts";
import { checkNumber } from "../_numberOptions.ts";
import { IPCServer, isIPCServer, serverSecrets, type IPCServerOptions } from "../server/IPCServer.ts";
import { quoted } from "../_excerpt.ts";
import { redactingLogger } from "../server/_logRedaction.ts";
import { setHubDescriber, type HubState } from "../server/_describe.ts";
import { setApiPaths } from "../server/_apiPaths.ts";
import { LOG_REDACTION, redactUrl } from "../server/_redact.ts";
import type { IPCLogger, SocketMessage } from "../types.ts";
import { KnownPrefixes } from "./_knownPrefixes.ts";
import { Registry, entriesOf, entryOf } from "./_registry.ts";
import { HubRequests, notRegistered, type HubKind } from "./_requests.ts";
import { createStrategy, strategyName } from "./_strategies.ts";
import type { HubEntry, HubEvent, HubRoute, RoutingStrategy, RoutingStrategyName } from "./_types.ts";

export interface ServiceHubOptions extends IPCServerOptions {
  /** What `discovery/getServerInfo` answers: `"bin"` for `crossipc hub`, `"embedded"` (default) otherwise. */
  kind?: HubKind | undefined;
  /**
   * Routes one framework connection may hold (default 1,000). A `discovery/register` that
   * would go past it fails with the reason and registers nothing. `addRoute` is not counted.
   */
  maxRoutesPerClient?: number | undefined;
}

const DEFAULT_MAX_ROUTES_PER_CLIENT = 1000;

/** The owner of routes added with `addRoute` (never evicted: no connection owns them). */
const LOCAL_OWNER = "local";
const NO_PREFIXES: ReadonlySet<string> = new Set();
/** grest-ts closes ~10 ms after answering `requestYield`, so the answer is flushed first. */
const YIELD_DELAY_MS = 10;

/**
 * The local service hub: services register path prefixes over the framework connection
 * (grest-ts's `discovery/*` requests), and the hub proxies HTTP and WebSocket traffic to them
 * by longest prefix. A drop-in for grest-ts's `GGLocalDiscoveryServer`.
 *
 * Attached to an existing IPCServer, it takes over that server's proxy resolver (intercept
 * routes keep working and still win).
 *
 * ```ts
 * const hub = new ServiceHub(9000);   // or new ServiceHub(existingIPCServer)
 * await hub.start();                  // false: the port is taken (another hub leads)
 * ```
 */
export class ServiceHub {
  /** The IPCServer the hub runs on: intercept routes added to it win over the registry. */
  readonly server: IPCServer;
  readonly kind: HubKind;
  /**
   * Called (instead of the default `teardown()`) when another hub asks for the port with
   * `discovery/requestYield`; the owner then tears the hub down itself.
   */
  onYield?: () => void | Promise<void>;

  readonly #registry = new Registry();
  readonly #strategies = new Map<string, RoutingStrategy>();
  readonly #strategyNames = new Map<string, RoutingStrategyName | "custom">();
  readonly #listeners = new Set<(event: HubEvent) => void>();
  /** The prefixes each api was registered with: a replay limited to an api still knows it once its service stopped. */
  readonly #knownPrefixes = new KnownPrefixes(this.#registry);
  readonly #logger: IPCLogger | undefined;
  #yielding = false;

  /** `serverOrPort`: an IPCServer to attach to, or a port for a server of its own (0 = any free port). */
  constructor(serverOrPort: IPCServer | number = 0, options: ServiceHubOptions = {}) {
    const { kind = "embedded", maxRoutesPerClient = DEFAULT_MAX_ROUTES_PER_CLIENT, ...serverOptions } = options;
    checkNumber("maxRoutesPerClient", maxRoutesPerClient, "count");
    // A port in digits (`"8080"`), which IPCServer takes, was taken for a server before.
    const port = typeof serverOrPort === "number" || typeof serverOrPort === "string";
    this.server = port ? new IPCServer(serverOrPort as number, serverOptions) : attachable(serverOrPort);
    this.kind = kind;
    // Its lines quote services' URLs: the server's secrets read [redacted] there too (../server/_logRedaction.ts).
    this.#logger = redactingLogger(options.logger, serverSecrets(this.server));
    const server = this.server;

    server.onFrameworkMessage(HubRequests.register, (entries, msg) => {
      // Owner and runtimeId come from the connection, never from the payload.
      const owner = ownerOf(msg);
      const list = entriesOf(entries, HubRequests.register, maxRoutesPerClient);
      const held = this.#registry.ownedCount(owner.owner);
      const more = this.#registry.countNew(owner.owner, list);
      if (held + more > maxRoutesPerClient) {
        throw new RangeError(
          `${HubRequests.register}: a connection may hold at most ${maxRoutesPerClient} routes; this one holds ${held} and asked for ${more} more. ` +
            "Nothing was registered: register fewer prefixes (one prefix can cover many paths), or raise the hub's maxRoutesPerClient",
        );
      }
      for (const entry of list) this.#add({ ...entry, ...owner });
    });
    server.onFrameworkMessage(HubRequests.unregister, (entries, msg) => {
      // The apis the sender held an instance of, at its entry or an earlier one of this frame.
      const sendersApis = new Set<string>();
      for (const entry of entriesOf(entries, HubRequests.unregister, maxRoutesPerClient)) this.#unregister(entry, msg.clientId, sendersApis);
    });
    server.onFrameworkMessage(HubRequests.discoverApi, (api) => {
      if (typeof api !== "string") throw new TypeError(`${HubRequests.discoverApi} expects an api name (a string)`);
      if (this.#registry.instances(api).length > 0) return { success: true, url: server.getUrl() };
      return { success: false, error: notRegistered(api) };
    });
    server.onFrameworkMessage(HubRequests.getServerInfo, () => ({ kind: this.kind }));
    server.onFrameworkMessage(HubRequests.requestYield, () => {
      setTimeout(() => this.#yield(), YIELD_DELAY_MS);
    });
    server.onClientDisconnect((clientId, runtimeId) => {
      const routes = this.#registry.removeOwner(clientId);
      if (routes.length === 0) return;
      for (const route of routes) this.#maybeGone(route.api);
      log(this.#logger, "info", `Evicted ${routes.length} route(s) of disconnected client ${clientId}`);
      this.#emit({ type: "routesEvicted", owner: clientId, runtimeId, routes });
    });
    server.setRouteProxyResolver((path) => {
      const match = this.#registry.match(path);
      return match && this.#pick(match.api, match.instances, path).baseUrl;
    });
    setHubDescriber(server, () => this.describe());
    setApiPaths(server, {
      prefixes: (api) => this.#knownPrefixes.get(api) ?? NO_PREFIXES,
      routed: (path) => {
        const match = this.#registry.match(path);
        const prefix = match?.instances[0]?.pathPrefix;
        return match && prefix !== undefined ? { api: match.api, prefix } : undefined;
      },
    });
  }

  /** Listens. Resolves `false` when the port is already taken. */
  start(): Promise<boolean> {
    return this.server.start();
  }

  /** Stops the server (clients are closed, the port is freed) and forgets every route. */
  async teardown(): Promise<void> {
    this.#registry.clear();
    await this.server.teardown();
  }

  getUrl(): string {
    return this.server.getUrl();
  }

  getPort(): number {
    return this.server.getPort();
  }

  /** The dashboard's address with its key, for a browser (see `IPCServer.getDashboardUrl`). */
  getDashboardUrl(): string {
    return this.server.getDashboardUrl();
  }

  // --- routes ---------------------------------------------------------------------------

  /** Every registered route, with its owner. */
  routes(): HubRoute[] {
    return [...this.#registry.all()].map((route) => ({ ...route }));
  }

  /** Adds a route no connection owns (tests, static services); it stays until `removeRoute`. */
  addRoute(entry: HubEntry, options: { owner?: string } = {}): void {
    this.#add({ ...entryOf(entry, "addRoute"), owner: options.owner ?? LOCAL_OWNER });
  }

  /** Removes every instance of `api`, or only the one at `baseUrl`. */
  removeRoute(api: string, baseUrl?: string): void {
    const removed = this.#registry.remove((route) => baseUrl === undefined || route.baseUrl === baseUrl, this.#registry.instances(api));
    for (const route of removed) this.#removed(route);
  }

  /** One instance of `api`, picked by its strategy; `undefined` when none is registered. */
  getRoute(api: string): HubRoute | undefined {
    const instances = this.#registry.instances(api);
    return instances.length ? { ...this.#pick(api, instances, api) } : undefined;
  }

  /** How requests pick among the instances of `api`: `roundRobin` (default), `first`, `last`, `random` or your own. */
  setRoutingStrategy(api: string, strategy: RoutingStrategyName | RoutingStrategy): void {
    if (typeof strategy !== "string" && typeof strategy?.select !== "function") {
      throw new TypeError(`setRoutingStrategy('${api}'): expected roundRobin, first, last, random or an object with select()`);
    }
    this.#strategies.set(api, typeof strategy === "string" ? createStrategy(strategy) : strategy);
    this.#strategyNames.set(api, strategyName(strategy));
  }

  /** The hub's URL when `api` is registered (what `discovery/discoverApi` answers). */
  discover(api: string): { success: true; url: string } | { success: false; error: string } {
    if (this.#registry.instances(api).length > 0) return { success: true, url: this.getUrl() };
    return { success: false, error: notRegistered(api) };
  }

  /** Calls `listener` for every route added or removed, every eviction and a yield. Returns an unsubscribe. */
  onEvent(listener: (event: HubEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** What the dashboard shows (`/__crossipc/api/state`). */
  describe(): HubState {
    const services = [...this.#registry.apis()].map((api) => ({
      api,
      strategy: this.#strategyNames.get(api) ?? "roundRobin",
      // Read by anyone the dashboard lets in: a password in a service's URL is not shown.
      instances: this.#registry.instances(api).map(({ baseUrl, pathPrefix, owner }) => ({ baseUrl: shownUrl(baseUrl), pathPrefix, owner })),
    }));
    return { kind: this.kind, leader: true, services };
  }

  // --- internals ------------------------------------------------------------------------

  #add(route: HubRoute): void {
    const { added, replaced } = this.#registry.add(route);
    if (replaced) this.#removed(replaced);
    if (!added) return;
    this.#knownPrefixes.add(added.api, added.pathPrefix);
    log(this.#logger, "info", `Added route: ${added.pathPrefix} (${added.api}) -> ${shownUrl(added.baseUrl)}`);
    this.#emit({ type: "routeAdded", route: { ...added } });
  }

  #removed(route: HubRoute): void {
    this.#maybeGone(route.api);
    log(this.#logger, "info", `Removed route: ${route.pathPrefix} (${route.api}) -> ${shownUrl(route.baseUrl)}`);
    this.#emit({ type: "routeRemoved", route: { ...route } });
  }

  /**
   * What one entry of a `discovery/unregister` removes: the first of these that holds any instance.
   * 1. The sender's own instance of the api at the entry's baseUrl: `joinHub`'s `unregister`,
   *    which leaves its other baseUrls of the api and other processes' replicas.
   * 2. The sender's own instances of the api at any baseUrl: a service that unregisters with
   *    another URL than it registered (`localhost` for `127.0.0.1`, a port it moved to).
   * 3. Anyone's instances of the api at that baseUrl: a script cleaning up after a crashed service.
   * 4. Every instance of the api, as grest-ts removed them (SPEC §8: "removes those apis").
   * Steps 3 and 4 only for a sender that held no instance of the api in this frame (`sendersApis`):
   * else an entry after one that removed the sender's own (step 2, one entry per instance) went on
   * to remove every other process's replica.
   * Each step looks at the sender's own instances of the api, or at all of them: O(instances).
   */
  #unregister(entry: HubEntry, sender: string, sendersApis: Set<string>): void {
    const atBaseUrl = (route: HubRoute) => route.baseUrl === entry.baseUrl;
    const own = this.#registry.owned(sender, entry.api);
    if (own.length > 0) sendersApis.add(entry.api);
    let removed = this.#registry.remove(atBaseUrl, own);
    if (removed.length === 0) removed = this.#registry.remove(always, own);
    if (removed.length === 0 && !sendersApis.has(entry.api)) {
      removed = this.#registry.remove(atBaseUrl, this.#registry.instances(entry.api));
      if (removed.length === 0) removed = this.#registry.remove(always, this.#registry.instances(entry.api));
    }
    for (const route of removed) this.#removed(route);
  }

  /**
   * The round-robin state `#pick` made for an api goes with its last instance (one set with
   * `setRoutingStrategy` stays): kept, a hub remembered every api name it ever routed.
   */
  #maybeGone(api: string): void {
    if (!this.#strategyNames.has(api) && this.#registry.instances(api).length === 0) this.#strategies.delete(api);
  }

  #pick(api: string, instances: readonly HubRoute[], path: string): HubRoute {
    let strategy = this.#strategies.get(api);
    if (!strategy) this.#strategies.set(api, (strategy = createStrategy("roundRobin")));
    if (instances.length === 1) return instances[0]!;
    try {
      return strategy.select(instances, path) ?? instances[0]!;
    } catch (error) {
      logBounded(this.#logger, "error", "routing strategy errors", `Routing strategy of '${api}' threw: ${errorMessage(error)}`, error);
      return instances[0]!;
    }
  }

  async #yield(): Promise<void> {
    if (this.#yielding) return;
    this.#yielding = true;
    log(this.#logger, "info", `Yielding port ${this.getPort()} to another hub`);
    this.#emit({ type: "yielded" });
    try {
      await (this.onYield ? this.onYield() : this.teardown());
    } catch (error) {
      log(this.#logger, "error", `Yielding failed: ${errorMessage(error)}`, error);
    } finally {
      this.#yielding = false;
    }
  }

  #emit(event: HubEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A service registers and unregisters at will, each an event: bounded as the peer's own lines are.
        logBounded(this.#logger, "error", LISTENER_ERRORS, `Hub event listener threw: ${errorMessage(error)}`, error);
      }
    }
  }
}

/**
 * The server a hub attaches to. Anything else (`null`, an options object given first, a server of
 * another copy of crossipc, whose private fields this copy cannot read) was taken for a server and
 * failed inside the constructor with "Cannot read properties of null (reading '#options')".
 */
function attachable(value: unknown): IPCServer {
  if (isIPCServer(value)) return value;
  const foreign = typeof value === "object" && value !== null && typeof (value as Partial<IPCServer>).onFrameworkMessage === "function";
  throw new TypeError(
    `ServiceHub takes a port (a whole number from 0, any free port, to 65535) or an IPCServer to attach to, got ${quoted(value)}` +
      (foreign ? " that looks like an IPCServer of another copy of crossipc: import ServiceHub and IPCServer from the same one" : ""),
  );
}

function always(): boolean {
  return true;
}

function ownerOf(msg: SocketMessage): { owner: string; runtimeId?: string } {
  return msg.runtimeId ? { owner: msg.clientId, runtimeId: msg.runtimeId } : { owner: msg.clientId };
}

/** A service's URL as logs and the dashboard show it: no userinfo password, no token in its query. */
function shownUrl(baseUrl: string): string {
  return redactUrl(baseUrl, LOG_REDACTION)!;
}
