/** crossipc on Bun: `Bun.serve` through srvx, WebSockets through crossws's Bun adapter. */
import bunAdapter from "crossws/adapters/bun";
import WebSocket from "crossws/websocket";
import { serve as srvxServe } from "srvx/bun";
import { setPlatform, type WebSocketConstructor } from "../src/platform.ts";
import { probeConnect, processEnv } from "./_probe.ts";
import { assertRuntime, isUpgrade, listenWith, type ServeOptions, type SrvxServer } from "./_listen.ts";

assertRuntime("bun");

declare const Bun: { version: string };

/** Bun's own WebSocket options that crossipc sets (`Bun.serve({ websocket })`). */
interface BunWebSocketOptions {
  /** Seconds without traffic before Bun drops the peer; with `sendPings` it pings first. */
  idleTimeout: number;
  /** Bun closes a connection that sends a larger message with 1009 before it is handled. */
  maxPayloadLength: number;
  sendPings: boolean;
}

setPlatform({
  runtime: "bun",
  version: Bun.version,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  env: processEnv,
  probeConnect,
  // Bun drops the connection (RST, no head) when a body fails before its first byte. It prints
  // an Error it fails with to stderr, not `undefined`: the library prints nothing.
  resetConnection: () => new Response(new ReadableStream({ pull: (controller) => controller.error(undefined) })),
  listen: (options) =>
    listenWith(serve, options, {
      websocket: {
        bun: {
          // Bun's default would drop a WebSocket after 120 s of silence; it pings instead and
          // drops a peer that does not answer within `idleTimeout` seconds.
          idleTimeout: options.idleTimeout,
          maxPayloadLength: options.maxMessageSize,
          sendPings: true,
        } satisfies BunWebSocketOptions,
      },
      serve: {
        // 0: no HTTP idle timeout (Bun's 10 s default cuts slow proxied backends off), and no
        // body limit of its own on proxied uploads.
        bun: { idleTimeout: 0, maxRequestBodySize: Number.MAX_SAFE_INTEGER },
      },
    }),
});

/**
 * `crossws/server/bun`'s `serve`, rebuilt from `srvx/bun` and `crossws/adapters/bun`: its
 * plugin builds Bun's `websocket` handler itself and only passes `idleTimeout` through, so
 * there is no way to give Bun `maxPayloadLength` (Bun's own 16 MiB default would then win
 * over `maxMessageSize`).
 */
function serve({ websocket, ...options }: ServeOptions): SrvxServer {
  const { options: native, ...hooks } = websocket;
  const { idleTimeout, ...bunWebSocket } = native?.["bun"] as BunWebSocketOptions;
  const ws = bunAdapter({ hooks, idleTimeout });
  const bun = options["bun"] as Record<string, unknown>;
  return srvxServe({
    ...options,
    middleware: [(request, next) => (isUpgrade(request) ? (ws.handleUpgrade(request, request.runtime!.bun!.server) as Promise<Response>) : next())],
    bun: { ...bun, websocket: { ...ws.websocket, ...bunWebSocket } },
  }) as SrvxServer;
}

export * from "../src/index.ts";
