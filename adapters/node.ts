/**
 * crossipc on Node.js: srvx's node:http server with crossws's `ws`-based WebSocket adapter.
 * On Node 20 (no global WebSocket) the client uses the `ws` that crossws bundles.
 */
import nodeAdapter from "crossws/adapters/node";
import WebSocket from "crossws/websocket";
import { FastResponse, NodeRequest, serve as srvxServe } from "srvx/node";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { assertRuntime, listenWith, type ServeOptions, type SrvxServer } from "./_listen.ts";
import { corkForTick } from "./_node-cork.ts";
import { pipeUpgradeNode } from "./_node-pipe.ts";
import { proxyHttpNode } from "./_node-proxy.ts";
import { probeConnect, processEnv } from "./_probe.ts";

assertRuntime("node");

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
  proxyHttp: proxyHttpNode,
  batchWrite: corkForTick,
  pipeUpgrade: pipeUpgradeNode,
  // srvx's Node response: answered without building a Web Response (~4x faster than the global one).
  Response: FastResponse,
  env: processEnv,
  probeConnect,
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
      websocket: { node: { idleTimeout: options.idleTimeout, serverOptions: { maxPayload: options.maxMessageSize } } },
    }),
});

/**
 * `crossws/server/node`'s `serve`, rebuilt from `srvx/node` and `crossws/adapters/node` so that
 * closing the server also closes the WebSocket adapter: the adapter's idle-sweep interval is
 * only cleared by its own `close()`, which `crossws/server/node` never calls, and the interval
 * holds the whole server (~5 KB kept per start/teardown cycle).
 */
function serve({ websocket, ...options }: ServeOptions): SrvxServer {
  const { options: native, ...hooks } = websocket;
  const ws = nodeAdapter({ hooks, ...(native?.["node"] as object) });
  const server = srvxServe({
    ...options,
    plugins: [
      (srvx) => {
        const listen = srvx.serve;
        srvx.serve = () => {
          srvx.node?.server?.on("upgrade", (req, socket, head) => {
            // `upgrade` rides along in the request's `runtime.node`, where the TCP-pipe proxy finds the socket.
            const context = { req, upgrade: { socket, head } } as ConstructorParameters<typeof NodeRequest>[0];
            ws.handleUpgrade(req, socket, head, new NodeRequest(context));
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
  };
}

export * from "../src/index.ts";
