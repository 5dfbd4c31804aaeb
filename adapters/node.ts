/**
 * crossipc on Node.js: srvx's node:http server with crossws's `ws`-based WebSocket adapter.
 * On Node 20 (no global WebSocket) the client uses the `ws` that crossws bundles.
 */
import "./_only-node.ts"; // first: see there
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import nodeAdapter from "crossws/adapters/node";
import WebSocket from "crossws/websocket";
import { FastResponse, NodeRequest, serve as srvxServe } from "srvx/node";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { listenWith, namespaceOf, type ServeOptions, type SrvxServer } from "./_listen.ts";
import { machineNamesOs } from "./_machine-names.ts";
import { refuseAfterAnswersInProgress } from "./_node-client-error.ts";
import { countedAnswerNode } from "./_node-counted-answer.ts";
import { sizedAnswerNode } from "./_node-sized-answer.ts";
import { corkForTick } from "./_node-cork.ts";
import { directFramesNode } from "./_node-frames.ts";
import { sendTextNodeClient } from "./_node-client-frames.ts";
import { readUsualFrames } from "./_node-read-frames.ts";
import { pipeUpgradeNode } from "./_node-pipe.ts";
import { watchUpgradeClient } from "./_node-upgrade-leave.ts";
import { bytesReceivedNode, countBytesAsLife } from "./_node-liveness.ts";
import { boundPongs } from "./_node-pongs.ts";
import { PhrasedServerResponse } from "./_node-reason-phrase.ts";
import { upgradeRefusalNode } from "./_node-upgrade-refusal.ts";
import { nodeUpstream } from "./_node-proxy.ts";
import { probeConnect, processEnv } from "./_probe.ts";
import { bodyWithUpgrade, CONNECT_REFUSED, malformedRequest, refusalResponse } from "./_request-line.ts";

/**
 * `crossws/websocket` gives Node 22+'s global (undici) WebSocket, which measured ~20% slower than
 * `ws` for small frames (bench: RPC at 1 in flight, 0.81× vs 0.98× of the raw echo on Node 24).
 * Given an options argument it picks the `ws` it bundles, on every Node version: always pass one.
 */
class NodeWebSocket {
  constructor(url: string, protocols?: string | string[], options?: { headers?: Record<string, string> }) {
    return new (WebSocket as unknown as WebSocketConstructor)(url, protocols, options ?? {});
  }
}

setPlatform({
  runtime: "node",
  version: process.versions.node,
  WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
  // srvx pipes an IncomingMessage given as the body into the client's ServerResponse.
  proxyHttp: nodeUpstream((body, init) => new FastResponse(body as unknown as BodyInit, init)),
  proxyCopiesRequestBody: true,
  countedAnswer: countedAnswerNode,
  sizedAnswer: sizedAnswerNode,
  batchWrite: corkForTick,
  sendText: sendTextNodeClient,
  // The server's answers come unmasked; `ws` reads what this does not (./_node-read-frames.ts).
  readText: (ws, receive) => void readUsualFrames(ws as Parameters<typeof readUsualFrames>[0], receive, "server"),
  directFrames: directFramesNode,
  pipeUpgrade: pipeUpgradeNode,
  bytesReceived: bytesReceivedNode,
  // srvx's Node response: answered without building a Web Response (~4x faster than the global one).
  Response: FastResponse,
  env: processEnv,
  probeConnect,
  machineNames: machineNamesOs,
  resetConnection(request) {
    // RST rather than FIN where Node has it (20.19 does): what a crashed peer looks like.
    const socket = (request as { runtime?: { node?: { req?: { socket?: { resetAndDestroy?(): void; destroy(): void } } } } }).runtime?.node?.req?.socket;
    if (socket?.resetAndDestroy) socket.resetAndDestroy();
    else socket?.destroy();
    // Written to a destroyed socket: nobody reads it.
    return new FastResponse(null);
  },
  listen: (options) =>
    listenWith(serve, options, {
      // `ws` enforces the size limit itself (closing with 1009); crossws pings every
      // `idleTimeout` seconds and drops a peer that did not answer the previous ping.
      websocket: {
        node: {
          idleTimeout: options.idleTimeout,
          serverOptions: { maxPayload: options.maxMessageSize },
          maxConnections: options.maxConnections,
          keepAliveTimeout: options.keepAliveTimeout,
          // What a client may leave unread of the pongs `ws` sends it (`_node-pongs.ts`): the core's
          // slow-consumer limit plus one message, as Bun.serve's backpressureLimit.
          maxUnread: options.maxBufferedAmount + options.maxMessageSize,
        },
      },
    }),
});

/**
 * `crossws/server/node`'s `serve`, rebuilt from `srvx/node` and `crossws/adapters/node` so that
 * closing the server also closes the WebSocket adapter: the adapter's idle-sweep interval is
 * only cleared by its own `close()`, which `crossws/server/node` never calls, and the interval
 * holds the whole server (~5 KB kept per start/teardown cycle).
 */
function serve({ websocket, fetch, ...options }: ServeOptions): SrvxServer {
  const { options: native, ...hooks } = websocket;
  const { maxConnections, keepAliveTimeout, maxUnread, ...nodeWebSocket } = native?.["node"] as { maxConnections: number; keepAliveTimeout?: number; maxUnread: number };
  // Each upgrade's watch on its client (see `watchUpgradeClient`), ended once the upgrade is decided.
  const watching = new WeakMap<Request, () => void>();
  const upgrade = hooks.upgrade;
  if (upgrade) {
    hooks.upgrade = async (request) => {
      try {
        const outcome = await upgrade(request);
        // The client left while the upgrade waited (a held fault let go, a mock's late 504): nothing to write to.
        const socket = (request as { runtime?: { node?: { upgrade?: { socket: Duplex } } } }).runtime?.node?.upgrade?.socket;
        if (!(outcome instanceof Response)) return outcome;
        // A refusal: crossws writes it by hand (`_node-upgrade-refusal.ts`).
        return socket?.destroyed ? { handled: true } : await upgradeRefusalNode(outcome);
      } finally {
        watching.get(request)?.();
      }
    };
  }
  const open = hooks.open;
  hooks.open = (peer) => {
    countBytesAsLife(peer);
    boundPongs(peer, maxUnread);
    return open?.(peer);
  };
  const ws = nodeAdapter({ hooks, getNamespace: namespaceOf, ...nodeWebSocket });
  const server = srvxServe({
    ...options,
    fetch: (request) => {
      const req = (request as { runtime?: { node?: { req: IncomingMessage } } }).runtime!.node!.req;
      const refusal = malformedRequest(req.headers.host, req.url!, isAbsoluteForm(req.url!));
      return refusal ? refusalResponse(refusal.status, refusal.error) : fetch(request);
    },
    // Two Host headers arrive as `a, b`, which `malformedRequest` refuses (Node keeps the first).
    // Its status lines carry the standard reason phrase, as Bun's and Deno's do (`_node-reason-phrase.ts`).
    node: { joinDuplicateHeaders: true, ServerResponse: PhrasedServerResponse },
    plugins: [
      (srvx) => {
        const listen = srvx.serve;
        srvx.serve = () => {
          const http = srvx.node!.server as Server;
          // Past it Node closes new connections as they arrive; idle keep-alive ones go after
          // Node's own `keepAliveTimeout` (5 s), and accept errors (EMFILE) are retried by Node.
          http.maxConnections = maxConnections;
          if (keepAliveTimeout !== undefined) http.keepAliveTimeout = keepAliveTimeout * 1000;
          refuseAfterAnswersInProgress(http);
          // Node hands a CONNECT only to a `connect` listener, and without one closed the connection unanswered.
          http.on("connect", (_req, socket) => {
            socket.on("error", ignore);
            refuseSocket(socket, 400, CONNECT_REFUSED);
          });
          http.on("upgrade", (req, socket, head) => {
            // An upgrade answered late (a fault's let-go timeout, a mock's 504) is written to the raw
            // socket after its client may have left: that EPIPE must not be an uncaught error that
            // ends the hub. `ws` adds its own listener once the socket is a WebSocket.
            socket.on("error", ignore);
            const refusal = malformedRequest(req.headers.host, req.url!, isAbsoluteForm(req.url!));
            if (refusal) return refuseSocket(socket, refusal.status, refusal.error);
            if (req.method !== "GET" || req.headers.upgrade?.toLowerCase() !== "websocket") return ordinaryRequest(http, req, socket, head);
            // A WebSocket handshake has no body (RFC 6455 §4.1); one declared was piped to the
            // backend as if it were frames. 400, as the Bun and Deno fronts answer
            // (`_http1-request-stream.ts`). What follows the head undeclared may be the client's
            // first frames, sent before the 101.
            if (declaresBody(req)) return refuseSocket(socket, 400, bodyWithUpgrade(req.method!));
            // `upgrade` rides along in the request's `runtime.node`, where the TCP-pipe proxy finds the socket.
            const context = { req, upgrade: { socket, head } } as ConstructorParameters<typeof NodeRequest>[0];
            const request = new NodeRequest(context);
            watching.set(request, watchUpgradeClient(request, socket));
            ws.handleUpgrade(req, socket, head, request);
          });
          return listen.call(srvx);
        };
      },
    ],
  });
  return {
    serve: () => server.serve(),
    ready: () => server.ready(),
    close: async (closeAll) => {
      await ws.close();
      await server.close(closeAll);
    },
    get url() {
      return server.url;
    },
    websocketNamespaces: () => ws.peers.size,
  };
}

/**
 * Node hands every request with `Connection: upgrade` to the `upgrade` listener, whatever the
 * method or protocol, and skips its body. Only a GET asking for a WebSocket upgrades; anything
 * else (`Upgrade: h2c` from curl, a POST naming websocket) is answered as the ordinary request it
 * also is (the proxy drops `Upgrade` and `HTTP2-Settings`), unless it has a body Node did not
 * read: that is refused rather than lost.
 */
function ordinaryRequest(http: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  if (declaresBody(req) || head.length) return refuseSocket(socket, 400, bodyWithUpgrade(req.method!));
  const res = new PhrasedServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once("finish", () => socket.end());
  req.push(null);
  http.emit("request", req, res);
}

function declaresBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0";
}

function isAbsoluteForm(target: string): boolean {
  return target[0] !== "/" && target !== "*";
}

function refuseSocket(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(`HTTP/1.1 ${status} ${status === 414 ? "URI Too Long" : "Bad Request"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export * from "../src/index.ts";

function ignore(): void {}
