/**
 * crossipc on Node.js: srvx's node:http server with crossws's `ws`-based WebSocket adapter.
 * On Node 20 (no global WebSocket) the client uses the `ws` that crossws bundles.
 */
import { serve } from "crossws/server/node";
import WebSocket from "crossws/websocket";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { assertRuntime, listenWith } from "./_listen.ts";
import { corkForTick } from "./_node-cork.ts";
import { pipeUpgradeNode } from "./_node-pipe.ts";
import { proxyHttpNode } from "./_node-proxy.ts";

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
  listen: (options) =>
    listenWith(serve, options, {
      // `ws` enforces the size limit itself (closing with 1009); crossws pings every
      // `idleTimeout` seconds and drops a peer that did not answer the previous ping.
      websocket: { node: { idleTimeout: options.idleTimeout, serverOptions: { maxPayload: options.maxMessageSize } } },
    }),
});

export * from "../src/index.ts";
