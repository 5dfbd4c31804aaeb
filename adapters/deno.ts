/** crossipc on Deno: `Deno.serve` through srvx and crossws. */
import type { Hooks, Peer } from "crossws";
import { serve as crosswsServe } from "crossws/server/deno";
import WebSocket from "crossws/websocket";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { setTimerUnref } from "../src/_timers.ts";
import { proxyHttpFetch } from "./_fetch-proxy.ts";
import { assertRuntime, listenWith, type ServeOptions, type SrvxServer } from "./_listen.ts";

assertRuntime("deno");

declare const Deno: { unrefTimer(id: number): void; version: { deno: string } };
setTimerUnref((id) => Deno.unrefTimer(id));

setPlatform({
  runtime: "deno",
  version: Deno.version.deno,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  proxyHttp: proxyHttpFetch,
  listen: (options) =>
    listenWith(serve, options, {
      // Deno pings and drops a peer that does not answer within `idleTimeout` seconds
      // (its default is 30). Deno has no message size limit: the core checks it in the message hook.
      websocket: { deno: { idleTimeout: options.idleTimeout } },
    }),
});

/** `crossws/server/deno`'s `serve`, with the fixes below applied to the fetch handler and the hooks. */
function serve({ fetch, websocket, ...options }: ServeOptions): SrvxServer {
  return crosswsServe({
    ...options,
    fetch: (request: Request) => fetch(withQuietSignal(request)),
    websocket: denoHooks(websocket),
  } as Parameters<typeof crosswsServe>[0]) as SrvxServer;
}

/**
 * Reading `request.signal` inside `Deno.serve` prints a "legacy abort" warning to stderr
 * (h3's `proxyRequest` reads it). The request gets a signal of its own instead, aborted when
 * the client goes away before the response is delivered: what `signal` is meant to say.
 */
function withQuietSignal(request: Request): Request {
  const info = (request as { runtime?: { deno?: { info?: { completed?: Promise<void> } } } }).runtime?.deno?.info;
  const controller = new AbortController();
  info?.completed?.catch((error: unknown) => controller.abort(error));
  Object.defineProperty(request, "signal", { value: controller.signal, configurable: true });
  return request;
}

/**
 * crossws's Deno adapter, corrected where Deno differs:
 * - `Deno.upgradeWebSocket` splits `Sec-WebSocket-Protocol` only on `", "`, so the offers of a
 *   `ws` client (joined with `","`) never match the protocol the upgrade hook chose: 500.
 * - the adapter passes `{}` to the `close` hook, losing the close code and reason a proxied
 *   backend must get: they are read from the socket's own `close` event.
 * - binary messages must arrive as `ArrayBuffer` to be relayed; Deno 2.9's server sockets
 *   default to it, but the WHATWG default (and Deno's client sockets') is `Blob`: set it.
 */
function denoHooks(hooks: Partial<Hooks> & { options?: Record<string, any> }): Partial<Hooks> {
  const relayed = new WeakSet<Peer>();
  return {
    ...hooks,
    upgrade(request) {
      normaliseProtocolOffers(request);
      return hooks.upgrade?.(request);
    },
    open(peer) {
      const ws = peer.websocket as WebSocket;
      ws.binaryType = "arraybuffer";
      relayed.add(peer);
      ws.addEventListener("close", (event) => hooks.close?.(peer, { code: event.code, reason: event.reason }));
      return hooks.open?.(peer);
    },
    close(peer, details) {
      // After `open` the socket's own listener reports the close, with its code.
      if (!relayed.has(peer)) return hooks.close?.(peer, details);
    },
  };
}

/**
 * Rejoins `a,b` (how `ws` clients send their offers) as `a, b`. The request's own headers are
 * immutable in `Deno.serve`, and `Deno.upgradeWebSocket` needs this very request, so the
 * `headers` it reads are replaced on the instance.
 */
function normaliseProtocolOffers(request: Request): void {
  const offered = request.headers.get("sec-websocket-protocol");
  if (!offered || !/,(?! )/.test(offered)) return;
  const headers = new Headers(request.headers);
  headers.set("sec-websocket-protocol", offered.split(",").map((p) => p.trim()).filter(Boolean).join(", "));
  Object.defineProperty(request, "headers", { value: headers, configurable: true });
}

export * from "../src/index.ts";
