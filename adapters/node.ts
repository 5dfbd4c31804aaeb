/**
 * crossipc on Node.js: srvx's node:http server with crossws's `ws`-based WebSocket adapter.
 * On Node 20 (no global WebSocket) the client uses the `ws` that crossws bundles.
 */
import { serve } from "crossws/server/node";
import WebSocket from "crossws/websocket";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { assertRuntime, listenWith } from "./_listen.ts";
import { proxyHttpNode } from "./_node-proxy.ts";

assertRuntime("node");

setPlatform({
  runtime: "node",
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  proxyHttp: proxyHttpNode,
  listen: (options) =>
    listenWith(serve, options, {
      // `ws` enforces the size limit itself (closing with 1009); crossws pings every
      // `idleTimeout` seconds and drops a peer that did not answer the previous ping.
      websocket: { node: { idleTimeout: options.idleTimeout, serverOptions: { maxPayload: options.maxMessageSize } } },
    }),
});

export * from "../src/index.ts";
