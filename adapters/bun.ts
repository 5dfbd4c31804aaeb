/** crossipc on Bun: `Bun.serve` through srvx and crossws. */
import { serve } from "crossws/server/bun";
import WebSocket from "crossws/websocket";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { assertRuntime, listenWith } from "./_listen.ts";

assertRuntime("bun");

setPlatform({
  runtime: "bun",
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  listen: (options) =>
    listenWith(serve, options, {
      // Bun's defaults would close an idle WebSocket after 120 s and an idle HTTP request
      // after 10 s (a slow proxied backend). Pings keep WebSockets alive; a peer that does not
      // answer within `idleTimeout` seconds is dropped.
      websocket: { bun: { idleTimeout: options.idleTimeout } },
      serve: { bun: { idleTimeout: 0, websocket: undefined, maxRequestBodySize: Number.MAX_SAFE_INTEGER } },
    }),
});

export * from "../src/index.ts";
