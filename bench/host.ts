/**
 * The server side of the bench, one process per runtime (Node, Bun, Deno alike):
 *   raw      the runtime's raw WebSocket echo (the limit)
 *   crossipc an IPCServer with the bench's handlers, intercept route and proxy resolver
 *   crossipc-nojournal  the same IPCServer with `{ journal: false }` (the journal family)
 *   crossipc-faults     the same IPCServer with 100 faults on other routes (the faults family)
 *   mocks-hub, scopes-one, scopes-many  bare IPCServers whose mocks another host process adds
 *                       with the `mock` command (the mocks family)
 *   replay, replay-local  a 10,000-entry HAR replayed / the same answers as intercept routes (replay family)
 *   record   the same IPCServer recording with bodies, as `--record` does (the replay family)
 *   record-flood  an IPCServer recording bodies in a ring of 16 × 1 MiB (the replay family's memory line)
 *   mocker   no server: takes the `mock` command (connectMocks to another host's hub)
 *   orig     the original design (Node only)
 *   peer     http-proxy with a keep-alive agent (Node only)
 *   ref      the reference framework server of the "apart" cases (Node only, see _reference.ts)
 *   crossws  diagnostic: crossws alone with an echo hook
 *   ladder   the server rungs of the layers family (bench/_ladder.ts), one per URL path
 * Usage: host.ts --roles raw,crossipc --backend http://127.0.0.1:PORT
 * Prints `@@{"ready":{role:port}}`, then takes commands on stdin (see `commands` below).
 */
import process from "node:process";
import type { LoadResult } from "./_load.ts";
import { promiseLoop } from "./_load.ts";
import { startRawServer, type RawServer } from "./_raw.ts";
import { emit, memory, payloadFor, runtime, runtimeVersion, serveCommands, type PayloadSize } from "./_rt.ts";
import { RECORD_FLOOD } from "./_family.ts";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const roles = new Set((arg("roles") ?? "raw,crossipc").split(",").filter(Boolean));
const backend = arg("backend") ?? "http://127.0.0.1:1";
const resolver = (path: string) => (path.startsWith("/api") || path.startsWith("/ws") ? backend : undefined);

const ports: Record<string, number> = {};
const closers: Array<() => Promise<void>> = [];
let raw: RawServer | undefined;
let crossipc: any;
let orig: any;

const echo = (payload: unknown) => payload;
const intercept = (_body: unknown, params: Record<string, string | undefined>) => ({ id: params["id"], name: "Mock User" });

if (roles.has("raw")) {
  raw = await startRawServer();
  ports["raw"] = raw.port;
  closers.push(() => raw!.close());
}

/** An IPCServer with the bench's handlers, intercept route and proxy resolver. */
async function startCrossipc(options: Record<string, unknown>): Promise<any> {
  const m = await import(`../adapters/${runtime()}.ts`);
  const server = new m.IPCServer(0, options);
  if (!(await server.start())) throw new Error("crossipc: start() returned false on port 0");
  server.onFrameworkMessage("echo", echo);
  server.onFrameworkMessage("flush", () => true);
  server.onFrameworkNotification("note", () => {});
  server.interceptHttp("GET", "/users/:id", intercept);
  server.setRouteProxyResolver(resolver);
  closers.push(() => server.teardown());
  return server;
}

if (roles.has("crossipc")) {
  crossipc = await startCrossipc({});
  ports["crossipc"] = crossipc.getPort();
}

if (roles.has("crossipc-nojournal")) {
  ports["crossipc-nojournal"] = (await startCrossipc({ journal: false })).getPort();
}

if (roles.has("crossipc-faults")) {
  const server = await startCrossipc({});
  for (let i = 0; i < 100; i++) server.fault({ method: "GET", path: `/elsewhere/${i}/:id` }, { status: 503 });
  ports["crossipc-faults"] = server.getPort();
}

for (const role of ["mocks-hub", "scopes-one", "scopes-many"]) {
  if (roles.has(role)) ports[role] = (await startCrossipc({})).getPort();
}

/** Replay family: GET /items/N answered by a recording of 10,000 entries, or by an intercept route. */
const REPLAY_ENTRIES = 10_000;
const itemBody = (n: string | undefined) => JSON.stringify({ id: n, name: "Mock User" });
if (roles.has("replay")) {
  const server = await startCrossipc({});
  server.replay(replayHar(REPLAY_ENTRIES));
  ports["replay"] = server.getPort();
}
if (roles.has("replay-local")) {
  const server = await startCrossipc({});
  // The same JSON the recording answers with.
  server.interceptHttp("GET", "/items/:n", (_body: unknown, params: Record<string, string | undefined>) => ({ id: params["n"], name: "Mock User" }));
  ports["replay-local"] = server.getPort();
}
if (roles.has("record")) {
  // What `crossipc hub --record` sets: bodies on, 1,000 entries, 10 MiB per body.
  ports["record"] = (await startCrossipc({ journal: { size: 1000, bodies: true, maxBodySize: 10 * 2 ** 20 } })).getPort();
}

if (roles.has("record-flood")) {
  // The recording's memory bound: a small ring of 1 MiB bodies (the replay family floods it).
  ports["record-flood"] = (await startCrossipc({ journal: { size: RECORD_FLOOD.size, bodies: true, maxBodySize: RECORD_FLOOD.maxBody } })).getPort();
}

function replayHar(count: number): unknown {
  const entries = [];
  for (let i = 0; i < count; i++) {
    const text = itemBody(String(i));
    entries.push({
      startedDateTime: new Date(0).toISOString(),
      time: 1,
      request: { method: "GET", url: `http://127.0.0.1/items/${i}`, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: {
        status: 200,
        statusText: "OK",
        httpVersion: "HTTP/1.1",
        cookies: [],
        headers: [{ name: "content-type", value: "application/json" }],
        content: { size: text.length, mimeType: "application/json", text },
        redirectURL: "",
        headersSize: -1,
        bodySize: text.length,
      },
      cache: {},
      timings: { send: 0, wait: 1, receive: 0 },
    });
  }
  return { log: { version: "1.2", creator: { name: "crossipc bench", version: "0" }, entries } };
}

/** The mocker role: connections to another process's hub, kept open while the bench runs. */
const mockConnections: any[] = [];
async function addMocks(port: number, scopes: number, rules: number): Promise<number> {
  const m = await import(`../adapters/${runtime()}.ts`);
  const mocks = await m.connectMocks(port);
  mockConnections.push(mocks);
  const handler = (_body: unknown, params: Record<string, string | undefined>) => ({ id: params["id"], name: "Mock User" });
  if (scopes === 0) {
    await mocks.intercept("GET", "/users/:id", handler);
    return 1;
  }
  // Scope i has id `bench-scope-i` and the same `rules` routes as every other scope (parallel tests
  // mocking the same service), added in batches so that 10,000 rules take seconds, not minutes.
  for (let i = 0; i < scopes; i++) {
    const scope = mocks.scope(`bench-scope-${i}`);
    await Promise.all(Array.from({ length: rules }, (_, j) => scope.intercept("GET", `/scoped/r${j}/:id`, handler)));
  }
  return scopes * rules;
}

if (roles.has("orig") || roles.has("peer")) {
  const original = await import("./_original.ts");
  if (roles.has("orig")) {
    orig = new original.OriginalServer();
    orig.onFrameworkMessage("echo", echo);
    orig.onFrameworkMessage("flush", () => true);
    orig.onFrameworkNotification("note", () => {});
    orig.interceptHttp("GET", "/users/:id", intercept);
    orig.setRouteProxyResolver(resolver);
    await orig.start();
    ports["orig"] = orig.port;
    closers.push(() => orig.teardown());
  }
  if (roles.has("peer")) {
    const peer = await original.startKeepAliveProxy(resolver);
    ports["peer"] = peer.port;
    closers.push(() => peer.close());
  }
}

if (roles.has("ref")) {
  const { startReferenceServer } = await import("./_reference.ts");
  const ref = await startReferenceServer();
  ports["ref"] = ref.port;
  closers.push(() => ref.close());
}

/** crossws alone on its server for this runtime (default options) with `hooks`; records the role's port. */
async function startCrossws(role: string, hooks: object): Promise<void> {
  const { serve } = await import(`crossws/server/${runtime()}`);
  const server = serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => new Response("not found", { status: 404 }),
    websocket: hooks,
    silent: true,
    gracefulShutdown: false,
    manual: true,
  });
  await server.serve();
  await server.ready();
  ports[role] = Number(new URL(server.url).port);
  closers.push(() => server.close(true));
}

if (roles.has("crossws")) {
  // Diagnostic: crossws alone with an echo hook, to tell its per-connection cost from crossipc's
  // in the memory case and its per-message cost in the RPC case.
  await startCrossws("crossws", { message: (peer: { send(d: unknown): void }, message: { rawData: unknown }) => peer.send(message.rawData) });
}

if (roles.has("ladder")) {
  // The server rungs of the layers family (bench/_ladder.ts).
  const { ladderHooks } = await import("./_ladder.ts");
  await startCrossws("ladder", ladderHooks());
}

async function s2c(kind: string, inflight: number, size: PayloadSize, ms: number): Promise<LoadResult> {
  const payload = payloadFor(size);
  if (kind === "raw") return raw!.s2c(inflight, JSON.stringify(payload), ms);
  const server = kind === "orig" ? orig : crossipc;
  return promiseLoop(() => server.sendFrameworkMessage("bench", "echo", payload), inflight, ms);
}

serveCommands(async (command) => {
  switch (command.op) {
    case "s2c":
      return s2c(command.kind, command.inflight, command.size, command.ms);
    case "mem":
      return memory();
    case "mock":
      return addMocks(command.port, command.scopes, command.rules);
    case "cpu": {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    }
    case "exit":
      for (const mocks of mockConnections) await mocks.close().catch(() => {});
      for (const close of closers) await close().catch(() => {});
      // process.exit (not a signal) so that --cpu-prof writes its profile.
      setTimeout(() => process.exit(0), 20);
      return "bye";
    default:
      throw new Error(`unknown op ${command.op}`);
  }
});
emit({ ready: ports, version: runtimeVersion(), pid: process.pid });
