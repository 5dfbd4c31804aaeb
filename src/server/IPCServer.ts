import { errorMessage, IPCError } from "../errors.ts";
import { ACCESS_TOKEN_VARIABLE, HOSTNAME_VARIABLE, fromEnvironment, isLoopback } from "../_environment.ts";
import { log } from "../_log.ts";
import { unrefTimeout } from "../_timers.ts";
import { getPlatform, type Listener, type ProxiedConnection } from "../platform.ts";
import { assertName, assertUserName } from "../protocol.ts";
import type { IPCClientRequest, IPCLogger, IPCServerRequest, SocketMessage, Awaitable, ClientListener, ProxyResolver } from "../types.ts";
import { dropPeer, FrameworkClients } from "./_clients.ts";
import { checkMaxRequestsInFlight, DEFAULT_MAX_REQUESTS_IN_FLIGHT } from "../IPCSocket.ts";
import type { GuardOptions } from "./_guard.ts";
import { createHttpHandler } from "./_http.ts";
import { InterceptRoutes, type InterceptHandler, type RequestInterceptHandler } from "./_routes.ts";
import { createWebSocketHooks } from "./_websocket.ts";
import { FrameworkActivity } from "./_activity.ts";
import { Journal, type JournalOptions } from "./journal.ts";
import { createDashboard, type Dashboard } from "../dashboard/dashboard.ts";
import { withUnscoped, type StateInput } from "../dashboard/_state.ts";
import { FaultTable, info } from "../faults/FaultTable.ts";
import { HeldRequests } from "../faults/_held.ts";
import { parseFault } from "../faults/_parse.ts";
import type { FaultHandle, FaultInfo, FaultMatch, FaultSpec } from "../faults/_types.ts";
import { installRemoteFaults, MAX_FAULTS_PER_CONNECTION } from "../faults/_remote.ts";
import { installWebSocketMocks } from "../mocks/_websocketRule.ts";
import { MockRules } from "../mocks/_rules.ts";
import { RuleTable } from "../mocks/_table.ts";
import { installMocksHub, ruleFactories } from "../mocks/_hub.ts";
import { DEFAULT_PROXY_TIMEOUT } from "../mocks/_wire.ts";
import { registerHubRules } from "../mocks/_hubRules.ts";
import type { Rule } from "../mocks/_rule.ts";
import { Replay, type ReplayHandle, type ReplayOptions } from "../replay/Replay.ts";
import { remoteReplayRule } from "../replay/_remote.ts";
import { REPLAY_METHOD, replayRule } from "../replay/_rule.ts";
import { apiPathsOf, isApiPath } from "./_apiPaths.ts";
import { viaEntry } from "./_via.ts";
import { loopCheck } from "./_selfTarget.ts";
import { redactingLogger } from "./_logRedaction.ts";
import { missRedaction, type RedactionRules } from "./_redact.ts";
import { randomHex } from "../_randomHex.ts";
import { checkNumbers, type NumberKind } from "../_numberOptions.ts";
import { checkServerPort } from "../_port.ts";

export interface IPCServerOptions extends GuardOptions {
  /**
   * Address to bind. Default: the `CROSSIPC_HOSTNAME` environment variable, else `127.0.0.1`;
   * never `HOST`. An address beyond loopback needs an `accessToken` (the constructor throws
   * `ERR_IPC_INSECURE` without one).
   */
  hostname?: string | undefined;
  /** Default timeout of `sendFrameworkMessage` in ms. Default 10 000. */
  requestTimeout?: number | undefined;
  /**
   * Largest incoming framework message in bytes; a larger one closes that connection (1009). Also
   * the most an intercept route (`interceptHttp`, `interceptRequest`) reads of a request body: a
   * larger one is answered 413 naming this option. Default 64 MiB.
   */
  maxMessageSize?: number | undefined;
  /** Largest message a proxied WebSocket may carry, in bytes (1009 past it). Default 64 MiB. */
  maxProxyMessageSize?: number | undefined;
  /**
   * Bytes queued for a client that does not read before it is dropped. Default 64 MiB. A proxied
   * WebSocket holds at most this much unread on either side, then both ends are closed with 1013
   * (a Deno hub's backend gets 1000 and the reason: Deno's client WebSocket may send only 1000 and
   * 3000-4999). Where the runtime proxies it as a TCP pipe, TCP bounds it instead (the README's
   * "What each runtime bounds").
   */
  maxBufferedAmount?: number | undefined;
  /** Framework clients connected at once; the next upgrade is refused with 503. Default 1 024. */
  maxClients?: number | undefined;
  /**
   * Requests from one framework connection whose handler has not answered yet; each further
   * request on it is answered at once with an error naming this option (the connection stays, no
   * answer is lost). Default 10 000.
   */
  maxRequestsInFlight?: number | undefined;
  /**
   * Rules (`connectMocks` intercepts, WebSocket mocks, replays) all connections together may hold,
   * and faults they may hold; the next is refused with an error that says so. Default 200 000. One connection holds at most
   * 50 000: without a bound for all, 20 connections could make the hub hold tens of GiB.
   */
  maxMockRules?: number | undefined;
  /**
   * Bytes of request bodies the hub holds at once for mocks, replays and intercept routes, all
   * requests together (a rule's is read whole before it sees it, up to ¾ of `maxMessageSize`; an
   * intercept route's up to `maxMessageSize`, counted as it arrives); a request that would pass it
   * answers 503 saying so, and one a rule waits for whose client sends no byte for `proxyTimeout`
   * ms is dropped (408). Default 256 MiB.
   */
  maxMockBodyBytes?: number | undefined;
  /**
   * Connections held at once, WebSockets included; more are closed as they arrive. Default 4096.
   * Without the front (`resettableConnections: false`) some runtimes can only cap requests and
   * WebSockets in progress (503 past them): the README's "What each runtime bounds".
   */
  maxConnections?: number | undefined;
  /**
   * Seconds an HTTP connection may stay idle between requests before the server closes it; 0
   * keeps idle connections. Default: the runtime's own where it has a sane one, else 120 s
   * (never below `proxyTimeout` where the runtime's idle timeout also cuts a request waiting for
   * its answer). Never a request in progress or a WebSocket: the README's "What each runtime
   * bounds".
   */
  keepAliveTimeout?: number | undefined;
  /**
   * Seconds without an answer to the runtime's WebSocket pings before a peer counts as dead
   * (SIGSTOP, cut cable). Default 5, so a dead client is found within 10 s.
   */
  heartbeat?: number | undefined;
  /** Proxied HTTP requests answer 504 after this many ms. Default 30 000. */
  proxyTimeout?: number | undefined;
  /** Proxied WebSocket upgrades fail when the backend has not accepted within this many ms. Default 10 000. */
  upstreamConnectTimeout?: number | undefined;
  /** Where to report what happens; without one the server prints nothing. */
  logger?: IPCLogger | undefined;
  /**
   * The journal of what the server handled (`server.journal`): on by default, a ring of the
   * last 1 000 entries without bodies. `false` turns it off; an object sets its size and bodies.
   */
  journal?: boolean | JournalOptions | undefined;
  /**
   * Serve the dashboard at `/__crossipc/` and its JSON at `/__crossipc/api/…`. A browser reaches
   * it only through `getDashboardUrl()`, which carries the dashboard key (the access token when
   * one is set, else a secret of this run); scripts without a browser need the token only when
   * one is set. Default true: SPEC §8, §10–12 give every hub this API (state, journal, HAR,
   * faults) and no option for it; `false` turns it off.
   */
  dashboard?: boolean | undefined;
  /**
   * Default true: where the runtime's built-in server leaves HTTP/1.1 unbounded (pipelined
   * requests, absolute-form targets, bare LFs in a head, idle connections, unfinished WebSocket
   * messages, connection caps, a `reset` fault that must drop the connection), the hub serves
   * through a front of its own that bounds it. The front costs the hub about twice the CPU per
   * small request (bench/ANALYSIS.md, the front parts of sessions 5 and 6).
   * `false` serves straight on the built-in server, without those bounds; which runtimes have a
   * front, and what each then lacks: the README's "What each runtime bounds".
   */
  resettableConnections?: boolean | undefined;
}

const MiB = 1024 * 1024;

/** @internal The numeric options of `IPCServerOptions` and what each takes (`joinHub` checks its `server` options with it too). */
export const SERVER_NUMBER_OPTIONS: Readonly<Record<string, NumberKind>> = {
  requestTimeout: "ms",
  maxMessageSize: "bytes",
  maxProxyMessageSize: "bytes",
  maxBufferedAmount: "bytes",
  maxClients: "count",
  maxRequestsInFlight: "count",
  maxMockRules: "count",
  maxMockBodyBytes: "bytes",
  maxConnections: "count",
  // 0 keeps idle connections, as Node's own `keepAliveTimeout: 0` does.
  keepAliveTimeout: "secondsOrOff",
  // 0 pings no one: crossws's Node heartbeat, Bun's and Deno's `idleTimeout` all take 0 as off. At most 960 (Bun's limit).
  heartbeat: "heartbeatSeconds",
  proxyTimeout: "ms",
  upstreamConnectTimeout: "ms",
};
// `mocks.replay`/`scope.replay` from other processes (SPEC §11): the hub builds the replay.
ruleFactories.set("replay", remoteReplayRule);
const DEFAULT_MAX_CLIENTS = 1024;
const DEFAULT_MAX_MOCK_RULES = 200_000;
/** Above the 1,000 idle clients of the memory bench with room to spare; the OS limit (often 1,024 files) may come first. */
const DEFAULT_MAX_CONNECTIONS = 4096;
const TEARDOWN_GRACE_MS = 500;

/**
 * @internal How many peer sets crossws holds for `server`'s WebSockets (`undefined` before
 * `start()`): one, whatever paths they were opened at (test/node/ws-namespace.test.ts).
 */
export let websocketNamespaces: (server: IPCServer) => number | undefined;

/** @internal The secrets `server` knows by value (its access token, its dashboard key): a ServiceHub's log lines redact them too. */
export let serverSecrets: (server: IPCServer) => Array<string | undefined>;

/** @internal Whether `value` is an IPCServer of this copy of the package (its private fields are what a hub reads). */
export let isIPCServer: (value: unknown) => value is IPCServer;

/**
 * The hub: framework connections over WebSocket with typed requests both ways, HTTP
 * interception routes, and a reverse proxy for HTTP and WebSocket traffic.
 */
export class IPCServer {
  static {
    websocketNamespaces = (server) => server.#listener?.websocketNamespaces?.();
    serverSecrets = (server) => [server.#options.accessToken, server.#dashboardKey];
    isIPCServer = (value): value is IPCServer => typeof value === "object" && value !== null && #options in value;
  }

  readonly #expectedPort: number;
  readonly #options: IPCServerOptions;
  readonly #clients: FrameworkClients;
  readonly #routes = new InterceptRoutes();
  /** Rules from other processes (`connectMocks`), by scope: SPEC §10 steps (1) and (2). */
  readonly #mocks = new MockRules();
  /** Rules of the hub itself after its intercept routes (replays): step (3). */
  readonly #hubRules = new RuleTable();
  /** The replays among the hub rules, for the state's list of rules. */
  readonly #hubReplays = new Set<Rule>();
  readonly #relays = new Set<ProxiedConnection>();
  readonly #faults = new FaultTable((api, path) => isApiPath(apiPathsOf(this), api, path), () => apiPathsOf(this) !== undefined);
  readonly #held = new HeldRequests();
  #resolver: ProxyResolver | undefined;
  /** What the server handled: HTTP requests, WebSocket upgrades and framework requests both ways. */
  readonly journal: Journal;
  readonly #activity: FrameworkActivity;
  #dashboard: Dashboard | undefined;
  /** What a browser page must show to read the dashboard: the token, or a secret of this run. */
  readonly #dashboardKey: string;
  #startedAt = 0;
  #listener: Listener | undefined;
  #port = 0;
  /** What a replay's 404 redacts in the requests it quotes (./_redact.ts `missRedaction`). */
  readonly #missRedaction: RedactionRules;
  /** The `start()` still binding, which a second call shares. */
  #starting: Promise<boolean> | undefined;
  /** The `teardown()` still closing, which a second call shares. */
  #stopping: Promise<void> | undefined;

  constructor(port: number = 0, options: IPCServerOptions = {}) {
    // Checked now, as the options below are: a bad port otherwise failed in `start()`, in each runtime's own words (src/_port.ts).
    this.#expectedPort = checkServerPort(port);
    checkAccessToken(options.accessToken ?? fromEnvironment(ACCESS_TOKEN_VARIABLE), options.accessToken !== undefined ? "accessToken" : ACCESS_TOKEN_VARIABLE);
    this.#options = {
      ...options,
      hostname: options.hostname ?? fromEnvironment(HOSTNAME_VARIABLE),
      accessToken: options.accessToken ?? fromEnvironment(ACCESS_TOKEN_VARIABLE),
    };
    options = this.#options;
    assertSafeOptions(options);
    // Checked now, before anything is made: a bad number otherwise surfaced later, or never (src/_numberOptions.ts).
    checkNumbers(options, SERVER_NUMBER_OPTIONS);
    this.#dashboardKey = options.accessToken ?? randomKey();
    // Every line the server logs, whatever it quotes (a path, a proxy target), shows neither secret by value.
    options.logger = redactingLogger(options.logger, [options.accessToken, this.#dashboardKey]);
    this.#clients = new FrameworkClients({
      logger: options.logger,
      requestTimeout: options.requestTimeout ?? 10_000,
      maxBufferedAmount: options.maxBufferedAmount ?? 64 * MiB,
      maxClients: options.maxClients ?? DEFAULT_MAX_CLIENTS,
      // Checked now: the sockets that use it are made when clients connect, too late to throw.
      maxRequestsInFlight: checkMaxRequestsInFlight(options.maxRequestsInFlight ?? DEFAULT_MAX_REQUESTS_IN_FLIGHT),
      batchWrite: getPlatform().batchWrite,
      onUnhandled: (socket, path) => this.#activity.unhandled(socket, path),
    });
    // The token and the dashboard key read [redacted] in entries under any name: a request may carry them to a service.
    this.journal = new Journal(options.journal, { list: () => this.#routes.list(), reset: () => this.#routes.resetHits() }, [options.accessToken, this.#dashboardKey]);
    this.#missRedaction = missRedaction(options.journal, [options.accessToken, this.#dashboardKey]);
    this.#activity = new FrameworkActivity(this.#journalIfOn());
    this.#clients.onDisconnect((clientId) => this.#activity.forget(clientId));
    const maxMessageSize = options.maxMessageSize ?? 64 * MiB;
    // A relayed body travels base64 at worst (4/3 of its size) inside a framework message.
    this.#mocks.bodyLimit = Math.floor(((maxMessageSize - Math.min(64 * 1024, maxMessageSize / 4)) * 3) / 4);
    this.#mocks.bodies.limit = options.maxMockBodyBytes ?? 256 * MiB;
    // A client that stops sending mid-body must not hold its part of that budget for as long as its connection lasts.
    this.#mocks.bodyIdle = options.proxyTimeout ?? DEFAULT_PROXY_TIMEOUT;
    // A scope whose only rule is a fault is open too: its trace id names it (SPEC §10).
    this.#mocks.alsoOpen = this.#faults.hasScope;
    installMocksHub(this.#clients, {
      mocks: this.#mocks,
      journal: this.#journalIfOn(),
      maxMessageSize,
      maxBufferedAmount: options.maxBufferedAmount ?? 64 * MiB,
      maxRules: options.maxMockRules ?? DEFAULT_MAX_MOCK_RULES,
      proxyTimeout: options.proxyTimeout ?? DEFAULT_PROXY_TIMEOUT,
      logger: options.logger,
      apiPaths: () => apiPathsOf(this),
      missRedaction: this.#missRedaction,
    });
    registerHubRules(this, { mocks: this.#mocks, hubRules: this.#hubRules });
    installRemoteFaults(this.#clients, this.#faults, options.maxMockRules ?? DEFAULT_MAX_MOCK_RULES, options.proxyTimeout ?? DEFAULT_PROXY_TIMEOUT);
    installWebSocketMocks(this.#clients);
  }

  /** Brands a request name with its payload and result types (a request the server handles). */
  static defineRequest<Req, Res>(name: string): IPCServerRequest<Req, Res> {
    assertName(name);
    return name as IPCServerRequest<Req, Res>;
  }

  // --- lifecycle ------------------------------------------------------------------------

  /** Listens. Resolves `true`, or `false` when the port is already taken (leader election). */
  start(): Promise<boolean> {
    if (this.#listener) return Promise.resolve(true);
    // A call while another is still binding gets that one's answer: it bound a second listener
    // (another port for port 0, `false` for its own fixed port), which teardown never closed.
    return (this.#starting ??= this.#listen().finally(() => {
      this.#starting = undefined;
    }));
  }

  async #listen(): Promise<boolean> {
    const options = this.#options;
    const server = this;
    const journal = this.#journalIfOn();
    const proxyTimeout = options.proxyTimeout ?? DEFAULT_PROXY_TIMEOUT;
    const dashboard = options.dashboard !== false
      ? createDashboard({
          journal: this.journal,
          guard: options,
          key: this.#dashboardKey,
          state: () => this.#state(),
          logger: options.logger,
          faults: {
            add: (match, fault) => {
              // The API's faults have no connection to go with, so they are bounded here (server.fault is the embedding code's own).
              if (this.#faults.ownedBy(undefined) >= MAX_FAULTS_PER_CONNECTION) {
                throw new RangeError(`The hub already holds ${MAX_FAULTS_PER_CONNECTION} faults added without a connection, the most it takes: remove some (DELETE /__crossipc/api/faults)`);
              }
              return info(this.#faults.add(parseFault(match, fault)));
            },
            list: () => this.#faults.list(),
            remove: (id) => this.#faults.remove(id),
            clear: () => this.#faults.removeWhere(),
          },
        })
      : undefined;
    // Made anew at each start: a hub restarted is another hop, and none of its old entries are about.
    const via = viaEntry();
    const loopsBack = loopCheck(() => server.#port, () => urlHost(options.hostname), options.hostname ?? "127.0.0.1", getPlatform().machineNames);
    // A target the runtime may not dial is logged once for the HTTP and WebSocket sides together.
    const refusalsSaid = new Set<string>();
    const handleHttp = createHttpHandler({
      journal,
      dashboard: dashboard?.handle,
      routes: this.#routes,
      mocks: this.#mocks,
      hubRules: this.#hubRules,
      get resolver() {
        return server.#resolver;
      },
      loopsBack,
      via,
      guard: options,
      proxyTimeout,
      maxBodySize: options.maxMessageSize ?? 64 * MiB,
      proxyHttp: getPlatform().proxyHttp,
      dialRefusal: getPlatform().dialRefusal,
      refusalsSaid,
      logger: options.logger,
      faults: this.#faults,
      held: this.#held,
    });
    const maxMessageSize = options.maxMessageSize ?? 64 * MiB;
    const maxBufferedAmount = options.maxBufferedAmount ?? 64 * MiB;
    const maxProxyMessageSize = options.maxProxyMessageSize ?? 64 * MiB;
    const websocket = createWebSocketHooks({
      clients: this.#clients,
      mocks: this.#mocks,
      get resolver() {
        return server.#resolver;
      },
      loopsBack,
      via,
      guard: options,
      WebSocket: getPlatform().WebSocket,
      maxMessageSize,
      maxBufferedAmount,
      upstreamConnectTimeout: options.upstreamConnectTimeout ?? 10_000,
      relays: this.#relays,
      pipeUpgrade: getPlatform().pipeUpgrade,
      directFrames: getPlatform().directFrames,
      dialRefusal: getPlatform().dialRefusal,
      refusalsSaid,
      logger: options.logger,
      journal,
      faults: this.#faults,
      held: this.#held,
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
      maxBufferedAmount,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      keepAliveTimeout: options.keepAliveTimeout,
      proxyTimeout,
      resettable: options.resettableConnections,
      warn: (message) => log(options.logger, "warn", message),
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
    return true;
  }

  /** Closes every client (their pending requests reject), every proxied socket and the listener. */
  teardown(): Promise<void> {
    // A call while another is still closing gets that one's end: it found no listener and
    // resolved at once, the port still held (one macrotask's wait for the dashboard's streams
    // made that the rule on every runtime).
    return (this.#stopping ??= this.#close().finally(() => {
      this.#stopping = undefined;
    }));
  }

  async #close(): Promise<void> {
    // A start() still binding finishes first: its listener would otherwise open after the teardown, and stay open.
    if (this.#starting) await this.#starting.catch(() => false);
    const listener = this.#listener;
    this.#listener = undefined;
    const dashboard = this.#dashboard;
    this.#dashboard = undefined;
    await dashboard?.close();
    const peers = this.#clients.closeAll(1001, "Server shutting down");
    for (const relay of this.#relays) relay.close();
    this.#relays.clear();
    this.#held.releaseAll();
    if (!listener) return;
    // Peers answer the close frame at once; one that is frozen (SIGSTOP) would hold the
    // listener open until the runtime's close timeout, so it is cut off after a grace period.
    const cutOff = unrefTimeout(() => peers.forEach((peer) => dropPeer(peer)), TEARDOWN_GRACE_MS);
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

  /**
   * The dashboard's address for a browser: `…/__crossipc/#key=…`. The key rides in the URL's
   * fragment, which a browser never sends (no server log, no Referer); the page's script sends it
   * as a header. Pages served through this server (same origin) cannot read it. Throws when the
   * server serves no dashboard (`dashboard: false`).
   */
  getDashboardUrl(): string {
    if (this.#options.dashboard === false) throw new Error("crossipc: this server serves no dashboard: it was created with { dashboard: false }");
    return `${this.getUrl()}/__crossipc/#key=${encodeURIComponent(this.#dashboardKey)}`;
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
   * Intercepts `method path` (rou3 pattern: `/users/:id`, `/files/**`; find-my-way's regex
   * parameter `/:id(^\d+$)`; method `*` for any). A trailing slash must match; the same method
   * and path twice throws (`removeInterceptHttp` first to replace a route).
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

  /**
   * Answers requests from a recording (a HAR 1.2 object or its JSON text), after the intercept
   * routes and before the proxy: by method, path, query (order ignored) and body (bytes, or
   * equal JSON), the recorded answers in order and then the last one again. A HAR that is not
   * 1.2 or has a malformed entry throws a `HarError` naming the entry, and nothing changes.
   */
  replay(har: unknown, options?: ReplayOptions): ReplayHandle {
    if (options?.api !== undefined && !apiPathsOf(this)) {
      throw new TypeError(`replay: api '${options.api}' needs a ServiceHub on this server (its registry knows the api's path prefix)`);
    }
    const replay = new Replay(har, options, this.#missRedaction);
    const rule = replayRule(replay, { id: this.#mocks.nextId(), scope: null, owner: "local", apiPaths: () => apiPathsOf(this) });
    replay.id = rule.id;
    this.#hubRules.add(rule, REPLAY_METHOD);
    this.#hubReplays.add(rule);
    replay.onRemove = () => {
      this.#hubRules.remove(rule, REPLAY_METHOD);
      this.#hubReplays.delete(rule);
    };
    return replay;
  }

  /** Names the base URL to proxy a path to (HTTP and WebSocket), or a falsy value for none. */
  setRouteProxyResolver(resolver: ProxyResolver): void {
    this.#resolver = resolver;
  }

  // --- faults ---------------------------------------------------------------------------

  /**
   * Faults requests that match (`method`, `path` as an intercept pattern, `api` as registered;
   * all given must match) whatever takes them: latency, status, reset, timeout, bandwidth, and
   * for WebSockets per-frame latency, drop and close; `probability` and `times` modify any kind.
   * Throws a TypeError naming what is wrong with bad input.
   */
  fault(match: FaultMatch, fault: FaultSpec): FaultHandle {
    const added = this.#faults.add(parseFault(match, fault));
    const faults = this.#faults;
    return {
      id: added.id,
      get hits() {
        return added.gate.hits;
      },
      remove: () => void faults.remove(added.id),
    };
  }

  /** The faults the server holds, with their hits. */
  faults(): FaultInfo[] {
    return this.#faults.list();
  }

  // --- internals ------------------------------------------------------------------------

  #journalIfOn(): Journal | undefined {
    return this.journal.enabled ? this.journal : undefined;
  }

  /** What `/__crossipc/api/state` and the dashboard show, read when they build it. */
  #state(): StateInput {
    return {
      server: this,
      url: this.getUrl(),
      startedAt: this.#startedAt,
      tokenRequired: this.#options.accessToken !== undefined,
      clients: this.#clients.list().map((client) => ({ ...client, requests: this.#activity.traffic(client.clientId) })),
      routes: this.#routes.list(),
      // The hub's own replays are listed with the rules, as local and unscoped.
      mocks: withUnscoped(this.#mocks, this.#hubReplays),
      journal: this.journal,
      faults: this.#faults.list(),
    };
  }
}

/**
 * Options that would open the hub to strangers: refused outright rather than warned about, since
 * a warning goes nowhere without a logger (and the library prints nothing).
 */
function assertSafeOptions(options: IPCServerOptions): void {
  const token = options.accessToken;
  if (token !== undefined) return; // checked by checkAccessToken: never blank
  const origins = options.allowedOrigins;
  if (Array.isArray(origins) && origins.includes("*")) {
    throw new IPCError(
      "ERR_IPC_INSECURE",
      "crossipc: allowedOrigins '*' without an accessToken lets every web page open the framework connection, " +
        `register '/' and divert all traffic: set accessToken (or ${ACCESS_TOKEN_VARIABLE}) too, or list your pages' origins`,
    );
  }
  if (options.hostname !== undefined && !isLoopback(options.hostname)) {
    throw new IPCError(
      "ERR_IPC_INSECURE",
      `crossipc: binding ${options.hostname} (beyond loopback) without an accessToken lets anyone who reaches this machine ` +
        `connect, register routes and read the journal: set accessToken (or ${ACCESS_TOKEN_VARIABLE}), or bind 127.0.0.1`,
    );
  }
}

/** 128 bits from the platform's CSPRNG, as 32 hex digits. */
function randomKey(): string {
  return randomHex(16);
}

function urlHost(hostname: string | undefined): string {
  if (!hostname || hostname === "0.0.0.0" || hostname === "localhost") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/** A token that is blank (or not a string) would guard nothing a person could tell apart: refused. */
function checkAccessToken(token: unknown, source: string): void {
  if (token === undefined) return;
  if (typeof token !== "string" || token.trim() === "") {
    throw new IPCError("ERR_IPC_INSECURE", `${source} must be a non-blank string (it is what clients must present), got ${JSON.stringify(token)}`);
  }
}
