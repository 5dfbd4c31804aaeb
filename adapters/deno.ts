/** crossipc on Deno: `Deno.serve` through srvx and crossws. */
import { serve } from "crossws/server/deno";
import WebSocket from "crossws/websocket";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { setTimerUnref } from "../src/_timers.ts";
import { assertRuntime, listenWith } from "./_listen.ts";

assertRuntime("deno");

declare const Deno: { unrefTimer(id: number): void };
setTimerUnref((id) => Deno.unrefTimer(id));

setPlatform({
  runtime: "deno",
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  listen: (options) =>
    listenWith(serve, options, {
      // Deno pings and drops a peer that does not answer within `idleTimeout` seconds.
      // Deno has no message size limit: the core checks it in the message hook.
      websocket: { deno: { idleTimeout: options.idleTimeout } },
    }),
});

export * from "../src/index.ts";
