import type { Listener, ListenOptions } from "../src/platform.ts";

/** The part of a srvx server (as crossws's `serve` returns it) that crossipc uses. */
export interface SrvxServer {
  serve(): unknown;
  ready(): Promise<unknown>;
  close(closeAll?: boolean): Promise<void>;
  readonly url?: string;
}

export type ServeFunction = (options: any) => SrvxServer;

/**
 * Listens with a runtime's crossws `serve`, the same way on every runtime: nothing printed,
 * no signal handlers, no `PORT`/`HOST` from the environment, never `reusePort` (two
 * processes could then both bind one port and both become leader). A taken port resolves
 * `false`, however the runtime reports it.
 */
export async function listenWith(serve: ServeFunction, options: ListenOptions, runtime: Record<string, unknown>): Promise<Listener | false> {
  let server: SrvxServer;
  try {
    server = serve({
      port: options.port,
      hostname: options.hostname,
      fetch: options.fetch,
      websocket: { ...options.websocket, options: runtime["websocket"] },
      silent: true,
      gracefulShutdown: false,
      manual: true,
      ...(runtime["serve"] as object),
    });
    await server.serve();
    await server.ready();
  } catch (error) {
    if (isAddressInUse(error)) return false;
    throw error;
  }
  const port = Number(new URL(server.url!).port);
  return { port, close: () => server.close(true) };
}

/** Node rejects with `code: "EADDRINUSE"`, Bun throws it, Deno throws `Deno.errors.AddrInUse`. */
export function isAddressInUse(error: unknown): boolean {
  const e = error as { code?: string; name?: string; message?: string } | undefined;
  return e?.code === "EADDRINUSE" || e?.name === "AddrInUse" || /address already in use|EADDRINUSE|port \d+ in use/i.test(e?.message ?? "");
}

/** Fails clearly when an explicit runtime entry is loaded in another runtime. */
export function assertRuntime(expected: "node" | "bun" | "deno"): void {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  const actual = g.Deno ? "deno" : g.Bun ? "bun" : "node";
  if (actual !== expected) {
    throw new Error(`crossipc/${expected} was loaded in ${actual}: import 'crossipc' (it picks the runtime) or 'crossipc/${actual}'.`);
  }
}
