import { errorMessage } from "../errors.ts";
import { ACCESS_TOKEN_VARIABLE, HOSTNAME_VARIABLE, fromEnvironment, isLoopback } from "../_environment.ts";
import { log } from "../_log.ts";
import { unrefTimeout } from "../_timers.ts";
import { getPlatform, type Listener, type ProxiedConnection } from "../platform.ts";
import { assertName, assertUserName } from "../protocol.ts";
import type { IPCClientRequest, IPCLogger, IPCServerRequest, SocketMessage, Awaitable, ClientListener, ProxyResolver } from "../types.ts";
import { dropPeer, FrameworkClients } from "./_clients.ts";
import type { GuardOptions } from "./_guard.ts";
import { createHttpHandler } from "./_http.ts";
import { InterceptRoutes, type InterceptHandler, type RequestInterceptHandler } from "./_routes.ts";
import { createWebSocketHooks } from "./_websocket.ts";
import { FrameworkActivity } from "./_activity.ts";
import { Journal, type JournalOptions } from "./journal.ts";
import { createDashboard, type Dashboard } from "../dashboard/dashboard.ts";
import { dashboardState, type DashboardState } from "../dashboard/_state.ts";
import { MockRules } from "../mocks/_rules.ts";
import { RuleTable } from "../mocks/_table.ts";
import { installMocksHub } from "../mocks/_hub.ts";
import { registerHubRules } from "../mocks/_hubRules.ts";

export interface IPCServerOptions extends GuardOptions {
  /**
   * Address to bind. Default: the `CROSSIPC_HOSTNAME` environment variable, else `127.0.0.1`;
   * never `HOST`. Beyond loopback without an access token, the logger warns.
   */
  hostname?: string;
  /** Default timeout of `sendFrameworkMessage` in ms. Default 10 000. */
  requestTimeout?: number;
  /** Largest incoming framework message in bytes; a larger one closes that connection (1009). Default 64 MiB. */
  maxMessageSize?: number;
  /** Largest message a proxied WebSocket may carry, in bytes (1009 past it). Default 64 MiB. */
  maxProxyMessageSize?: number;
  /** Bytes queued for a client that does not read before it is dropped. Default 64 MiB. */
  maxBufferedAmount?: number;
  /**
   * Seconds without an answer to the runtime's WebSocket pings before a peer counts as dead
   * (SIGSTOP, cut cable). Default 5, so a dead client is found within 10 s.
   */
  heartbeat?: number;
  /** Proxied HTTP requests answer 504 after this many ms. Default 30 000. */
  proxyTimeout?: number;
  /** Proxied WebSocket upgrades fail when the backend has not accepted within this many ms. Default 10 000. */
  upstreamConnectTimeout?: number;
  /** Where to report what happens; without one the server prints nothing. */
  logger?: IPCLogger;
  /**
   * The journal of what the server handled (`server.journal`): on by default, a ring of the
   * last 1 000 entries without bodies. `false` turns it off; an object sets its size and bodies.
   */
  journal?: boolean | JournalOptions;
  /**
   * Serve the dashboard at `/__crossipc/` and its JSON at `/__crossipc/api/state` and
   * `/__crossipc/api/journal`: loopback `Host` only, same-origin pages only, behind the access
   * token when one is set (`?token=`). Default false.
   */
  dashboard?: boolean;
}

const MiB = 1024 * 1024;
const TEARDOWN_GRACE_MS = 500;

/**
 * The hub: framework connections over WebSocket with typed requests both ways, HTTP
 * interception routes, and a reverse proxy for HTTP and WebSocket traffic.
 */
export class IPCServer {
  readonly #expectedPort: number;
  readonly #options: IPCServerOptions;
  readonly #clients: FrameworkClients;
  readonly #routes = new InterceptRoutes();
  /** Rules from other processes (`connectMocks`), by scope: SPEC §10 steps (1) and (2). */
  readonly #mocks = new MockRules();
  /** Rules of the hub itself after its intercept routes (replays): step (3). */
  readonly #hubRules = new RuleTable();
  readonly #relays = new Set<ProxiedConnection>();
  #resolver: ProxyResolver | undefined;
  /** What the server handled: HTTP requests, WebSocket upgrades and framework requests both ways. */
  readonly journal: Journal;
  readonly #activity: FrameworkActivity;
  #dashboard: Dashboard | undefined;
  #startedAt = 0;
  #listener: Listener | undefined;
  #port = 0;

  constructor(port: number = 0, options: IPCServerOptions = {}) {
    this.#expectedPort = port;
    this.#options = {
      ...options,
      hostname: options.hostname ?? fromEnvironment(HOSTNAME_VARIABLE),
      accessToken: options.accessToken ?? fromEnvironment(ACCESS_TOKEN_VARIABLE),
    };
    options = this.#options;
    this.#clients = new FrameworkClients({
      logger: options.logger,
      requestTimeout: options.requestTimeout ?? 10_000,
      maxBufferedAmount: options.maxBufferedAmount ?? 64 * MiB,
      batchWrite: getPlatform().batchWrite,
      onUnhandled: (socket, path) => this.#activity.unhandled(socket, path),
    });
    this.journal = new Journal(options.journal, { list: () => this.#routes.list(), reset: () => this.#routes.resetHits() });
    this.#activity = new FrameworkActivity(this.#journalIfOn());
    this.#clients.onDisconnect((clientId) => this.#activity.forget(clientId));
    const maxMessageSize = options.maxMessageSize ?? 64 * MiB;
    // A relayed body travels base64 at worst (4/3 of its size) inside a framework message.
    this.#mocks.bodyLimit = Math.floor(((maxMessageSize - Math.min(64 * 1024, maxMessageSize / 4)) * 3) / 4);
    installMocksHub(this.#clients, { mocks: this.#mocks, journal: this.#journalIfOn(), maxMessageSize, proxyTimeout: options.proxyTimeout ?? 30_000, logger: options.logger });
    registerHubRules(this, { mocks: this.#mocks, hubRules: this.#hubRules });
  }

  /** Brands a request name with its payload and result types (a request the server handles). */
  static defineRequest<Req, Res>(name: string): IPCServerRequest<Req, Res> {
    assertName(name);
    return name as IPCServerRequest<Req, Res>;
  }

  // --- lifecycle ------------------------------------------------------------------------

  /** Listens. Resolves `true`, or `false` when the port is already taken (leader election). */
  async start(): Promise<boolean> {
    if (this.#listener) return true;
    const options = this.#options;
    const server = this;
    const journal = this.#journalIfOn();
    const dashboard = options.dashboard ? createDashboard({ journal: this.journal, guard: options, state: () => this.#state(), logger: options.logger }) : undefined;
    const handleHttp = createHttpHandler({
      journal,
      dashboard: dashboard?.handle,
      routes: this.#routes,
      mocks: this.#mocks,
      hubRules: this.#hubRules,
      get resolver() {
        return server.#resolver;
      },
      guard: options,
      proxyTimeout: options.proxyTimeout ?? 30_000,
      proxyHttp: getPlatform().proxyHttp,
      logger: options.logger,
    });
    const maxMessageSize = options.maxMessageSize ?? 64 * MiB;
    const maxProxyMessageSize = options.maxProxyMessageSize ?? 64 * MiB;
    const websocket = createWebSocketHooks({
      clients: this.#clients,
      mocks: this.#mocks,
      get resolver() {
        return server.#resolver;
      },
      guard: options,
      WebSocket: getPlatform().WebSocket,
      maxMessageSize,
      upstreamConnectTimeout: options.upstreamConnectTimeout ?? 10_000,
      relays: this.#relays,
      pipeUpgrade: getPlatform().pipeUpgrade,
      logger: options.logger,
      journal,
    });
    const listener = await getPlatform().listen({
      port: this.#expectedPort,
      hostname: options.hostname ?? "127.0.0.1",
      fetch: handleHttp,
      websocket,
      // The runtime's limit applies to every WebSocket of the server; the framework path's own
      // (usually smaller) limit is checked in the message hook.
      maxMessageSize: Math.max(maxMessageSize, maxProxyMessageSize),
      idleTimeout: options.heartbeat ?? 5,
    });
    if (!listener) {
      log(options.logger, "info", `Port ${this.#expectedPort} is already in use`);
      return false;
    }
    this.#listener = listener;
    this.#port = listener.port;
    this.#dashboard = dashboard;
    this.#startedAt = Date.now();
    log(options.logger, "info", `IPC server listening on ${this.getUrl()}`);
    if (options.hostname && !isLoopback(options.hostname) && options.accessToken === undefined) {
      log(
        options.logger,
        "warn",
        `IPC server bound to ${options.hostname} without an access token: anyone who reaches it can connect. ` +
          `Set the accessToken option or ${ACCESS_TOKEN_VARIABLE}.`,
      );
    }
    return true;
  }

  /** Closes every client (their pending requests reject), every proxied socket and the listener. */
  async teardown(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    this.#dashboard?.close();
    this.#dashboard = undefined;
    const peers = this.#clients.closeAll(1001, "Server shutting down");
    for (const relay of this.#relays) relay.close();
    this.#relays.clear();
    if (!listener) return;
    // Peers answer the close frame at once; one that is frozen (SIGSTOP) would hold the
    // listener open until the runtime's close timeout, so it is cut off after a grace period.
    const cutOff = unrefTimeout(() => peers.forEach(dropPeer), TEARDOWN_GRACE_MS);
    try {
      await listener.close();
    } catch (error) {
      log(this.#options.logger, "warn", `Closing the listener failed: ${errorMessage(error)}`);
    } finally {
      clearTimeout(cutOff);
    }
    log(this.#options.logger, "info", `IPC server on port ${this.#port} stopped`);
  }

  getPort(): number {
    return this.#port;
  }

  /** A base URL that reaches this server from this machine. */
  getUrl(): string {
    return `http://${urlHost(this.#options.hostname)}:${this.#port}`;
  }

  // --- framework messaging --------------------------------------------------------------

  /** Answers requests of `type` from any client, including clients that connected earlier. */
  onFrameworkMessage<Req, Res>(
    type: IPCServerRequest<Req, Res>,
    handler: (payload: Req, msg: SocketMessage) => Awaitable<Res>,
  ): void {
    assertUserName(type);
    this.#clients.handlers.set(
      type,
      this.#activity.incoming(type, (data, socket) => handler(data as Req, { clientId: socket.clientId!, runtimeId: socket.runtimeId, data })),
    );
  }

  /** Sends a request to the client connected with `runtimeId` and resolves with its answer. */
  sendFrameworkMessage<Req, Res>(
    runtimeId: string,
    type: IPCClientRequest<Req, Res>,
    payload: Req,
    timeoutMs?: number,
  ): Promise<Res> {
    try {
      assertName(type);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#activity.outgoing(type, this.#clients.clientIdOf(runtimeId), runtimeId, payload, () =>
      this.#clients.request<Res>(runtimeId, type, payload, timeoutMs),
    );
  }

  /** Fire-and-forget message to the client with `runtimeId`; it arrives at its `onFrameworkNotification`. */
  sendFrameworkNotification<T>(runtimeId: string, type: IPCClientRequest<T, void> | string, payload: T): void {
    assertName(type, "Message name");
    this.#clients.send(runtimeId, type, payload);
  }

  /** Fire-and-forget message to every connected client. */
  broadcastFrameworkNotification<T>(type: IPCClientRequest<T, void> | string, payload: T): void {
    assertName(type, "Message name");
    this.#clients.broadcast(type, payload);
  }

  /** Receives fire-and-forget messages of `type` that clients send with `sendFrameworkNotification`. */
  onFrameworkNotification<T>(type: IPCServerRequest<T, void> | string, handler: (payload: T, msg: SocketMessage) => unknown): void {
    assertUserName(type, "Message name");
    this.#clients.messageHandlers.set(type, (data, socket) =>
      handler(data as T, { clientId: socket.clientId!, runtimeId: socket.runtimeId, data }),
    );
  }

  onClientConnect(callback: ClientListener): void {
    this.#clients.onConnect(callback);
  }

  onClientDisconnect(callback: ClientListener): void {
    this.#clients.onDisconnect(callback);
  }

  // --- HTTP -----------------------------------------------------------------------------

  /**
   * Intercepts `method path` (rou3 pattern: `/users/:id`, `/files/**`; method `*` for any).
   * The handler gets the parsed body, the path params and lower-cased headers; data it
   * returns is sent as 200 JSON, a `Response` as is, a throw as 500 `{"error": message}`.
   */
  interceptHttp(method: string, path: string, handler: InterceptHandler): void {
    this.#routes.add(method, path, { kind: "legacy", handler });
  }

  /** The Web-standard form of `interceptHttp`: the handler gets the `Request` and answers a `Response`. */
  interceptRequest(method: string, path: string, handler: RequestInterceptHandler): void {
    this.#routes.add(method, path, { kind: "request", handler });
  }

  /** Removes an intercept route; later requests fall through to the proxy resolver. */
  removeInterceptHttp(method: string, path: string): void {
    this.#routes.remove(method, path);
  }

  /** Names the base URL to proxy a path to (HTTP and WebSocket), or a falsy value for none. */
  setRouteProxyResolver(resolver: ProxyResolver): void {
    this.#resolver = resolver;
  }

  // --- internals ------------------------------------------------------------------------

  #journalIfOn(): Journal | undefined {
    return this.journal.enabled ? this.journal : undefined;
  }

  /** What `/__crossipc/api/state` and the dashboard show. */
  #state(): DashboardState {
    return dashboardState({
      server: this,
      url: this.getUrl(),
      startedAt: this.#startedAt,
      clients: this.#clients.list().map((client) => ({ ...client, requests: this.#activity.traffic(client.clientId) })),
      routes: this.#routes.list(),
      mocks: this.#mocks.list(),
      journal: this.journal,
    });
  }
}

function urlHost(hostname: string | undefined): string {
  if (!hostname || hostname === "0.0.0.0" || hostname === "localhost") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
