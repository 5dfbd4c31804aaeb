/**
 * crossipc on Deno: `Deno.serve` with crossws's Deno adapter.
 *
 * Not through srvx (nor h3, which imports it): srvx's modules check for colour support when
 * they load, reading `TERM`, and Deno refuses that read without `--allow-env`, so importing
 * crossipc would die in a terminal where `NO_COLOR` is not set ("NotCapable: Requires env
 * access to \"TERM\""). A client or server on loopback needs only `--allow-net`.
 */
import type { Hooks, Peer } from "crossws";
import denoAdapter from "crossws/adapters/deno";
import WebSocket from "crossws/websocket";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { setTimerUnref } from "../src/_timers.ts";
import { proxyHttpFetch } from "./_fetch-proxy.ts";
import { assertRuntime, isUpgrade, listenWith, type ServeOptions, type SrvxServer } from "./_listen.ts";
import { probeConnect } from "./_probe.ts";
import { clientAddress, listenFront, resetByInnerPort, type TcpFront } from "./_deno-front.ts";

assertRuntime("deno");

/** The part of the `Deno` namespace used here (the package's types must not need Deno's). */
interface ServeHandlerInfo {
  remoteAddr?: { hostname: string; port: number };
  completed?: Promise<void>;
}
interface DenoServer {
  shutdown(): Promise<void>;
}
declare const Deno: {
  unrefTimer(id: number): void;
  serve(
    options: {
      port: number;
      hostname: string;
      onListen(addr: { hostname: string; port: number }): void;
      onError(error: unknown): Response;
    },
    handler: (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>,
  ): DenoServer;
  permissions: { querySync(descriptor: { name: "env"; variable: string }): { state: string } };
  env: { get(name: string): string | undefined };
  version: { deno: string };
};
setTimerUnref((id) => Deno.unrefTimer(id));

setPlatform({
  runtime: "deno",
  version: Deno.version.deno,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  proxyHttp: proxyHttpFetch,
  // Without `--allow-env`, reading would throw (or prompt in a terminal): ask first, silently.
  env: (name) => (Deno.permissions.querySync({ name: "env", variable: name }).state === "granted" ? Deno.env.get(name) : undefined),
  probeConnect,
  resetConnection(request) {
    const info = (request as { runtime?: { deno?: { info?: ServeHandlerInfo } } }).runtime?.deno?.info;
    // Not behind the TCP front (`resettableConnections` off): Deno.serve cannot drop the
    // connection, and the core falls back to a body that fails after the head.
    return resetByInnerPort(info?.remoteAddr?.port) ? new Response(null) : undefined;
  },
  listen: (options) =>
    listenWith(serve, options, {
      // Deno pings and drops a peer that does not answer within `idleTimeout` seconds
      // (its default is 30). Deno has no message size limit: the core checks it in the message hook.
      websocket: { deno: { idleTimeout: options.idleTimeout } },
    }),
});

/**
 * What `crossws/server/deno` does over srvx, on `Deno.serve` itself (see the top of the file),
 * with the fixes below applied to the fetch handler and the hooks. Like srvx with crossipc's
 * options: prints nothing (Deno's own "Listening on" and error logs are replaced), no signal
 * handlers, and the request carries `runtime.deno` and `ip` as srvx's requests do.
 */
function serve({ port, hostname, fetch, websocket, resettable }: ServeOptions): SrvxServer {
  const { options: native, ...hooks } = websocket;
  const ws = denoAdapter({ hooks: denoHooks(hooks), ...(native?.["deno"] as object) });
  let server: DenoServer | undefined;
  let listening: Promise<{ hostname: string; port: number }> | undefined;
  let url: string | undefined;
  // Bound first, so a taken public port throws here, as Deno.serve would.
  const front: TcpFront | undefined = resettable ? listenFront(hostname, port) : undefined;
  const handler = (request: Request, info: ServeHandlerInfo) => {
    Object.defineProperties(request, {
      runtime: { enumerable: true, value: { name: "deno", deno: { info, server } } },
      ip: { enumerable: true, configurable: true, get: () => (front ? clientAddress(info.remoteAddr?.port) : info.remoteAddr)?.hostname },
    });
    return isUpgrade(request) ? ws.handleUpgrade(request, info) : fetch(withQuietSignal(request, info));
  };
  return {
    serve() {
      listening ??= new Promise((resolve) => {
        server = Deno.serve(
          {
            port: front ? 0 : port,
            hostname: front ? "127.0.0.1" : hostname,
            onListen: (addr) => {
              if (front) {
                front.start(addr.port);
                addr = { hostname, port: front.port };
              }
              url = `http://${addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname}:${addr.port}`;
              resolve(addr);
            },
            onError: () => new Response("Internal Server Error", { status: 500 }),
          },
          handler,
        );
      });
      return listening;
    },
    ready: () => listening ?? Promise.reject(new Error("not serving")),
    close: async () => {
      front?.close();
      await server?.shutdown();
    },
    get url() {
      return url;
    },
  };
}

/**
 * Reading `request.signal` inside `Deno.serve` prints a "legacy abort" warning to stderr
 * (h3's `proxyRequest` reads it). The request gets a signal of its own instead, aborted when
 * the client goes away before the response is delivered: what `signal` is meant to say.
 */
function withQuietSignal(request: Request, info: ServeHandlerInfo): Request {
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
