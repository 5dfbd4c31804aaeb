/**
 * The client side alone, for browser pages and bundlers (`crossipc/client`, and the `browser`
 * condition of `crossipc`): IPCClient, IPCSocket, the wire protocol and the errors (of IPCServer only its static
 * `defineRequest`), with no server, no crossws and nothing from `node:` in its module graph.
 *
 * It uses the global `WebSocket`. In a page the access token travels as `?token=` (browsers
 * cannot set headers on an upgrade) and the heartbeat is the app-level `__crossipc/ping`
 * request, both of which IPCClient already does everywhere.
 */
import { setDefaultPlatform } from "../src/platform.ts";
import type { WebSocketConstructor } from "../src/types.ts";

setDefaultPlatform({
  runtime: "web",
  get WebSocket(): WebSocketConstructor {
    // A constructor that throws (rather than a getter that does) makes `connect()` reject.
    return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? NoWebSocket;
  },
  listen() {
    return Promise.reject(new Error("crossipc/client has no server: import IPCServer from 'crossipc' in Node.js, Bun or Deno."));
  },
});

export * from "../src/client/_api.ts";
// Request definitions shared with a service (`IPCServer.defineRequest`) bundle for a page too.
export { IPCServer } from "./_browser-definitions.ts";

const NoWebSocket = class {
  constructor() {
    throw new Error("this runtime has no global WebSocket: import from 'crossipc' instead, or pass the WebSocket option");
  }
} as unknown as WebSocketConstructor;
