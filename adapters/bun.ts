/** crossipc on Bun: `Bun.serve` through srvx, WebSockets through crossws's Bun adapter. */
import "./_only-bun.ts"; // first: see there
import bunAdapter from "crossws/adapters/bun";
import WebSocket from "crossws/websocket";
import { serve as srvxServe } from "srvx/bun";
import { setPlatform, type ListenOptions, type WebSocketConstructor } from "../src/platform.ts";
import { probeConnect, processEnv } from "./_probe.ts";
import { machineNamesOs } from "./_machine-names.ts";
import { isUpgrade, listenWith, namespaceOf, portOf, unlessTakenElsewhere, type ServeOptions, type SrvxServer } from "./_listen.ts";
import { malformedWebRequest, refusalResponse } from "./_request-line.ts";
import { directFramesBun, markingCallbacks } from "./_bun-frames.ts";
import { linkOf, listenBunFront, stampHeader, type BunFront, type FrontLink } from "./_bun-front.ts";
import { innerEndpoint, type InnerEndpoint } from "./_bun-inner.ts";
import { pipeUpgradeBun } from "./_bun-pipe.ts";
import { quietBodyBun } from "./_bun-quiet-body.ts";

declare const Bun: { version: string };
/** The counters of `Bun.serve`'s server that crossipc reads. */
interface BunServer {
  readonly pendingRequests: number;
  readonly pendingWebSockets: number;
}

/** Bun's own WebSocket options that crossipc sets (`Bun.serve({ websocket })`). */
interface BunWebSocketOptions {
  /** Seconds without traffic before Bun drops the peer; with `sendPings` it pings first. */
  idleTimeout: number;
  /** Bun closes a connection that sends a larger message with 1009 before it is handled. */
  maxPayloadLength: number;
  sendPings: boolean;
  backpressureLimit: number;
  closeOnBackpressureLimit: boolean;
}

/**
 * Seconds an HTTP connection may stay silent before Bun closes it: `keepAliveTimeout`, else 120,
 * and never below the proxy's timeout, since Bun also counts a request waiting for its answer as
 * idle. Bun allows at most 255.
 */
function httpIdleTimeout(options: ListenOptions): number {
  const atLeast = Math.ceil(options.proxyTimeout / 1000) + 1;
  return Math.min(255, Math.max(options.keepAliveTimeout ?? 120, atLeast));
}

setPlatform({
  runtime: "bun",
  version: Bun.version,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  env: processEnv,
  probeConnect,
  machineNames: machineNamesOs,
  // A framework connection's frames of one turn leave in one write; its messages still come through crossws's hooks.
  directFrames: directFramesBun,
  // Behind the front a proxied WebSocket is a byte pipe to its backend; without it, a relay.
  pipeUpgrade: pipeUpgradeBun,
  // Bun's `fetch` leaves a proxied answer compressed, so it reaches the client as the service sent it.
  fetchAsSent: { decompress: false },
  // The front drops the client's connection. Without it, Bun drops the connection (RST, no head)
  // when a body fails before its first byte; it prints an Error it fails with to stderr, not
  // `undefined`: the library prints nothing.
  resetConnection: (request) => {
    (request as { runtime?: { bun?: { front?: FrontLink } } }).runtime?.bun?.front?.reset();
    return new Response(new ReadableStream({ pull: (controller) => controller.error(undefined) }));
  },
  quietBody: quietBodyBun,
  // A handler's `new Response("text")` goes out as `text/plain` only while nobody read its `body` getter.
  bodyGetterChangesAnswer: true,
  listen: (options) =>
    listenWith(serve, options, {
      websocket: {
        bun: {
          // Bun's default would drop a WebSocket after 120 s of silence; it pings instead and
          // drops a peer that does not answer within `idleTimeout` seconds.
          idleTimeout: options.idleTimeout,
          maxPayloadLength: options.maxMessageSize,
          sendPings: true,
          // Past this many unsent bytes Bun drops (not queues) what is sent, and says so only
          // in `send`'s return value. The core stops sending to a peer that has more than
          // `maxBufferedAmount` unread, so Bun's own limit sits above that plus one whole message.
          backpressureLimit: options.maxBufferedAmount + options.maxMessageSize,
          closeOnBackpressureLimit: false,
          maxConnections: options.maxConnections,
        } satisfies BunWebSocketOptions & { maxConnections: number },
      },
      serve: {
        // Bun's 10 s default idle timeout cuts slow proxied backends off; 0 (none) kept every
        // idle keep-alive connection open for good, so that 1,100 of them held the hub's file
        // descriptors until they left. 120 s: idle connections go, a proxied answer has its
        // `proxyTimeout` (30 s) to start. No body limit of Bun's own on proxied uploads.
        bun: { idleTimeout: httpIdleTimeout(options), maxRequestBodySize: Number.MAX_SAFE_INTEGER },
        front: options.resettable !== false,
      },
    }),
});

/**
 * `crossws/server/bun`'s `serve`, rebuilt from `srvx/bun` and `crossws/adapters/bun`: its
 * plugin builds Bun's `websocket` handler itself and only passes `idleTimeout` through, so
 * there is no way to give Bun `maxPayloadLength` (Bun's own 16 MiB default would then win
 * over `maxMessageSize`).
 */
function serve({ websocket, front: fronted, ...options }: ServeOptions): SrvxServer {
  const { options: native, ...hooks } = websocket;
  const { idleTimeout, maxConnections, ...bunWebSocket } = native?.["bun"] as BunWebSocketOptions & { maxConnections: number };
  const upgrade = hooks.upgrade;
  if (upgrade) {
    // The front took the client to the backend (`pipeUpgradeBun`): the server's connection is gone.
    hooks.upgrade = async (request) => namedProtocolOnly(request, unlessTakenElsewhere(await upgrade(request)));
  }
  const ws = bunAdapter({ hooks, idleTimeout, getNamespace: namespaceOf });
  const bun = options["bun"] as Record<string, unknown>;
  // Bound first, so a taken public port throws here, as Bun.serve would.
  const front = fronted ? listenBunFront(options.hostname, options.port, { maxConnections, maxMessageSize: bunWebSocket.maxPayloadLength }) : undefined;
  const build = (inner: InnerEndpoint | undefined) => srvxServe({
    ...options,
    ...(inner?.port === undefined ? {} : { hostname: inner.hostname, port: inner.port }),
    middleware: [
      (request, next) => {
        const server = request.runtime!.bun!.server as unknown as BunServer;
        if (front) {
          // Every request behind the front carries its stamp; one without came round it.
          const stamp = request.headers.get(stampHeader);
          const link = stamp === null ? undefined : linkOf(stamp);
          if (!link) return refusalResponse(403, "Not through the hub's front");
          request.headers.delete(stampHeader);
          (request.runtime!.bun as { front?: FrontLink }).front = link;
          Object.defineProperty(request, "ip", { enumerable: true, value: link.address });
        }
        // Bun has no connection cap: requests and WebSockets in progress are what it counts.
        if (server.pendingRequests + server.pendingWebSockets > maxConnections) return refusalResponse(503, `More than ${maxConnections} requests and WebSockets at once`);
        const refusal = malformedWebRequest(request);
        if (refusal) return refusal;
        if (isUpgrade(request)) return ws.handleUpgrade(request, server as never) as Promise<Response>;
        // The other half of an `Upgrade: h2c` offer: h3's proxy would forward it.
        if (request.headers.has("http2-settings")) request.headers.delete("http2-settings");
        return next();
      },
    ],
    bun: { ...bun, ...(inner?.unix === undefined ? {} : { unix: inner.unix, port: undefined, hostname: undefined }), websocket: { ...ws.websocket, message: markingCallbacks(ws.websocket.message), ...bunWebSocket } },
  }) as SrvxServer;
  const server = front ? frontedServer(build, front, options.hostname) : build(undefined);
  server.websocketNamespaces = () => ws.peers.size;
  return server;
}

/**
 * Bun's `server.upgrade` answers the first subprotocol the client offered when the hub names none,
 * where Node's and Deno's answer none: a WebSocket mock that speaks none of them (its `protocols`)
 * was answered one on a Bun hub only. An empty value, which Bun leaves out of the 101, says none.
 * (A proxied backend that chose none never gets here: the front pipes its own 101, and the relay's
 * Bun `WebSocket` fails that dial, "Missing client protocol": 502.)
 */
function namedProtocolOnly<T>(request: Request, outcome: T): T {
  if (!outcome || outcome instanceof Response || typeof outcome !== "object" || !request.headers.has("sec-websocket-protocol")) return outcome;
  const upgrade = outcome as { headers?: HeadersInit };
  const headers = new Headers(upgrade.headers);
  if (headers.has("sec-websocket-protocol")) return outcome;
  headers.set("sec-websocket-protocol", "");
  return { ...outcome, headers };
}

/** The srvx server behind the front, as the front's port shows it. */
function frontedServer(build: (inner: InnerEndpoint) => SrvxServer, front: BunFront, hostname: string): SrvxServer {
  const inner = innerEndpoint();
  const server = build(inner);
  return {
    async serve() {
      try {
        await server.serve();
      } catch (error) {
        void front.close();
        inner.release();
        throw error;
      }
      front.start(inner.unix === undefined ? { hostname: "127.0.0.1", port: portOf(server.url!) } : { unix: inner.unix });
    },
    ready: () => server.ready(),
    async close(closeAll) {
      // The server's last bytes (a teardown's close frames) still cross the copy: the front
      // stops taking connections first and ends the open ones only after the server closed.
      front.stopAccepting();
      try {
        await server.close(closeAll);
      } finally {
        await front.close();
        inner.release();
      }
    },
    get url() {
      return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${front.port}`;
    },
  };
}

export * from "../src/index.ts";
