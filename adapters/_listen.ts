import type { Hooks } from "crossws";
import type { Listener, ListenOptions } from "../src/platform.ts";

/** The part of a srvx server (as crossws's `serve` returns it) that crossipc uses. */
export interface SrvxServer {
  serve(): unknown;
  ready(): Promise<unknown>;
  close(closeAll?: boolean): Promise<void>;
  readonly url?: string;
  /** How many namespaces crossws's adapter holds (see `namespaceOf`). */
  websocketNamespaces?(): number;
}

/** The srvx options `listenWith` builds, plus crossws's `websocket` (hooks and per-runtime options). */
export interface ServeOptions {
  port: number;
  hostname: string;
  fetch: (request: Request) => Response | Promise<Response>;
  websocket: Partial<Hooks> & { options?: Record<string, any> };
  silent: true;
  gracefulShutdown: false;
  manual: true;
  [runtimeKey: string]: unknown;
}

/** crossws's `serve` for one runtime (`crossws/server/node`…), or an adapter's own equivalent. */
export type ServeFunction = (options: ServeOptions) => SrvxServer;

/** What differs per runtime: crossws adapter options and srvx options. */
export interface RuntimeServeOptions {
  /** crossws's per-runtime adapter options (`websocket.options`), e.g. `{ node: { serverOptions } }`. */
  websocket?: Record<string, unknown>;
  /** srvx options merged last, e.g. `{ bun: { idleTimeout: 0 } }`. */
  serve?: Record<string, unknown>;
}

/**
 * Listens with a runtime's crossws `serve`, the same way on every runtime: nothing printed,
 * no signal handlers, no `PORT`/`HOST` from the environment, never `reusePort` (two
 * processes could then both bind one port and both become leader). A taken port resolves
 * `false`, however the runtime reports it.
 */
export async function listenWith(serve: ServeFunction, options: ListenOptions, runtime: RuntimeServeOptions = {}): Promise<Listener | false> {
  let server: SrvxServer;
  try {
    server = serve({
      port: options.port,
      hostname: options.hostname,
      fetch: options.fetch,
      websocket: { ...options.websocket, options: runtime.websocket },
      silent: true,
      gracefulShutdown: false,
      manual: true,
      resettable: options.resettable,
      ...runtime.serve,
    });
    await server.serve();
    await server.ready();
  } catch (error) {
    if (isAddressInUse(error)) return false;
    throw error;
  }
  return { port: portOf(server.url!), close: () => server.close(true), websocketNamespaces: () => server.websocketNamespaces?.() };
}

/** The port in a server's URL: a URL leaves out its scheme's default port (`http://127.0.0.1/` is port 80). */
export function portOf(url: string): number {
  const parsed = new URL(url);
  return parsed.port === "" ? (parsed.protocol === "https:" ? 443 : 80) : Number(parsed.port);
}

/** Node rejects with `code: "EADDRINUSE"`, Bun throws it, Deno throws `Deno.errors.AddrInUse`. */
export function isAddressInUse(error: unknown): boolean {
  const e = error as { code?: string; name?: string; message?: string } | undefined;
  return e?.code === "EADDRINUSE" || e?.name === "AddrInUse" || /address already in use|EADDRINUSE|port \d+ in use/i.test(e?.message ?? "");
}

/**
 * True when the request asks for a WebSocket upgrade. Only a GET may (RFC 6455 §4.1): Bun took a
 * POST with `Upgrade: websocket` as one and lost its body; it is an ordinary request.
 */
export function isUpgrade(request: Request): boolean {
  return request.method === "GET" && request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/**
 * The upgrade hook's outcome for crossws's Bun and Deno adapters, which ignore `{ handled: true }`
 * (the hub's pipe took the client elsewhere, or `gone`: the client left meanwhile) and would
 * upgrade a connection that is not theirs any more: an answer that goes nowhere instead.
 */
export function unlessTakenElsewhere<T>(outcome: T, gone = false): T | Response {
  const handled = typeof outcome === "object" && outcome !== null && "handled" in outcome && outcome.handled === true;
  return handled || gone ? new Response(null, { status: 204 }) : outcome;
}

/**
 * crossws's `getNamespace`: one for every WebSocket. crossipc publishes nothing, so the namespace
 * is unused; but crossws keeps a set of peers per namespace for good, and its default (the URL's
 * path) left one behind for every path a WebSocket was ever opened at (the soak: ~300 B per
 * distinct path on a Node hub, never freed). Not read off the request either: by default crossws
 * runs `new URL(request.url)` before the upgrade hook, and Bun and Deno build that URL from
 * `Host`: a Host such as `localhost:80:80` threw there, a 500 (and a stack trace on a Bun hub's
 * stderr) where the hook's own check answers 400.
 */
export function namespaceOf(_request: Request): string {
  return "crossipc";
}
